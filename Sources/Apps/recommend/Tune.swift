import AppSupport
import ArgumentParser
import Engine
import Foundation
import RecommendKit

/// `recommend tune --algo svd`: searches hyper-parameters by cross-validation and stores the best for `train`.
struct Tune: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Searches an algorithm's hyper-parameters by k-fold cross-validation; `train` then uses the best.",
    discussion: """
      Random search with successive halving: every sampled point (the defaults first) is scored on one fold,
      the best third on all --folds; RMSE for explicit models, NDCG@10 for als. Bounded by --trials and
      --budget. The winner is stored in the database; `recommend train --algo A` uses it unless a
      hyper-parameter flag is given.
        recommend tune --algo svd --budget 10m
      """)
  @OptionGroup var database: DatabaseOptions
  @Option(help: "Algorithm: baseline, svd, svdpp, als, knn, bpr.") var algo: Algorithm = .svd
  @Option(help: "Points to sample (the defaults count as one).") var trials = 24
  @Option(help: "Folds of the final scoring.") var folds = 3
  @Option(help: "Wall-clock limit, e.g. 90s, 10m, 1h.") var budget = "10m"
  @Option(help: "Random seed (folds and samples).") var seed: UInt64 = 0
  @Flag(help: "Show the results without storing the winner.") var dryRun = false

  func validate() throws {
    guard (1...10_000).contains(trials) else { throw ValidationError("--trials must be in 1…10000 (got \(trials))") }
    guard (2...20).contains(folds) else { throw ValidationError("--folds must be in 2…20 (got \(folds))") }
    guard parseDuration(budget) != nil else {
      throw ValidationError("--budget: cannot read '\(budget)' (use e.g. 90s, 10m, 1h30m)")
    }
  }

  func run() throws {
    let store = try database.open()
    let data = try store.allRatings()
    guard data.count >= 10 * folds else {
      throw AppError("\(store.db.path): \(data.count) ratings are too few to tune on \(folds) folds")
    }
    let (lo, hi) = try store.ratingScale()
    let seconds = parseDuration(budget) ?? 600
    let bar = ProgressBar(total: trials, label: "tune \(algo.rawValue)", unit: "trials", timeLimit: seconds)
    let results = RecommendKit.tune(
      data, algo: algo, base: .defaults(for: algo), trials: trials, folds: folds, budget: seconds, seed: seed,
      scale: (Float(lo), Float(hi)), relevant: Float(hi) - 1
    ) { _, stage in
      if stage == 1 { bar.advance() }
    }
    bar.finish()
    let metric = algo.isExplicit ? "RMSE" : "NDCG@10"
    printLine("\(algo.rawValue): \(results.count) scored points on \(data.count) ratings (best first)")
    printLine("  folds  \(padded(metric, 8))  configuration")
    for t in results.prefix(12) {
      let value = algo.isExplicit ? t.rmse : t.ndcg
      printLine("  \(leftPadded("\(t.folds)", 5))  \(padded(fixed(value, 4), 8))  \(describe(t.config))")
    }
    guard let best = results.first, best.loss.isFinite else { throw AppError("no configuration could be scored") }
    if dryRun { return }
    let json = String(decoding: try JSONEncoder().encode(best.config), as: UTF8.self)
    try store.setMeta("tuned.\(algo.rawValue)", json)
    printLine(
      "Stored the best (\(metric) \(fixed(algo.isExplicit ? best.rmse : best.ndcg, 4)) on \(best.folds) folds); `recommend train --algo \(algo.rawValue)` uses it"
    )
  }

  /// The searched fields of `c`.
  func describe(_ c: TrainConfig) -> String {
    switch algo {
    case .baseline: return "item reg \(fixed(Double(c.itemBiasReg), 2)), user reg \(fixed(Double(c.userBiasReg), 2))"
    case .svd, .svdpp:
      return
        "factors \(c.factors), reg \(fixed(Double(c.regularization), 4)), lr \(fixed(Double(c.learningRate), 4)), epochs \(c.epochs)"
    case .bpr:
      return
        "factors \(c.factors), reg \(fixed(Double(c.regularization), 4)), lr \(fixed(Double(c.learningRate), 4)), epochs \(c.epochs)"
    case .als:
      return
        "factors \(c.factors), reg \(fixed(Double(c.regularization), 4)), alpha \(fixed(Double(c.alpha), 2)), iterations \(c.epochs)"
    case .knn: return "k \(c.neighbors), shrinkage \(fixed(Double(c.shrinkage), 1))"
    }
  }
}
