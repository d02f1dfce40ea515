/// A table of `count` learned vectors of width `dim`, looked up by index.
public final class Embedding: Module {
  /// The table (vocabulary, width).
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
  /// Probability of zeroing an element.
  public let p: Float
  /// Dropout with probability `p`.
  public init(_ p: Float) { self.p = p }
  /// Zeroes elements with probability p and scales the rest by 1/(1 − p) in training; the identity in eval.
  public func callAsFunction(_ input: Tensor) -> Tensor { input.dropout(p, training: isTraining) }
}
