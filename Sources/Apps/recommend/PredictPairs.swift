import AppSupport
import ArgumentParser
import Datasets
import Engine
import RecommendKit

/// `recommend predict pairs.csv`: the predicted rating of each (user, item) pair of a file, as CSV.
struct PredictPairs: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "predict",
    abstract: "Predicted ratings for (user, item) pairs of a delimited file (e.g. a held-out test set).",
    discussion: """
      Prints user,item,prediction per pair (clipped to the rating scale). Users and items unknown to the model
      get the mean plus whichever bias is known, as Surprise does; `--known-only` makes them errors instead.
        recommend predict test.csv --header --algo svd > predictions.csv
      """)

  @OptionGroup var database: DatabaseOptions
  @Argument(help: "A delimited file whose lines start with user and item ids (more columns are ignored).")
  var file: String
  @Option(help: "Model: baseline, svd, svdpp, als, knn, bpr (default: the best trained).") var algo: Algorithm?
  @Option(help: "Field delimiter: one character, or 'tab'.") var delimiter = ","
  @Flag(help: "The first line is a header.") var header = false
  @Option(help: "Column of the user id.") var userCol = 0
  @Option(help: "Column of the item id.") var itemCol = 1
  @Flag(help: "Pairs with a user or item the model does not know are an error.") var knownOnly = false

  func validate() throws {
    guard delimiter == "tab" || delimiter.count == 1 else {
      throw ValidationError("--delimiter must be one character or 'tab' (got '\(delimiter)')")
    }
    for (name, v) in [("--user-col", userCol), ("--item-col", itemCol)] where !(0...1000).contains(v) {
      throw ValidationError("\(name) must be between 0 and 1000 (got \(v))")
    }
  }

  func run() throws {
    let store = try database.open()
    let model = try loadModel(store, algo)
    guard model.algo.isExplicit else {
      throw AppError("\(model.algo.rawValue) ranks items by preference; it does not predict ratings (use --algo svd)")
    }
    let (lo, hi) = try store.ratingScale()
    var rows = try csvRows(file, separator: delimiter == "tab" ? "\t" : Character(delimiter))
    if header, !rows.isEmpty { rows.removeFirst() }
    guard !rows.isEmpty else { throw AppError("\(file): no pairs") }
    var known: [Int: [Int: Float]] = [:]  // the users' stored ratings (kNN reads them)
    var out = ""
    for row in rows {
      let f = row.fields
      guard f.count > max(userCol, itemCol) else {
        throw AppError("\(file):\(row.line): expected at least \(max(userCol, itemCol) + 1) columns, found \(f.count)")
      }
      let (user, item) = (f[userCol].trimmingSpaces, f[itemCol].trimmingSpaces)
      let u = try store.userID(user).flatMap { $0 < model.userCount ? $0 : nil }
      let i = try store.itemID(item).flatMap { $0 < model.itemCount && model.itemCounts[$0] > 0 ? $0 : nil }
      if knownOnly, u == nil || i == nil {
        throw AppError("\(file):\(row.line): \(u == nil ? "user '\(user)'" : "item '\(item)'") is not in the model")
      }
      var p: Float
      if let u, let i {
        if known[u] == nil {
          known[u] = Dictionary(try store.ratings(ofUser: u).map { ($0.item, $0.value) }) { a, _ in a }
        }
        p = model.predict(user: u, item: i, ratings: known[u] ?? [:])
      } else {
        p = model.mean + (u.map { $0 < model.userBias.count ? model.userBias[$0] : 0 } ?? 0)
        p += i.map { $0 < model.itemBias.count ? model.itemBias[$0] : 0 } ?? 0
      }
      p = min(max(p, Float(lo)), Float(hi))
      out += "\(user),\(item),\(p)\n"
      if out.utf8.count > 1 << 16 {
        writeStdout(out)
        out = ""
      }
    }
    writeStdout(out)
  }
}
