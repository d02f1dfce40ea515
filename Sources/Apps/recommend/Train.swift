import AppSupport
import ArgumentParser
import Engine
import Foundation
import RecommendKit

/// Hyper-parameter flags shared by `train` and `eval` (unset flags keep the algorithm's defaults).
struct HyperParameters: ParsableArguments {
  @Option(help: "Algorithm: baseline, svd, svdpp, als, knn, bpr.") var algo: Algorithm = .svd
  @Option(help: "Latent factors.") var factors: Int?
  @Option(help: "Epochs (ALS: iterations).") var epochs: Int?
  @Option(help: "SGD learning rate.") var lr: Float?
  @Option(help: "Regularisation.") var reg: Float?
  @Option(help: "ALS confidence scale: c = 1 + alpha·rating.") var alpha: Float?
  @Option(help: "kNN: neighbours per prediction.") var k: Int?
  @Option(help: "kNN similarity: pearson-baseline or cosine.") var similarity: Similarity?
  @Option(help: "kNN: most similar items stored per item (the candidates a prediction picks its --k from).")
  var storedNeighbors: Int?
  @Option(help: "kNN: similarity shrinkage (Pearson-baseline).") var shrinkage: Float?
  @Option(
    help: ArgumentHelp(
      "svd, svdpp, knn: share of the training ratings held out to choose regularisation and epochs (knn: min support); 0 trains as configured.",
      valueName: "fraction"))
  var validation: Float?
  @Option(help: "Random seed.") var seed: UInt64 = 0

  /// Whether any hyper-parameter flag was given (then a stored `recommend tune` result is not used).
  var overridden: Bool {
    factors != nil || epochs != nil || lr != nil || reg != nil || alpha != nil || k != nil || similarity != nil
      || storedNeighbors != nil || shrinkage != nil || validation != nil
  }

  /// The configuration to train with: `recommend tune`'s stored winner for this algorithm when there is one and
  /// no flag overrides it, else the algorithm's defaults with the flags applied.
  func resolved(_ store: Store) throws -> (config: TrainConfig, tuned: Bool) {
    if !overridden, let json = try store.meta("tuned.\(algo.rawValue)"),
      var c = try? JSONDecoder().decode(TrainConfig.self, from: Data(json.utf8))
    {
      c.seed = seed
      return (c, true)
    }
    return (config, false)
  }

  var config: TrainConfig {
    var c = TrainConfig.defaults(for: algo)
    if let factors { c.factors = factors }
    if let epochs { c.epochs = epochs }
    if let lr { c.learningRate = lr }
    if let reg { c.regularization = reg }
    if let alpha { c.alpha = alpha }
    if let k { c.neighbors = k }
    if let similarity { c.similarity = similarity }
    if let storedNeighbors { c.storedNeighbors = storedNeighbors }
    if let shrinkage { c.shrinkage = shrinkage }
    if let validation { c.validation = validation > 0 ? validation : nil }
    c.seed = seed
    return c
  }

  func validate() throws {
    if let factors, factors < 1 { throw ValidationError("--factors must be ≥ 1 (got \(factors))") }
    if let epochs, epochs < 1 { throw ValidationError("--epochs must be ≥ 1 (got \(epochs))") }
    if let k, k < 1 { throw ValidationError("--k must be ≥ 1 (got \(k))") }
    if let storedNeighbors, !(1...100_000).contains(storedNeighbors) {
      throw ValidationError("--stored-neighbors must be between 1 and 100000 (got \(storedNeighbors))")
    }
    if let validation, !(0...0.5).contains(validation) {
      throw ValidationError("--validation must be between 0 and 0.5 (got \(validation))")
    }
    if let shrinkage, !(shrinkage >= 0 && shrinkage.isFinite) {
      throw ValidationError("--shrinkage must be ≥ 0 and finite (got \(shrinkage))")
    }
    if let factors, factors > 4096 { throw ValidationError("--factors must be at most 4096 (got \(factors))") }
    if let epochs, epochs > 100_000 { throw ValidationError("--epochs must be at most 100000 (got \(epochs))") }
    if let lr, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be a positive number (got \(lr))") }
    if let reg, !(reg >= 0 && reg.isFinite) { throw ValidationError("--reg must be ≥ 0 and finite (got \(reg))") }
    if let alpha, !(alpha >= 0 && alpha.isFinite) {
      throw ValidationError("--alpha must be ≥ 0 and finite (got \(alpha))")
    }
  }
}

