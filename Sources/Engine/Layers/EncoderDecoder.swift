import Foundation

// Multi-head attention over another sequence and the encoder/decoder layers of the original Transformer
// (Vaswani et al. 2017; PyTorch nn.Transformer's layout and weight names: in_proj packs q, k, v).
// Legend: B = batch, S = source positions, T = target positions, C = width, H = heads, D = C / H.

/// Keys and values of a decoder's self-attention from earlier steps; rows can be reordered (beam search).
public final class DecoderCache {
  var keys: Tensor?  // (B, H, T, D)
  var values: Tensor?

  /// An empty cache.
  public init() {}

  /// Positions cached so far.
  public var count: Int { keys?.shape[2] ?? 0 }

  func append(_ k: Tensor, _ v: Tensor) -> (Tensor, Tensor) {
    let (nk, nv) = noGrad {
      (
        keys.map { Tensor.concat([$0, k], axis: 2) } ?? k.contiguous(),
        values.map { Tensor.concat([$0, v], axis: 2) } ?? v.contiguous()
      )
    }
    (keys, values) = (nk, nv)
    return (nk, nv)
  }

  /// Keeps batch rows `rows` (in that order, repeats allowed): the surviving beams' histories.
  public func reorder(_ rows: [Int]) {
    func pick(_ x: Tensor) -> Tensor {
      let inner = x.shape.dropFirst().reduce(1, *)
      return noGrad {
        x.reshaped([x.shape[0], inner]).indexSelect(rows: rows).reshaped([rows.count] + x.shape.dropFirst())
      }
    }
    keys = keys.map(pick)
    values = values.map(pick)
  }
}

/// Multi-head attention: queries from `x`, keys and values from `x` (self) or a context sequence (cross).
/// `inProj` (3C, C) holds the query, key and value projections stacked, as PyTorch's `in_proj_weight`.
public final class MultiHeadAttention: Module {
  /// Query/key/value projections (C → 3C).
  public let inProj: Linear
  /// Output projection (C → C).
  public let outProj: Linear
  /// Attention heads.
  public let heads: Int
  /// When set, cross-attention keeps its attention weights (B, H, T, S) in `lastWeights` (for plots).
  public var captureWeights = false
  /// The attention weights (B, H, Tq, Tk) of the last call, when asked to keep them.
  public private(set) var lastWeights: Tensor?

  /// Attention of `width` channels in `heads` heads.
  public init(width: Int, heads: Int) {
    precondition(width % heads == 0, "MultiHeadAttention: width \(width) is not divisible by \(heads) heads")
    inProj = Linear(width, 3 * width)
    outProj = Linear(width, width)
    self.heads = heads
    super.init()
    // PyTorch: xavier-uniform in_proj, zero biases.
    let bound = (6 / Float(width + 3 * width)).squareRoot()
    inProj.weight.assign(Tensor.uniform(inProj.weight.shape, low: -bound, high: bound))
    inProj.bias?.assign(Tensor(zeros: [3 * width]))
    outProj.bias?.assign(Tensor(zeros: [width]))
  }

  /// (B, T, kC) → (B, H, T, D) for each of k slices.
  func splitHeads(_ x: Tensor, parts: Int) -> [Tensor] {
    let (b, t) = (x.shape[0], x.shape[1])
    let d = x.shape[2] / parts / heads
    let r = x.reshaped([b, t, parts, heads, d])  // (B, T, k, H, D)
    return (0..<parts).map { i in r.slice(axis: 2, i..<(i + 1)).reshaped([b, t, heads, d]).permuted([0, 2, 1, 3]) }
  }

  /// Projected keys and values (B, H, S, D) of a context (B, S, C): computed once per source when decoding.
  public func keysValues(_ context: Tensor) -> (Tensor, Tensor) {
    let c = outProj.weight.shape[0]
    let w = inProj.weight.slice(axis: 0, c..<(3 * c))  // (2C, C)
    var kv = context.matmul(w.transposed())  // (B, S, 2C)
    if let bias = inProj.bias { kv = kv + bias.slice(axis: 0, c..<(3 * c)) }
    let parts = splitHeads(kv, parts: 2)
    return (parts[0], parts[1])
  }

