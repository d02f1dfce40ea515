// The top-N a user sees, shared by `recommend --user` and kestrel-web: the model is loaded from the database,
// the user's ratings folded in, items with too little support left out, and each pick given a reason.

/// The trained model to use: `algo`, or the best one trained (svd, svdpp, knn, als, bpr, baseline).
/// `servingOnly`: without the trained users' factors (commands that fold users in).
public func loadModel(_ store: Store, _ algo: Algorithm?, servingOnly: Bool = false) throws -> TrainedModel {
  let trained = try store.models().map(\.algo)
  let preference: [Algorithm] = [.svd, .svdpp, .knn, .als, .bpr, .baseline]
  guard let chosen = algo ?? preference.first(where: { trained.contains($0.rawValue) }) else {
    throw DatabaseError("\(store.db.path): no trained model; run `recommend train` first")
  }
  let stored =
    servingOnly
    ? try store.loadModelPrefix(algo: chosen.rawValue, skipping: TrainedModel.userSideTensors)
    : try store.loadModel(algo: chosen.rawValue)
  guard let blob = stored else {
    throw DatabaseError(
      "\(store.db.path): no trained '\(chosen.rawValue)' model; run `recommend train --algo \(chosen.rawValue)`")
  }
  return try TrainedModel(
    encoded: blob, source: "\(store.db.path) model '\(chosen.rawValue)'", servingOnly: servingOnly)
}

/// Why an item is recommended.
public enum Reason: Sendable, Equatable {
  /// The user's liked item most similar to it, with the user's rating of that item.
  case similarTo(item: Int, title: String, rating: Float)
  /// How the item is rated overall.
  case overall(mean: Double, count: Int)
}

/// One recommended item.
public struct Recommendation: Sendable {
  /// Internal item id.
  public var item: Int
  /// The item's id in the imported data.
  public var externalID: String
  /// Its title ("item N" when the data has none).
  public var title: String
  /// The model's predicted score.
  public var score: Float
  /// Why, if the model can say.
  public var reason: Reason?
}

/// A user's top-N unseen items from `model`, folded in from their current ratings in `store`.
/// Throws for an unknown user, a user with no ratings, or when no unseen item has `minRatings` ratings.
public func recommendations(
  _ store: Store, model: TrainedModel, user: String, n: Int, minRatings: Int? = nil
) throws -> (items: [Recommendation], rated: Int) {
  guard let uid = try store.userID(user) else { throw DatabaseError("unknown user '\(user)' in \(store.db.path)") }
  let rated = try store.ratings(ofUser: uid)
  guard !rated.isEmpty else { throw DatabaseError("user '\(user)' has no ratings yet") }
  let profile = model.foldIn(rated)
  let scores = model.scores(for: profile)
  let support = minRatings ?? model.defaultMinRatings(n: n)
  let candidates = model.rankingCandidates(excluding: profile.ratings, minRatings: support)
  guard !candidates.isEmpty else {
    let most = Int(model.itemCounts.max() ?? 0)
    throw DatabaseError(
      "no item user \(user) has not rated has \(support) or more ratings (the most rated has \(most))")
  }
  let top = topN(candidates.map { ($0, scores[$0]) }, n)
  let (_, hi) = try store.ratingScale()
  let liked = rated.filter { $0.value >= Float(hi) - 1 }
  let pool = liked.isEmpty ? rated : liked
  // Reason: the liked item most similar to the recommendation; else how the item is rated overall.
  let similar = top.map { item, _ -> (item: Int, value: Float)? in
    guard let best = pool.map({ ($0.item, model.similarity(item, $0.item), $0.value) }).max(by: { $0.1 < $1.1 }),
      best.1 > 0
    else { return nil }
    return (best.0, best.2)
  }
  let titles = try store.titles(top.map(\.0) + similar.compactMap { $0?.item })
  // How each is rated overall: from the model (training counts and means), else from the ratings table.
  let overall =
    model.itemMeans.isEmpty
    ? try store.itemRatingStats(top.map(\.0))
    : Dictionary(
      uniqueKeysWithValues: top.map {
        ($0.0, (mean: Double(model.itemMeans[$0.0]), count: Int(model.itemCounts[$0.0])))
      })
  let items = try zip(top, similar).map { pick, similar -> Recommendation in
    let (item, score) = pick
    var reason: Reason?
    if let similar {
      reason = .similarTo(
        item: similar.item, title: titles[similar.item] ?? "item \(similar.item)", rating: similar.value)
    } else if let o = overall[item] {
      reason = .overall(mean: o.mean, count: o.count)
    }
    return Recommendation(
      item: item, externalID: try store.externalItemID(item) ?? "\(item)", title: titles[item] ?? "item \(item)",
      score: score, reason: reason)
  }
  return (items, rated.count)
}
