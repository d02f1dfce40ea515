import Engine

/// A user as the model sees them at query time: fold-in of their current ratings (so a new rating counts at once).
public struct UserProfile {
  /// The user's ratings: internal item id → value.
  public var ratings: [Int: Float]
  /// The same ratings as a dense array over item ids (NaN where unrated), for the kNN inner loop.
  var dense: [Float] = []
  public var bias: Float = 0
  /// p_u (SVD), p_u + z_u (SVD++) or x_u (ALS); empty for baseline and kNN.
  public var vector: [Float] = []
}

extension TrainedModel {
  /// Prediction for a user seen in training, from the trained parameters (used by evaluation).
  /// `ratings` are the user's training ratings (kNN needs them).
  public func predict(user u: Int, item i: Int, ratings: [Int: Float] = [:]) -> Float {
    let bu = u < userBias.count ? userBias[u] : 0
    let bi = i < itemBias.count ? itemBias[i] : 0
    switch algo {
    case .baseline: return mean + bu + bi
    case .knn: return mean + bu + bi + neighbourhood(item: i, userBias: bu) { ratings[$0] }
    case .als:
      return factorDot(userFactors, u, itemFactors, i)
    case .bpr:
      return bi + factorDot(userFactors, u, itemFactors, i)
    case .svd:
      return mean + bu + bi + factorDot(userFactors, u, itemFactors, i)
    case .svdpp:
      return mean + bu + bi + factorDot(userFactors, u, itemFactors, i) + factorDot(userImplicit, u, itemFactors, i)
    }
  }

  private func factorDot(_ a: [Float], _ u: Int, _ b: [Float], _ i: Int) -> Float { factorRowDot(a, u, b, i, k) }

  /// kNN term: Σ sim·(r_uj − b_uj) / Σ sim over the `neighbors` most similar rated items; `rating(j)` is the
  /// user's rating of j, if any.
  @inline(__always)
  func neighbourhood(item i: Int, userBias bu: Float, rating: (Int) -> Float?) -> Float {
    let keep = config.storedNeighbors
    guard (i + 1) * keep <= neighbors.count else { return 0 }
    var num: Float = 0
    var den: Float = 0
    var used = 0
    for slot in 0..<keep {
      let j = Int(neighbors[i * keep + slot])
      if j < 0 || used >= config.neighbors { break }
      guard let r = rating(j) else { continue }
      let s = neighborSims[i * keep + slot]
      let residual = r - (mean + bu + itemBias[j])
      num += s * residual
      den += s
      used += 1
    }
    return den > 0 ? num / den : 0
  }

  /// Folds in a user's current ratings: solves for their bias and vector with the item side fixed
  /// (ridge regression for explicit models, the exact HKV solve for ALS).
  public func foldIn(_ ratings: [(item: Int, value: Float)]) -> UserProfile {
    var profile = UserProfile(ratings: Dictionary(ratings.map { ($0.item, $0.value) }, uniquingKeysWith: { a, _ in a }))
    profile.dense = [Float](repeating: .nan, count: itemCount)
    for (i, v) in ratings where i < itemCount { profile.dense[i] = v }
    let known = ratings.filter { $0.item < itemCount }
    guard !known.isEmpty else { return profile }
    switch algo {
    case .baseline, .knn:
      let s = known.reduce(Float(0)) { $0 + $1.value - mean - itemBias[$1.item] }
      profile.bias = s / (config.userBiasReg + Float(known.count))
    case .svd, .svdpp:
      var z = [Float](repeating: 0, count: k)
      if algo == .svdpp {
        let norm = 1 / Float(known.count).squareRoot()
        for (i, _) in known { for j in 0..<k { z[j] += implicitFactors[i * k + j] * norm } }
      }
      // Unknowns w = (b_u, p_u); rows a = (1, q_i); targets r − μ − b_i − q_i·z.
      let n = k + 1
      let lambda = Double(config.regularization) * Double(known.count) + 1
      var ata = [Double](repeating: 0, count: n * n)
      var atb = [Double](repeating: 0, count: n)
      for (i, r) in known {
        var row = [Double](repeating: 1, count: n)
        var qz: Float = 0
        for j in 0..<k {
          row[j + 1] = Double(itemFactors[i * k + j])
          qz += itemFactors[i * k + j] * z[j]
        }
        let t = Double(r - mean - itemBias[i] - qz)
        for a in 0..<n {
          atb[a] += row[a] * t
          for b in 0...a { ata[a * n + b] += row[a] * row[b] }
        }
      }
      for a in 0..<n {
        for b in 0..<a { ata[b * n + a] = ata[a * n + b] }
        ata[a * n + a] += lambda
      }
      if let w = choleskySolve(ata, atb, n) {
        profile.bias = Float(w[0])
        profile.vector = (0..<k).map { Float(w[$0 + 1]) + z[$0] }
      }
    case .bpr:
      profile.vector = foldInBPR(known.map(\.item))
    case .als:
      var a = gram(itemFactors, rows: itemCount, k: k).map(Double.init)
      var b = [Double](repeating: 0, count: k)
      for (i, r) in known {
        let c = Double(1 + config.alpha * r)
        for x in 0..<k {
          let qx = Double(itemFactors[i * k + x])
          b[x] += c * qx
          for y in 0..<k { a[x * k + y] += (c - 1) * qx * Double(itemFactors[i * k + y]) }
        }
      }
      for x in 0..<k { a[x * k + x] += Double(config.regularization) }
      if let w = choleskySolve(a, b, k) { profile.vector = w.map(Float.init) }
    }
    return profile
  }

