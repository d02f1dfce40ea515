import Foundation
import XCTest

@testable import Environments

final class CartPoleTests: XCTestCase {
  struct Fixture: Decodable {
    struct Step: Decodable {
      let action: Int
      let obs: [Double]
      let reward: Double
      let terminated: Bool
      let truncated: Bool
    }
    struct Episode: Decodable {
      let name: String
      let initial_state: [Double]
      let steps: [Step]
    }
    let episodes: [Episode]
  }

  /// Gymnasium 1.4.0 CartPole-v1 trajectories for recorded actions (Tests/Fixtures/make_cartpole_fixture.py).
  func testMatchesGymnasiumTrajectories() throws {
    let url = try XCTUnwrap(
      Bundle.module.url(forResource: "cartpole_gymnasium", withExtension: "json", subdirectory: "Fixtures"))
    let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    XCTAssertEqual(fixture.episodes.map(\.steps.count), [500, 22])
    for ep in fixture.episodes {
      var env = CartPole()
      _ = env.reset(seed: 0)
      let s = ep.initial_state
      env.state = (s[0], s[1], s[2], s[3])
      for (k, step) in ep.steps.enumerated() {
        let r = env.step(step.action)
        for i in 0..<4 {
          XCTAssertEqual(Double(r.observation[i]), step.obs[i], accuracy: 1e-6, "\(ep.name) step \(k) obs \(i)")
        }
        XCTAssertEqual(r.reward, step.reward, "\(ep.name) step \(k)")
        XCTAssertEqual(r.terminated, step.terminated, "\(ep.name) step \(k)")
        XCTAssertEqual(r.truncated, step.truncated, "\(ep.name) step \(k)")
      }
    }
  }

  func testResetIsSeeded() {
    var a = CartPole()
    var b = CartPole()
    XCTAssertEqual(a.reset(seed: 3), b.reset(seed: 3))
    XCTAssertNotEqual(a.reset(seed: 3), b.reset(seed: 4))
    XCTAssertTrue(a.reset(seed: 5).allSatisfy { abs($0) <= 0.05 })
  }
}

final class GridWorldTests: XCTestCase {
  func testDefaultMapAndTransitions() throws {
    let g = try GridWorld(map: GridWorld.defaultMap)
    XCTAssertEqual(g.width, 10)
    XCTAssertEqual(g.height, 10)
    XCTAssertEqual(g.start, 0)
    // Bumping into the top-left corner stays in place and costs the step.
    XCTAssertEqual(g.transition(0, 0).next, 0)
    XCTAssertEqual(g.transition(0, 0).reward, -0.01, accuracy: 1e-12)
    // Into a wall (row 2, col 2) from above: stays.
    XCTAssertEqual(g.transition(12, 3).next, 12)
    // Into the cliff at (8, 2) from (8, 1): −1 − 0.01.
    XCTAssertEqual(g.transition(18, 3).reward, -1.01, accuracy: 1e-12)
    // Into the goal at (7, 5) from (7, 4): +1 − 0.01 and terminal.
    let t = g.transition(47, 3)
    XCTAssertEqual(t.next, 57)
    XCTAssertTrue(t.terminal)
    XCTAssertEqual(t.reward, 0.99, accuracy: 1e-12)
  }

  func testMalformedMapsNameTheLine() {
    XCTAssertThrowsError(try GridWorld(map: "S..\n.Q.\n..G", source: "m.txt")) {
      XCTAssertEqual("\($0)", "m.txt:2: unknown cell 'Q' (use . # X G S)")
    }
    XCTAssertThrowsError(try GridWorld(map: "// c\nS..\n..\n..G", source: "m.txt")) {
      XCTAssertEqual("\($0)", "m.txt:3: row has 2 cells, expected 3")
    }
    XCTAssertThrowsError(try GridWorld(map: "...\n..G", source: "m.txt")) {
      XCTAssertEqual("\($0)", "m.txt: no start cell 'S'")
    }
  }
}
