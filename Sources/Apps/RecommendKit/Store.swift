import Engine

#if canImport(Glibc)
  import Glibc
#endif

/// Kestrel's recommender database: users, items, ratings and trained models in one SQLite file.
/// Ids given by users and files ("42", "tt0111161") are external ids; internal ids are dense integers 1…n.
public final class Store {
  /// The schema this build reads and writes; older files are migrated, newer ones refused.
  public static let schemaVersion = 1
  public let db: Database

  /// `$KESTREL_RECOMMEND_DB`, or `~/.local/share/kestrel/recommend.sqlite`.
  public static var defaultPath: String {
    if let p = getenv("KESTREL_RECOMMEND_DB") { return String(cString: p) }
    let home = getenv("HOME").map { String(cString: $0) } ?? "."
    return home + "/.local/share/kestrel/recommend.sqlite"
  }

  /// Opens the database, creating it (and its directory) when `create`; migrates older schemas.
  public init(path: String, create: Bool = true) throws {
    if !create && !FileIO.exists(path) {
      throw DatabaseError("\(path): no such database (run `recommend import …` first, or pass --db)")
    }
    if create { Store.makeParentDirectory(of: path) }
    db = try Database(path: path, create: create)
    try migrate()
  }

  static func makeParentDirectory(of path: String) {
    var dir = ""
    for part in path.split(separator: "/", omittingEmptySubsequences: false).dropLast() {
      dir += (dir.isEmpty && path.hasPrefix("/") ? "" : (dir.isEmpty ? "" : "/")) + part
      if !dir.isEmpty { mkdir(dir, 0o755) }
    }
  }

  private func migrate() throws {
    let version =
      try db.query("PRAGMA user_version").first.flatMap { row -> Int? in
        if case .int(let v) = row.first { return v }
        return nil
      } ?? 0
    if version > Store.schemaVersion {
      throw DatabaseError(
        "\(db.path): database schema version \(version) is newer than this recommend supports (\(Store.schemaVersion)); upgrade Kestrel"
      )
    }
    if version < 1 {
      try db.transaction {
        for sql in [
          "CREATE TABLE IF NOT EXISTS users(id INTEGER PRIMARY KEY, external_id TEXT NOT NULL UNIQUE)",
          """
          CREATE TABLE IF NOT EXISTS items(id INTEGER PRIMARY KEY, external_id TEXT NOT NULL UNIQUE, title TEXT NOT NULL,
            year INTEGER, genres TEXT NOT NULL DEFAULT '')
          """,
          """
          CREATE TABLE IF NOT EXISTS ratings(user_id INTEGER NOT NULL REFERENCES users(id),
            item_id INTEGER NOT NULL REFERENCES items(id), value REAL NOT NULL, ts INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY(user_id, item_id)) WITHOUT ROWID
          """,
          "CREATE INDEX IF NOT EXISTS ratings_by_item ON ratings(item_id)",
          """
          CREATE TABLE IF NOT EXISTS models(algo TEXT PRIMARY KEY, trained_at INTEGER NOT NULL, config TEXT NOT NULL,
            ratings INTEGER NOT NULL, factors BLOB NOT NULL)
          """,
          "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
          "PRAGMA user_version = 1",
        ] {
          try db.execute(sql)
        }
      }
    }
  }

  // MARK: Ids

  /// Internal id of an external user id, if known.
  public func userID(_ external: String) throws -> Int? {
    try db.query("SELECT id FROM users WHERE external_id = ?", [.text(external)]).first.flatMap(Store.int)
  }

  /// Internal id of an external item id, if known.
  public func itemID(_ external: String) throws -> Int? {
    try db.query("SELECT id FROM items WHERE external_id = ?", [.text(external)]).first.flatMap(Store.int)
  }

  /// The internal id of `external`, adding the user if new.
  public func ensureUser(_ external: String) throws -> Int {
    try db.execute("INSERT OR IGNORE INTO users(external_id) VALUES (?)", [.text(external)])
    guard let id = try userID(external) else { throw DatabaseError("\(db.path): cannot add user \(external)") }
    return id
  }

  static func int(_ row: [SQLValue]) -> Int? {
    if case .int(let v) = row.first { return v }
    return nil
  }

  // MARK: Meta

  /// A stored setting (e.g. the rating scale).
  public func meta(_ key: String) throws -> String? {
    try db.query("SELECT value FROM meta WHERE key = ?", [.text(key)]).first.flatMap { row in
      if case .text(let s) = row.first { return s }
      return nil
    }
  }

