/// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay (PyTorch's rule).
public final class SGD: Optimizer {
  public var learningRate: Float
  public let momentum: Float
  public let nesterov: Bool
  public let weightDecay: Float
  public let namedParameters: [(String, Tensor)]
  public var stepCount = 0
  private let velocity: StateSlots

  public init(
    _ parameters: [(String, Tensor)], learningRate: Float, momentum: Float = 0, nesterov: Bool = false,
    weightDecay: Float = 0
  ) {
    self.namedParameters = parameters
    self.learningRate = learningRate
    self.momentum = momentum
    self.nesterov = nesterov
    self.weightDecay = weightDecay
    velocity = StateSlots("momentum_buffer", like: parameters)
  }

  public func step() {
    let (lr, mu, wd, first) = (learningRate, momentum, weightDecay, stepCount == 0)
    forEachParameter(namedParameters) { i, p, g, n in
      let v = velocity.buffers[i].ptr
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

  public func stateTensors() -> [String: Tensor] {
    var d: [String: Tensor] = [:]
    velocity.export(namedParameters, into: &d)
    return d
  }

  public func loadStateTensors(_ state: [String: Tensor]) throws { try velocity.load(namedParameters, from: state) }
}
