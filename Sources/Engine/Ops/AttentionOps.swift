// Scaled dot-product attention, fused: softmax(Q Kᵀ / √D + mask) V, with its backward beside it.
// Legend: B = batch, H = heads, Tq = query positions, Tk = key positions, D = head size.
// With `causal`, query i (at absolute position Tk − Tq + i, so a KV cache's new queries line up with the end
// of the keys) sees keys 0 … Tk − Tq + i. With `keyLengths`, batch row b sees only its first keyLengths[b] keys
// (padding masks for right-padded batches). The attention weights P (B, H, Tq, Tk) are kept for backward.

extension Tensor {
  /// Attention of queries `self` (B, H, Tq, D) over `keys` (B, H, Tk, D) and `values` (B, H, Tk, Dv)
  /// → (B, H, Tq, Dv). `keyLengths` (B values, each ≥ 1) masks each row's keys beyond its length.
  public func scaledDotProductAttention(
    keys: Tensor, values: Tensor, causal: Bool, keyLengths: [Int]? = nil, scale: Float? = nil
  ) -> Tensor {
    precondition(rank == 4 && keys.rank == 4 && values.rank == 4, "attention: q, k, v must be (B, H, T, D)")
    let (b, h, tq, d) = (shape[0], shape[1], shape[2], shape[3])
    let tk = keys.shape[2]
    let dv = values.shape[3]
    precondition(
      keys.shape == [b, h, tk, d] && values.shape == [b, h, tk, dv],
      "attention: q \(shape), k \(keys.shape), v \(values.shape) do not fit")
    precondition(!causal || tk >= tq, "attention: causal needs at least as many keys (\(tk)) as queries (\(tq))")
    let s = scale ?? 1 / Float(d).squareRoot()
    let q = contiguous()
    let (k, kStride) = headMajor(keys)
    let (v, vStride) = headMajor(values)
    let probs = Tensor(uninitializedShape: [b, h, tq, tk])  // (B, H, Tq, Tk)
    let out = Tensor(uninitializedShape: [b, h, tq, dv])  // (B, H, Tq, Dv)
    let offset = tk - tq
    if let keyLengths {
      precondition(
        keyLengths.count == b && keyLengths.allSatisfy { $0 >= 1 },
        "attention: keyLengths needs \(b) values ≥ 1, got \(keyLengths)")
    }
    nonisolated(unsafe) let (pq, pk, pv, pp, po) = (q.ptr, k.ptr, v.ptr, probs.ptr, out.ptr)
    // Causal rows come in blocks of 32 so each block multiplies only the keys it can see (~⅜ less work at T = 128).
    let blockRows = causal && tq >= 64 ? 32 : tq
    let blocks = stride(from: 0, to: tq, by: blockRows).map { ($0, Swift.min($0 + blockRows, tq)) }
    func keysSeen(_ end: Int) -> Int { causal ? Swift.min(tk, offset + end) : tk }
    // Split (batch, head) pairs across threads only when there is enough work to pay for waking them.
    let perThread = Swift.max(1, (1 << 16) / Swift.max(1, tq * tk * (d + dv)))
    Parallel.forChunks(b * h, minPerThread: perThread) { range in
      for bh in range {
        let qi = pq + bh &* tq &* d
        let ki = pk + bh &* kStride
        let vi = pv + bh &* vStride
        let p = pp + bh &* tq &* tk
        for (i0, i1) in blocks {
          // Query rows i0..<i1 see at most the first kb keys: S (rows, kb) = Q Kᵀ · s
          let (rows, kb) = (i1 &- i0, keysSeen(i1))
          let pb = p + i0 &* tk
          BLAS.gemm(
            transA: false, transB: true, m: rows, n: kb, k: d, alpha: s, a: qi + i0 &* d, lda: d, b: ki, ldb: d,
            c: pb, ldc: tk)
          for i in i0..<i1 {
            let row = p + i &* tk
            var visible = causal ? offset &+ i &+ 1 : tk
            if let keyLengths { visible = Swift.min(visible, keyLengths[bh / h]) }
            softmaxRow(row, visible)
            for j in visible..<tk { row[j] = 0 }
          }
          // O (rows, Dv) = P (rows, kb) V (kb, Dv)
          BLAS.gemm(
            transA: false, transB: false, m: rows, n: dv, k: kb, a: pb, lda: tk, b: vi, ldb: dv,
            c: po + (bh &* tq &+ i0) &* dv, ldc: dv)
        }
      }
    }
    let geometry = AttentionGeometry(
      b: b, h: h, tq: tq, tk: tk, d: d, dv: dv, kStride: kStride, vStride: vStride, scale: s, blocks: blocks,
      causal: causal, perThread: perThread)
    return out.recording("attention", [self, keys, values]) { g in
      attentionBackward(g.contiguous(), q: q, k: k, v: v, probs: probs, geometry)
    }
  }
}

