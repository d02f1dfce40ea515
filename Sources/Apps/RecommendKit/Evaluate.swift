import Engine

#if canImport(Glibc)
  import Glibc
#endif

/// Cross-validated quality of one algorithm.
public struct EvalResult: Sendable {
  public var rmse: Double
  public var mae: Double
  public var precision: Double
  public var recall: Double
  public var ndcg: Double
  /// Catalogue coverage: distinct items in the users' top lists ÷ items rated in training (mean over folds).
  public var coverage: Double = 0
  public var folds: Int
  public var seconds: Double
}

/// k-fold cross-validation with a fixed seed: ratings are shuffled and split into `folds` parts; each part is
/// predicted by a model trained on the others. Rating metrics (RMSE, MAE; predictions clipped to the scale) for
/// explicit models; ranking metrics @`cutoff` for every model: held-out ratings ≥ `relevant` are the positives,
/// all items not rated in training are ranked. `onlyFolds` runs only the first folds of the split (a tuner's
/// quick look). `byPopularity` ranks every user's unseen items by their training popularity instead (the
/// baseline a recommender's ranking metrics are read against).
public func crossValidate(
  _ data: RatingData, algo: Algorithm, config: TrainConfig, folds: Int, seed: UInt64, scale: (Float, Float),
  relevant: Float, cutoff: Int = 10, onlyFolds: Int? = nil, byPopularity: Bool = false,
  progress: (Int) -> Void = { _ in }
) -> EvalResult {
  let start = monotonicSeconds()
  var order = Array(0..<data.count)
  var rng = PRNG(seed: seed)
  order.shuffle(using: &rng)
  var sq = 0.0
  var abs = 0.0
  var n = 0
  var (p, r, g, users) = (0.0, 0.0, 0.0, 0)
  var coverage = 0.0
  for f in 0..<min(folds, onlyFolds ?? folds) {
    let testIdx = order.enumerated().filter { $0.offset % folds == f }.map(\.element)
    let trainIdx = order.enumerated().filter { $0.offset % folds != f }.map(\.element)
    let trainData = data.subset(trainIdx)
    // A popularity ranking needs only the training counts: the cheap baseline model carries them.
    let model =
      byPopularity
      ? train(trainData, algo: .baseline, config: .defaults(for: .baseline))
      : train(trainData, algo: algo, config: config)
    let csr = trainData.byUser()
    func ratings(of u: Int) -> [Int: Float] {
      var d: [Int: Float] = [:]
      for t in csr.start[u]..<csr.start[u + 1] { d[Int(csr.items[t])] = csr.ratings[t] }
      return d
    }
    var cache: [Int: [Int: Float]] = [:]
    var positives: [Int: Set<Int>] = [:]
    for t in testIdx {
      let (u, i, y) = (Int(data.users[t]), Int(data.items[t]), data.ratings[t])
      if y >= relevant { positives[u, default: []].insert(i) }
      guard algo.isExplicit && !byPopularity else { continue }
      if cache[u] == nil { cache[u] = ratings(of: u) }
      let pred = min(max(model.predict(user: u, item: i, ratings: cache[u] ?? [:]), scale.0), scale.1)
      let e = Double(pred - y)
      sq += e * e
      abs += Swift.abs(e)
      n += 1
    }
    var dense = [Float](repeating: .nan, count: data.itemCount)
    var listed = Set<Int>()
    defer {
      let catalogue = model.itemCounts.filter { $0 > 0 }.count
      coverage += catalogue > 0 ? Double(listed.count) / Double(catalogue) : 0
    }
    for (u, pos) in positives {
      let seen = cache[u] ?? ratings(of: u)
      for (i, v) in seen { dense[i] = v }
      var scored: [(Int, Float)] = []
      scored.reserveCapacity(data.itemCount)
      let bu = u < model.userBias.count ? model.userBias[u] : 0
      for i in 1..<data.itemCount where seen[i] == nil {
        if byPopularity {
          scored.append((i, model.itemCounts[i]))
        } else if algo == .knn {
          let base = model.mean + bu + model.itemBias[i]
          scored.append(
            (
              i,
              base
                + model.neighbourhood(item: i, userBias: bu) { j in
                  let v = dense[j]
                  return v.isNaN ? nil : v
                }
            ))
        } else {
          scored.append((i, model.predict(user: u, item: i, ratings: seen)))
        }
      }
      for (i, _) in seen { dense[i] = .nan }
      let top = topN(scored, cutoff).map(\.0)
      listed.formUnion(top)
      let hits = top.filter { pos.contains($0) }.count
      p += Double(hits) / Double(cutoff)
      r += Double(hits) / Double(pos.count)
      var dcg = 0.0
      for (rank, item) in top.enumerated() where pos.contains(item) { dcg += 1 / log2(Double(rank + 2)) }
      let idcg = (0..<min(pos.count, cutoff)).reduce(0.0) { $0 + 1 / log2(Double($1 + 2)) }
      g += dcg / idcg
      users += 1
    }
    progress(f + 1)
  }
  let nu = Double(max(users, 1))
  return EvalResult(
    rmse: n > 0 ? (sq / Double(n)).squareRoot() : .nan, mae: n > 0 ? abs / Double(n) : .nan, precision: p / nu,
    recall: r / nu, ndcg: g / nu, coverage: coverage / Double(max(1, min(folds, onlyFolds ?? folds))),
    folds: min(folds, onlyFolds ?? folds), seconds: monotonicSeconds() - start)
}
