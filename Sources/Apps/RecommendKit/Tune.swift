import Engine

#if canImport(Glibc)
  import Glibc
#endif

// `recommend tune`: random search over an algorithm's hyper-parameters, each point scored by k-fold
// cross-validation (RMSE for explicit models, NDCG@10 for ALS). Successive halving: every sampled point is
// scored on the first fold; the best third go on to all folds, and the best of those wins. The winner is stored
// in the database and `recommend train` uses it.

/// One scored point of a search.
public struct TuneTrial: Sendable {
  public var config: TrainConfig
  /// The score on the folds it ran (lower is better: RMSE, or 1 − NDCG@10 for ALS).
  public var loss: Double
  public var rmse: Double
  public var ndcg: Double
  public var folds: Int
  public var seconds: Double
}

/// A random point of `algo`'s search space around `base` (log-uniform where the scale is unknown).
public func sampleConfig(_ algo: Algorithm, base: TrainConfig, rng: inout PRNG) -> TrainConfig {
  func logUniform(_ lo: Float, _ hi: Float) -> Float { lo * pow(hi / lo, rng.nextUniform()) }
  func pick<T>(_ values: [T]) -> T { values[rng.nextInt(values.count)] }
  var c = base
  c.validation = nil  // the search chooses epochs and regularisation itself
  c.validationReport = nil
  switch algo {
  case .baseline:
    c.itemBiasReg = logUniform(1, 50)
    c.userBiasReg = logUniform(1, 50)
  case .svd, .svdpp:
    c.factors = pick([10, 20, 50, 100, 200])
    c.regularization = logUniform(0.005, 0.3)
    c.learningRate = logUniform(0.002, 0.03)
    c.epochs = pick([10, 20, 30, 50, 80, 120])
  case .bpr:
    c.factors = pick([16, 32, 64, 128])
    c.regularization = logUniform(0.0005, 0.05)
    c.learningRate = logUniform(0.01, 0.2)
    c.epochs = pick([10, 20, 40, 80])
  case .als:
    c.factors = pick([16, 32, 64, 128])
    c.regularization = logUniform(0.001, 1)
    c.alpha = logUniform(0.1, 40)
    c.epochs = pick([5, 10, 15, 25])
  case .knn:
    c.neighbors = pick([10, 20, 30, 40, 60, 80, 120])
    c.shrinkage = logUniform(5, 500)
  }
  return c
}

/// Searches `algo`'s hyper-parameters on `data` for at most `trials` points and `budget` seconds; `report` sees
/// each scored trial as it finishes. Returns the trials, best first (points that ran on all folds before those
/// that ran on one).
public func tune(
  _ data: RatingData, algo: Algorithm, base: TrainConfig, trials: Int, folds: Int, budget: Double, seed: UInt64,
  scale: (Float, Float), relevant: Float, report: (TuneTrial, _ stage: Int) -> Void = { _, _ in }
) -> [TuneTrial] {
  let start = monotonicSeconds()
  var rng = PRNG(seed: seed)
  func score(_ c: TrainConfig, folds used: Int) -> TuneTrial {
    let began = monotonicSeconds()
    let r = crossValidate(
      data, algo: algo, config: c, folds: folds, seed: seed, scale: scale, relevant: relevant, onlyFolds: used)
    let loss = algo.isExplicit ? r.rmse : 1 - r.ndcg
    return TuneTrial(
      config: c, loss: loss.isNaN ? .infinity : loss, rmse: r.rmse, ndcg: r.ndcg, folds: used,
      seconds: monotonicSeconds() - began)
  }
  // Stage 1: the configured defaults and random points, one fold each.
  var first: [TuneTrial] = []
  var defaults = base
  defaults.validation = nil
  for t in 0..<trials {
    if t > 0 && monotonicSeconds() - start > budget * 0.6 { break }
    let c = t == 0 ? defaults : sampleConfig(algo, base: base, rng: &rng)
    let trial = score(c, folds: 1)
    first.append(trial)
    report(trial, 1)
  }
  first.sort { $0.loss < $1.loss }
  // Stage 2: the best third on every fold, while the budget lasts.
  var second: [TuneTrial] = []
  for candidate in first.prefix(max(1, (first.count + 2) / 3)) {
    if !second.isEmpty && monotonicSeconds() - start > budget { break }
    let trial = score(candidate.config, folds: folds)
    second.append(trial)
    report(trial, 2)
  }
  second.sort { $0.loss < $1.loss }
  return second + first
}
