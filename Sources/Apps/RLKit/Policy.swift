import Engine
import Environments

/// The environments an rl-drive agent is trained for.
public enum EnvName: String, CaseIterable, Codable, Sendable { case track, cartpole, gridworld }

/// The training algorithms of `rl-drive train`.
public enum AlgoName: String, CaseIterable, Codable, Sendable {
  case dqn, ppo, qLearning = "q-learning", sarsa, valueIteration = "value-iteration", policyIteration =
    "policy-iteration"
}

/// An agent checkpoint that cannot be used: not an agent, the wrong environment, sizes that do not fit.
public struct AgentError: Error, CustomStringConvertible {
  /// The message, naming the file.
  public let description: String
  /// An error with its message.
  public init(_ description: String) { self.description = description }
}

/// What a DQN checkpoint holds besides the weights.
public struct RLCheckpointConfig: Codable, ValidatedConfig {
  /// The environment it was trained for.
  public var env: EnvName
  /// The network and training settings.
  public var dqn: DQNConfig
  /// Inputs of the network.
  public var observationSize: Int
  /// Discrete actions.
  public var actions: Int

  /// A config as `rl-drive train --algo dqn` writes it.
  public init(env: EnvName, dqn: DQNConfig, observationSize: Int, actions: Int) {
    (self.env, self.dqn, self.observationSize, self.actions) = (env, dqn, observationSize, actions)
  }

  /// Throws naming the first field out of range.
  public func validate() throws {
    try dqn.validate()
    try checkField("observationSize", observationSize, in: 1...100_000)
    try checkField("actions", actions, in: 1...10_000)
  }
}

/// What a PPO checkpoint holds besides the weights.
public struct PPOCheckpointConfig: Codable, ValidatedConfig {
  /// The environment it was trained for.
  public var env: EnvName
  /// The network and training settings.
  public var ppo: PPOConfig
  /// Inputs of the network.
  public var observationSize: Int
  /// Discrete actions, or the continuous action's size.
  public var actions: Int
  /// Gaussian (steer, throttle) actions instead of the 9 meta-actions.
  public var continuous: Bool

  /// A config as `rl-drive train --algo ppo` writes it.
  public init(env: EnvName, ppo: PPOConfig, observationSize: Int, actions: Int, continuous: Bool) {
    (self.env, self.ppo, self.observationSize, self.actions, self.continuous) =
      (env, ppo, observationSize, actions, continuous)
  }

  /// Throws naming the first field out of range.
  public func validate() throws {
    try ppo.validate()
    try checkField("observationSize", observationSize, in: 1...100_000)
    try checkField("actions", actions, in: 1...10_000)
  }
}

/// A trained policy of either kind, acting greedily.
public enum Policy {
  case dqn(DQNAgent)
  case ppo(PPOAgent)

  /// The greedy action in an environment with meta-actions, or continuous (steer, throttle) for PPO --continuous.
  public func step(_ env: inout TrackSet, _ obs: [Float]) -> StepResult {
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

  /// The greedy discrete action.
  public func act(_ obs: [Float]) -> Int {
    switch self {
    case .dqn(let a): return a.act(obs)
    case .ppo(let a): return a.act(obs, greedy: true).discrete
    }
  }
}

/// Loads a DQN or PPO checkpoint written by `rl-drive train` and checks it was trained for `env`.
public func loadPolicy(_ path: String, env: EnvName) throws -> Policy {
  let ckpt = try Checkpoint.load(from: path)
  if ckpt.metadata["kestrel.config"]?.contains("\"ppo\"") == true {
    let cfg: PPOCheckpointConfig
    do { cfg = try ckpt.config(PPOCheckpointConfig.self) } catch {
      throw AgentError("\(path): PPO config in the metadata is invalid or unreadable: \(error)")
    }
    guard cfg.env == env else {
      throw AgentError("\(path): checkpoint is for --env \(cfg.env.rawValue), not \(env.rawValue)")
    }
    try checkSizes(path, env: env, observations: cfg.observationSize, actions: cfg.actions, continuous: cfg.continuous)
    let agent = PPOAgent(
      observations: cfg.observationSize, actions: cfg.actions, continuous: cfg.continuous, config: cfg.ppo)
    do { try agent.net.loadStateDict(ckpt.model) } catch { throw AgentError("\(path): \(error)") }
    return .ppo(agent)
  }
  return .dqn(try loadAgent(path, env: env))
}

/// Loads a DQN checkpoint and checks it was trained for `env`.
public func loadAgent(_ path: String, env: EnvName) throws -> DQNAgent {
  let ckpt = try Checkpoint.load(from: path)
  let cfg: RLCheckpointConfig
  do { cfg = try ckpt.config(RLCheckpointConfig.self) } catch {
    throw AgentError("\(path): not an rl-drive checkpoint (no agent config in its metadata)")
  }
  guard cfg.env == env else {
    throw AgentError("\(path): checkpoint is for --env \(cfg.env.rawValue), not \(env.rawValue)")
  }
  try checkSizes(path, env: env, observations: cfg.observationSize, actions: cfg.actions)
  let agent = DQNAgent(observations: cfg.observationSize, actions: cfg.actions, config: cfg.dqn)
  do { try agent.online.loadStateDict(ckpt.model) } catch { throw AgentError("\(path): \(error)") }
  return agent
}

/// An agent must match the environment's observation size and action count (else its actions leave the space).
public func checkSizes(_ path: String, env: EnvName, observations: Int, actions: Int, continuous: Bool = false) throws {
  let expected = env == .cartpole ? (4, 2) : (TrackDriving.Config().rays + 4, continuous ? 2 : 9)
  guard observations == expected.0 && actions == expected.1 else {
    throw AgentError(
      "\(path): agent has \(observations) inputs and \(actions) actions; --env \(env.rawValue) needs \(expected.0) and \(expected.1)"
    )
  }
}
