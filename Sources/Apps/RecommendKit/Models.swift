import Engine
import Foundation

// Collaborative-filtering models. Legend: U = users, I = items (internal ids index rows directly), k = factors.
// Explicit models predict r̂ = μ + b_u + b_i (+ q_i·(p_u + z_u) for SVD/SVD++; + a neighbourhood term for kNN);
// ALS (implicit feedback) scores p_u·q_i.

/// The algorithms `recommend` trains.
public enum Algorithm: String, CaseIterable, Codable, Sendable {
  /// Global mean + user and item biases (regularised, alternating closed form).
  case baseline
  /// Biased matrix factorisation by SGD (Funk SVD, as Surprise's SVD).
  case svd
  /// SVD++: SVD plus implicit feedback from which items each user rated.
  case svdpp
  /// Implicit-feedback ALS (Hu–Koren–Volinsky) with conjugate-gradient solves; ratings are confidences.
  case als
  /// Item-based k nearest neighbours on baseline residuals (Pearson-baseline or cosine similarity).
  case knn
  /// Bayesian personalised ranking (Rendle et al. 2009): implicit feedback, pairwise SGD on (user, rated item,
  /// sampled unrated item) with item biases.
  case bpr

  /// True for models that predict ratings (RMSE applies).
  public var isExplicit: Bool { self != .als && self != .bpr }
}

/// Item–item similarity for kNN.
public enum Similarity: String, CaseIterable, Codable, Sendable {
  case pearsonBaseline = "pearson-baseline"
  case cosine
}

/// Hyper-parameters, with defaults tuned on MovieLens-100k (see BENCHMARKS.md).
public struct TrainConfig: Codable, Sendable, Equatable {
  public var factors = 100
  public var epochs = 20
  public var learningRate: Float = 0.005
  public var regularization: Float = 0.02
  public var seed: UInt64 = 0
  /// ALS: confidence = 1 + alpha · rating.
  public var alpha: Float = 1
  /// ALS: conjugate-gradient steps per solve.
  public var cgSteps = 3
  /// kNN: neighbours used per prediction, stored per item, similarity and shrinkage.
  public var neighbors = 40
  public var storedNeighbors = 400
  public var similarity: Similarity = .pearsonBaseline
  public var shrinkage: Float = 100
  /// kNN: users two items need in common before their similarity counts (nil: 2).
  public var minSupport: Int? = nil
  /// Baseline: regularisation of item and user biases.
  public var itemBiasReg: Float = 10
  public var userBiasReg: Float = 15
  /// SVD/SVD++: the share of the training ratings held out to pick the regularisation and the number of epochs
  /// (nil or 0: train `epochs` epochs with `regularization` as given). Set by `train` to nil once chosen.
  public var validation: Float? = nil
  /// What validation chose (for the record and `recommend stats`): the grid, each point's best RMSE and epoch.
  public var validationReport: String? = nil

  public init() {}

  /// Defaults per algorithm.
  public static func defaults(for algo: Algorithm) -> TrainConfig {
    var c = TrainConfig()
    switch algo {
    case .baseline: c.epochs = 10
    case .svd:
      c.factors = 100
      c.epochs = 40
      c.learningRate = 0.01
      c.regularization = 0.1
      c.validation = 0.1
    case .svdpp:
      c.factors = 50
      c.epochs = 40
      c.learningRate = 0.01
      c.regularization = 0.1
      c.validation = 0.1
    case .bpr:
      c.factors = 64
      c.epochs = 40
      c.learningRate = 0.05
      c.regularization = 0.002
    case .als:
      c.factors = 64
      c.epochs = 15
      c.regularization = 0.01
    case .knn:
      c.epochs = 10
      c.validation = 0.1
    }
    return c
  }
}

/// A trained model: biases, factors and (kNN) neighbour lists, all indexed by internal ids.
public struct TrainedModel {
  public var algo: Algorithm
  public var config: TrainConfig
  public var mean: Float = 0
  public var userBias: [Float] = []
  public var itemBias: [Float] = []
  /// (U, k)
  public var userFactors: [Float] = []
  /// (I, k)
  public var itemFactors: [Float] = []
  /// SVD++ y_j (I, k) and the per-user implicit term z_u = |N(u)|^-½ Σ y_j (U, k).
  public var implicitFactors: [Float] = []
  public var userImplicit: [Float] = []
  /// kNN: (I, storedNeighbors) neighbour ids (−1 = none) and similarities.
  public var neighbors: [Int32] = []
  public var neighborSims: [Float] = []
  /// Number of ratings per item in the training data (popularity).
  public var itemCounts: [Float] = []
  /// Mean rating per item in the training data (0 where unrated), for the reasons `recommend --user` prints
  /// without scanning the ratings table (a popular item of a 20M set has a million ratings).
  public var itemMeans: [Float] = []
  public var userCount = 0
  public var itemCount = 0

