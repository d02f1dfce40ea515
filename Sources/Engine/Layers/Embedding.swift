/// A table of `count` learned vectors of width `dim`, looked up by index.
public final class Embedding: Module {
  public var weight: Tensor

  /// Rows drawn from N(0, 1), as PyTorch does.
  public init(_ count: Int, _ dim: Int) {
    weight = Tensor.randn([count, dim], generator: &Random.global).requiringGrad()
  }

  /// Rows for `indices` arranged as `shape` + [dim] (default: [indices.count, dim]).
  public func callAsFunction(_ indices: [Int], shape: [Int]? = nil) -> Tensor {
    let rows = weight.indexSelect(rows: indices)  // (N, D)
    guard let shape else { return rows }
    return rows.reshaped(shape + [weight.shape[1]])
  }
}

/// Inverted dropout as a layer; active only in training mode.
public final class Dropout: Module, Layer {
  public let p: Float
  public init(_ p: Float) { self.p = p }
  public func callAsFunction(_ input: Tensor) -> Tensor { input.dropout(p, training: isTraining) }
}
