import Engine
import Environments
import Foundation
import RLKit
import XCTest

/// Tabular agents on the default gridworld against exact solutions.
final class TabularTests: XCTestCase {
  func testValueIterationMatchesPolicyIterationsExactValues() throws {
    let g = try GridWorld(map: GridWorld.defaultMap)
    let (v, sweeps) = valueIteration(g)
    let exact = policyIteration(g)
    XCTAssertLessThan(sweeps, 10_000)
    for s in g.decisionStates { XCTAssertEqual(v[s], exact.values[s], accuracy: 1e-8, "state \(s)") }
    // Sanity: next to the goal the value is the goal reward minus the step cost.
    XCTAssertEqual(v[47], 0.99, accuracy: 1e-9)
    XCTAssertGreaterThan(v[0], 0)
  }

  func testQLearningConvergesToAnOptimalPolicy() throws {
    let g = try GridWorld(map: GridWorld.defaultMap)
    let optimal = policyIteration(g).values
    var config = TDConfig()
    config.episodes = 4000
    let (q, returns) = temporalDifference(g, config: config)
    let v = evaluatePolicy(g, greedyPolicy(q, states: g.stateCount))
    let worst = g.decisionStates.map { optimal[$0] - v[$0] }.max() ?? 1
    XCTAssertLessThan(worst, 1e-9)  // the greedy policy is optimal in every state
    XCTAssertEqual(returns.count, config.episodes)
  }

  /// SARSA learns the value of its ε-greedy behaviour (safer near cliffs), so its greedy policy is close to, not
  /// necessarily equal to, the optimum; from the start it must reach the goal nearly as well.
  func testSARSALearnsAGoodPolicy() throws {
    let g = try GridWorld(map: GridWorld.defaultMap)
    let optimal = policyIteration(g).values
    var config = TDConfig()
    config.episodes = 4000
    config.epsilon = 0.05
    let (q, _) = temporalDifference(g, sarsa: true, config: config)
    let v = evaluatePolicy(g, greedyPolicy(q, states: g.stateCount))
    XCTAssertGreaterThan(v[g.start], 0.9 * optimal[g.start])
  }
}

/// DQN pieces: the replay buffer survives a checkpoint round trip (extras) and keeps its transitions.
final class ReplayCheckpointTests: XCTestCase {
  func testReplayBufferRoundTripsThroughACheckpoint() throws {
    let buffer = ReplayBuffer(capacity: 10, observationSize: 2)
    for k in 0..<4 { buffer.add([Float(k), 1], k % 2, Float(k) / 2, [Float(k) + 1, 0], done: k == 3) }
    let path = NSTemporaryDirectory() + "kestrel-replay-\(getpid()).safetensors"
    defer { unlink(path) }
    let net = QNetwork(observations: 2, actions: 2, hidden: [4])
    var ckpt = try Checkpoint(model: net, config: ["x": 1])
    ckpt.extras = buffer.tensors()
    try ckpt.save(to: path)
    let loaded = try Checkpoint.load(from: path)
    try net.loadStateDict(loaded.model)  // extras do not disturb strict loading
    let copy = ReplayBuffer(capacity: 10, observationSize: 2)
    XCTAssertTrue(copy.load(loaded.extras))
    XCTAssertEqual(copy.count, 4)
    XCTAssertEqual(copy.tensors()["replay.rewards"]?.toArray(), [0, 0.5, 1, 1.5])
    XCTAssertEqual(copy.tensors()["replay.dones"]?.toArray(), [0, 0, 0, 1])
    XCTAssertFalse(ReplayBuffer(capacity: 10, observationSize: 3).load(loaded.extras))  // another width
  }
}
