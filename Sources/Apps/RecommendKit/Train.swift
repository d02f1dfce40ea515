import Engine

#if canImport(Glibc)
  import Glibc
#endif

// Training of the explicit models (baseline, SVD, SVD++) by alternating closed forms and SGD.

/// Trains `algo` on `data`; `progress(epoch)` is called after each epoch.
public func train(
  _ data: RatingData, algo: Algorithm, config: TrainConfig, progress: (Int) -> Void = { _ in }
) -> TrainedModel {
  var m = TrainedModel(algo: algo, config: config, userCount: data.userCount, itemCount: data.itemCount)
  m.mean = data.mean
  m.itemCounts = [Float](repeating: 0, count: data.itemCount)
  m.itemMeans = [Float](repeating: 0, count: data.itemCount)
  for (t, i) in data.items.enumerated() {
    m.itemCounts[Int(i)] += 1
    m.itemMeans[Int(i)] += data.ratings[t]
  }
  for i in 0..<data.itemCount where m.itemCounts[i] > 0 { m.itemMeans[i] /= m.itemCounts[i] }
  switch algo {
  case .baseline:
    fitBiases(&m, data, progress: progress)
  case .svd, .svdpp:
    if let fraction = config.validation, fraction > 0, data.count >= 200 {
      fitValidated(&m, data, fraction: fraction, progress: progress)
    } else if algo == .svd {
      fitSVD(&m, data, progress: progress)
    } else {
      fitSVDpp(&m, data, progress: progress)
    }
  case .bpr:
    fitBPR(&m, data, progress: progress)
  case .als:
    fitALS(&m, data, progress: progress)
  case .knn:
    var epochs = config
    epochs.epochs = 10
    m.config.storedNeighbors = min(config.storedNeighbors, max(1, data.itemCount - 1))  // the row stride
    if let fraction = config.validation, fraction > 0, data.count >= 200 {
      fitValidatedNeighbors(&m, data, fraction: fraction)
    } else {
      fitBiases(&m, data, progress: { _ in })
      fitNeighbors(&m, data)
    }
    progress(1)
  }
  return m
}

/// Regularised biases by alternating closed-form updates (Koren's baseline estimates, as Surprise's ALS baseline).
func fitBiases(_ m: inout TrainedModel, _ data: RatingData, progress: (Int) -> Void) {
  var bu = [Float](repeating: 0, count: data.userCount)
  var bi = [Float](repeating: 0, count: data.itemCount)
  let mu = m.mean
  for epoch in 0..<max(m.config.epochs, 1) {
    bi = biasStep(
      data, by: data.items, count: data.itemCount, other: data.users, otherBias: bu, mean: mu, reg: m.config.itemBiasReg
    )
    bu = biasStep(
      data, by: data.users, count: data.userCount, other: data.items, otherBias: bi, mean: mu, reg: m.config.userBiasReg
    )
    progress(epoch + 1)
  }
  m.userBias = bu
  m.itemBias = bi
}

/// One closed-form bias update: b[key] = Σ (r − μ − b_other) / (reg + n) over the ratings of each key.
private func biasStep(
  _ data: RatingData, by keys: [Int32], count: Int, other: [Int32], otherBias: [Float], mean mu: Float, reg: Float
) -> [Float] {
  var sum = [Float](repeating: 0, count: count)
  var n = [Float](repeating: 0, count: count)
  for k in 0..<data.count {
    let key = Int(keys[k])
    sum[key] += data.ratings[k] - mu - otherBias[Int(other[k])]
    n[key] += 1
  }
  return (0..<count).map { sum[$0] / (reg + n[$0]) }
}

/// Gaussian N(0, std²) factors for `rows` × k.
func randomFactors(_ rows: Int, _ k: Int, std: Float, _ rng: inout PRNG) -> [Float] {
  (0..<(rows * k)).map { _ in rng.nextNormal() * std }
}

/// The SGD models' start: the seeded generator after drawing N(0, 0.1²) user then item factors, and zero biases.
func initialFactors(
  _ c: TrainConfig, _ data: RatingData
) -> (PRNG, [Float], [Float], [Float], [Float]) {
  var rng = PRNG(seed: c.seed)
  let p = randomFactors(data.userCount, c.factors, std: 0.1, &rng)
  let q = randomFactors(data.itemCount, c.factors, std: 0.1, &rng)
  return (rng, p, q, [Float](repeating: 0, count: data.userCount), [Float](repeating: 0, count: data.itemCount))
}

/// Biased MF by SGD over shuffled ratings (Funk SVD; Surprise's SVD update rule).
/// `afterEpoch(epoch, predict)`, when given, sees the model after each epoch (`predict(u, i)`) and returns
/// false to stop early (validation).
func fitSVD(
  _ m: inout TrainedModel, _ data: RatingData, progress: (Int) -> Void,
  afterEpoch: ((Int, (Int, Int) -> Float) -> Bool)? = nil
) {
  let (c, k) = (m.config, m.config.factors)
  var (rng, p, q, bu, bi) = initialFactors(c, data)
  var order = Array(0..<data.count)
  let (mu, lr, reg) = (m.mean, c.learningRate, c.regularization)
  p.withUnsafeMutableBufferPointer { pb in
    q.withUnsafeMutableBufferPointer { qb in
      guard let P = pb.baseAddress, let Q = qb.baseAddress else { return }
      for epoch in 0..<c.epochs {
        order.shuffle(using: &rng)
        for idx in order {
          let u = Int(data.users[idx])
          let i = Int(data.items[idx])
          let pu = P + u &* k
          let qi = Q + i &* k
          let err = data.ratings[idx] - (mu + bu[u] + bi[i] + rowDot(pu, qi, k))
          bu[u] += lr * (err - reg * bu[u])
          bi[i] += lr * (err - reg * bi[i])
          sgdPair(pu, qi, k, err: err, lr: lr, reg: reg)
        }
        progress(epoch + 1)
        if let afterEpoch, !afterEpoch(epoch + 1, { u, i in mu + bu[u] + bi[i] + rowDot(P + u * k, Q + i * k, k) }) {
          break
        }
      }
    }
  }
  (m.userFactors, m.itemFactors, m.userBias, m.itemBias) = (p, q, bu, bi)
}

