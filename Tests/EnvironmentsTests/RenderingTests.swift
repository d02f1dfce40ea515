import EnvironmentRendering
import Foundation
import XCTest

@testable import Environments

/// The viewers drawn headless (SDL's dummy video driver, software renderer) and read back.
final class RenderingTests: XCTestCase {
  func pixel(_ px: [UInt8], _ w: Int, _ p: (Double, Double)) -> (UInt8, UInt8, UInt8) {
    let o = (Int(p.1) * w + Int(p.0)) * 3
    return (px[o], px[o + 1], px[o + 2])
  }

  func testTrackCarAndGrassAreWhereTheyShouldBe() throws {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
      "../../assets/tracks/oval.track"
    )
    .standardized.path
    let track = try Track(text: String(contentsOfFile: path, encoding: .utf8), source: path)
    var env = TrackDriving(track: track)
    _ = env.reset()
    for _ in 0..<30 { _ = env.step(1) }  // straight, accelerating: the car moves along the bottom straight
    let window = try Window(title: "test", width: 640, height: 400, headless: true)
    let view = Viewport(track: track, width: 640, height: 400)
    drawTrack(env, in: window, viewport: view, hud: "LAP 0")
    let px = try window.readPixels()
    // The car: 1.5 m ahead of the rear axle, on the centre line.
    let carPoint = view.screen(Vec2(env.position.x + 1.5 * cos(env.heading), env.position.y + 1.5 * sin(env.heading)))
    XCTAssertTrue(pixel(px, 640, carPoint) == Palette.car, "car pixel \(pixel(px, 640, carPoint))")
    // The opposite straight's centre line is asphalt; the infield centre is grass.
    XCTAssertTrue(pixel(px, 640, view.screen(Vec2(0, 30))) == Palette.asphalt)
    XCTAssertTrue(pixel(px, 640, view.screen(Vec2(0, 0))) == Palette.grass)
  }

  func testGridViewerMarksTheGoalAndTheAgent() throws {
    let g = try GridWorld(map: GridWorld.defaultMap)
    let window = try Window(title: "grid", width: 400, height: 430, headless: true)
    drawGrid(g, values: [Double](repeating: 0, count: g.stateCount), policy: nil, agent: 0, in: window, hud: "GRID")
    let px = try window.readPixels()
    // 40 px cells below a 30 px HUD: the goal (7, 5) is yellow, the agent at (0, 0) is blue in its cell centre.
    XCTAssertTrue(pixel(px, 400, (7 * 40 + 20, 30 + 5 * 40 + 20)) == (250, 210, 40))
    XCTAssertTrue(pixel(px, 400, (20, 30 + 20)) == (60, 140, 255))
  }
}
