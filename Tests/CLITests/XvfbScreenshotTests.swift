import EnvironmentRendering
import Environments
import Foundation
import XCTest

/// `rl-drive --render` in a real X11 window under Xvfb: a root-window screenshot (xwd) shows the track and the car
/// where they should be. `make test` installs Xvfb and xwd; without them the test is skipped.
final class XvfbScreenshotTests: XCTestCase {
  var dir = ""
  override func setUpWithError() throws { dir = try CLI.tempDirectory() }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

  var assets: String { CLI.assets }

  func which(_ tool: String) -> String? {
    ["/usr/bin/", "/usr/local/bin/", "/bin/"].map { $0 + tool }.first {
      FileManager.default.isExecutableFile(atPath: $0)
    }
  }

  /// Parses an XWD screenshot (ZPixmap, 24 or 32 bits per pixel, LSB first: B, G, R) into RGB rows.
  func parseXWD(_ data: Data) throws -> (width: Int, height: Int, rgb: [UInt8]) {
    let b = [UInt8](data)
    func u32(_ i: Int) -> Int {
      Int(b[i * 4]) << 24 | Int(b[i * 4 + 1]) << 16 | Int(b[i * 4 + 2]) << 8 | Int(b[i * 4 + 3])
    }
    let (headerSize, width, height, bpp, bytesPerLine, ncolors) = (u32(0), u32(4), u32(5), u32(11), u32(12), u32(19))
    XCTAssertTrue(bpp == 24 || bpp == 32, "bits per pixel \(bpp)")
    let start = headerSize + ncolors * 12
    var rgb = [UInt8](repeating: 0, count: width * height * 3)
    for y in 0..<height {
      for x in 0..<width {
        let o = start + y * bytesPerLine + x * (bpp / 8)
        (rgb[(y * width + x) * 3], rgb[(y * width + x) * 3 + 1], rgb[(y * width + x) * 3 + 2]) = (
          b[o + 2], b[o + 1], b[o]
        )
      }
    }
    return (width, height, rgb)
  }

  func testRenderWindowShowsTrackAndCar() throws {
    guard let xvfb = which("Xvfb"), let xwd = which("xwd") else {
      throw XCTSkip("Xvfb/xwd not installed (make test installs them)")
    }
    let display = ":\(70 + Int(getpid() % 20))"
    let server = Process()
    server.executableURL = URL(fileURLWithPath: xvfb)
    // -pixdepths 32: SDL's X11 framebuffer then matches the server's pixmap format (without it, Xvfb's 24-bit
    // screen reports 32 bits per pixel while SDL writes packed 24-bit pixels).
    server.arguments = [display, "-screen", "0", "1280x1024x24", "-pixdepths", "32", "-nolisten", "tcp"]
    server.standardError = Pipe()
    try server.run()
    defer { server.terminate() }
    let socket = "/tmp/.X11-unix/X\(display.dropFirst())"
    for _ in 0..<50 where !FileManager.default.fileExists(atPath: socket) { usleep(100_000) }
    // A barely trained agent is enough to put a car on the track.
    let model = dir + "/t.safetensors"
    let train = try CLI.run("rl-drive", ["train", "--env", "track", "--steps", "200", "--out", model])
    XCTAssertEqual(train.status, 0, train.stderr)
    let viewer = Process()
    viewer.executableURL = CLI.productsDirectory.appendingPathComponent("rl-drive")
    viewer.arguments = ["--render", "--model", model, "--track", assets + "/tracks/oval.track", "--frames", "400"]
    viewer.environment = ["DISPLAY": display, "KESTREL_ASSETS": assets, "HOME": NSTemporaryDirectory()]
    viewer.standardOutput = Pipe()
    viewer.standardError = Pipe()
    try viewer.run()
    defer { if viewer.isRunning { viewer.terminate() } }
    usleep(2_500_000)
    let shot = Process()
    shot.executableURL = URL(fileURLWithPath: xwd)
    shot.arguments = ["-root", "-silent", "-display", display]
    let out = Pipe()
    shot.standardOutput = out
    try shot.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    shot.waitUntilExit()
    let (w, _, rgb) = try parseXWD(data)
    func at(_ p: (Double, Double)) -> (UInt8, UInt8, UInt8) {
      let o = (Int(p.1) * w + Int(p.0)) * 3
      return (rgb[o], rgb[o + 1], rgb[o + 2])
    }
    // The 960×640 window is centred on the 1280×1024 screen.
    let origin = (160.0, 192.0)
    let track = try Track(
      text: String(contentsOfFile: assets + "/tracks/oval.track", encoding: .utf8), source: "oval.track")
    let view = Viewport(track: track, width: 960, height: 640)
    func onScreen(_ p: Vec2) -> (Double, Double) {
      let s = view.screen(p)
      return (origin.0 + s.0, origin.1 + s.1)
    }
    XCTAssertTrue(at(onScreen(Vec2(0, 30))) == Palette.asphalt, "opposite straight: \(at(onScreen(Vec2(0, 30))))")
    XCTAssertTrue(at(onScreen(Vec2(0, 0))) == Palette.grass, "infield: \(at(onScreen(Vec2(0, 0))))")
    // The car: red pixels inside the window, near the track.
    var red: [(Int, Int)] = []
    for y in 192..<832 {
      for x in 160..<1120 where at((Double(x), Double(y))) == Palette.car { red.append((x, y)) }
    }
    XCTAssertGreaterThan(red.count, 20, "no car on screen")
    if let (cx, cy) = red.first {
      let near = (-12...12).contains { dy in
        (-12...12).contains { dx in at((Double(cx + dx), Double(cy + dy))) == Palette.asphalt }
      }
      XCTAssertTrue(near, "the car is not on the track")
    }
  }
}
