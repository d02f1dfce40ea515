/// y = x Wᵀ + b over the last dimension: (…, in) → (…, out). Weight (out, in), PyTorch's layout.
public final class Linear: Module, Layer {
  /// Weight (out, in).
  public var weight: Tensor
  /// Bias (out), when the layer has one.
  public var bias: Tensor?

  /// Initialised as PyTorch does (uniform ±1/√in) from the global generator.
  public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) {
    weight = Init.torchDefault([outFeatures, inFeatures], fanIn: inFeatures, generator: &Random.global).requiringGrad()
    self.bias =
      bias ? Init.torchDefault([outFeatures], fanIn: inFeatures, generator: &Random.global).requiringGrad() : nil
  }

  /// (…, in) → (…, out): x Wᵀ + b.
  public func callAsFunction(_ input: Tensor) -> Tensor {
    let y = input.matmul(weight.transposed())  // (…, out)
    guard let bias else { return y }
    return y + bias
  }
}
