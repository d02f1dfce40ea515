// The Gymnasium-style contract every Kestrel environment implements. Environments are pure Swift with no
// Engine dependency, so they run fast headless and can be tested on their own.

/// What one `step` returns.
public struct StepResult: Sendable {
  /// Observation after the step, flattened.
  public var observation: [Float]
  /// Reward for the step.
  public var reward: Double
  /// The episode ended by the environment's own rules (crash, goal, pole fell).
  public var terminated: Bool
  /// The episode was cut short from outside (time limit).
  public var truncated: Bool

  public init(observation: [Float], reward: Double, terminated: Bool, truncated: Bool) {
    self.observation = observation
    self.reward = reward
    self.terminated = terminated
    self.truncated = truncated
  }
}

/// A reinforcement-learning environment (Gymnasium's `Env`): seeded `reset`, then `step` until the episode ends.
public protocol Environment {
  /// The type of an action: `Int` for discrete spaces, `[Float]` for continuous ones.
  associatedtype Action
  /// Length of the flattened observation.
  var observationSize: Int { get }
  /// Number of discrete actions.
  var actionCount: Int { get }
  /// Starts a new episode; the same seed gives the same episode.
  mutating func reset(seed: UInt64?) -> [Float]
  /// Applies one action.
  mutating func step(_ action: Action) -> StepResult
}
