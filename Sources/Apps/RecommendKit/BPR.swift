import Engine

#if canImport(Glibc)
  import Glibc
#endif

// Bayesian personalised ranking (Rendle et al. 2009) for implicit feedback: every stored rating is an
// interaction. Each step draws a user's rated item i and an item j the user did not rate (uniformly), and
// ascends ln σ(x̂_uij), x̂_uij = b_i − b_j + p_u · (q_i − q_j), with L2 regularisation; an epoch is as many steps
// as there are ratings.

/// σ(−x) = 1 / (1 + eˣ), the weight of a BPR step.
@inline(__always) private func sigmoidOfMinus(_ x: Float) -> Float { 1 / (1 + exp(x)) }

/// Fits BPR factors and item biases by SGD on sampled triples.
func fitBPR(_ m: inout TrainedModel, _ data: RatingData, progress: (Int) -> Void) {
  let (c, k) = (m.config, m.config.factors)
  var rng = PRNG(seed: c.seed)
  var p = randomFactors(data.userCount, k, std: 0.1, &rng)
  var q = randomFactors(data.itemCount, k, std: 0.1, &rng)
  var b = [Float](repeating: 0, count: data.itemCount)
  let csr = data.byUser()
  var rated = Set<Int>()  // (u · items + i) of every interaction, for rejecting sampled negatives
  for u in 0..<data.userCount {
    for t in csr.start[u]..<csr.start[u + 1] { rated.insert(u * data.itemCount + Int(csr.items[t])) }
  }
  let (lr, reg) = (c.learningRate, c.regularization)
  let candidates = (1..<max(2, data.itemCount)).filter { m.itemCounts[$0] > 0 }
  guard data.count > 0, candidates.count > 1 else {
    (m.userFactors, m.itemFactors, m.itemBias, m.userBias) = (p, q, b, [Float](repeating: 0, count: data.userCount))
    return
  }
  for epoch in 0..<c.epochs {
    for _ in 0..<data.count {
      let t = rng.nextInt(data.count)
      let u = Int(data.users[t])
      let i = Int(data.items[t])
      var j = candidates[rng.nextInt(candidates.count)]
      var tries = 0
      while rated.contains(u * data.itemCount + j) && tries < 20 {
        j = candidates[rng.nextInt(candidates.count)]
        tries += 1
      }
      if rated.contains(u * data.itemCount + j) { continue }
      let (pu, qi, qj) = (u * k, i * k, j * k)
      var x = b[i] - b[j]
      for f in 0..<k { x += p[pu + f] * (q[qi + f] - q[qj + f]) }
      let g = sigmoidOfMinus(x)
      b[i] += lr * (g - reg * b[i])
      b[j] += lr * (-g - reg * b[j])
      for f in 0..<k {
        let (uf, if_, jf) = (p[pu + f], q[qi + f], q[qj + f])
        p[pu + f] += lr * (g * (if_ - jf) - reg * uf)
        q[qi + f] += lr * (g * uf - reg * if_)
        q[qj + f] += lr * (-g * uf - reg * jf)
      }
    }
    progress(epoch + 1)
  }
  (m.userFactors, m.itemFactors, m.itemBias) = (p, q, b)
  m.userBias = [Float](repeating: 0, count: data.userCount)
}

extension TrainedModel {
  /// A BPR user vector for `items` (a new or changed user) with the item side fixed: the same pairwise SGD on
  /// the user's vector only, seeded, 30 passes over the user's items with 5 sampled negatives each.
  func foldInBPR(_ items: [Int]) -> [Float] {
    var p = [Float](repeating: 0, count: k)
    let rated = Set(items)
    let candidates = (1..<max(2, itemCount)).filter {
      $0 < itemCounts.count && itemCounts[$0] > 0 && !rated.contains($0)
    }
    guard !items.isEmpty, !candidates.isEmpty, itemFactors.count >= itemCount * k else { return p }
    var rng = PRNG(seed: 0xB9B)
    let (lr, reg) = (config.learningRate, config.regularization)
    for _ in 0..<30 {
      for i in items {
        for _ in 0..<5 {
          let j = candidates[rng.nextInt(candidates.count)]
          var x = itemBias[i] - itemBias[j]
          for f in 0..<k { x += p[f] * (itemFactors[i * k + f] - itemFactors[j * k + f]) }
          let g = 1 / (1 + exp(x))
          for f in 0..<k { p[f] += lr * (g * (itemFactors[i * k + f] - itemFactors[j * k + f]) - reg * p[f]) }
        }
      }
    }
    return p
  }
}
