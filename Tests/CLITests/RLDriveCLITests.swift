import Engine
import Foundation
import XCTest

/// `rl-drive` end to end: tabular gridworld commands, a short DQN run, and bad input.
final class RLDriveCLITests: XCTestCase {
  var dir = ""
  override func setUpWithError() throws { dir = try CLI.tempDirectory() }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

  var assets: String { CLI.assets }

  func rl(_ args: [String]) throws -> CLIResult {
    try CLI.run("rl-drive", args, environment: ["KESTREL_ASSETS": assets])
  }

  func testGridworldValueIterationIsExact() throws {
    let r = try rl(["train", "--env", "gridworld", "--algo", "value-iteration"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let first = r.stdout.split(separator: "\n").first.map(String.init) ?? ""
    XCTAssertTrue(first.hasPrefix("value iteration: 13 sweeps; max |V − V*| "), first)
    let words = first.split(separator: " ").map(String.init)
    let gap = words.firstIndex(of: "V*|").flatMap { Double(words[$0 + 1]) } ?? 1
    XCTAssertLessThan(gap, 1e-9)
    XCTAssertEqual(r.stdout.split(separator: "\n").count, 11)  // header + 10 grid rows
  }

  func testShortDQNRunWritesCheckpointAndRejectsTheWrongEnvironment() throws {
    let out = dir + "/cp.safetensors"
    let r = try rl(["train", "--env", "cartpole", "--steps", "1500", "--out", out])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertTrue(r.stdout.contains("Best greedy return"), r.stdout)
    XCTAssertTrue(FileIO.exists(out) && FileIO.exists(out + ".curve.png") && FileIO.exists(out + ".metrics.csv"))
    let eval = try rl(["eval", "--env", "cartpole", "--model", out, "--episodes", "3"])
    XCTAssertEqual(eval.status, 0, eval.stderr)
    XCTAssertTrue(eval.stdout.hasPrefix("cartpole: 3 episodes from seed 0: return "), eval.stdout)
    let wrong = try rl(["eval", "--env", "track", "--model", out, "--episodes", "1"])
    XCTAssertEqual(wrong.status, 1)
    XCTAssertEqual(wrong.stderr, "Error: \(out): checkpoint is for --env cartpole, not track\n")
  }

  func testMalformedMapAndTrackFilesAreOneLineErrors() throws {
    try "S..\n.Q.\n..G\n".write(toFile: dir + "/bad.map", atomically: true, encoding: .utf8)
    let map = try rl(["train", "--env", "gridworld", "--algo", "q-learning", "--map", dir + "/bad.map"])
    XCTAssertEqual(map.status, 1)
    XCTAssertEqual(map.stderr, "Error: \(dir)/bad.map:2: unknown cell 'Q' (use . # X G S)\n")
    try "width 10\npoint 0 0\npoint 1\n".write(toFile: dir + "/bad.track", atomically: true, encoding: .utf8)
    let track = try rl(["eval", "--env", "track", "--track", dir + "/bad.track", "--model", dir + "/none.safetensors"])
    XCTAssertEqual(track.status, 1)
    XCTAssertEqual(track.stderr.split(separator: "\n").count, 1, track.stderr)
    let algo = try rl(["train", "--env", "cartpole", "--algo", "sarsa"])
    XCTAssertNotEqual(algo.status, 0)
    XCTAssertTrue(algo.stderr.hasPrefix("Error: --algo sarsa is for --env gridworld"), algo.stderr)
  }
}

extension RLDriveCLITests {
  /// PPO learns CartPole quickly: after 8 rollouts (16,384 steps) episodes last far longer than random ones (~22).
  func testPPOLearnsCartPole() throws {
    let out = dir + "/ppo.safetensors"
    let r = try rl(["train", "--env", "cartpole", "--algo", "ppo", "--steps", "16384", "--out", out])
    XCTAssertEqual(r.status, 0, r.stderr)
    let last = r.stdout.split(separator: "return ").last.flatMap { Double($0.prefix(while: { $0 != " " })) } ?? 0
    XCTAssertGreaterThan(last, 100, r.stdout)
    let eval = try rl(["eval", "--env", "cartpole", "--model", out, "--episodes", "5"])
    XCTAssertEqual(eval.status, 0, eval.stderr)
  }
}
