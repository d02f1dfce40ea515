#if canImport(Glibc)
  import Glibc
#endif

/// Adam, or AdamW with `decoupled: true` (decay applied to the weights, not added to the gradient).
/// `decayMask` selects which parameters are decayed (default: all), e.g. only 2-d weights as nanoGPT does.
public final class Adam: Optimizer {
  public var learningRate: Float
  public let beta1: Float
  public let beta2: Float
  public let eps: Float
  public let weightDecay: Float
  public let decoupled: Bool
  public let namedParameters: [(String, Tensor)]
  public var stepCount = 0
  private let decays: [Bool]
  private let m: StateSlots
  private let v: StateSlots

  public init(
    _ parameters: [(String, Tensor)], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
    eps: Float = 1e-8, weightDecay: Float = 0, decoupled: Bool = false,
    decayMask: (String, Tensor) -> Bool = { _, _ in true }
  ) {
    self.namedParameters = parameters
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.eps = eps
    self.weightDecay = weightDecay
    self.decoupled = decoupled
    decays = parameters.map { decayMask($0.0, $0.1) }
    m = StateSlots("exp_avg", like: parameters)
    v = StateSlots("exp_avg_sq", like: parameters)
  }

  public func step() {
    stepCount += 1
    let t = Float(stepCount)
    let bc1 = 1 - powf(beta1, t)
    let bc2 = 1 - powf(beta2, t)
    let (lr, b1, b2, e) = (learningRate, beta1, beta2, eps)
    let stepSize = lr / bc1
    let invSqrtBc2 = 1 / bc2.squareRoot()
    forEachParameter(namedParameters) { i, p, g, n in
      let mp = m.buffers[i].ptr
      let vp = v.buffers[i].ptr
      let wd = decays[i] ? weightDecay : 0
      let shrink = decoupled ? 1 - lr * wd : 1
      let l2 = decoupled ? 0 : wd
      for j in 0..<n {
        let gj = g[j] + l2 * p[j]
        mp[j] = b1 * mp[j] + (1 - b1) * gj
        vp[j] = b2 * vp[j] + (1 - b2) * gj * gj
        p[j] = p[j] * shrink - stepSize * mp[j] / (vp[j].squareRoot() * invSqrtBc2 + e)
      }
    }
  }

  public func stateTensors() -> [String: Tensor] {
    var d: [String: Tensor] = [:]
    m.export(namedParameters, into: &d)
    v.export(namedParameters, into: &d)
    return d
  }

  public func loadStateTensors(_ state: [String: Tensor]) throws {
    try m.load(namedParameters, from: state)
    try v.load(namedParameters, from: state)
  }
}

/// AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, PyTorch's defaults (wd 0.01).
public func AdamW(
  _ parameters: [(String, Tensor)], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
  eps: Float = 1e-8, weightDecay: Float = 0.01, decayMask: @escaping (String, Tensor) -> Bool = { _, _ in true }
) -> Adam {
  Adam(
    parameters, learningRate: learningRate, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay,
    decoupled: true, decayMask: decayMask)
}
