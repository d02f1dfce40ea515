import AppSupport
import ArgumentParser
import Engine
import Environments
import Foundation
import RLKit

/// `rl-drive`: reinforcement learning on driving, gridworld and CartPole environments.
@main
struct RLDrive: ParsableCommand {
  /// Parses negative values after a space (see `normalizedArguments`).
  static func main() { main(normalizedArguments()) }

  static let configuration = CommandConfiguration(
    commandName: "rl-drive",
    abstract: "Trains and runs RL agents: a car on a track, gridworlds, CartPole.",
    discussion: """
      Examples:
        rl-drive                   # the shipped agent drives 3 laps (text)
        rl-drive --render          # the same in an SDL2 window
        rl-drive train --env cartpole --algo dqn   # until CartPole is solved
        rl-drive train --env gridworld --algo value-iteration
        rl-drive eval --env track --episodes 100 --seed 1
      """,
    subcommands: [Run.self, TrainRL.self, EvalRL.self],
    defaultSubcommand: Run.self)
}

enum EnvName: String, ExpressibleByArgument, CaseIterable, Codable { case track, cartpole, gridworld }
enum AlgoName: String, ExpressibleByArgument, CaseIterable, Codable {
  case dqn, ppo, qLearning = "q-learning", sarsa, valueIteration = "value-iteration", policyIteration =
    "policy-iteration"
}

/// What a DQN checkpoint holds besides the weights.
struct RLCheckpointConfig: Codable, ValidatedConfig {
  var env: EnvName
  var dqn: DQNConfig
  var observationSize: Int
  var actions: Int

  func validate() throws {
    try dqn.validate()
    try checkField("observationSize", observationSize, in: 1...100_000)
    try checkField("actions", actions, in: 1...10_000)
  }
}

/// Options naming the environment.
struct EnvOptions: ParsableArguments {
  @Option(help: "Environment: track, cartpole, gridworld.") var env: EnvName = .track
  @Option(help: "Track file(s) for --env track (default: the shipped tracks).") var track: [String] = []
  @Flag(help: "Track: also train/evaluate on seeded procedural tracks.") var procedural = false
  @Flag(help: "Track: only seeded procedural tracks (e.g. to evaluate on tracks never seen in training).")
  var onlyProcedural = false
  @Option(help: "Gridworld map file (default: the REINFORCEjs-style 10×10 layout).") var map: String?

  func tracks() throws -> [Track] {
    if onlyProcedural { return [] }
    let files =
      track.isEmpty ? ["oval", "kidney", "clover"].map { assetsDirectory() + "/tracks/\($0).track" } : track
    return try files.map { path in
      let bytes = try FileIO.read(path)
      return try Track(text: String(decoding: bytes, as: UTF8.self), source: path)
    }
  }

  func gridworld() throws -> GridWorld {
    guard let map else { return try GridWorld(map: GridWorld.defaultMap, source: "default map") }
    return try GridWorld(map: String(decoding: try FileIO.read(map), as: UTF8.self), source: map)
  }
}

/// What a PPO checkpoint holds besides the weights.
struct PPOCheckpointConfig: Codable, ValidatedConfig {
  var env: EnvName
  var ppo: PPOConfig
  var observationSize: Int
  var actions: Int
  var continuous: Bool

  func validate() throws {
    try ppo.validate()
    try checkField("observationSize", observationSize, in: 1...100_000)
    try checkField("actions", actions, in: 1...10_000)
  }
}

/// A trained policy of either kind, acting greedily.
enum Policy {
  case dqn(DQNAgent)
  case ppo(PPOAgent)

  /// The greedy action in an environment with meta-actions, or continuous (steer, throttle) for PPO --continuous.
  func step(_ env: inout TrackSet, _ obs: [Float]) -> StepResult {
    switch self {
    case .dqn(let a): return env.step(a.act(obs))
    case .ppo(let a):
      let action = a.act(obs, greedy: true)
      if a.net.continuous {
        var car = env.current
        let r = car.step(steer: Double(action.continuous[0]), throttle: Double(action.continuous[1]))
        env = env.replacingCurrent(car)
        return r
      }
      return env.step(action.discrete)
    }
  }

  func act(_ obs: [Float]) -> Int {
    switch self {
    case .dqn(let a): return a.act(obs)
    case .ppo(let a): return a.act(obs, greedy: true).discrete
    }
  }
}

/// Loads a DQN or PPO checkpoint written by `rl-drive train` and checks it was trained for `env`.
func loadPolicy(_ path: String, env: EnvName) throws -> Policy {
  let ckpt = try Checkpoint.load(from: path)
  if ckpt.metadata["kestrel.config"]?.contains("\"ppo\"") == true {
    let cfg: PPOCheckpointConfig
    do { cfg = try ckpt.config(PPOCheckpointConfig.self) } catch {
      throw AppError("\(path): PPO config in the metadata is invalid or unreadable: \(error)")
    }
    guard cfg.env == env else {
      throw AppError("\(path): checkpoint is for --env \(cfg.env.rawValue), not \(env.rawValue)")
    }
    try checkSizes(path, env: env, observations: cfg.observationSize, actions: cfg.actions, continuous: cfg.continuous)
    let agent = PPOAgent(
      observations: cfg.observationSize, actions: cfg.actions, continuous: cfg.continuous, config: cfg.ppo)
    do { try agent.net.loadStateDict(ckpt.model) } catch { throw AppError("\(path): \(error)") }
    return .ppo(agent)
  }
  return .dqn(try loadAgent(path, env: env))
}