/// `recommend train`: fits a model on every stored rating and saves it in the database.
struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Trains a model on all stored ratings.")
  @OptionGroup var database: DatabaseOptions
  @OptionGroup var hyper: HyperParameters

  func run() throws {
    do { try Distributed.initialize() } catch { throw AppError("\(error)") }
    if Distributed.worldSize > 1 && hyper.algo != .als {
      throw AppError(
        "--algo \(hyper.algo.rawValue) trains in one process; under mpirun only --algo als is data-parallel")
    }
    let store = try database.open()
    let data = try store.allRatings()
    guard data.count > 0 else { throw AppError("\(store.db.path): no ratings; import some first") }
    let (config, tuned) = try hyper.resolved(store)
    if tuned { printLine("Using the configuration `recommend tune --algo \(hyper.algo.rawValue)` stored") }
    let began = monotonicSeconds()
    // Under mpirun (ALS): every rank reads the ratings and solves its block of users and items; rank 0 saves.
    let bar =
      Distributed.isPrimary
      ? ProgressBar(total: config.epochs, label: "train \(hyper.algo.rawValue)", unit: "ratings") : nil
    let model = RecommendKit.train(data, algo: hyper.algo, config: config) { _ in
      bar?.advance(1, units: Double(data.count))
    }
    let seconds = bar?.finish() ?? monotonicSeconds() - began
    guard Distributed.isPrimary else { return }
    let json = String(decoding: try JSONEncoder().encode(model.config), as: UTF8.self)
    try store.saveModel(algo: hyper.algo.rawValue, config: json, ratings: data.count, factors: try model.encoded())
    printLine(
      "Trained \(hyper.algo.rawValue) on \(data.count) ratings in \(fixed(seconds, 2)) s"
        + (Distributed.worldSize > 1 ? " on \(Distributed.worldSize) ranks" : "") + "; saved in \(store.db.path)")
    if let report = model.config.validationReport { printLine("Validation: \(report)") }
  }
}

/// `recommend eval --folds 5`: cross-validated RMSE/MAE and ranking metrics.
struct Eval: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Cross-validates an algorithm: RMSE, MAE, precision/recall/NDCG@10.")
  @OptionGroup var database: DatabaseOptions
  @OptionGroup var hyper: HyperParameters
  @Option(help: "Number of folds.") var folds = 5
  @Option(help: "Held-out ratings at least this high are the positives for ranking (default: top of scale − 1).")
  var relevant: Float?
  @Flag(help: "Also rank by popularity on the same folds (the baseline for the ranking metrics).")
  var popularBaseline = false

  func validate() throws {
    guard folds >= 2 else { throw ValidationError("--folds must be ≥ 2 (got \(folds))") }
  }

  func run() throws {
    let store = try database.open()
    let data = try store.allRatings()
    guard data.count >= folds else {
      throw AppError("\(store.db.path): \(data.count) ratings are too few for \(folds) folds")
    }
    let (lo, hi) = try store.ratingScale()
    let bar = ProgressBar(total: folds, label: "eval \(hyper.algo.rawValue)", unit: "folds")
    let (config, tuned) = try hyper.resolved(store)
    if tuned { printLine("Using the configuration `recommend tune --algo \(hyper.algo.rawValue)` stored") }
    let r = crossValidate(
      data, algo: hyper.algo, config: config, folds: folds, seed: hyper.seed, scale: (Float(lo), Float(hi)),
      relevant: relevant ?? Float(hi) - 1
    ) { _ in bar.advance() }
    bar.finish()
    printLine("\(hyper.algo.rawValue), \(folds)-fold cross-validation, seed \(hyper.seed), \(data.count) ratings:")
    if hyper.algo.isExplicit {
      printLine("  RMSE \(fixed(r.rmse, 4))   MAE \(fixed(r.mae, 4))")
    }
    printLine(
      "  precision@10 \(fixed(r.precision, 4))   recall@10 \(fixed(r.recall, 4))   NDCG@10 \(fixed(r.ndcg, 4))   coverage \(fixed(r.coverage, 3))"
    )
    if popularBaseline {
      let pop = crossValidate(
        data, algo: hyper.algo, config: config, folds: folds, seed: hyper.seed, scale: (Float(lo), Float(hi)),
        relevant: relevant ?? Float(hi) - 1, byPopularity: true)
      printLine(
        "  popularity: precision@10 \(fixed(pop.precision, 4))   recall@10 \(fixed(pop.recall, 4))   NDCG@10 \(fixed(pop.ndcg, 4))   coverage \(fixed(pop.coverage, 3))"
      )
    }
    printLine("  (\(fixed(r.seconds, 1)) s)")
  }
}
