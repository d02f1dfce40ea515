// Multi-head causal self-attention with an optional KV cache, and the pre-LayerNorm transformer block
// (GPT-2 / nanoGPT layout). Legend: B = batch, T = positions, C = width, H = heads, D = C / H.

/// Keys and values of one attention layer from earlier positions, so generation runs one new position
/// at a time. When more than `window` positions are cached, the oldest are dropped (sliding window). The
/// positions live in a buffer of twice the window, written in place; attention reads views of it.
public final class KVCache {
  /// Longest context kept.
  public let window: Int
  private var keyBuffer: Tensor?  // (B, H, 2·window, D)
  private var valueBuffer: Tensor?
  private var start = 0
  /// Positions cached so far.
  public private(set) var count = 0

  /// An empty cache holding up to `window` positions.
  public init(window: Int) { self.window = window }

  /// Appends the new positions' keys and values (B, H, Tn, D); returns everything cached, at most `window`.
  func append(_ k: Tensor, _ v: Tensor) -> (Tensor, Tensor) {
    let tn = k.shape[2]
    let capacity = 2 * window
    let fits = keyBuffer.map { [$0.shape[0], $0.shape[1], $0.shape[3]] == [k.shape[0], k.shape[1], k.shape[3]] }
    if fits != true || tn > window {
      keyBuffer = Tensor(zeros: [k.shape[0], k.shape[1], Swift.max(capacity, tn), k.shape[3]])
      valueBuffer = Tensor(zeros: [v.shape[0], v.shape[1], Swift.max(capacity, tn), v.shape[3]])
      (start, count) = (0, 0)
    }
    guard let kb = keyBuffer, let vb = valueBuffer else { return (k, v) }
    if start + count + tn > kb.shape[2] {
      // Compact: keep the newest window − Tn positions at the front.
      let keep = Swift.min(count, window - tn)
      let from = start + count - keep
      noGrad {
        for buffer in [kb, vb] {
          let moved = buffer.slice(axis: 2, from..<(from + keep)).contiguous()
          buffer.slice(axis: 2, 0..<keep).write(moved)
        }
      }
      (start, count) = (0, keep)
    }
    noGrad {
      kb.slice(axis: 2, (start + count)..<(start + count + tn)).write(k)
      vb.slice(axis: 2, (start + count)..<(start + count + tn)).write(v)
    }
    count += tn
    if count > window {
      start += count - window
      count = window
    }
    return (kb.slice(axis: 2, start..<(start + count)), vb.slice(axis: 2, start..<(start + count)))
  }

  /// Forgets every cached position.
  public func reset() {
    (start, count) = (0, 0)
  }
}

/// Causal multi-head self-attention: one fused q/k/v projection, `heads` heads, an output projection.
public final class CausalSelfAttention: Module {
  /// Joint query/key/value projection (C → 3C).
  public let qkv: Linear
  /// Output projection (C → C).
  public let proj: Linear
  /// Attention heads.
  public let heads: Int
  /// Dropout on the attention output (training only).
  public let dropout: Float

  /// Causal self-attention of `width` channels in `heads` heads.
  public init(width: Int, heads: Int, bias: Bool = false, dropout: Float = 0) {
    precondition(width % heads == 0, "CausalSelfAttention: width \(width) is not divisible by \(heads) heads")
    qkv = Linear(width, 3 * width, bias: bias)
    proj = Linear(width, width, bias: bias)
    self.heads = heads
    self.dropout = dropout
  }

  /// (B, T, C) → (B, T, C). With `cache`, the T new positions also attend to the cached ones.
  public func callAsFunction(_ x: Tensor, cache: KVCache? = nil) -> Tensor {
    let (b, t, c) = (x.shape[0], x.shape[1], x.shape[2])
    let d = c / heads
    let fused = qkv(x).reshaped([b, t, 3, heads, d])  // (B, T, 3, H, D)
    func part(_ i: Int) -> Tensor {
      fused.slice(axis: 2, i..<(i + 1)).reshaped([b, t, heads, d]).permuted([0, 2, 1, 3])  // (B, H, T, D)
    }
    var (q, k, v) = (part(0), part(1), part(2))
    if let cache { (k, v) = cache.append(k, v) }
    var y = q.scaledDotProductAttention(keys: k, values: v, causal: true)  // (B, H, T, D)
    y = y.permuted([0, 2, 1, 3]).reshaped([b, t, c])  // (B, T, C)
    return proj(y).dropout(dropout, training: isTraining)
  }
}

/// Pre-LayerNorm transformer block: x + attn(ln₁(x)), then + mlp(ln₂(x)) with a 4× GELU MLP.
public final class TransformerBlock: Module {
  /// Layer norm before attention.
  public let ln1: LayerNorm
  /// Causal self-attention.
  public let attention: CausalSelfAttention
  /// Layer norm before the MLP.
  public let ln2: LayerNorm
  /// MLP up-projection (C → 4C).
  public let fc: Linear
  /// MLP down-projection (4C → C).
  public let fcProj: Linear
  /// Dropout on each residual branch (training only).
  public let dropout: Float

  /// A pre-norm GPT block of `width` channels in `heads` heads.
  public init(width: Int, heads: Int, bias: Bool = false, dropout: Float = 0) {
    ln1 = LayerNorm(width, bias: bias)
    attention = CausalSelfAttention(width: width, heads: heads, bias: bias, dropout: dropout)
    ln2 = LayerNorm(width, bias: bias)
    fc = Linear(width, 4 * width, bias: bias)
    fcProj = Linear(4 * width, width, bias: bias)
    self.dropout = dropout
  }

  /// (B, T, C) → (B, T, C).
  public func callAsFunction(_ x: Tensor, cache: KVCache? = nil) -> Tensor {
    let h = x + attention(ln1(x), cache: cache)
    let m = fcProj(fc(ln2(h)).gelu()).dropout(dropout, training: isTraining)  // (B, T, C)
    return h + m
  }
}
