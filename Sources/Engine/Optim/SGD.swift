/// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay (PyTorch's rule).
public final class SGD: OptimizerBase, Optimizer {
  /// Momentum factor (0: plain SGD).
  public let momentum: Float
  /// Nesterov momentum instead of heavy ball.
  public let nesterov: Bool

  /// SGD over `parameters`.
  public init(
    _ parameters: [(String, Tensor)], learningRate: Float, momentum: Float = 0, nesterov: Bool = false,
    weightDecay: Float = 0
  ) {
    (self.momentum, self.nesterov) = (momentum, nesterov)
    super.init(parameters, learningRate: learningRate, weightDecay: weightDecay, slots: [("momentum_buffer", 0)])
  }

  /// One update from the parameters' gradients.
  public func step() {
    let (lr, mu, wd, first) = (learningRate, momentum, weightDecay, stepCount == 0)
    forEachParameter(namedParameters) { i, p, g, n in
      let v = slots[0].buffers[i].ptr
      for j in 0..<n {
        var d = g[j] + wd * p[j]
        if mu != 0 {
          v[j] = first ? d : mu * v[j] + d
          d = nesterov ? d + mu * v[j] : v[j]
        }
        p[j] -= lr * d
      }
    }
    stepCount += 1
  }
}
