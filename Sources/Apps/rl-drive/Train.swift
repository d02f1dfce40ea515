import AppSupport
import ArgumentParser
import Engine
import Environments
import Foundation
import RLKit

/// `rl-drive train`.
struct TrainRL: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train", abstract: "Trains an agent; writes a checkpoint, a reward-curve PNG and a metrics CSV.")
  @OptionGroup var envOptions: EnvOptions
  @Option(
    help: "Algorithm: dqn or ppo (cartpole, track), q-learning, sarsa, value-iteration, policy-iteration (gridworld).")
  var algo: AlgoName = .dqn
  @Option(help: "Environment steps (DQN).") var steps: Int?
  @Option(help: "Episodes (q-learning, sarsa).") var episodes = 3000
  @Option(help: "Learning rate (DQN).") var lr: Float?
  @Option(help: "Random seed.") var seed: UInt64 = 0
  @Option(help: "Checkpoint path (DQN).") var out: String?
  @Flag(help: "Continue from the checkpoint at --out (weights, optimizer, and the replay buffer if it was saved).")
  var resume = false
  @Flag(help: "PPO on the track: continuous steering and throttle instead of the 9 meta-actions.") var continuous =
    false
  @Flag(help: "DQN: keep the replay buffer in the checkpoint, so --resume continues with it.") var saveBuffer = false

  func validate() throws {
    let tabular: [AlgoName] = [.qLearning, .sarsa, .valueIteration, .policyIteration]
    if envOptions.env == .gridworld && algo == .dqn { throw ValidationError("use a tabular --algo for gridworld") }
    if envOptions.env != .gridworld && tabular.contains(algo) {
      throw ValidationError("--algo \(algo.rawValue) is for --env gridworld")
    }
    if let steps, steps < 1 { throw ValidationError("--steps must be positive") }
  }

  func run() throws {
    if envOptions.env == .gridworld { return try tabular() }
    if algo == .ppo { return try trainPPOCommand() }
    var dqn = DQNConfig()
    dqn.seed = seed
    if envOptions.env == .cartpole { dqn.totalSteps = 60_000 }
    if envOptions.env == .track {
      (dqn.hidden, dqn.totalSteps, dqn.epsilonDecaySteps, dqn.bufferSize) = ([256, 256], 150_000, 50_000, 100_000)
      dqn.gamma = 0.99
    }
    if let steps { dqn.totalSteps = steps }
    if let lr { dqn.learningRate = lr }
    let outPath = out ?? "\(envOptions.env.rawValue)-dqn.safetensors"
    switch envOptions.env {
    case .cartpole:
      var e = CartPole()
      try trainAndSave(&e, evalEnv: CartPole(), dqn: dqn, outPath: outPath)
    default:
      let tracks = try envOptions.tracks()
      var e = TrackSet(tracks: tracks, procedural: envOptions.procedural || envOptions.onlyProcedural)
      try trainAndSave(
        &e, evalEnv: TrackSet(tracks: tracks, procedural: envOptions.procedural || envOptions.onlyProcedural), dqn: dqn,
        outPath: outPath)
    }
  }

  func trainAndSave<E: Environment>(_ env: inout E, evalEnv: E, dqn: DQNConfig, outPath: String) throws
  where E.Action == Int {
    let agent = DQNAgent(observations: env.observationSize, actions: env.actionCount, config: dqn)
    let cfg = RLCheckpointConfig(
      env: envOptions.env, dqn: dqn, observationSize: env.observationSize, actions: env.actionCount)
    if resume {
      let ckpt = try Checkpoint.load(from: outPath)
      try ckpt.restore(into: agent.online, optimizer: agent.optimizer)
      try agent.target.loadStateDict(agent.online.stateDict())
      let withBuffer = agent.buffer.load(ckpt.extras)
      printLine(
        "Resuming from \(outPath)" + (withBuffer ? " with its \(agent.buffer.count)-transition replay buffer" : ""))
    }
    let metrics = try MetricsLogger(path: outPath + ".metrics.csv", append: resume)
    let bar = ProgressBar(total: dqn.totalSteps, label: "dqn \(envOptions.env.rawValue)", unit: "steps")
    var recent: [Double] = []
    let started = monotonicSeconds()
    let result = trainDQN(
      agent, &env, evalEnv: evalEnv, evalEpisodes: 20,
      onStep: { step, finished in
        if let finished {
          recent.append(finished)
          if recent.count > 20 { recent.removeFirst() }
          metrics.log(["step": Double(step), "episode_return": finished])
        }
        if step % 100 == 0 {
          let mean = recent.isEmpty ? 0 : recent.reduce(0, +) / Double(recent.count)
          bar.advance(100, units: 100, status: "return(20) \(fixed(mean, 1))")
        }
      },
      onEval: { step, mean in
        printLine("step \(step): greedy return over 20 episodes \(fixed(mean, 1))")
        metrics.log(["step": Double(step), "eval_return": mean])
      })
    bar.finish()
    try agent.online.loadStateDict(result.best)
    var ckpt = try Checkpoint(
      model: agent.online, optimizer: agent.optimizer, config: cfg, metadata: ["kestrel.steps": "\(dqn.totalSteps)"])
    if saveBuffer { ckpt.extras = agent.buffer.tensors() }
    try ckpt.save(to: outPath)
    let curve = lineChart(
      title: "EPISODE RETURN", series: [("RETURN", result.episodeReturns, (40, 90, 200))])
    try curve.writePNG(to: outPath + ".curve.png")
    printLine(
      "Best greedy return \(fixed(result.bestScore, 1)) → \(outPath) (\(fixed(monotonicSeconds() - started, 0)) s; curve \(outPath).curve.png)"
    )
  }

  /// PPO: CartPole (discrete) or the track with continuous steering and throttle (`--continuous`) or meta-actions.
  func trainPPOCommand() throws {
    var c = PPOConfig()
    c.seed = seed
    if let steps { c.totalSteps = steps }
    if let lr { c.learningRate = lr }
    let bar = ProgressBar(total: c.totalSteps, label: "ppo \(envOptions.env.rawValue)", unit: "steps")
    var curve: [Double] = []
    let report: (Int, Double) -> Void = { steps, mean in
      if mean.isFinite { curve.append(mean) }
      bar.advance(c.rolloutSteps, units: Double(c.rolloutSteps), status: "return \(fixed(mean, 1))")
    }
    let agent: PPOAgent
    var observations = 4
    if envOptions.env == .cartpole {
      var e = CartPole()
      agent = PPOAgent(observations: e.observationSize, actions: 2, continuous: false, config: c)
      try resumePPO(agent)
      _ = trainPPO(agent, &e, onRollout: report)
    } else if continuous {
      var e = TrackSet(tracks: try envOptions.tracks(), procedural: envOptions.procedural || envOptions.onlyProcedural)
      observations = e.observationSize
      agent = PPOAgent(observations: e.observationSize, actions: 2, continuous: true, config: c)
      try resumePPO(agent)
      _ = trainPPOContinuous(agent, &e) { env, a in
        var car = env.current
        let r = car.step(steer: Double(a[0]), throttle: Double(a[1]))
        env = env.replacingCurrent(car)
        return r
      } onRollout: {
        report($0, $1)
      }
    } else {
      var e = TrackSet(tracks: try envOptions.tracks(), procedural: envOptions.procedural || envOptions.onlyProcedural)
      observations = e.observationSize
      agent = PPOAgent(observations: e.observationSize, actions: 9, continuous: false, config: c)
      try resumePPO(agent)
      _ = trainPPO(agent, &e, onRollout: report)
    }
    bar.finish()
    let outPath = out ?? "\(envOptions.env.rawValue)-ppo.safetensors"
    let cfg = PPOCheckpointConfig(
      env: envOptions.env, ppo: c, observationSize: observations, actions: agent.net.actions,
      continuous: agent.net.continuous)
    try Checkpoint(model: agent.net, optimizer: agent.optimizer, config: cfg).save(to: outPath)
    try lineChart(title: "MEAN EPISODE RETURN PER ROLLOUT", series: [("RETURN", curve, (40, 90, 200))])
      .writePNG(to: outPath + ".curve.png")
    printLine("Last rollout mean return \(fixed(curve.last ?? .nan, 1)) → \(outPath)")
  }

  /// With --resume, loads the policy, value function and optimizer state from --out.
  func resumePPO(_ agent: PPOAgent) throws {
    guard resume else { return }
    let path = out ?? "\(envOptions.env.rawValue)-ppo.safetensors"
    try Checkpoint.load(from: path).restore(into: agent.net, optimizer: agent.optimizer)
    printLine("Resuming from \(path)")
  }

  func tabular() throws {
    let g = try envOptions.gridworld()
    let optimal = policyIteration(g)
    switch algo {
    case .valueIteration:
      let (v, sweeps) = valueIteration(g)
      let gap = g.decisionStates.map { abs(v[$0] - optimal.values[$0]) }.max() ?? 0
      printLine("value iteration: \(sweeps) sweeps; max |V − V*| \(gap) (V* by policy iteration with exact evaluation)")
      printValues(g, v)
    case .policyIteration:
      printLine("policy iteration: \(optimal.iterations) iterations")
      printValues(g, optimal.values)
    default:
      var c = TDConfig()
      (c.episodes, c.seed) = (episodes, seed)
      let (q, returns) = temporalDifference(g, sarsa: algo == .sarsa, config: c)
      let v = evaluatePolicy(g, greedyPolicy(q, states: g.stateCount))
      let gap = g.decisionStates.map { optimal.values[$0] - v[$0] }.max() ?? 0
      printLine(
        "\(algo.rawValue): \(episodes) episodes; greedy policy's value falls short of V* by at most \(fixed(gap, 6))")
      let tail = returns.suffix(100)
      printLine("mean return of the last 100 episodes \(fixed(tail.reduce(0, +) / Double(max(tail.count, 1)), 3))")
      printValues(g, v)
    }
  }

  func printValues(_ g: GridWorld, _ v: [Double]) {
    for y in 0..<g.height {
      let row = (0..<g.width).map { x -> String in
        let s = y * g.width + x
        switch g.cells[s] {
        case .wall: return "  ####"
        case .goal: return "  GOAL"
        default: return leftPadded(fixed(v[s], 2), 6)
        }
      }
      printLine(row.joined())
    }
  }
}

