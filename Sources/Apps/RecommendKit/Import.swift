import Datasets
import Engine

/// What an import did, and the lines it skipped (1-based line numbers with the reason).
public struct ImportReport: Sendable {
  public var ratings = 0
  public var items = 0
  public var users = 0
  /// The first 1,000 skipped lines.
  public var skipped: [(file: String, line: Int, reason: String)] = []
  /// How many lines were skipped in all.
  public var skippedCount = 0
}

/// Where the columns of a ratings file are (0-based).
public struct RatingColumns: Sendable {
  public var user = 0
  public var item = 1
  public var rating = 2
  public var timestamp: Int? = 3
  public init(user: Int = 0, item: Int = 1, rating: Int = 2, timestamp: Int? = 3) {
    self.user = user
    self.item = item
    self.rating = rating
    self.timestamp = timestamp
  }
}

/// Where the columns of an items file are (0-based).
public struct ItemColumns: Sendable {
  public var id = 0
  public var title = 1
  public var genres: Int? = 2
  public init(id: Int = 0, title: Int = 1, genres: Int? = 2) {
    self.id = id
    self.title = title
    self.genres = genres
  }
}

/// Reads ratings and items into a `Store`; re-importing the same files changes nothing.
public struct Importer {
  let store: Store
  public init(store: Store) { self.store = store }

  /// Imports a MovieLens folder: ml-100k (`u.data`, `u.item`, `u.genre`) or ml-latest(-small) (`ratings.csv`,
  /// `movies.csv`).
  public func importMovieLens(directory dir: String) throws -> ImportReport {
    if FileIO.exists(dir + "/u.data") {
      var genreNames: [String] = []
      if FileIO.exists(dir + "/u.genre") {
        for line in try lines(dir + "/u.genre", latin1: true) where !line.text.isEmpty {
          genreNames.append(String(line.text.split(separator: "|", omittingEmptySubsequences: false).first ?? ""))
        }
      }
      var report = ImportReport()
      if FileIO.exists(dir + "/u.item") {
        let rows = try lines(dir + "/u.item", latin1: true).compactMap { line -> [String]? in
          let f = line.text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
          if line.text.isEmpty { return nil }
          guard f.count >= 2, !f[0].isEmpty else {
            report.skipped.append(("u.item", line.number, "expected id|title|…"))
            return nil
          }
          let flags = f.count >= 5 ? Array(f[5...]) : []
          let genres = zip(genreNames, flags).filter { $0.1 == "1" }.map(\.0).joined(separator: "|")
          return [f[0], f[1], genres]
        }
        report.items = try upsertItems(rows, columns: ItemColumns())
      }
      var r = try importRatings(
        file: dir + "/u.data", separator: "\t", header: false, columns: RatingColumns(), displayName: "u.data")
      r.items = report.items
      r.skipped = report.skipped + r.skipped
      r.skippedCount += report.skipped.count
      return r
    }
    if FileIO.exists(dir + "/ratings.csv") {
      var items = 0
      if FileIO.exists(dir + "/movies.csv") {
        let rows = try csvRows(dir + "/movies.csv", separator: ",").dropFirst().map(\.fields)
        items = try upsertItems(Array(rows), columns: ItemColumns(id: 0, title: 1, genres: 2))
      }
      var r = try importRatings(
        file: dir + "/ratings.csv", separator: ",", header: true, columns: RatingColumns(), displayName: "ratings.csv")
      r.items = items
      return r
    }
    throw FileError(dir, "not a MovieLens folder (no u.data or ratings.csv)")
  }

  /// Imports an items file (id, title, optional genres); the year is taken from a trailing "(1995)" in the title.
  public func importItems(file: String, separator: Character, header: Bool, columns: ItemColumns) throws -> Int {
    var rows = try csvRows(file, separator: separator)
    if header, !rows.isEmpty { rows.removeFirst() }
    return try upsertItems(rows.map(\.fields), columns: columns)
  }

  func upsertItems(_ rows: [[String]], columns: ItemColumns) throws -> Int {
    try store.db.transaction {
      let stmt = try store.db.prepared(
        """
        INSERT INTO items(external_id, title, year, genres) VALUES (?, ?, ?, ?)
        ON CONFLICT(external_id) DO UPDATE SET title = excluded.title, year = excluded.year, genres = excluded.genres
        """)
      var n = 0
      for f in rows where f.count > max(columns.id, columns.title) && !f[columns.id].isEmpty {
        let title = f[columns.title]
        let genres = columns.genres.flatMap { $0 < f.count ? f[$0] : nil } ?? ""
        try stmt.run([
          .text(f[columns.id].trimmingSpaces), .text(title), Importer.year(of: title).map { .int($0) } ?? .null,
          .text(genres == "(no genres listed)" ? "" : genres),
        ])
        n += 1
      }
      return n
    }
  }

  /// The year in a title ending in "(1995)" (or "(1995) " with trailing spaces).
  static func year(of title: String) -> Int? {
    let t = Array(title.utf8.reversed().drop(while: { $0 == 0x20 }).reversed())
    guard t.count >= 6, t[t.count - 1] == UInt8(ascii: ")"), t[t.count - 6] == UInt8(ascii: "(") else { return nil }
    return Int(String(decoding: t[(t.count - 5)..<(t.count - 1)], as: UTF8.self))
  }
}