  /// Scores of every item for a folded-in user (higher is better; explicit models predict ratings).
  public func scores(for profile: UserProfile) -> [Float] {
    var s = [Float](repeating: 0, count: itemCount)
    for i in 0..<itemCount {
      switch algo {
      case .baseline: s[i] = mean + profile.bias + itemBias[i]
      case .knn:
        s[i] =
          mean + profile.bias + itemBias[i]
          + neighbourhood(item: i, userBias: profile.bias) { j in
            let v = profile.dense[j]
            return v.isNaN ? nil : v
          }
      case .als: s[i] = factorDot(itemFactors, i, profile.vector, 0)  // 0 for an empty profile vector
      case .bpr: s[i] = itemBias[i] + factorDot(itemFactors, i, profile.vector, 0)
      case .svd, .svdpp: s[i] = mean + profile.bias + itemBias[i] + factorDot(itemFactors, i, profile.vector, 0)
      }
    }
    return s
  }

  /// Cosine similarity of two items (item factors; kNN: the stored similarity, 0 when not a neighbour).
  public func similarity(_ a: Int, _ b: Int) -> Float {
    if algo == .knn {
      let keep = config.storedNeighbors
      for slot in 0..<keep where neighbors[a * keep + slot] == Int32(b) { return neighborSims[a * keep + slot] }
      return 0
    }
    guard !itemFactors.isEmpty, a < itemCount, b < itemCount else { return 0 }
    let den = (factorDot(itemFactors, a, itemFactors, a) * factorDot(itemFactors, b, itemFactors, b))
      .squareRoot()
    return den > 0 ? factorDot(itemFactors, a, itemFactors, b) / den : 0
  }

  /// The `n` items most similar to `item`.
  public func similarItems(to item: Int, n: Int) -> [(item: Int, similarity: Float)] {
    if algo == .knn {
      let keep = config.storedNeighbors
      return (0..<keep).compactMap { slot in
        let j = Int(neighbors[item * keep + slot])
        return j < 0 ? nil : (j, neighborSims[item * keep + slot])
      }.prefix(n).map { $0 }
    }
    let all = (0..<itemCount).filter { $0 != item && itemCounts[$0] > 0 }.map { ($0, similarity(item, $0)) }
    return topN(all, n)
  }
}

/// The `n` pairs with the highest score, best first (ties by lower id).
public func topN(_ scored: [(Int, Float)], _ n: Int) -> [(Int, Float)] {
  guard n > 0 else { return [] }
  var heap: [(Int, Float)] = []  // kept sorted ascending, at most n
  for (id, s) in scored where s.isFinite {
    if heap.count < n {
      let pos = heap.firstIndex { $0.1 > s || ($0.1 == s && $0.0 < id) } ?? heap.count
      heap.insert((id, s), at: pos)
    } else if let worst = heap.first, s > worst.1 {
      heap.removeFirst()
      let pos = heap.firstIndex { $0.1 > s || ($0.1 == s && $0.0 < id) } ?? heap.count
      heap.insert((id, s), at: pos)
    }
  }
  return heap.reversed()
}
