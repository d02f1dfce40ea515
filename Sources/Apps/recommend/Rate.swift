import AppSupport
import ArgumentParser
import Datasets
import Engine
import Foundation
import RecommendKit

/// `recommend rate`: stores ratings at once (each in its own transaction); the next `recommend --user` folds
/// them in. Concurrent writers wait for each other (busy timeout) instead of failing.
struct Rate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Stores a rating (new users are created); recommendations reflect it immediately.")
  @OptionGroup var database: DatabaseOptions
  @Option(help: "User id.") var user: String?
  @Option(help: "Item id.") var item: String?
  @Option(help: "Rating within the database's scale.") var rating: Double?
  @Option(help: "Read many 'user,item,rating' lines from this file ('-' for standard input).") var from: String?

  func validate() throws {
    if from == nil && (user == nil || item == nil || rating == nil) {
      throw ValidationError("give --user, --item and --rating (or --from FILE)")
    }
  }

  func run() throws {
    let store = try database.open()
    let scale = try store.ratingScale()
    if let from {
      let path = from == "-" ? "/dev/stdin" : from
      var stored = 0
      for row in try csvRows(path, separator: ",") {
        let f = row.fields.map(\.trimmingSpaces)
        guard f.count >= 3, let v = Double(f[2]) else {
          throw AppError("\(from):\(row.line): expected user,item,rating")
        }
        do {
          _ = try store.rateChecked(user: f[0], item: f[1], value: v, scale: scale)
        } catch {
          throw AppError("\(from):\(row.line): \(error)")
        }
        stored += 1
      }
      printLine("Stored \(stored) ratings from \(from)")
      return
    }
    guard let user, let item, let rating else { return }
    let iid = try store.rateChecked(user: user, item: item, value: rating, scale: scale)
    let title = try store.titles([iid])[iid] ?? item
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
