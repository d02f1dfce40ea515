import AppSupport
import ArgumentParser
import Engine
import RecommendKit

/// `recommend import movielens DIR` / `recommend import csv FILE`.
struct Import: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Imports ratings and items (re-importing the same files changes nothing).",
    subcommands: [MovieLens.self, CSV.self])

  struct MovieLens: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "movielens",
      abstract: "Imports ml-100k (u.data, u.item) or ml-latest(-small) (ratings.csv, movies.csv).")
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The MovieLens folder.") var directory: String

    func run() throws {
      let store = try Store(path: database.db)
      let report = try Importer(store: store).importMovieLens(directory: directory)
      summarize(report, store)
    }
  }

  struct CSV: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "csv", abstract: "Imports any user,item,rating[,timestamp] file, plus an optional items file.")
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The ratings file.") var file: String
    @Option(help: "Field separator (one character; 'tab' for tabs).") var delimiter = ","
    @Flag(inversion: .prefixedNo, help: "The first line is a header.") var header = true
    @Option(help: "Column of the user id (0-based).") var userCol = 0
    @Option(help: "Column of the item id.") var itemCol = 1
    @Option(help: "Column of the rating.") var ratingCol = 2
    @Option(help: "Column of the Unix timestamp (-1: none).") var timestampCol = 3
    @Flag(help: "Reject the file at the first malformed line instead of skipping such lines.") var strict = false
    @Option(help: "Items file: id, title[, genres] (same delimiter and header rule).") var items: String?
    @Option(help: "Items file: column of the id.") var itemIdCol = 0
    @Option(help: "Items file: column of the title.") var titleCol = 1
    @Option(help: "Items file: column of the genres (-1: none).") var genresCol = 2

    func validate() throws {
      guard delimiter == "tab" || delimiter.count == 1 else {
        throw ValidationError("--delimiter must be one character or 'tab' (got '\(delimiter)')")
      }
      let required = [
        ("--user-col", userCol), ("--item-col", itemCol), ("--rating-col", ratingCol), ("--item-id-col", itemIdCol),
        ("--title-col", titleCol),
      ]
      for (name, v) in required where !(0...1000).contains(v) {
        throw ValidationError("\(name) must be between 0 and 1000 (got \(v))")
      }
      for (name, v) in [("--timestamp-col", timestampCol), ("--genres-col", genresCol)] where !(-1...1000).contains(v) {
        throw ValidationError("\(name) must be between -1 (none) and 1000 (got \(v))")
      }
    }

    func run() throws {
      let sep: Character = delimiter == "tab" ? "\t" : Character(delimiter)
      let store = try Store(path: database.db)
      let importer = Importer(store: store)
      var itemCount = 0
      if let items {
        itemCount = try importer.importItems(
          file: items, separator: sep, header: header,
          columns: ItemColumns(id: itemIdCol, title: titleCol, genres: genresCol < 0 ? nil : genresCol))
      }
      var report = try importer.importRatings(
        file: file, separator: sep, header: header,
        columns: RatingColumns(
          user: userCol, item: itemCol, rating: ratingCol, timestamp: timestampCol < 0 ? nil : timestampCol),
        strict: strict)
      report.items = itemCount
      summarize(report, store)
    }
  }
}

/// Prints what an import did and the first skipped lines.
func summarize(_ r: ImportReport, _ store: Store) {
  printLine("Imported \(r.ratings) ratings (\(r.users) new users), \(r.items) items into \(store.db.path)")
  let skipped = max(r.skippedCount, r.skipped.count)
  if skipped > 0 {
    printLine("Skipped \(skipped) malformed lines:")
    for s in r.skipped.prefix(10) { printLine("  \(s.file):\(s.line): \(s.reason)") }
    if skipped > 10 { printLine("  … and \(skipped - 10) more") }
  }
}