  /// Stores a setting.
  public func setMeta(_ key: String, _ value: String) throws {
    try db.execute(
      "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      [.text(key), .text(value)])
  }

  /// The rating scale (lowest, highest), 1…5 unless an import set another.
  public func ratingScale() throws -> (Double, Double) {
    let lo = try meta("rating_min").flatMap(Double.init) ?? 1
    let hi = try meta("rating_max").flatMap(Double.init) ?? 5
    return (lo, hi)
  }

  // MARK: Ratings

  /// Stores (or replaces) one rating.
  public func rate(user: Int, item: Int, value: Double, timestamp: Int) throws {
    try db.execute(
      """
      INSERT INTO ratings(user_id, item_id, value, ts) VALUES (?, ?, ?, ?)
      ON CONFLICT(user_id, item_id) DO UPDATE SET value = excluded.value, ts = excluded.ts
      """, [.int(user), .int(item), .double(value), .int(timestamp)])
  }

  /// Validates and stores one rating in its own transaction (creating the user if new); returns the item's id.
  @discardableResult
  public func rateChecked(user: String, item: String, value: Double, scale: (Double, Double)) throws -> Int {
    guard value >= scale.0 && value <= scale.1 else {
      throw DatabaseError("rating \(value) is outside the scale \(scale.0)…\(scale.1) of \(db.path)")
    }
    return try db.transaction {
      guard let iid = try itemID(item) else { throw DatabaseError("unknown item '\(item)' in \(db.path)") }
      let uid = try ensureUser(user)
      var now = timespec()
      clock_gettime(CLOCK_REALTIME, &now)
      try rate(user: uid, item: iid, value: value, timestamp: now.tv_sec)
      return iid
    }
  }

  /// All ratings as parallel arrays of internal ids (for training).
  public func allRatings() throws -> RatingData {
    var u: [Int32] = []
    var i: [Int32] = []
    var r: [Float] = []
    try db.forEachRow("SELECT user_id, item_id, value FROM ratings ORDER BY user_id, item_id") { row in
      u.append(Int32(row.int(0)))
      i.append(Int32(row.int(1)))
      r.append(Float(row.double(2)))
    }
    let users = try db.query("SELECT COALESCE(MAX(id), 0) FROM users").first.flatMap(Store.int) ?? 0
    let items = try db.query("SELECT COALESCE(MAX(id), 0) FROM items").first.flatMap(Store.int) ?? 0
    return RatingData(userCount: users + 1, itemCount: items + 1, users: u, items: i, ratings: r)
  }

  /// One user's ratings: (internal item id, value), highest first.
  public func ratings(ofUser user: Int) throws -> [(item: Int, value: Float)] {
    var out: [(Int, Float)] = []
    try db.forEachRow("SELECT item_id, value FROM ratings WHERE user_id = ? ORDER BY value DESC, ts DESC", [.int(user)])
    {
      out.append(($0.int(0), Float($0.double(1))))
    }
    return out
  }

  /// Titles of the given internal item ids.
  public func titles(_ ids: [Int]) throws -> [Int: String] {
    var out: [Int: String] = [:]
    guard !ids.isEmpty else { return out }
    let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
    try db.forEachRow("SELECT id, title FROM items WHERE id IN (\(placeholders))", ids.map { .int($0) }) {
      out[$0.int(0)] = $0.text(1)
    }
    return out
  }

  /// Items ranked by damped mean rating (Σ r + d·μ) / (n + d): a popularity list that needs no model and does
  /// not let an item with a handful of 5★ ratings win. Returns (item, damped mean, count), best first.
  public func popularItems(limit: Int, damping: Double = 25) throws -> [(item: Int, score: Double, count: Int)] {
    let mu =
      try db.query("SELECT COALESCE(AVG(value), 0) FROM ratings").first.flatMap { row -> Double? in
        if case .double(let v) = row.first { return v }
        return nil
      } ?? 0
    var out: [(Int, Double, Int)] = []
    try db.forEachRow(
      """
      SELECT item_id, (SUM(value) + ? * ?) / (COUNT(*) + ?) AS score, COUNT(*) FROM ratings
      GROUP BY item_id ORDER BY score DESC, item_id LIMIT ?
      """, [.double(damping), .double(mu), .double(damping), .int(limit)]
    ) { out.append(($0.int(0), $0.double(1), $0.int(2))) }
    return out
  }

  /// Mean rating and count of each given item.
  public func itemRatingStats(_ ids: [Int]) throws -> [Int: (mean: Double, count: Int)] {
    var out: [Int: (Double, Int)] = [:]
    guard !ids.isEmpty else { return out }
    let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
    try db.forEachRow(
      "SELECT item_id, AVG(value), COUNT(*) FROM ratings WHERE item_id IN (\(placeholders)) GROUP BY item_id",
      ids.map { .int($0) }
    ) { out[$0.int(0)] = ($0.double(1), $0.int(2)) }
    return out
  }

  /// External id of an internal item id.
  public func externalItemID(_ id: Int) throws -> String? {
    try db.query("SELECT external_id FROM items WHERE id = ?", [.int(id)]).first.flatMap { row in
      if case .text(let s) = row.first { return s }
      return nil
    }
  }

  /// Counts of users, items and ratings.
  public func counts() throws -> (users: Int, items: Int, ratings: Int) {
    func count(_ table: String) throws -> Int {
      try db.query("SELECT COUNT(*) FROM \(table)").first.flatMap(Store.int) ?? 0
    }
    return (try count("users"), try count("items"), try count("ratings"))
  }

  // MARK: Models

  /// Saves a trained model's factors (safetensors bytes) and config, replacing one of the same algorithm.
  public func saveModel(algo: String, config: String, ratings: Int, factors: [UInt8]) throws {
    try db.execute(
      """
      INSERT INTO models(algo, trained_at, config, ratings, factors) VALUES (?, strftime('%s','now'), ?, ?, ?)
      ON CONFLICT(algo) DO UPDATE SET trained_at = excluded.trained_at, config = excluded.config,
        ratings = excluded.ratings, factors = excluded.factors
      """, [.text(algo), .text(config), .int(ratings), .blob(factors)])
  }

  /// The stored factors of `algo`, if trained.
  public func loadModel(algo: String) throws -> [UInt8]? {
    var blob: [UInt8]? = nil
    try db.forEachRow("SELECT factors FROM models WHERE algo = ?", [.text(algo)]) { blob = $0.blob(0) }
    return blob
  }

  /// The leading bytes of a stored model that hold its header and every tensor not in `skipping` (read
  /// incrementally: a server skips the trained users' factors, most of a large model).
  public func loadModelPrefix(algo: String, skipping: Set<String>) throws -> [UInt8]? {
    guard let rowid = try db.query("SELECT rowid FROM models WHERE algo = ?", [.text(algo)]).first.flatMap(Store.int)
    else { return nil }
    return try db.withBlob(table: "models", column: "factors", rowid: rowid) { read, size in
      let first = try read(0, min(8, size))
      guard let header = SafeTensorsLayout.headerLength(first), header <= size else { return try read(0, size) }
      let prefix = try read(0, header)
      let needed = SafeTensorsLayout.requiredLength(prefix: prefix, skipping: skipping) ?? size
      return try read(0, min(max(needed, header), size))
    }
  }

  /// Trained algorithms with their training time (Unix seconds) and rating count.
  public func models() throws -> [(algo: String, trainedAt: Int, ratings: Int)] {
    var out: [(String, Int, Int)] = []
    try db.forEachRow("SELECT algo, trained_at, ratings FROM models ORDER BY algo") {
      out.append(($0.text(0), $0.int(1), $0.int(2)))
    }
    return out
  }
}

/// Ratings as parallel arrays of internal ids; `userCount`/`itemCount` bound the ids (max id + 1).
public struct RatingData: Sendable {
  public var userCount: Int
  public var itemCount: Int
  public var users: [Int32]
  public var items: [Int32]
  public var ratings: [Float]

