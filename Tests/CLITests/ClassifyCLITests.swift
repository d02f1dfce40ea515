import Datasets
import Engine
import Foundation
import XCTest

/// `classify` through its executable: shipped sample photo output and every kind of bad input.
final class ClassifyCLITests: XCTestCase {
  var dir = ""
  override func setUpWithError() throws { dir = try CLI.tempDirectory() }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

  var assets: String { CLI.assets }

  func classify(_ args: [String]) throws -> CLIResult {
    try CLI.run("classify", args, environment: ["KESTREL_ASSETS": assets])
  }

  func testSamplePhotoExactOutput() throws {
    let r = try classify(["--top", "3", assets + "/samples/coffee.png"])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(r.stdout, "\(assets)/samples/coffee.png\n  0.951  espresso\n  0.015  tea cup\n  0.008  consomme\n")
  }

  func testOddButValidImagesClassify() throws {
    let tiny = dir + "/one-pixel.png"
    try Image(width: 1, height: 1, channels: 3, pixels: [200, 30, 30]).writePNG(to: tiny)
    let files =
      ["palette.png", "gray16.png", "gray_alpha.png", "rgb_interlaced.png", "tiny.jpg", "tiny-gray.jpg"].map {
        CLI.fixture($0)
      } + [tiny]
    let r = try classify(["--top", "1", "--json"] + files)
    XCTAssertEqual(r.status, 0, r.stderr)
    let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
    XCTAssertEqual(json.count, files.count)
    for record in json { XCTAssertNotNil(record["top"], "\(record)") }
  }

  func testBadFilesGiveOneLineErrorsAndTheRestStillRuns() throws {
    let text = dir + "/notes.png"
    try "hello".write(toFile: text, atomically: true, encoding: .utf8)
    let good = try FileIO.read(assets + "/samples/coffee.png")
    let cut = dir + "/cut.png"
    try FileIO.writeAtomically(Array(good.prefix(good.count / 2)), to: cut)
    let jpeg = try FileIO.read(CLI.fixture("tiny.jpg"))
    let cutJPEG = dir + "/cut.jpg"
    try FileIO.writeAtomically(Array(jpeg.prefix(jpeg.count / 2)), to: cutJPEG)
    // A PNG header claiming 30000×30000 pixels, with no data.
    var huge: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
    huge += [0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30, 8, 2, 0, 0, 0, 0, 0, 0, 0]
    try FileIO.writeAtomically(huge, to: dir + "/huge.png")
    let cases: [(String, String)] = [
      (dir + "/missing.png", "No such file or directory"),
      (dir, "is a directory, not a file"),
      (text, "not a PNG or JPEG image"),
      (cut, "corrupt or truncated PNG"),
      (cutJPEG, "corrupt or truncated JPEG"),
      (dir + "/huge.png", "image is 30000×30000 pixels, more than the 50 megapixel limit"),
    ]
    let r = try classify(["--top", "1"] + cases.map(\.0) + [assets + "/samples/coffee.png"])
    XCTAssertEqual(r.status, 1)
    XCTAssertTrue(r.stdout.contains("espresso"), r.stdout)
    let errors = r.stderr.split(separator: "\n").map(String.init)
    XCTAssertEqual(errors.count, cases.count, r.stderr)
    for (line, (file, message)) in zip(errors, cases) {
      XCTAssertTrue(line.hasPrefix("Error: \(file): "), line)
      XCTAssertTrue(line.contains(message), "\(line) lacks \(message)")
    }
  }

  func testUnknownModelListsTheAvailableOnes() throws {
    let r = try classify(["--model", "resnet", assets + "/samples/coffee.png"])
    XCTAssertEqual(r.status, 1)
    XCTAssertEqual(
      r.stderr,
      "Error: resnet: unknown model; available: efficientnet-lite0, mnist, fashion-mnist, or a checkpoint path\n")
  }
}

extension ClassifyCLITests {
  /// Photos of handwritten digits (dark ink on light paper, off-centre, large) through the shipped MNIST model.
  func testDigitPhotosWithTheShippedMNISTModel() throws {
    let files = ["digit-photo-7.png", "digit-photo-2.png", "digit-photo-1.png"].map { CLI.fixture($0) }
    let r = try classify(["--model", "mnist", "--top", "1", "--json"] + files)
    XCTAssertEqual(r.status, 0, r.stderr)
    let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
    let labels = json.compactMap { ($0["top"] as? [[String: Any]])?.first?["label"] as? String }
    XCTAssertEqual(labels, ["7", "2", "1"])
  }
}
