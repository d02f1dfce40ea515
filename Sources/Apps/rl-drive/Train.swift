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
  @OptionGroup var training: TrainingOptions<RLTraining>
  @Option(
    help: "Algorithm: dqn or ppo (cartpole, track), q-learning, sarsa, value-iteration, policy-iteration (gridworld).")
  var algo: AlgoName = .dqn
  @Option(help: "Environment steps (DQN, PPO).") var steps: Int?
  @Option(help: "Episodes (q-learning, sarsa).") var episodes = 3000
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
    guard (1...10_000_000).contains(episodes) else {
      throw ValidationError("--episodes must be between 1 and 10000000 (got \(episodes))")
    }
  }

  func run() throws {
    if envOptions.env == .gridworld { return try tabular() }
    if algo == .ppo { return try trainPPOCommand() }
    var dqn = DQNConfig()
    (dqn.seed, dqn.batchSize) = (training.seed, training.batchSize)
    if envOptions.env == .cartpole { dqn.totalSteps = 60_000 }
    if envOptions.env == .track {
      (dqn.hidden, dqn.totalSteps, dqn.epsilonDecaySteps, dqn.bufferSize) = ([256, 256], 150_000, 50_000, 100_000)
      dqn.gamma = 0.99
    }
    if let steps { dqn.totalSteps = steps }
    if let lr = training.lr { dqn.learningRate = lr }
    let outPath = training.out ?? "\(envOptions.env.rawValue)-dqn.safetensors"
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
    let run = try training.makeRun(RLRecord.self, out: outPath, data: envOptions.env.rawValue)
    var start = 0
    if let resumed = run.resumed {
      do { try resumed.restore(into: agent.online, optimizer: agent.optimizer) } catch {
        throw AppError("\(run.lastPath): \(error)")
      }
      try agent.target.loadStateDict(agent.online.stateDict())
      start = Int(resumed.metadata["kestrel.step"] ?? "") ?? 0
      if agent.buffer.load(resumed.extras) { printLine("Replay buffer: \(agent.buffer.count) transitions restored") }
    }
    let trainer = DQNTrainer(agent, env: env, evalEnv: evalEnv, evalEpisodes: 20)
    var window: [Double] = []
    let started = monotonicSeconds()
    try run.run(
      plan: TrainingPlan(
        totalSteps: dqn.totalSteps, evalEvery: training.evalEvery, budget: training.budgetSeconds, unit: "steps"),
      startStep: start, best: .highestOrEqual, score: { $0.evalReturn ?? -.infinity },
      curve: (
        "GREEDY RETURN BY EVALUATION",
        [("GREEDY", { $0.evalReturn ?? .nan }), ("TRAINING", { $0.trainReturn ?? .nan })]
      ),
      step: { s in
        let (loss, finished) = trainer.step(s)
        if let finished { window = Array((window + [finished]).suffix(20)) }
        let mean = window.isEmpty ? 0 : window.reduce(0, +) / Double(window.count)
        return TrainingStep(loss: loss, units: 1, status: "return(20) \(fixed(mean, 1))")
      },
      evaluate: { p in
        let recent = trainer.recent
        let mean = trainer.evaluate(step: p.step)
        return RLRecord(
          step: p.step, evalReturn: mean,
          trainReturn: recent.isEmpty ? nil : recent.reduce(0, +) / Double(recent.count),
          episodes: recent.count, seconds: p.seconds)
      },
      save: { path, withOptimizer, history, meta in
        var ckpt = try TypedCheckpoint<RLCheckpointConfig, RLRecord>.make(
          agent.online, optimizer: withOptimizer ? agent.optimizer : nil, config: cfg, kind: "rl-drive",
          history: history, metadata: meta.merging(["kestrel.steps": "\(dqn.totalSteps)"]) { a, _ in a })
        if saveBuffer && withOptimizer { ckpt.extras = agent.buffer.tensors() }
        try ckpt.save(to: path)
      },
      report: { r, _ in printLine("step \(r.step): greedy return over 20 episodes \(fixed(r.evalReturn ?? .nan, 1))") })
    env = trainer.env
    printLine(
      "Best greedy return \(fixed(trainer.best.score, 1)) → \(outPath) (\(fixed(monotonicSeconds() - started, 0)) s; curve \(outPath).curve.png)"
    )
  }

  /// PPO: CartPole (discrete) or the track with continuous steering and throttle (`--continuous`) or meta-actions.
  func trainPPOCommand() throws {
    do { try Distributed.initialize() } catch { throw AppError("\(error)") }  // ranks seed their rollouts apart
    var c = PPOConfig()
    (c.seed, c.minibatch) = (training.seed, training.batchSize)
    if let steps { c.totalSteps = steps }
    if let lr = training.lr { c.learningRate = lr }
    if envOptions.env == .cartpole {
      let e = CartPole()
      let agent = PPOAgent(observations: e.observationSize, actions: 2, continuous: false, config: c)
      try trainPPO(PPOTrainer(agent, env: e), observations: e.observationSize)
    } else {
      let e = TrackSet(tracks: try envOptions.tracks(), procedural: envOptions.procedural || envOptions.onlyProcedural)
      let agent = PPOAgent(
        observations: e.observationSize, actions: continuous ? 2 : 9, continuous: continuous, config: c)
      let trainer =
        continuous
        ? PPOTrainer(agent, env: e) { env, a in
          var car = env.current
          let r = car.step(steer: Double(a.continuous[0]), throttle: Double(a.continuous[1]))
          env = env.replacingCurrent(car)
          return r
        } : PPOTrainer(agent, env: e)
      try trainPPO(trainer, observations: e.observationSize)
    }
  }

  /// Rollouts until --steps (or the budget); the policy is saved after every rollout.
  func trainPPO<E: Environment>(_ trainer: PPOTrainer<E>, observations: Int) throws {
    let agent = trainer.agent
    let c = agent.config
    let outPath = training.out ?? "\(envOptions.env.rawValue)-ppo.safetensors"
    let run = try training.makeRun(RLRecord.self, out: outPath, data: envOptions.env.rawValue)
    var start = 0
    if let resumed = run.resumed {
      do { try resumed.restore(into: agent.net, optimizer: agent.optimizer) } catch {
        throw AppError("\(run.lastPath): \(error)")
      }
      start = Int(resumed.metadata["kestrel.step"] ?? "") ?? 0
    }
    let cfg = PPOCheckpointConfig(
      env: envOptions.env, ppo: c, observationSize: observations, actions: agent.net.actions,
      continuous: agent.net.continuous)
    var last: Double?
    let perRollout = trainer.stepsPerRollout  // environment steps over all ranks (--steps counts them all)
    let rollouts = (c.totalSteps + perRollout - 1) / perRollout
    try run.run(
      plan: TrainingPlan(totalSteps: rollouts, evalEvery: 1, budget: training.budgetSeconds, unit: "steps"),
      startStep: start, best: .latest,
      curve: ("MEAN EPISODE RETURN PER ROLLOUT", [("RETURN", { $0.evalReturn ?? .nan })]),
      step: { _ in
        let (mean, loss) = trainer.rollout()
        last = mean
        return TrainingStep(loss: loss, units: Double(c.rolloutSteps), status: "return \(fixed(mean ?? .nan, 1))")
      },
      evaluate: { p in
        RLRecord(step: p.step * perRollout, evalReturn: last, trainReturn: last, episodes: 0, seconds: p.seconds)
      },
      save: { path, withOptimizer, history, meta in
        try TypedCheckpoint<PPOCheckpointConfig, RLRecord>.make(
          agent.net, optimizer: withOptimizer ? agent.optimizer : nil, config: cfg, kind: "rl-drive",
          history: history, metadata: meta
        ).save(to: path)
      })
    printLine("Last rollout mean return \(fixed(last ?? .nan, 1)) → \(outPath)")
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
      (c.episodes, c.seed) = (episodes, training.seed)
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
  @OptionGroup var agent: AgentOptions
  @Option(help: "Episodes.") var episodes = 100

  func validate() throws {
    guard (1...1_000_000).contains(episodes) else {
      throw ValidationError("--episodes must be between 1 and 1000000 (got \(episodes))")
    }
  }

  func run() throws {
    guard envOptions.env != .gridworld else {
      throw AppError("evaluate gridworld agents with `rl-drive train --env gridworld`")
    }
    let policy = try loadPolicy(agent.checkpoint(for: envOptions.env), env: envOptions.env)
    var returns: [Double] = []
    var laps: [Int] = []
    var crashes = 0
    if envOptions.env == .cartpole {
      var e = CartPole()
      for k in 0..<episodes {
        var obs = e.reset(seed: agent.seed &+ UInt64(k))
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
        var obs = e.reset(seed: agent.seed &+ UInt64(k))
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
      "\(envOptions.env.rawValue): \(episodes) episodes from seed \(agent.seed): return \(fixed(mean, 1)) ± \(fixed(std, 1))"
    )
    if !laps.isEmpty {
      let full = laps.filter { $0 >= 3 }.count
      printLine(
        "  3 laps completed in \(full)/\(episodes) (\(fixed(100 * Double(full) / Double(episodes), 1))%), crash rate \(fixed(100 * Double(crashes) / Double(episodes), 1))%"
      )
    }
  }
}

/// rl-drive's defaults for the shared training flags.
enum RLTraining: TrainingDefaults {
  static let values = TrainingDefaultValues(
    learningRate: "1e-3 for DQN, 3e-4 for PPO", batchSize: 64, out: "<env>-dqn.safetensors or <env>-ppo.safetensors",
    evalEvery: (5000, "steps"))
}