/// `rl-drive eval`: mean ± std return, laps and crash rate over many episodes.
struct EvalRL: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval", abstract: "Evaluates an agent over many episodes.")
  @OptionGroup var envOptions: EnvOptions
  @Option(help: "Agent checkpoint (default: the shipped one).") var model: String?
  @Option(help: "Episodes.") var episodes = 100
  @Option(help: "Seed of the first episode.") var seed: UInt64 = 0

  func run() throws {
    guard envOptions.env != .gridworld else {
      throw AppError("evaluate gridworld agents with `rl-drive train --env gridworld`")
    }
    let policy = try loadPolicy(
      model ?? assetsDirectory() + "/agents/\(envOptions.env.rawValue)-dqn.safetensors", env: envOptions.env)
    var returns: [Double] = []
    var laps: [Int] = []
    var crashes = 0
    if envOptions.env == .cartpole {
      var e = CartPole()
      for k in 0..<episodes {
        var obs = e.reset(seed: seed &+ UInt64(k))
        var total = 0.0
        var done = false
        while !done {
          let r = e.step(policy.act(obs))
          (total, obs, done) = (total + r.reward, r.observation, r.terminated || r.truncated)
        }
        returns.append(total)
      }
    } else {
      var e = TrackSet(tracks: try envOptions.tracks(), procedural: envOptions.procedural || envOptions.onlyProcedural)
      for k in 0..<episodes {
        var obs = e.reset(seed: seed &+ UInt64(k))
        var total = 0.0
        var done = false
        while !done {
          let r = policy.step(&e, obs)
          (total, obs, done) = (total + r.reward, r.observation, r.terminated || r.truncated)
        }
        returns.append(total)
        laps.append(e.current.laps)
        if e.current.crashed { crashes += 1 }
      }
    }
    let mean = returns.reduce(0, +) / Double(returns.count)
    let std = (returns.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(returns.count)).squareRoot()
    printLine(
      "\(envOptions.env.rawValue): \(episodes) episodes from seed \(seed): return \(fixed(mean, 1)) ± \(fixed(std, 1))")
    if !laps.isEmpty {
      let full = laps.filter { $0 >= 3 }.count
      printLine(
        "  3 laps completed in \(full)/\(episodes) (\(fixed(100 * Double(full) / Double(episodes), 1))%), crash rate \(fixed(100 * Double(crashes) / Double(episodes), 1))%"
      )
    }
  }
}