  /// Self-attention of `x` (B, T, C) → (B, T, C); `cache` adds earlier positions' keys and values.
  public func callAsFunction(
    _ x: Tensor, causal: Bool, keyLengths: [Int]? = nil, cache: DecoderCache? = nil
  )
    -> Tensor
  {
    let parts = splitHeads(inProj(x), parts: 3)  // 3 × (B, H, T, D)
    var (k, v) = (parts[1], parts[2])
    if let cache { (k, v) = cache.append(k, v) }
    return attend(parts[0], k, v, causal: causal, keyLengths: keyLengths)
  }

  /// Cross-attention of `x` (B, T, C) over precomputed context keys and values (B, H, S, D) → (B, T, C).
  public func callAsFunction(_ x: Tensor, keys: Tensor, values: Tensor, keyLengths: [Int]? = nil) -> Tensor {
    let c = outProj.weight.shape[0]
    var q = x.matmul(inProj.weight.slice(axis: 0, 0..<c).transposed())  // (B, T, C)
    if let bias = inProj.bias { q = q + bias.slice(axis: 0, 0..<c) }
    let qh = splitHeads(q, parts: 1)[0]  // (B, H, T, D)
    if captureWeights {
      // softmax(Q Kᵀ / √D) computed again explicitly (the fused kernel does not return it).
      let scale = 1 / Float(qh.shape[3]).squareRoot()
      let scores = noGrad { qh.contiguous().matmul(keys.contiguous().transposed()) * scale }  // (B, H, T, S)
      lastWeights = noGrad { scores.softmax() }
    }
    return attend(qh, keys, values, causal: false, keyLengths: keyLengths)
  }

  func attend(_ q: Tensor, _ k: Tensor, _ v: Tensor, causal: Bool, keyLengths: [Int]?) -> Tensor {
    let (b, t) = (q.shape[0], q.shape[2])
    let y = q.scaledDotProductAttention(keys: k, values: v, causal: causal, keyLengths: keyLengths)  // (B, H, T, D)
    return outProj(y.permuted([0, 2, 1, 3]).reshaped([b, t, outProj.weight.shape[1]]))  // (B, T, C)
  }
}

/// The position-wise feed-forward network: Linear(C, F) → ReLU → dropout → Linear(F, C).
public final class FeedForward: Module {
  /// Up-projection (C → hidden).
  public let linear1: Linear
  /// Down-projection (hidden → C).
  public let linear2: Linear
  /// Dropout after the activation (training only).
  public let dropout: Float

  /// A ReLU feed-forward block.
  public init(width: Int, hidden: Int, dropout: Float) {
    linear1 = Linear(width, hidden)
    linear2 = Linear(hidden, width)
    self.dropout = dropout
  }

  /// (…, C) → (…, C).
  public func callAsFunction(_ x: Tensor) -> Tensor {
    linear2(linear1(x).relu().dropout(dropout, training: isTraining))
  }
}

/// A residual sub-layer: post-LN `norm(x + dropout(f(x)))` (the original and PyTorch's default) or pre-LN
/// `x + dropout(f(norm(x)))`.
@inline(__always)
func residual(
  _ x: Tensor, _ norm: LayerNorm, preNorm: Bool, dropout: Float, training: Bool, _ f: (Tensor) -> Tensor
)
  -> Tensor
{
  if preNorm { return x + f(norm(x)).dropout(dropout, training: training) }
  return norm(x + f(x).dropout(dropout, training: training))
}

/// Encoder layer: self-attention (source padding masked) and feed-forward, each residual.
public final class TransformerEncoderLayer: Module {
  /// Self-attention over the source.
  public let selfAttn: MultiHeadAttention
  /// Feed-forward block.
  public let ff: FeedForward
  /// Norm of the attention sub-layer.
  public let norm1: LayerNorm
  /// Norm of the feed-forward sub-layer.
  public let norm2: LayerNorm
  /// Pre-LN (norm inside the residual branch) instead of post-LN.
  public let preNorm: Bool
  /// Dropout on each residual branch (training only).
  public let dropout: Float

