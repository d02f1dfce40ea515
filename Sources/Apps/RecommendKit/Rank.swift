import Engine

extension TrainedModel {
  /// Top-`n` unrated items for every trained user at once: S = P Qᵀ (U, I) through the engine's GEMM seam,
  /// plus biases for explicit models, rated items excluded. Row u of the result lists user u's items, best first.
  public func topNForAllUsers(_ data: RatingData, n: Int) -> [[Int]] {
    let (nu, ni) = (userCount, itemCount)
    var s = [Float](repeating: 0, count: nu * ni)  // (U, I)
    if !userFactors.isEmpty {
      userFactors.withUnsafeBufferPointer { p in
        itemFactors.withUnsafeBufferPointer { q in
          s.withUnsafeMutableBufferPointer { out in
            guard let pp = p.baseAddress, let qp = q.baseAddress, let op = out.baseAddress else { return }
            BLAS.gemm(transA: false, transB: true, m: nu, n: ni, k: k, a: pp, lda: k, b: qp, ldb: k, c: op, ldc: ni)
          }
        }
      }
    }
    if algo.isExplicit {
      for u in 0..<nu {
        let bu = mean + (u < userBias.count ? userBias[u] : 0)
        for i in 0..<ni { s[u * ni + i] += bu + (i < itemBias.count ? itemBias[i] : 0) }
      }
    }
    for t in 0..<data.count { s[Int(data.users[t]) * ni + Int(data.items[t])] = -.infinity }
    var result = [[Int]](repeating: [], count: nu)
    s.withUnsafeBufferPointer { sb in
      guard let sp = sb.baseAddress else { return }
      nonisolated(unsafe) let base = sp
      result.withUnsafeMutableBufferPointer { rb in
        guard let rp = rb.baseAddress else { return }
        nonisolated(unsafe) let out = rp
        Parallel.forChunks(nu, minPerThread: 64) { range in
          for u in range { out[u] = topRow(base + u * ni, ni, n) }
        }
      }
    }
    return result
  }
}

/// Indices of the `n` largest finite values of a row, largest first (a small sorted buffer; n ≪ count).
private func topRow(_ row: UnsafePointer<Float>, _ count: Int, _ n: Int) -> [Int] {
  var ids = [Int](repeating: -1, count: n)
  var vals = [Float](repeating: -.infinity, count: n)
  for i in 0..<count {
    let v = row[i]
    if v <= vals[n - 1] || !v.isFinite { continue }
    var pos = n - 1
    while pos > 0 && vals[pos - 1] < v {
      vals[pos] = vals[pos - 1]
      ids[pos] = ids[pos - 1]
      pos -= 1
    }
    vals[pos] = v
    ids[pos] = i
  }
  return ids.filter { $0 >= 0 }
}

extension TrainedModel {
  /// The support a default top-`n` asks of an item: 20 ratings (an item rated by three people can predict 5★
  /// on luck alone), lowered on small catalogues so that at least max(50, 5·n) items, or every rated item,
  /// stay eligible.
  public func defaultMinRatings(n: Int) -> Int {
    let counts = itemCounts.filter { $0 > 0 }.sorted(by: >)
    guard !counts.isEmpty else { return 1 }
    let needed = min(max(50, 5 * n), counts.count)
    return max(1, min(20, Int(counts[needed - 1])))
  }

  /// Items a top-N may list for a user: known, rated by at least `minRatings` users, and not rated by the user.
  public func rankingCandidates(excluding rated: [Int: Float], minRatings: Int) -> [Int] {
    (1..<max(1, itemCount)).filter { rated[$0] == nil && itemCounts[$0] >= Float(max(1, minRatings)) }
  }
}