  public init(userCount: Int, itemCount: Int, users: [Int32], items: [Int32], ratings: [Float]) {
    self.userCount = userCount
    self.itemCount = itemCount
    self.users = users
    self.items = items
    self.ratings = ratings
  }

  public var count: Int { ratings.count }

  /// Mean rating (0 when empty).
  public var mean: Float {
    ratings.isEmpty ? 0 : Float(ratings.reduce(0.0) { $0 + Double($1) } / Double(ratings.count))
  }

  /// The subset at `indices`.
  public func subset(_ indices: [Int]) -> RatingData {
    RatingData(
      userCount: userCount, itemCount: itemCount, users: indices.map { users[$0] }, items: indices.map { items[$0] },
      ratings: indices.map { ratings[$0] })
  }

  /// Row pointers and item lists per user (CSR): items of user u are `items[start[u]..<start[u+1]]`.
  public func byUser() -> (start: [Int], items: [Int32], ratings: [Float]) {
    var counts = [Int](repeating: 0, count: userCount + 1)
    for u in users { counts[Int(u) + 1] += 1 }
    for k in 1..<counts.count { counts[k] += counts[k - 1] }
    var fill = counts
    var its = [Int32](repeating: 0, count: count)
    var rs = [Float](repeating: 0, count: count)
    for k in 0..<count {
      let u = Int(users[k])
      its[fill[u]] = items[k]
      rs[fill[u]] = ratings[k]
      fill[u] += 1
    }
    return (counts, its, rs)
  }
}
