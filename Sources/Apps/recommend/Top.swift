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
  @Option(help: "Model: baseline, svd, svdpp, als, knn (default: the best trained).") var algo: Algorithm?
  @Flag(help: "Most popular items (for users without ratings).") var popular = false

  func validate() throws {
    guard n > 0 else { throw ValidationError("--n must be positive (got \(n))") }
    guard user != nil || popular else { throw ValidationError("give --user ID (or --popular)") }
  }

  func run() throws {
    let store = try database.open()
    let model = try loadModel(store, algo)
    guard let user else { return try printPopular(store, model, note: "Most popular items") }
    guard let uid = try store.userID(user) else {
      throw AppError(
        "unknown user '\(user)' in \(store.db.path); rate a few items first (`recommend rate --user \(user) --item ID --rating R`) or use --popular"
      )
    }
    let rated = try store.ratings(ofUser: uid)
    if rated.isEmpty {
      return try printPopular(store, model, note: "User \(user) has no ratings yet; most popular items")
    }
    let profile = model.foldIn(rated)
    let scores = model.scores(for: profile)
    let candidates = (1..<model.itemCount).filter { profile.ratings[$0] == nil && model.itemCounts[$0] > 0 }
    let top = topN(candidates.map { ($0, scores[$0]) }, n)
    let (_, hi) = try store.ratingScale()
    let liked = rated.filter { $0.value >= Float(hi) - 1 }
    let reasons = top.map { item, _ -> (Int, Float)? in
      let pool = liked.isEmpty ? rated : liked
      return pool.map { ($0.item, model.similarity(item, $0.item), $0.value) }.max { $0.1 < $1.1 }.flatMap {
        $0.1 > 0 ? ($0.0, $0.2) : nil
      }
    }
    let titles = try store.titles(top.map(\.0) + reasons.compactMap { $0?.0 })
    printLine("Top \(top.count) for user \(user) (\(model.algo.rawValue), folded in from \(rated.count) ratings):")
    for (rank, ((item, score), reason)) in zip(top, reasons).enumerated() {
      let title = titles[item] ?? "item \(item)"
      let why = reason.map { "because you rated \(titles[$0.0] ?? "item \($0.0)") \(stars($0.1))" } ?? ""
      printLine(
        "\(leftPadded("\(rank + 1).", 4)) \(fixed(Double(score), 2))  \(padded(title, 44)) \(why)")
    }
  }

  func printPopular(_ store: Store, _ model: TrainedModel, note: String) throws {
    // Regularised item bias ranks items by how much better than average they are rated, shrunk toward
    // the mean for items with few ratings.
    var biasModel = model
    if biasModel.itemBias.isEmpty { biasModel.itemBias = [Float](repeating: 0, count: model.itemCount) }
    let top = topN((1..<model.itemCount).filter { model.itemCounts[$0] > 0 }.map { ($0, biasModel.itemBias[$0]) }, n)
    let titles = try store.titles(top.map(\.0))
    printLine("\(note) (by \(model.algo.rawValue) item bias):")
    for (rank, (item, _)) in top.enumerated() {
      printLine(
        "\(leftPadded("\(rank + 1).", 4)) \(padded(titles[item] ?? "item \(item)", 44)) \(Int(model.itemCounts[item])) ratings"
      )
    }
  }
}