/// Loads a DQN checkpoint and checks it was trained for `env`.
func loadAgent(_ path: String, env: EnvName) throws -> DQNAgent {
  let ckpt = try Checkpoint.load(from: path)
  let cfg: RLCheckpointConfig
  do { cfg = try ckpt.config(RLCheckpointConfig.self) } catch {
    throw AppError("\(path): not an rl-drive checkpoint (no agent config in its metadata)")
  }
  guard cfg.env == env else {
    throw AppError("\(path): checkpoint is for --env \(cfg.env.rawValue), not \(env.rawValue)")
  }
  try checkSizes(path, env: env, observations: cfg.observationSize, actions: cfg.actions)
  let agent = DQNAgent(observations: cfg.observationSize, actions: cfg.actions, config: cfg.dqn)
  do { try agent.online.loadStateDict(ckpt.model) } catch { throw AppError("\(path): \(error)") }
  return agent
}

/// An agent must match the environment's observation size and action count (else its actions leave the space).
func checkSizes(_ path: String, env: EnvName, observations: Int, actions: Int, continuous: Bool = false) throws {
  let expected = env == .cartpole ? (4, 2) : (TrackDriving.Config().rays + 4, continuous ? 2 : 9)
  guard observations == expected.0 && actions == expected.1 else {
    throw AppError(
      "\(path): agent has \(observations) inputs and \(actions) actions; --env \(env.rawValue) needs \(expected.0) and \(expected.1)"
    )
  }
}

/// `rl-drive`: the shipped driving agent on one episode, reported as text.
struct Run: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run", abstract: "Runs the shipped driving agent for one episode (the default command).")
  @OptionGroup var envOptions: EnvOptions
  @OptionGroup var agent: AgentOptions
  @Flag(help: "Show it in a window (SDL2); keys: space pause, +/- speed, r reset, arrows drive, q quit.")
  var render = false
  @Option(help: "Write the rendered frames as PNG into this folder (works without a display).") var record: String?
  @Option(help: "With --record: keep every N-th frame.") var recordEvery = 1
  @Option(help: "Stop after this many frames.") var frames: Int?
  @Option(help: "Gridworld viewer: Q-learning episodes to show.") var episodes = 2000

  func validate() throws {
    guard recordEvery >= 1 else { throw ValidationError("--record-every must be at least 1 (got \(recordEvery))") }
    if let frames, frames < 1 { throw ValidationError("--frames must be at least 1 (got \(frames))") }
    guard (1...1_000_000).contains(episodes) else {
      throw ValidationError("--episodes must be between 1 and 1000000 (got \(episodes))")
    }
  }

  func run() throws {
    if envOptions.env == .gridworld {
      guard render || record != nil else { throw AppError("--env gridworld is shown with --render (or --record DIR)") }
      return try watchGrid(try envOptions.gridworld(), record: record, episodes: episodes)
    }
    let env = envOptions.env
    let path = agent.checkpoint(for: env)
    let policy = try loadPolicy(path, env: env)
    switch env {
    case .cartpole:
      var e = CartPole()
      var obs = e.reset(seed: agent.seed)
      var total = 0.0
      var done = false
      while !done {
        let r = e.step(policy.act(obs))
        (total, obs, done) = (total + r.reward, r.observation, r.terminated || r.truncated)
      }
      printLine("CartPole episode (seed \(agent.seed)): return \(Int(total)) of 500")
    default:
      if render || record != nil {
        return try watchTrack(
          policy: policy,
          env: TrackSet(
            tracks: try envOptions.tracks(), procedural: envOptions.procedural || envOptions.onlyProcedural),
          seed: agent.seed,
          record: record, recordEvery: max(recordEvery, 1), maxFrames: frames)
      }
      var e = TrackSet(tracks: try envOptions.tracks(), procedural: envOptions.procedural || envOptions.onlyProcedural)
      var obs = e.reset(seed: agent.seed)
      var total = 0.0
      var done = false
      while !done {
        let r = policy.step(&e, obs)
        (total, obs, done) = (total + r.reward, r.observation, r.terminated || r.truncated)
      }
      let car = e.current
      printLine(
        "\(car.track.name): \(car.laps) laps in \(car.steps) steps (\(fixed(Double(car.steps) * car.config.dt, 1)) s), return \(fixed(total, 1))\(car.crashed ? ", crashed" : "")"
      )
    }
  }
}

/// The agent to run and the seed its episodes start from, shared by `rl-drive` and `rl-drive eval`.
struct AgentOptions: ParsableArguments {
  @Option(help: "Agent checkpoint (default: the shipped one for --env).") var model: String?
  @Option(help: "Seed of the (first) episode; on the track it also picks the track.") var seed: UInt64 = 0

  /// The checkpoint to load for `env`.
  func checkpoint(for env: EnvName) -> String {
    model ?? assetsDirectory() + "/agents/\(env.rawValue)-dqn.safetensors"
  }
}
