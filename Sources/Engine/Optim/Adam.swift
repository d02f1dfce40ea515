#if canImport(Glibc)
  import Glibc
#endif

/// Adam, or AdamW with `decoupled: true` (decay applied to the weights, not added to the gradient).
/// `decayMask` selects which parameters are decayed (default: all), e.g. only 2-d weights as nanoGPT does.
public final class Adam: OptimizerBase, Optimizer {
  /// Decay of the first-moment average.
  public let beta1: Float
  /// Decay of the second-moment average.
  public let beta2: Float
  /// Added to the denominator for stability.
  public let eps: Float
  /// Decay applied to the weights (AdamW) instead of added to the gradient.
  public let decoupled: Bool
  private let decays: [Bool]

  /// Adam over `parameters`; `decayMask` picks the parameters that are decayed.
  public init(
    _ parameters: [(String, Tensor)], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
    eps: Float = 1e-8, weightDecay: Float = 0, decoupled: Bool = false,
    decayMask: (String, Tensor) -> Bool = { _, _ in true }
  ) {
    (self.beta1, self.beta2, self.eps, self.decoupled) = (beta1, beta2, eps, decoupled)
    decays = parameters.map { decayMask($0.0, $0.1) }
    super.init(
      parameters, learningRate: learningRate, weightDecay: weightDecay, slots: [("exp_avg", 0), ("exp_avg_sq", 0)])
  }

  /// One bias-corrected update (eight lanes at a time).
  public func step() {
    stepCount += 1
    let t = Float(stepCount)
    let bc1 = 1 - powf(beta1, t)
    let bc2 = 1 - powf(beta2, t)
    let (lr, b1, b2, e) = (learningRate, beta1, beta2, eps)
    let stepSize = lr / bc1
    let invSqrtBc2 = 1 / bc2.squareRoot()
    forEachParameter(namedParameters) { i, p, g, n in
      let wd = decays[i] ? weightDecay : 0
      adamUpdate(
        p, g, slots[0].buffers[i].ptr, slots[1].buffers[i].ptr, n, beta1: b1, beta2: b2, eps: e, stepSize: stepSize,
        invSqrtBc2: invSqrtBc2, shrink: decoupled ? 1 - lr * wd : 1, l2: decoupled ? 0 : wd)
    }
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

/// One Adam update over `n` elements, eight lanes at a time (SIMD8), then the tail.
/// m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  p ← p·shrink − stepSize · m / (√v / √(1 − β2ᵗ) + ε)
@inline(__always)
private func adamUpdate(
  _ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
  _ v: UnsafeMutablePointer<Float>, _ n: Int, beta1: Float, beta2: Float, eps: Float, stepSize: Float,
  invSqrtBc2: Float, shrink: Float, l2: Float
) {
  typealias V = SIMD8<Float>
  var j = 0
  let (rp, rg, rm, rv) = (
    UnsafeMutableRawPointer(p), UnsafeRawPointer(g), UnsafeMutableRawPointer(m), UnsafeMutableRawPointer(v)
  )
  while j + 8 <= n {
    let o = j &* 4
    let pj = rp.loadUnaligned(fromByteOffset: o, as: V.self)
    let gj = rg.loadUnaligned(fromByteOffset: o, as: V.self) + l2 * pj
    let mj = beta1 * rm.loadUnaligned(fromByteOffset: o, as: V.self) + (1 - beta1) * gj
    let vj = beta2 * rv.loadUnaligned(fromByteOffset: o, as: V.self) + (1 - beta2) * gj * gj
    rm.storeBytes(of: mj, toByteOffset: o, as: V.self)
    rv.storeBytes(of: vj, toByteOffset: o, as: V.self)
    let update = stepSize * mj / (vj.squareRoot() * invSqrtBc2 + eps)
    rp.storeBytes(of: pj * shrink - update, toByteOffset: o, as: V.self)
    j &+= 8
  }
  while j < n {
    let gj = g[j] + l2 * p[j]
    m[j] = beta1 * m[j] + (1 - beta1) * gj
    v[j] = beta2 * v[j] + (1 - beta2) * gj * gj
    p[j] = p[j] * shrink - stepSize * m[j] / (v[j].squareRoot() * invSqrtBc2 + eps)
    j &+= 1
  }
}
