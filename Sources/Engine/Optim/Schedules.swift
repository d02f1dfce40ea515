#if canImport(Glibc)
  import Glibc
#endif

/// A learning rate as a function of the optimizer step (0-based).
public protocol LRSchedule: Sendable {
  /// Learning rate for `step`.
  func learningRate(at step: Int) -> Float
}

extension LRSchedule {
  /// Sets `optimizer.learningRate` for its next step.
  public func apply(to optimizer: Optimizer) { optimizer.learningRate = learningRate(at: optimizer.stepCount) }
}

/// A fixed rate.
public struct ConstantLR: LRSchedule {
  /// The rate.
  public let base: Float
  /// A fixed rate `base`.
  public init(_ base: Float) { self.base = base }
  /// `base` at every step.
  public func learningRate(at step: Int) -> Float { base }
}

/// Multiplies the rate by `gamma` every `stepSize` steps.
public struct StepLR: LRSchedule {
  public let base: Float, stepSize: Int, gamma: Float
  /// `base` times `gamma` every `stepSize` steps.
  public init(base: Float, stepSize: Int, gamma: Float = 0.1) {
    (self.base, self.stepSize, self.gamma) = (base, stepSize, gamma)
  }
  /// base · gamma^⌊step / stepSize⌋.
  public func learningRate(at step: Int) -> Float { base * powf(gamma, Float(step / Swift.max(stepSize, 1))) }
}

/// Cosine decay from `base` to `minimum` over `totalSteps`, then `minimum`.
public struct CosineLR: LRSchedule {
  public let base: Float, totalSteps: Int, minimum: Float
  /// Cosine decay from `base` to `minimum` over `totalSteps`.
  public init(base: Float, totalSteps: Int, minimum: Float = 0) {
    (self.base, self.totalSteps, self.minimum) = (base, totalSteps, minimum)
  }
  /// minimum + ½(base − minimum)(1 + cos(π · step / totalSteps)), then `minimum`.
  public func learningRate(at step: Int) -> Float {
    if step >= totalSteps { return minimum }
    let progress = Float(step) / Float(Swift.max(totalSteps, 1))
    return minimum + 0.5 * (base - minimum) * (1 + cosf(Float.pi * progress))
  }
}

/// `base` until `holdSteps`, then a straight line down to 0 at `totalSteps` (CycleGAN's schedule).
public struct LinearDecayLR: LRSchedule {
  /// The rate while holding.
  public let base: Float
  /// Steps at `base` before the decay.
  public let holdSteps: Int
  /// The step at which the rate reaches 0.
  public let totalSteps: Int
  /// Holds `base` for `holdSteps`, then falls linearly to 0 at `totalSteps`.
  public init(base: Float, holdSteps: Int, totalSteps: Int) {
    self.base = base
    self.holdSteps = holdSteps
    self.totalSteps = totalSteps
  }
  /// `base`, then the linear decay, then 0.
  public func learningRate(at step: Int) -> Float {
    if step < holdSteps { return base }
    let left = Float(Swift.max(totalSteps - step, 0)) / Float(Swift.max(totalSteps - holdSteps, 1))
    return base * left
  }
}

/// Linear warm-up from 0 to the wrapped schedule over `warmupSteps`, then the wrapped schedule
/// (shifted so that it starts after the warm-up).
public struct WarmupLR<S: LRSchedule>: LRSchedule {
  /// Steps of linear warm-up.
  public let warmupSteps: Int
  /// The schedule after the warm-up (its step 0 is the first step after it).
  public let after: S
  /// Linear warm-up over `warmupSteps`, then `after`.
  public init(warmupSteps: Int, then after: S) {
    self.warmupSteps = warmupSteps
    self.after = after
  }
  /// The warm-up fraction of the rate `after` starts at, then `after`.
  public func learningRate(at step: Int) -> Float {
    if step < warmupSteps { return after.learningRate(at: 0) * Float(step + 1) / Float(warmupSteps) }
    return after.learningRate(at: step - warmupSteps)
  }
}

/// Scales gradients so that their global L2 norm is at most `maxNorm`; returns the norm before clipping.
@discardableResult
public func clipGradNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
  var total: Double = 0
  for p in parameters {
    guard let g = p.grad else { continue }
    let gc = g.contiguous()
    for i in 0..<gc.count { total += Double(gc.ptr[i]) * Double(gc.ptr[i]) }
  }
  let norm = Float(total.squareRoot())
  let scale = maxNorm / (norm + 1e-6)
  if scale < 1 {
    for p in parameters {
      guard let g = p.grad else { continue }
      let gc = g.contiguous()
      for i in 0..<gc.count { gc.ptr[i] *= scale }
      p.grad = gc
    }
  }
  return norm
}

/// Settings of the schedule both sequence trainers use: linear warm-up, then cosine decay from `learningRate` to
/// `minLearningRate` at `steps` (the run's length; a budget may stop earlier).
public struct WarmupCosineSettings: Codable, Sendable, Equatable {
  /// Steps the schedule spans.
  public var steps: Int
  /// Peak learning rate (reached at the end of the warm-up).
  public var learningRate: Float
  /// Learning rate at the end of the decay.
  public var minLearningRate: Float
  /// Steps of linear warm-up.
  public var warmupSteps: Int

  /// Settings.
  public init(steps: Int, learningRate: Float, minLearningRate: Float, warmupSteps: Int) {
    (self.steps, self.learningRate, self.minLearningRate, self.warmupSteps) = (
      steps, learningRate, minLearningRate, warmupSteps
    )
  }

  /// The schedule.
  public var schedule: WarmupLR<CosineLR> {
    WarmupLR(warmupSteps: warmupSteps, then: CosineLR(base: learningRate, totalSteps: steps, minimum: minLearningRate))
  }
}
