/// RMSprop (PyTorch's form): v = αv + (1 − α)g², p −= lr·g / (√v + ε).
public final class RMSprop: OptimizerBase, Optimizer {
  /// Smoothing constant of the squared-gradient average.
  public let alpha: Float
  /// Added to the denominator for stability.
  public let eps: Float

  /// RMSprop over `parameters` (PyTorch's defaults).
  public init(
    _ parameters: [(String, Tensor)], learningRate: Float = 1e-2, alpha: Float = 0.99, eps: Float = 1e-8,
    weightDecay: Float = 0
  ) {
    (self.alpha, self.eps) = (alpha, eps)
    super.init(parameters, learningRate: learningRate, weightDecay: weightDecay, slots: [("square_avg", 0)])
  }

  /// One update from the parameters' gradients.
  public func step() {
    let (lr, a, e, wd) = (learningRate, alpha, eps, weightDecay)
    forEachParameter(namedParameters) { i, p, g, n in
      let v = slots[0].buffers[i].ptr
      for j in 0..<n {
        let gj = g[j] + wd * p[j]
        v[j] = a * v[j] + (1 - a) * gj * gj
        p[j] -= lr * gj / (v[j].squareRoot() + e)
      }
    }
    stepCount += 1
  }
}

/// Adagrad: s += g², p −= lr·g / (√s + ε).
public final class Adagrad: OptimizerBase, Optimizer {
  /// Added to the denominator for stability.
  public let eps: Float

  /// Adagrad over `parameters`; the accumulators start at `initialAccumulator`.
  public init(
    _ parameters: [(String, Tensor)], learningRate: Float = 1e-2, eps: Float = 1e-10, weightDecay: Float = 0,
    initialAccumulator: Float = 0
  ) {
    self.eps = eps
    super.init(
      parameters, learningRate: learningRate, weightDecay: weightDecay, slots: [("sum", initialAccumulator)])
  }

  /// One update from the parameters' gradients.
  public func step() {
    let (lr, e, wd) = (learningRate, eps, weightDecay)
    forEachParameter(namedParameters) { i, p, g, n in
      let s = slots[0].buffers[i].ptr
      for j in 0..<n {
        let gj = g[j] + wd * p[j]
        s[j] += gj * gj
        p[j] -= lr * gj / (s[j].squareRoot() + e)
      }
    }
    stepCount += 1
  }
}
