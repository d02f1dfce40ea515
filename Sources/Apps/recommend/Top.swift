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
    if try store.ratings(ofUser: uid).isEmpty {
      return try printPopular(store, note: "User \(user) has no ratings yet; most popular items")
    }
    let model = try loadModel(store, algo, servingOnly: true)
    let (top, rated) = try recommendations(store, model: model, user: user, n: n, minRatings: minRatings)
    printLine("Top \(top.count) for user \(user) (\(model.algo.rawValue), folded in from \(rated) ratings):")
    for (rank, r) in top.enumerated() {
      var why = ""
      switch r.reason {
      case .similarTo(_, let title, let rating)?: why = "because you rated \(title) \(stars(rating))"
      case .overall(let mean, let count)?: why = "rated \(fixed(mean, 1))★ on average by \(count) users"
      case nil: break
      }
      printLine("\(leftPadded("\(rank + 1).", 4)) \(fixed(Double(r.score), 2))  \(padded(r.title, 44)) \(why)")
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
