import Foundation
import XCTest

@testable import Environments

final class TrackTests: XCTestCase {
  var tracksDir: String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../assets/tracks")
      .standardized.path
  }

  func loadTrack(_ name: String) throws -> Track {
    let path = tracksDir + "/\(name).track"
    return try Track(text: String(contentsOfFile: path, encoding: .utf8), source: path)
  }

  /// Pure pursuit towards a point `lookahead` metres ahead on the centre line, at a cornering-safe speed.
  func drive(_ env: inout TrackDriving, lookahead: Double = 12, targetSpeed: Double = 12) -> (laps: Int, crashed: Bool)
  {
    var done = false
    while !done {
      let p = env.track.project(env.position, hint: 0, window: env.track.centre.count)
      var s = p.s + lookahead
      if s >= env.track.length { s -= env.track.length }
      let i = env.track.arc.lastIndex(where: { $0 <= s }) ?? 0
      let target = env.track.centre[(i + 1) % env.track.centre.count]
      let bearing = atan2(target.y - env.position.y, target.x - env.position.x) - env.heading
      let err = atan2(sin(bearing), cos(bearing))
      let r = env.step(steer: max(-1, min(1, err / env.config.maxSteer)), throttle: env.speed < targetSpeed ? 1 : -0.2)
      done = r.terminated || r.truncated
    }
    return (env.laps, env.crashed)
  }

  func testAPurePursuitDriverCompletesThreeLapsOnEveryShippedTrack() throws {
    for name in ["oval", "kidney", "clover"] {
      var env = TrackDriving(track: try loadTrack(name))
      let result = drive(&env)
      XCTAssertFalse(result.crashed, name)
      XCTAssertEqual(result.laps, 3, name)
    }
    var env = TrackDriving(track: .procedural(seed: 42))
    XCTAssertEqual(drive(&env).laps, 3)
  }

  func testDrivingStraightOffTheTrackCrashesWithThePenalty() throws {
    var env = TrackDriving(track: try loadTrack("oval"))
    var last = env.step(steer: 1, throttle: 1)
    while !last.terminated && !last.truncated { last = env.step(steer: 1, throttle: 1) }
    XCTAssertTrue(env.crashed)
    XCTAssertEqual(last.reward, env.config.crashPenalty)
  }

  func testRaysSeeBothEdgesOnAStraight() throws {
    var env = TrackDriving(track: try loadTrack("oval"))
    let obs = env.reset()
    XCTAssertEqual(obs.count, env.observationSize)
    // At the start of the bottom straight, centred: the ±90° rays hit the edges ~6 m away (width 12; the edge
    // vertices there are offset along normals averaged with the preceding bend).
    XCTAssertEqual(env.rayDistances.first ?? 0, 6, accuracy: 0.05)
    XCTAssertEqual(env.rayDistances.last ?? 0, 6, accuracy: 0.05)
    XCTAssertEqual(Double(obs[env.config.rays + 3]), 0, accuracy: 1e-9)  // lateral offset
  }

  func testMalformedTrackFilesNameTheLine() {
    XCTAssertThrowsError(try Track(text: "width 10\npoint 0 0\npoint 1\n", source: "t.track")) {
      XCTAssertEqual("\($0)", "t.track:3: expected 'point <x> <y>' with coordinates within ±100000 metres")
    }
    XCTAssertThrowsError(try Track(text: "width -2\n", source: "t.track")) {
      XCTAssertEqual("\($0)", "t.track:1: expected 'width <number of metres, above 0 and at most 1000>'")
    }
    XCTAssertThrowsError(try Track(text: "width 5\npoint 0 0\npoint 1 0\n", source: "t.track")) {
      XCTAssertEqual("\($0)", "t.track: needs at least 3 points, has 2")
    }
  }

  /// Degenerate geometry (issue 24): infinite or huge widths and coordinates, repeated points, and a loop that
  /// encloses no road are errors, not hangs in the ray scan.
  func testDegenerateTracksAreErrors() {
    let cases = [
      (
        "width inf\npoint 0 0\npoint 50 0\npoint 0 50\n",
        "t.track:1: expected 'width <number of metres, above 0 and at most 1000>'"
      ),
      (
        "width 10\npoint 0 0\npoint 1e308 0\n",
        "t.track:3: expected 'point <x> <y>' with coordinates within ±100000 metres"
      ),
      (
        "width 10\npoint 0 0\npoint 0 0\n",
        "t.track:3: point repeats the previous one (points must be at least 1 cm apart)"
      ),
      (
        "width 10\npoint 0 0\npoint 50 0\npoint 100 0\n",
        "t.track: the centre line encloses 0 m², too little for a 10.0 m wide road"
      ),
    ]
    for (text, message) in cases {
      XCTAssertThrowsError(try Track(text: text, source: "t.track")) { XCTAssertEqual("\($0)", message) }
    }
    XCTAssertNoThrow(try Track(text: "width 10\npoint 0 0\npoint 80 0\npoint 80 60\npoint 0 0\n", source: "t.track"))
  }
}