/// The sizes and blocking one attention call shares between its forward and backward passes.
private struct AttentionGeometry {
  let b, h, tq, tk, d, dv, kStride, vStride: Int
  let scale: Float
  /// Query row blocks [i0, i1).
  let blocks: [(Int, Int)]
  let causal: Bool
  /// (batch, head) pairs per thread at least.
  let perThread: Int
  /// Keys the query rows before `end` can see.
  func keysSeen(_ end: Int) -> Int { causal ? Swift.min(tk, tk - tq + end) : tk }
}

/// Attention's backward from the kept probabilities: dQ, dK, dV, block by block (the last block first, since it
/// sees every key and so initialises dK and dV).
private func attentionBackward(
  _ go: Tensor, q: Tensor, k: Tensor, v: Tensor, probs: Tensor, _ geo: AttentionGeometry
) -> [Tensor?] {
  let (b, h, tq, tk, d, dv) = (geo.b, geo.h, geo.tq, geo.tk, geo.d, geo.dv)
  let (kStride, vStride, s, blocks, perThread) = (geo.kStride, geo.vStride, geo.scale, geo.blocks, geo.perThread)
  let keysSeen = geo.keysSeen
  nonisolated(unsafe) let (pq, pk, pv, pp) = (q.ptr, k.ptr, v.ptr, probs.ptr)
  let dq = Tensor(uninitializedShape: [b, h, tq, d])
  let dk = Tensor(uninitializedShape: [b, h, tk, d])
  let dvT = Tensor(uninitializedShape: [b, h, tk, dv])
  nonisolated(unsafe) let (pg, pdq, pdk, pdv) = (go.ptr, dq.ptr, dk.ptr, dvT.ptr)
  Parallel.forChunks(b * h, minPerThread: perThread) { range in
    let dp = UnsafeMutablePointer<Float>.allocate(capacity: tq * tk)
    defer { dp.deallocate() }
    for bh in range {
      let p = pp + bh &* tq &* tk
      let gi = pg + bh &* tq &* dv
      let (qi, ki, vi) = (pq + bh &* tq &* d, pk + bh &* kStride, pv + bh &* vStride)
      // The last block sees every key, so it initialises dV and dK (beta 0); earlier blocks add to them.
      for (n, (i0, i1)) in blocks.enumerated().reversed() {
        let (rows, kb) = (i1 &- i0, keysSeen(i1))
        let beta: Float = n == blocks.count - 1 ? 0 : 1
        let (pb, gb, db) = (p + i0 &* tk, gi + i0 &* dv, dp + i0 &* tk)
        // dV (kb, Dv) += Pᵀ dO ; dP (rows, kb) = dO Vᵀ
        BLAS.gemm(
          transA: true, transB: false, m: kb, n: dv, k: rows, a: pb, lda: tk, b: gb, ldb: dv, beta: beta,
          c: pdv + bh &* tk &* dv, ldc: dv)
        BLAS.gemm(
          transA: false, transB: true, m: rows, n: kb, k: dv, a: gb, lda: dv, b: vi, ldb: dv, c: db, ldc: tk)
        // dS = P ⊙ (dP − Σ_j dP P), scaled by s for the logits' scale.
        for i in 0..<rows {
          let pr = pb + i &* tk
          let dr = db + i &* tk
          let dot = rowDot(dr, pr, kb)
          for j in 0..<kb { dr[j] = pr[j] * (dr[j] - dot) * s }
        }
        // dQ (rows, D) = dS K ; dK (kb, D) += dSᵀ Q
        BLAS.gemm(
          transA: false, transB: false, m: rows, n: d, k: kb, a: db, lda: tk, b: ki, ldb: d,
          c: pdq + (bh &* tq &+ i0) &* d, ldc: d)
        BLAS.gemm(
          transA: true, transB: false, m: kb, n: d, k: rows, a: db, lda: tk, b: qi + i0 &* d, ldb: d, beta: beta,
          c: pdk + bh &* tk &* d, ldc: d)
      }
    }
  }
  return [dq, dk, dvT]
}

/// `x` (B, H, T, D) as a pointer base and a stride between (batch, head) blocks, each block T rows of D
/// contiguous values: views into a larger cache buffer qualify without a copy; other layouts are copied.
private func headMajor(_ x: Tensor) -> (Tensor, Int) {
  let (h, t, d) = (x.shape[1], x.shape[2], x.shape[3])
  let s = x.strides
  if (d == 1 || s[3] == 1) && (t == 1 || s[2] == d) && (x.shape[0] == 1 || s[0] == h * s[1]) {
    return (x, h == 1 && x.shape[0] > 1 ? s[0] : s[1])
  }
  return (x.contiguous(), t * d)
}
