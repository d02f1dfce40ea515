import AppSupport
import ArgumentParser
import Engine
import RecommendKit

/// `recommend`: collaborative filtering over a SQLite database of ratings.
@main
struct Recommend: ParsableCommand {
  /// Parses negative values after a space and `--db` before or after the subcommand (see `normalizedArguments`).
  static func main() {
    let names = configuration.subcommands.map { $0._commandName }
    main(normalizedArguments(subcommands: names, hoisting: ["--db"]))
  }

  static let configuration = CommandConfiguration(
    commandName: "recommend",
    abstract: "Recommends items from ratings stored in SQLite (MovieLens or any ratings file).",
    discussion: """
      Quick start:
        recommend import movielens ~/data/ml-100k
        recommend train             # SGD matrix factorisation (--algo for others)
        recommend tune --budget 5m  # search settings; train then uses the best
        recommend --user 42         # top 10 for user 42, with reasons
        recommend rate --user 42 --item 50 --rating 5   # counts at once (fold-in)
        # any ratings file: recommend import csv ratings.csv --items movies.csv

      The database is --db PATH, or $KESTREL_RECOMMEND_DB, or ~/.local/share/kestrel/recommend.sqlite.
      """,
    subcommands: [
      Top.self, Import.self, Train.self, Tune.self, Eval.self, PredictPairs.self, Rate.self, Similar.self, Stats.self,
    ],
    defaultSubcommand: Top.self)
}

/// The database location, shared by every subcommand.
struct DatabaseOptions: ParsableArguments {
  @Option(help: ArgumentHelp("Database file.", valueName: "path"))
  var db: String = Store.defaultPath

  /// Opens an existing database (commands that only read or add ratings).
  func open() throws -> Store { try Store(path: db, create: false) }
}

extension Algorithm: ExpressibleByArgument {}
extension Similarity: ExpressibleByArgument {}

/// "5★" or "4.5★".
func stars(_ v: Float) -> String {
  v == v.rounded() ? "\(Int(v))★" : "\(fixed(Double(v), 1))★"
}
