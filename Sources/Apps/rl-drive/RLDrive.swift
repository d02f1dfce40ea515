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

extension EnvName: ExpressibleByArgument {}
extension AlgoName: ExpressibleByArgument {}

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