  public var k: Int { config.factors }

  public init(algo: Algorithm, config: TrainConfig, userCount: Int, itemCount: Int) {
    self.algo = algo
    self.config = config
    self.userCount = userCount
    self.itemCount = itemCount
  }
}

// MARK: Serialisation (safetensors bytes stored in the database)

extension TrainedModel {
  /// The tensors a server that folds users in does not need (sorted last in the file, so a prefix holds the rest).
  public static let userSideTensors: Set<String> = ["user_factors", "user_implicit"]

  /// The model as safetensors bytes (tensors by field name; algo, mean and config in the metadata).
  public func encoded() throws -> [UInt8] {
    var t: [String: Tensor] = [:]
    func put(_ name: String, _ v: [Float], _ shape: [Int]) { if !v.isEmpty { t[name] = Tensor(v, shape: shape) } }
    put("user_bias", userBias, [userCount])
    put("item_bias", itemBias, [itemCount])
    put("user_factors", userFactors, [userCount, k])
    put("item_factors", itemFactors, [itemCount, k])
    put("implicit_factors", implicitFactors, [itemCount, k])
    put("user_implicit", userImplicit, [userCount, k])
    put("neighbors", neighbors.map { Float($0) }, [itemCount, config.storedNeighbors])
    put("neighbor_sims", neighborSims, [itemCount, config.storedNeighbors])
    put("item_counts", itemCounts, [itemCount])
    put("item_means", itemMeans, [itemCount])
    let configJSON = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
    return try SafeTensors.encode(
      t,
      metadata: [
        "algo": algo.rawValue, "mean": "\(mean)", "config": configJSON, "users": "\(userCount)",
        "items": "\(itemCount)",
      ])
  }

  /// Decodes `encoded()` bytes; `source` names them in errors. `servingOnly` leaves out the trained users'
  /// factors (most of a large model): a server folds users in from their ratings, and `predict(user:item:)`
  /// then has biases only.
  public init(encoded bytes: [UInt8], source: String, servingOnly: Bool = false) throws {
    let (t, meta) = try SafeTensors.decode(
      bytes, source: source, skipping: servingOnly ? TrainedModel.userSideTensors : [])
    guard let a = meta["algo"].flatMap(Algorithm.init(rawValue:)), let mean = meta["mean"].flatMap(Float.init),
      let cfg = meta["config"], let users = meta["users"].flatMap(Int.init), let items = meta["items"].flatMap(Int.init)
    else { throw FileError(source, "stored model lacks algo/mean/config metadata") }
    let config = try JSONDecoder().decode(TrainConfig.self, from: Data(cfg.utf8))
    func fail(_ m: String) -> FileError { FileError(source, "stored \(a.rawValue) model is corrupt: \(m)") }
    guard (0...100_000_000).contains(users), (0...100_000_000).contains(items), mean.isFinite else {
      throw fail("\(users) users, \(items) items, mean \(mean)")
    }
    guard (1...4096).contains(config.factors), (0...100_000).contains(config.storedNeighbors) else {
      throw fail("\(config.factors) factors, \(config.storedNeighbors) stored neighbours")
    }
    self.init(algo: a, config: config, userCount: users, itemCount: items)
    self.mean = mean
    // Every tensor present must have the size its rows say (a model is read from the database, maybe tampered with).
    let k = config.factors
    let expected = [
      "user_bias": users, "item_bias": items, "user_factors": users * k, "item_factors": items * k,
      "implicit_factors": items * k, "user_implicit": users * k, "neighbors": items * config.storedNeighbors,
      "neighbor_sims": items * config.storedNeighbors, "item_counts": items, "item_means": items,
    ]
    for (name, tensor) in t {
      guard let n = expected[name] else { throw fail("unknown tensor '\(name)'") }
      guard tensor.count == n else { throw fail("\(name) holds \(tensor.count) values, expected \(n)") }
    }
    func get(_ name: String) -> [Float] { t[name]?.toArray() ?? [] }
    userBias = get("user_bias")
    itemBias = get("item_bias")
    userFactors = get("user_factors")
    itemFactors = get("item_factors")
    implicitFactors = get("implicit_factors")
    userImplicit = get("user_implicit")
    let ids = get("neighbors")
    guard ids.allSatisfy({ $0 == $0.rounded() && $0 >= -1 && $0 < Float(items) }) else {
      throw fail("neighbor ids outside the \(items) items")
    }
    neighbors = ids.map { Int32($0) }
    neighborSims = get("neighbor_sims")
    itemMeans = get("item_means")
    itemCounts = get("item_counts")
  }
}
