import AppSupport
import ArgumentParser
import Engine
import Foundation
import RecommendKit

/// `recommend rate`: stores one rating at once; the next `recommend --user` folds it in.
struct Rate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Stores a rating (new users are created); recommendations reflect it immediately.")
  @OptionGroup var database: DatabaseOptions
  @Option(help: "User id.") var user: String
  @Option(help: "Item id.") var item: String
  @Option(help: "Rating within the database's scale.") var rating: Double

  func run() throws {
    let store = try database.open()
    let (lo, hi) = try store.ratingScale()
    guard rating >= lo && rating <= hi else {
      throw AppError("rating \(rating) is outside the scale \(fixed(lo, 1))…\(fixed(hi, 1)) of \(store.db.path)")
    }
    try store.db.transaction {
      guard let iid = try store.itemID(item) else { throw AppError("unknown item '\(item)' in \(store.db.path)") }
      let uid = try store.ensureUser(user)
      try store.rate(user: uid, item: iid, value: rating, timestamp: Int(Date().timeIntervalSince1970))
    }
    let title = try store.itemID(item).flatMap { try store.titles([$0])[$0] } ?? item
    printLine("Stored: user \(user) rated \(title) \(stars(Float(rating)))")
  }
}

/// `recommend similar --item 50`.
struct Similar: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Items most similar to an item.")
  @OptionGroup var database: DatabaseOptions
  @Option(help: "Item id.") var item: String
  @Option(help: "How many items.") var n = 10
  @Option(help: "Model (default: the best trained).") var algo: Algorithm?

  func run() throws {
    let store = try database.open()
    guard let iid = try store.itemID(item) else { throw AppError("unknown item '\(item)' in \(store.db.path)") }
    let model = try loadModel(store, algo)
    guard model.algo != .baseline else {
      throw AppError("the baseline model has no item similarity; use --algo svd, als or knn")
    }
    guard iid < model.itemCount else {
      throw AppError("item '\(item)' was added after the model was trained; run `recommend train`")
    }
    let sims = model.similarItems(to: iid, n: n)
    let titles = try store.titles([iid] + sims.map(\.item))
    printLine("Items most similar to \(titles[iid] ?? item) (\(model.algo.rawValue)):")
    for (rank, s) in sims.enumerated() {
      printLine(
        "\(leftPadded("\(rank + 1).", 4)) \(fixed(Double(s.similarity), 3))  \(titles[s.item] ?? "item \(s.item)")")
    }
  }
}

/// `recommend stats`.
struct Stats: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Counts, rating scale and trained models.")
  @OptionGroup var database: DatabaseOptions

  func run() throws {
    let store = try database.open()
    let c = try store.counts()
    let (lo, hi) = try store.ratingScale()
    printLine("Database \(store.db.path)")
    printLine("  \(c.users) users, \(c.items) items, \(c.ratings) ratings (scale \(fixed(lo, 1))…\(fixed(hi, 1)))")
    if c.users > 0 && c.items > 0 {
      printLine("  density \(fixed(100 * Double(c.ratings) / Double(c.users) / Double(c.items), 2)) %")
    }
    for m in try store.models() {
      let when = Date(timeIntervalSince1970: Double(m.trainedAt))
      printLine("  model \(m.algo): trained on \(m.ratings) ratings at \(when)")
    }
  }
}
