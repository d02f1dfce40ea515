import AppSupport
import ArgumentParser
import Engine
import RecommendKit

/// `recommend --user 42`: the user's top-N unseen items with a one-line reason each.
struct Top: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "top", abstract: "Top-N unseen items for a user (the default command).")

  @OptionGroup var database: DatabaseOptions
  @Option(help: "User id as in the imported data.") var user: String?
  @Option(help: "How many items.") var n = 10
  @Option(help: "Model: baseline, svd, svdpp, als, knn, bpr (default: the best trained).") var algo: Algorithm?
  @Option(
    help: ArgumentHelp(
      "List only items rated by at least this many users (default: 20, lower on small catalogues so that 50 items stay eligible).",
      valueName: "count"))
  var minRatings: Int?
  @Flag(help: "Most popular items (for users without ratings).") var popular = false

  func validate() throws {
    guard n > 0 else { throw ValidationError("--n must be positive (got \(n))") }
    if let minRatings, minRatings < 1 { throw ValidationError("--min-ratings must be at least 1 (got \(minRatings))") }
    guard user != nil || popular else { throw ValidationError("give --user ID (or --popular)") }
  }

  func run() throws {
    let store = try database.open()
    guard let user else { return try printPopular(store, note: "Most popular items") }
    guard let uid = try store.userID(user) else {
      throw AppError(
        "unknown user '\(user)' in \(store.db.path); rate a few items first (`recommend rate --user \(user) --item ID --rating R`) or use --popular"
      )
    }
    let rated = try store.ratings(ofUser: uid)
    if rated.isEmpty { return try printPopular(store, note: "User \(user) has no ratings yet; most popular items") }
    let model = try loadModel(store, algo, servingOnly: true)
    let profile = model.foldIn(rated)
    let scores = model.scores(for: profile)
    let support = minRatings ?? model.defaultMinRatings(n: n)
    let candidates = model.rankingCandidates(excluding: profile.ratings, minRatings: support)
    guard !candidates.isEmpty else {
      let most = Int(model.itemCounts.max() ?? 0)
      throw AppError("no item user \(user) has not rated has \(support) or more ratings (the most rated has \(most))")
    }
    let top = topN(candidates.map { ($0, scores[$0]) }, n)
    let (_, hi) = try store.ratingScale()
    let liked = rated.filter { $0.value >= Float(hi) - 1 }
    let pool = liked.isEmpty ? rated : liked
    // Reason: the liked item most similar to the recommendation; else how the item is rated overall.
    let reasons = top.map { item, _ -> (item: Int, value: Float)? in
      guard let best = pool.map({ ($0.item, model.similarity(item, $0.item), $0.value) }).max(by: { $0.1 < $1.1 }),
        best.1 > 0
      else { return nil }
      return (best.0, best.2)
    }
    let titles = try store.titles(top.map(\.0) + reasons.compactMap { $0?.item })
    // How each is rated overall: from the model (training counts and means), else from the ratings table.
    let overall =
      model.itemMeans.isEmpty
      ? try store.itemRatingStats(top.map(\.0))
      : Dictionary(
        uniqueKeysWithValues: top.map {
          ($0.0, (mean: Double(model.itemMeans[$0.0]), count: Int(model.itemCounts[$0.0])))
        })
    printLine("Top \(top.count) for user \(user) (\(model.algo.rawValue), folded in from \(rated.count) ratings):")
    for (rank, ((item, score), reason)) in zip(top, reasons).enumerated() {
      let title = titles[item] ?? "item \(item)"
      var why = ""
      if let reason {
        why = "because you rated \(titles[reason.item] ?? "item \(reason.item)") \(stars(reason.value))"
      } else if let o = overall[item] {
        why = "rated \(fixed(o.mean, 1))★ on average by \(o.count) users"
      }
      printLine("\(leftPadded("\(rank + 1).", 4)) \(fixed(Double(score), 2))  \(padded(title, 44)) \(why)")
    }
  }

  func printPopular(_ store: Store, note: String) throws {
    let top = try store.popularItems(limit: n)
    let titles = try store.titles(top.map(\.item))
    printLine("\(note) (damped mean rating):")
    for (rank, p) in top.enumerated() {
      printLine(
        "\(leftPadded("\(rank + 1).", 4)) \(fixed(p.score, 2))  \(padded(titles[p.item] ?? "item \(p.item)", 44)) \(p.count) ratings"
      )
    }
  }
}
