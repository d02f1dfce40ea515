/// RMSprop (PyTorch's form): v = αv + (1 − α)g², p −= lr·g / (√v + ε).
public final class RMSprop: Optimizer {
  public var learningRate: Float
  public let alpha: Float
  public let eps: Float
  public let weightDecay: Float
  public let namedParameters: [(String, Tensor)]
  public var stepCount = 0
  private let square: StateSlots

  public init(
    _ parameters: [(String, Tensor)], learningRate: Float = 1e-2, alpha: Float = 0.99, eps: Float = 1e-8,
    weightDecay: Float = 0
  ) {
    self.namedParameters = parameters
    self.learningRate = learningRate
    self.alpha = alpha
    self.eps = eps
    self.weightDecay = weightDecay
    square = StateSlots("square_avg", like: parameters)
  }

  public func step() {
    let (lr, a, e, wd) = (learningRate, alpha, eps, weightDecay)
    forEachParameter(namedParameters) { i, p, g, n in
      let v = square.buffers[i].ptr
      for j in 0..<n {
        let gj = g[j] + wd * p[j]
        v[j] = a * v[j] + (1 - a) * gj * gj
        p[j] -= lr * gj / (v[j].squareRoot() + e)
      }
    }
    stepCount += 1
  }

  public func stateTensors() -> [String: Tensor] {
    var d: [String: Tensor] = [:]
    square.export(namedParameters, into: &d)
    return d
  }

  public func loadStateTensors(_ state: [String: Tensor]) throws { try square.load(namedParameters, from: state) }
}

/// Adagrad: s += g², p −= lr·g / (√s + ε).
public final class Adagrad: Optimizer {
  public var learningRate: Float
  public let eps: Float
  public let weightDecay: Float
  public let namedParameters: [(String, Tensor)]
  public var stepCount = 0
  private let sum: StateSlots

  public init(
    _ parameters: [(String, Tensor)], learningRate: Float = 1e-2, eps: Float = 1e-10, weightDecay: Float = 0,
    initialAccumulator: Float = 0
  ) {
    self.namedParameters = parameters
    self.learningRate = learningRate
    self.eps = eps
    self.weightDecay = weightDecay
    sum = StateSlots("sum", like: parameters, fill: initialAccumulator)
  }

  public func step() {
    let (lr, e, wd) = (learningRate, eps, weightDecay)
    forEachParameter(namedParameters) { i, p, g, n in
      let s = sum.buffers[i].ptr
      for j in 0..<n {
        let gj = g[j] + wd * p[j]
        s[j] += gj * gj
        p[j] -= lr * gj / (s[j].squareRoot() + e)
      }
    }
    stepCount += 1
  }

  public func stateTensors() -> [String: Tensor] {
    var d: [String: Tensor] = [:]
    sum.export(namedParameters, into: &d)
    return d
  }

  public func loadStateTensors(_ state: [String: Tensor]) throws { try sum.load(namedParameters, from: state) }
}
