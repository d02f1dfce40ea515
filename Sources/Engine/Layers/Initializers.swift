// Weight initialisers (fan-in/fan-out as PyTorch computes them: fan_in = shape[1] · receptive field).

/// Standard initialisation schemes.
public enum Init {
  static func fans(_ shape: [Int]) -> (Int, Int) {
    let receptive = shape.count > 2 ? shape[2...].reduce(1, *) : 1
    let fanIn = shape.count > 1 ? shape[1] * receptive : shape[0]
    return (fanIn, shape[0] * receptive)
  }

  /// Kaiming (He) uniform for ReLU: U(−b, b), b = √(6 / fan_in).
  public static func kaimingUniform(_ shape: [Int], generator: inout PRNG) -> Tensor {
    let b = (6 / Float(fans(shape).0)).squareRoot()
    return Tensor.uniform(shape, low: -b, high: b, generator: &generator)
  }

  /// Kaiming (He) normal for ReLU: N(0, 2 / fan_in).
  public static func kaimingNormal(_ shape: [Int], generator: inout PRNG) -> Tensor {
    Tensor.randn(shape, std: (2 / Float(fans(shape).0)).squareRoot(), generator: &generator)
  }

  /// Xavier (Glorot) uniform: U(−b, b), b = √(6 / (fan_in + fan_out)).
  public static func xavierUniform(_ shape: [Int], generator: inout PRNG) -> Tensor {
    let (i, o) = fans(shape)
    let b = (6 / Float(i + o)).squareRoot()
    return Tensor.uniform(shape, low: -b, high: b, generator: &generator)
  }

  /// Xavier (Glorot) normal: N(0, 2 / (fan_in + fan_out)).
  public static func xavierNormal(_ shape: [Int], generator: inout PRNG) -> Tensor {
    let (i, o) = fans(shape)
    return Tensor.randn(shape, std: (2 / Float(i + o)).squareRoot(), generator: &generator)
  }

  /// PyTorch's default for Linear/Conv: U(−1/√fan_in, 1/√fan_in) (kaiming_uniform with a = √5).
  public static func torchDefault(_ shape: [Int], fanIn: Int, generator: inout PRNG) -> Tensor {
    let b = 1 / Float(Swift.max(fanIn, 1)).squareRoot()
    return Tensor.uniform(shape, low: -b, high: b, generator: &generator)
  }
}
