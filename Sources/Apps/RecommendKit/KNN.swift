import Engine

// Item-based kNN on baseline residuals. Similarities come from dense GEMMs over blocks of items:
// with E (I, U) the residuals (0 where unrated) and M (I, U) the rated mask,
//   num = E Eᵀ,  s_ij = Σ_{u rated both} e_ui² = (E∘E) Mᵀ,  n_ij = M Mᵀ,
//   sim = num / √(s_ij s_ji)  (cosine: raw ratings; Pearson-baseline: residuals, shrunk by (n−1)/(n−1+shrinkage)).
// Each item keeps its `storedNeighbors` most similar items with positive similarity.

func fitNeighbors(_ m: inout TrainedModel, _ data: RatingData) {
  let c = m.config
  let (ni, nu) = (data.itemCount, data.userCount)
  var e = [Float](repeating: 0, count: ni * nu)  // (I, U)
  var mask = [Float](repeating: 0, count: ni * nu)  // (I, U)
  for t in 0..<data.count {
    let (u, i) = (Int(data.users[t]), Int(data.items[t]))
    let r = data.ratings[t]
    e[i * nu + u] = c.similarity == .cosine ? r : r - (m.mean + m.userBias[u] + m.itemBias[i])
    mask[i * nu + u] = 1
  }
  let e2 = e.map { $0 * $0 }
  let keep = c.storedNeighbors
  let minSupport = Float(max(c.minSupport ?? 2, 1))
  var neighbors = [Int32](repeating: -1, count: ni * keep)
  var sims = [Float](repeating: 0, count: ni * keep)
  let block = 256
  var num = [Float](repeating: 0, count: block * ni)
  var sq = [Float](repeating: 0, count: block * ni)  // s_ij for i in block
  var sqT = [Float](repeating: 0, count: block * ni)  // s_ji for i in block
  var cnt = [Float](repeating: 0, count: block * ni)
  e.withUnsafeBufferPointer { E in
    e2.withUnsafeBufferPointer { E2 in
      mask.withUnsafeBufferPointer { M in
        guard let pe = E.baseAddress, let pe2 = E2.baseAddress, let pm = M.baseAddress else { return }
        var start = 0
        while start < ni {
          let b = min(block, ni - start)
          func product(_ a: UnsafePointer<Float>, _ bm: UnsafePointer<Float>, _ out: inout [Float]) {
            out.withUnsafeMutableBufferPointer { o in
              guard let po = o.baseAddress else { return }
              // (b, U) @ (U, I) with the second operand as the transpose of (I, U)
              BLAS.gemm(
                transA: false, transB: true, m: b, n: ni, k: nu, a: a + start * nu, lda: nu, b: bm, ldb: nu, c: po,
                ldc: ni)
            }
          }
          product(pe, pe, &num)
          product(pe2, pm, &sq)  // Σ_u e_iu² m_ju
          product(pm, pe2, &sqT)  // Σ_u m_iu e_ju²
          product(pm, pm, &cnt)
          for r in 0..<b {
            let i = start + r
            var cand: [(Float, Int32)] = []
            for j in 0..<ni where j != i {
              let n = cnt[r * ni + j]
              if n < minSupport { continue }
              let den = (sq[r * ni + j] * sqT[r * ni + j]).squareRoot()
              if den <= 0 { continue }
              var s = num[r * ni + j] / den
              if c.similarity == .pearsonBaseline { s *= (n - 1) / (n - 1 + c.shrinkage) }
              if s > 0 { cand.append((s, Int32(j))) }
            }
            cand.sort { $0.0 > $1.0 }
            for (slot, (s, j)) in cand.prefix(keep).enumerated() {
              neighbors[i * keep + slot] = j
              sims[i * keep + slot] = s
            }
          }
          start += b
        }
      }
    }
  }
  m.neighbors = neighbors
  m.neighborSims = sims
}