/// SVD++ by SGD, visiting users in random order; the implicit term z_u = |N(u)|^-½ Σ_{j∈N(u)} y_j is computed
/// once per user visit and the y_j receive the accumulated gradient after the user's ratings (the common
/// per-user batching of Koren's update, which is O(|N(u)|) instead of O(|N(u)|²) per user).
/// `afterEpoch` as for `fitSVD` (the implicit term of a user is computed from the current y_j when asked).
func fitSVDpp(
  _ m: inout TrainedModel, _ data: RatingData, progress: (Int) -> Void,
  afterEpoch: ((Int, (Int, Int) -> Float) -> Bool)? = nil
) {
  let (c, k) = (m.config, m.config.factors)
  var (rng, p, q, bu, bi) = initialFactors(c, data)
  var y = randomFactors(data.itemCount, k, std: 0.1, &rng)
  let csr = data.byUser()
  var users = Array(0..<data.userCount)
  let (mu, lr, reg) = (m.mean, c.learningRate, c.regularization)
  var z = [Float](repeating: 0, count: k)
  var acc = [Float](repeating: 0, count: k)
  var pz = [Float](repeating: 0, count: k)
  for epoch in 0..<c.epochs {
    users.shuffle(using: &rng)
    for u in users {
      let lo = csr.start[u]
      let hi = csr.start[u + 1]
      if hi == lo { continue }
      let norm = 1 / Float(hi - lo).squareRoot()
      for j in 0..<k { z[j] = 0 }
      for t in lo..<hi {
        let base = Int(csr.items[t]) * k
        for j in 0..<k { z[j] += y[base + j] }
      }
      for j in 0..<k {
        z[j] *= norm
        acc[j] = 0
      }
      var idx = Array(lo..<hi)
      idx.shuffle(using: &rng)
      for t in idx {
        let i = Int(csr.items[t])
        let (pb, qb) = (u * k, i * k)
        var dotv: Float = 0
        for j in 0..<k {
          pz[j] = p[pb + j] + z[j]
          dotv += q[qb + j] * pz[j]
        }
        let err = csr.ratings[t] - (mu + bu[u] + bi[i] + dotv)
        bu[u] += lr * (err - reg * bu[u])
        bi[i] += lr * (err - reg * bi[i])
        for j in 0..<k {
          let qv = q[qb + j]
          acc[j] += err * qv
          p[pb + j] += lr * (err * qv - reg * p[pb + j])
          q[qb + j] += lr * (err * pz[j] - reg * qv)
        }
      }
      // Each y_j received |N(u)| gradient steps in exact SGD: their sum, with the decay (1 − lr·reg) applied
      // |N(u)| times. Multiplicatively: a linear |N(u)|·lr·reg would exceed 2 for a user with thousands of
      // ratings and make y diverge.
      let decay = pow(1 - lr * reg, Float(hi - lo))
      for t in lo..<hi {
        let base = Int(csr.items[t]) * k
        for j in 0..<k { y[base + j] = y[base + j] * decay + lr * acc[j] * norm }
      }
    }
    progress(epoch + 1)
    if let afterEpoch {
      var implicit: [Int: [Float]] = [:]  // z_u of the users asked about, from this epoch's y
      let keepGoing = afterEpoch(epoch + 1) { u, i in
        if implicit[u] == nil {
          var zu = [Float](repeating: 0, count: k)
          let (lo, hi) = (csr.start[u], csr.start[u + 1])
          if hi > lo {
            let norm = 1 / Float(hi - lo).squareRoot()
            for t in lo..<hi {
              let base = Int(csr.items[t]) * k
              for j in 0..<k { zu[j] += y[base + j] * norm }
            }
          }
          implicit[u] = zu
        }
        let zu = implicit[u] ?? []
        var dotv: Float = 0
        for j in 0..<k { dotv += q[i * k + j] * (p[u * k + j] + zu[j]) }
        return mu + bu[u] + bi[i] + dotv
      }
      if !keepGoing { break }
    }
  }
  // z_u for every user with the final y.
  var zAll = [Float](repeating: 0, count: data.userCount * k)
  for u in 0..<data.userCount {
    let (lo, hi) = (csr.start[u], csr.start[u + 1])
    if hi == lo { continue }
    let norm = 1 / Float(hi - lo).squareRoot()
    for t in lo..<hi {
      let base = Int(csr.items[t]) * k
      for j in 0..<k { zAll[u * k + j] += y[base + j] * norm }
    }
  }
  (m.userFactors, m.itemFactors, m.implicitFactors, m.userImplicit) = (p, q, y, zAll)
  (m.userBias, m.itemBias) = (bu, bi)
}
