import Datasets
import Engine

/// What an import did, and the lines it skipped (1-based line numbers with the reason).
public struct ImportReport: Sendable {
  public var ratings = 0
  public var items = 0
  public var users = 0
  public var skipped: [(file: String, line: Int, reason: String)] = []
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

  /// Imports any delimited ratings file; unknown items get their id as title (an items file can add titles).
  public func importRatings(
    file: String, separator: Character, header: Bool, columns: RatingColumns, displayName: String? = nil,
    strict: Bool = false
  ) throws -> ImportReport {
    let name = displayName ?? file
    var report = ImportReport()
    var rows = try csvRows(file, separator: separator)
    if header, !rows.isEmpty { rows.removeFirst() }
    let needed = max(columns.user, columns.item, columns.rating)
    var parsed: [(String, String, Double, Int, Int)] = []
    for row in rows {
      let f = row.fields
      if f.count == 1 && f[0].isEmpty { continue }
      var reason: String? = nil
      var value = 0.0
      var ts = 0
      if f.count <= needed {
        reason = "expected at least \(needed + 1) columns, found \(f.count)"
      } else if f[columns.user].isEmpty || f[columns.item].isEmpty {
        reason = "empty user or item id"
      } else if let v = Double(f[columns.rating].trimmingSpaces), v.isFinite, abs(v) <= 1e6 {
        value = v  // within ±10⁶: a 1e308 rating would make every model's arithmetic overflow to NaN
        if let tc = columns.timestamp, tc < f.count { ts = Int(f[tc].trimmingSpaces) ?? 0 }
      } else {
        reason = "rating '\(f[columns.rating])' is not a number between -1000000 and 1000000"
      }
      if let reason {
        if strict { throw FileError(name, "line \(row.line): \(reason)") }
        report.skipped.append((name, row.line, reason))
        continue
      }
      parsed.append((f[columns.user].trimmingSpaces, f[columns.item].trimmingSpaces, value, ts, row.line))
    }
    guard !parsed.isEmpty else {  // nothing to import is an error, never "Imported 0 ratings" and exit 0
      if let first = report.skipped.first {
        throw FileError(
          name,
          "no ratings imported: all \(report.skipped.count) lines are malformed (line \(first.line): \(first.reason))")
      }
      throw FileError(name, "no ratings in the file\(header ? " after its header line" : "")")
    }
    try store.db.transaction {
      var userIDs: [String: Int] = [:]
      var itemIDs: [String: Int] = [:]
      let addItem = try store.db.prepared("INSERT OR IGNORE INTO items(external_id, title) VALUES (?, ?)")
      let usersBefore = try store.counts().users
      for (u, i, _, _, _) in parsed {
        if userIDs[u] == nil { userIDs[u] = try store.ensureUser(u) }
        if itemIDs[i] == nil {
          try addItem.run([.text(i), .text(i)])
          itemIDs[i] = try store.itemID(i)
        }
      }
      let rate = try store.db.prepared(
        """
        INSERT INTO ratings(user_id, item_id, value, ts) VALUES (?, ?, ?, ?)
        ON CONFLICT(user_id, item_id) DO UPDATE SET value = excluded.value, ts = excluded.ts
        """)
      for (u, i, v, ts, _) in parsed {
        guard let uid = userIDs[u], let iid = itemIDs[i] else { continue }
        try rate.run([.int(uid), .int(iid), .double(v), .int(ts)])
      }
      report.users = try store.counts().users - usersBefore
      if let lo = parsed.map(\.2).min(), let hi = parsed.map(\.2).max() {
        let (oldLo, oldHi) = try store.ratingScale()
        let fresh = try store.meta("rating_min") == nil
        try store.setMeta("rating_min", String(fresh ? lo : min(lo, oldLo)))
        try store.setMeta("rating_max", String(fresh ? hi : max(hi, oldHi)))
      }
    }
    report.ratings = parsed.count
    return report
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