  /// An encoder layer of `width` channels, `heads` heads and a `hidden`-wide feed-forward block.
  public init(width: Int, heads: Int, hidden: Int, dropout: Float, preNorm: Bool) {
    selfAttn = MultiHeadAttention(width: width, heads: heads)
    ff = FeedForward(width: width, hidden: hidden, dropout: dropout)
    (norm1, norm2, self.preNorm, self.dropout) = (LayerNorm(width), LayerNorm(width), preNorm, dropout)
  }

  /// (B, S, C) → (B, S, C); `lengths` are the real (unpadded) source lengths.
  public func callAsFunction(_ x: Tensor, lengths: [Int]?) -> Tensor {
    let h = residual(x, norm1, preNorm: preNorm, dropout: dropout, training: isTraining) {
      selfAttn($0, causal: false, keyLengths: lengths)
    }
    return residual(h, norm2, preNorm: preNorm, dropout: dropout, training: isTraining) { ff($0) }
  }
}

/// Decoder layer: causal self-attention, cross-attention over the encoder's output, feed-forward.
public final class TransformerDecoderLayer: Module {
  /// Causal self-attention over the target.
  public let selfAttn: MultiHeadAttention
  /// Attention over the encoder's output.
  public let crossAttn: MultiHeadAttention
  /// Feed-forward block.
  public let ff: FeedForward
  /// Norm of the self-attention sub-layer.
  public let norm1: LayerNorm
  /// Norm of the cross-attention sub-layer.
  public let norm2: LayerNorm
  /// Norm of the feed-forward sub-layer.
  public let norm3: LayerNorm
  /// Pre-LN (norm inside the residual branch) instead of post-LN.
  public let preNorm: Bool
  /// Dropout on each residual branch (training only).
  public let dropout: Float

  /// A decoder layer of `width` channels, `heads` heads and a `hidden`-wide feed-forward block.
  public init(width: Int, heads: Int, hidden: Int, dropout: Float, preNorm: Bool) {
    selfAttn = MultiHeadAttention(width: width, heads: heads)
    crossAttn = MultiHeadAttention(width: width, heads: heads)
    ff = FeedForward(width: width, hidden: hidden, dropout: dropout)
    (norm1, norm2, norm3) = (LayerNorm(width), LayerNorm(width), LayerNorm(width))
    (self.preNorm, self.dropout) = (preNorm, dropout)
  }

  /// (B, T, C) → (B, T, C), attending to `memory` keys/values (B, H, S, D) from `crossAttn.keysValues`.
  public func callAsFunction(
    _ x: Tensor, memory: (keys: Tensor, values: Tensor), memoryLengths: [Int]?, cache: DecoderCache? = nil
  ) -> Tensor {
    var h = residual(x, norm1, preNorm: preNorm, dropout: dropout, training: isTraining) {
      selfAttn($0, causal: true, cache: cache)
    }
    h = residual(h, norm2, preNorm: preNorm, dropout: dropout, training: isTraining) {
      crossAttn($0, keys: memory.keys, values: memory.values, keyLengths: memoryLengths)
    }
    return residual(h, norm3, preNorm: preNorm, dropout: dropout, training: isTraining) { ff($0) }
  }
}

/// The fixed sinusoidal position table (N, C): sin on even, cos on odd dimensions, base 10000.
public func sinusoidalPositions(_ n: Int, _ c: Int) -> Tensor {
  var v = [Float](repeating: 0, count: n * c)
  for p in 0..<n {
    for i in stride(from: 0, to: c, by: 2) {
      let angle = Double(p) * exp(Double(i) * -log(10000.0) / Double(c))
      v[p * c + i] = Float(sin(angle))
      if i + 1 < c { v[p * c + i + 1] = Float(cos(angle)) }
    }
  }
  return Tensor(v, shape: [n, c])
}
