// CartPole-v1 with Gymnasium's exact dynamics (Barto, Sutton & Anderson 1983; Gymnasium's constants, explicit
// Euler integration, termination at |x| > 2.4 or |θ| > 12°, truncation at 500 steps). State in Double as
// Gymnasium keeps it; observations are (x, ẋ, θ, θ̇) as Float.

/// The classic cart-pole balancing task; actions 0 (push left) and 1 (push right).
public struct CartPole: Environment {
  public typealias Action = Int
  public static let gravity = 9.8
  public static let massCart = 1.0
  public static let massPole = 0.1
  public static let halfLength = 0.5
  public static let forceMagnitude = 10.0
  public static let tau = 0.02
  public static let thetaThreshold = 12 * 2 * Double.pi / 360
  public static let xThreshold = 2.4

  /// (x, ẋ, θ, θ̇)
  public var state: (Double, Double, Double, Double) = (0, 0, 0, 0)
  public private(set) var steps = 0
  public var maxSteps = 500
  private var rng: SplitMix
  private var done = false

  public init(seed: UInt64 = 0) { rng = SplitMix(seed: seed) }

  public var observationSize: Int { 4 }
  public var actionCount: Int { 2 }

  public var observation: [Float] { [Float(state.0), Float(state.1), Float(state.2), Float(state.3)] }

  /// Uniform(−0.05, 0.05) state; the same seed gives the same start.
  public mutating func reset(seed: UInt64? = nil) -> [Float] {
    if let seed { rng = SplitMix(seed: seed) }
    state = (rng.uniform(-0.05, 0.05), rng.uniform(-0.05, 0.05), rng.uniform(-0.05, 0.05), rng.uniform(-0.05, 0.05))
    steps = 0
    done = false
    return observation
  }

  public mutating func step(_ action: Int) -> StepResult {
    precondition(action == 0 || action == 1, "CartPole.step: action \(action) is outside {0, 1}")
    let (x, xDot, theta, thetaDot) = state
    let force = action == 1 ? CartPole.forceMagnitude : -CartPole.forceMagnitude
    let totalMass = CartPole.massPole + CartPole.massCart
    let poleMassLength = CartPole.massPole * CartPole.halfLength
    let cosT = cos(theta)
    let sinT = sin(theta)
    let temp = (force + poleMassLength * (thetaDot * thetaDot) * sinT) / totalMass  // np.square first, as Gymnasium
    let thetaAcc =
      (CartPole.gravity * sinT - cosT * temp)
      / (CartPole.halfLength * (4.0 / 3.0 - CartPole.massPole * (cosT * cosT) / totalMass))
    let xAcc = temp - poleMassLength * thetaAcc * cosT / totalMass
    state = (
      x + CartPole.tau * xDot, xDot + CartPole.tau * xAcc, theta + CartPole.tau * thetaDot,
      thetaDot + CartPole.tau * thetaAcc
    )
    steps += 1
    let terminated =
      state.0 < -CartPole.xThreshold || state.0 > CartPole.xThreshold || state.2 < -CartPole.thetaThreshold
      || state.2 > CartPole.thetaThreshold
    let reward = done ? 0.0 : 1.0
    done = done || terminated
    return StepResult(observation: observation, reward: reward, terminated: terminated, truncated: steps >= maxSteps)
  }
}

/// SplitMix64: a tiny seedable generator for environments (no Engine dependency).
public struct SplitMix: Sendable {
  private var x: UInt64
  public init(seed: UInt64) { x = seed }
  public mutating func next() -> UInt64 {
    x &+= 0x9E37_79B9_7F4A_7C15
    var z = x
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  /// Uniform in [lo, hi).
  public mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
    lo + (hi - lo) * Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
  }
  /// Uniform integer in 0..<n.
  public mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

#if canImport(Glibc)
  import Glibc
#endif
