import CSQLite
import Datasets
import Engine

#if canImport(Glibc)
  import Glibc
#endif

// Ratings import that scales to tens of millions of lines in bounded memory: the file is streamed 4 MB at a time,
// each line split in place (quoted CSV lines take the RFC 4180 path), ids mapped through dictionaries, and the
// parsed rows kept as compact arrays (20 bytes a rating). Then, in one transaction: new users and items inserted
// with their ids, the item index dropped, the ratings inserted in primary-key order (sequential B-tree appends,
// later lines of the same pair winning), and the index rebuilt.

extension Importer {
  /// Imports any delimited ratings file; unknown items get their id as title (an items file can add titles).
  /// Malformed lines are skipped and reported (`strict`: the first is an error); a file without one good
  /// rating is an error.
  public func importRatings(
    file: String, separator: Character, header: Bool, columns: RatingColumns, displayName: String? = nil,
    strict: Bool = false
  ) throws -> ImportReport {
    let name = displayName ?? file
    var report = ImportReport()
    var skippedCount = 0
    func skip(_ line: Int, _ reason: String) throws {
      if strict { throw FileError(name, "line \(line): \(reason)") }
      skippedCount += 1
      if report.skipped.count < 1000 { report.skipped.append((name, line, reason)) }
    }
    // While parsing, users and items get local numbers (their order of appearance); the database's ids are
    // assigned inside the write transaction, so concurrent importers of one database cannot collide.
    var localUsers = LocalIDs()
    var localItems = LocalIDs()
    var (us, its, vs, tss): ([Int32], [Int32], [Float], [Int64]) = ([], [], [], [])
    let needed = max(columns.user, columns.item, columns.rating)
    let sepByte: UInt8? = separator.isASCII ? separator.asciiValue : nil
    var sawHeader = !header
    var fieldRanges: [Range<Int>] = []
    try forEachLine(file) { line, number in
      if line.isEmpty { return }
      var ascii = true
      for b in line where b >= 0x80 {
        ascii = false
        break
      }
      if !ascii && String(validating: line, as: UTF8.self) == nil {
        throw FileError(name, "line \(number) is not valid UTF-8")
      }
      if !sawHeader {
        sawHeader = true
        return
      }
      // Fields: byte ranges split on the separator, or RFC 4180 for lines with quotes.
      var fields: [String]? = nil
      fieldRanges.removeAll(keepingCapacity: true)
      if let sepByte, let lineBase = line.baseAddress, memchr(lineBase, 0x22, line.count) == nil {
        var from = 0
        while from <= line.count, let hit = memchr(lineBase + from, Int32(sepByte), line.count - from) {
          let k = lineBase.distance(to: hit.assumingMemoryBound(to: UInt8.self))
          fieldRanges.append(from..<k)
          from = k + 1
        }
        fieldRanges.append(from..<line.count)
      } else {
        fields = splitCSV(String(decoding: line, as: UTF8.self), separator: separator)
      }
      let count = fields?.count ?? fieldRanges.count
      func trimmed(_ c: Int) -> UnsafeBufferPointer<UInt8> {
        var r = fieldRanges[c]
        while !r.isEmpty && (line[r.lowerBound] == 0x20 || line[r.lowerBound] == 0x09) {
          r = (r.lowerBound + 1)..<r.upperBound
        }
        while !r.isEmpty && (line[r.upperBound - 1] == 0x20 || line[r.upperBound - 1] == 0x09) {
          r = r.lowerBound..<(r.upperBound - 1)
        }
        return UnsafeBufferPointer(rebasing: line[r])
      }
      func field(_ c: Int) -> String {
        if let fields { return fields[c].trimmingSpaces }
        return String(decoding: trimmed(c), as: UTF8.self)
      }
      guard count > needed else {
        try skip(number, "expected at least \(needed + 1) columns, found \(count)")
        return
      }
      // Canonical decimal ids (most files) are looked up as integers, without making a String.
      // (On the quoted path the trimmed String is checked the same way, so "7" is one item on both paths.)
      func idNumber(_ c: Int) -> Int64? {
        guard let fields else { return canonicalNumber(trimmed(c)) }
        var s = fields[c].trimmingSpaces
        return s.withUTF8 { canonicalNumber($0) }
      }
      let userNumber = idNumber(columns.user)
      let itemNumber = idNumber(columns.item)
      let user = userNumber == nil ? field(columns.user) : ""
      let item = itemNumber == nil ? field(columns.item) : ""
      guard userNumber != nil || !user.isEmpty, itemNumber != nil || !item.isEmpty else {
        try skip(number, "empty user or item id")
        return
      }
      // Within ±10⁶: a 1e308 rating would make every model's arithmetic overflow to NaN.
      let parsed = fields == nil ? parseDecimal(trimmed(columns.rating)) : nil
      guard let value = parsed ?? Double(field(columns.rating)), value.isFinite, abs(value) <= 1e6 else {
        try skip(number, "rating '\(field(columns.rating))' is not a number between -1000000 and 1000000")
        return
      }
      var ts: Int64 = 0
      if let tc = columns.timestamp, tc < count {
        ts = (fields == nil ? parseInteger(trimmed(tc)) : nil) ?? Int64(field(tc)) ?? 0
      }
      us.append(localUsers.id(number: userNumber, text: user))
      its.append(localItems.id(number: itemNumber, text: item))
      vs.append(Float(value))
      tss.append(ts)
    }
    guard !vs.isEmpty else {  // nothing to import is an error, never "Imported 0 ratings" and exit 0
      if let first = report.skipped.first {
        throw FileError(
          name, "no ratings imported: all \(skippedCount) lines are malformed (line \(first.line): \(first.reason))")
      }
      throw FileError(name, "no ratings in the file\(header ? " after its header line" : "")")
    }
    let (userNames, itemNames) = (localUsers.names, localItems.names)
    (localUsers, localItems) = (LocalIDs(), LocalIDs())
    let bulk = vs.count > 100_000
    if bulk { try store.db.execute("PRAGMA cache_size = -524288") }  // 512 MB: the transaction rarely spills
    defer { if bulk { try? store.db.execute("PRAGMA cache_size = -2000") } }
    try store.db.transaction {
      let addUser = try store.db.prepared("INSERT INTO users(id, external_id) VALUES (?, ?)")
      let (userID, userCount) = try databaseIDs(userNames, table: "users", added: &report.users) {
        try addUser.run([.int(Int($0)), .text($1)])
      }
      let addItem = try store.db.prepared("INSERT INTO items(id, external_id, title) VALUES (?, ?, ?)")
      let (itemID, _) = try databaseIDs(itemNames, table: "items", added: &report.items) {
        try addItem.run([.int(Int($0)), .text($1), .text($1)])  // the id is the title until an items file
      }
      for t in 0..<us.count {
        us[t] = userID[Int(us[t])]
        its[t] = itemID[Int(its[t])]
      }
      let order = primaryKeyOrder(users: us, items: its, userCount: userCount)
      if bulk { try store.db.execute("DROP INDEX IF EXISTS ratings_by_item") }
      // Sorted by (user, item), a repeated pair keeps its last line; rows go in 64 to a statement.
      var unique: [Int32] = []
      unique.reserveCapacity(order.count)
      for t in order {
        if let last = unique.last, us[Int(last)] == us[Int(t)], its[Int(last)] == its[Int(t)] {
          unique[unique.count - 1] = t
        } else {
          unique.append(t)
        }
      }
      let empty = try store.db.query("SELECT EXISTS(SELECT 1 FROM ratings)").first.flatMap(Store.int) == 0
      let upsert = empty ? "" : " ON CONFLICT(user_id, item_id) DO UPDATE SET value = excluded.value, ts = excluded.ts"
      func statement(_ rows: Int) throws -> Statement {
        let values = Array(repeating: "(?, ?, ?, ?)", count: rows).joined(separator: ", ")
        return try store.db.prepared("INSERT INTO ratings(user_id, item_id, value, ts) VALUES \(values)\(upsert)")
      }
      let batch = 64
      let full = try statement(batch)
      var k = 0
      while k < unique.count {
        let n = min(batch, unique.count - k)
        let stmt = n == batch ? full : try statement(n)
        try stmt.run { raw in
          var ok = true
          for r in 0..<n {
            let t = Int(unique[k + r])
            let p = Int32(4 * r)
            ok = ok && sqlite3_bind_int64(raw, p + 1, Int64(us[t])) == SQLITE_OK
            ok = ok && sqlite3_bind_int64(raw, p + 2, Int64(its[t])) == SQLITE_OK
            ok = ok && sqlite3_bind_double(raw, p + 3, Double(vs[t])) == SQLITE_OK
            ok = ok && sqlite3_bind_int64(raw, p + 4, tss[t]) == SQLITE_OK
          }
          return ok
        }
        k += n
      }
      if bulk { try store.db.execute("CREATE INDEX IF NOT EXISTS ratings_by_item ON ratings(item_id)") }
      let (lo, hi) = (vs.min() ?? 0, vs.max() ?? 0)
      let (oldLo, oldHi) = try store.ratingScale()
      let fresh = try store.meta("rating_min") == nil
      try store.setMeta("rating_min", String(fresh ? lo : min(lo, Float(oldLo))))
      try store.setMeta("rating_max", String(fresh ? hi : max(hi, Float(oldHi))))
    }
    report.ratings = vs.count
    report.skippedCount = skippedCount
    return report
  }

  /// The database ids of `names` in `table` (users or items): a row's id when it exists, else a new id after the
  /// largest, inserted by `insert(id, name)` and counted in `added`. Also returns one past the largest id.
  func databaseIDs(
    _ names: [String], table: String, added: inout Int, insert: (Int32, String) throws -> Void
  ) throws -> (ids: [Int32], end: Int) {
    var existing: [String: Int32] = [:]
    try store.db.forEachRow("SELECT id, external_id FROM \(table)") { existing[$0.text(1)] = Int32($0.int(0)) }
    var next = (existing.values.max() ?? 0) + 1
    var ids = [Int32](repeating: 0, count: names.count)
    for (k, name) in names.enumerated() {
      if let id = existing[name] {
        ids[k] = id
      } else {
        try insert(next, name)
        ids[k] = next
        next += 1
        added += 1
      }
    }
    return (ids, Int(next))
  }
}

/// External ids numbered in their order of first appearance (the parse phase of an import). Ids that are
/// canonical decimal numbers ("42", never "042") are looked up as integers, without making a String.
struct LocalIDs {
  private var byText: [String: Int32] = [:]
  private var byNumber: [Int64: Int32] = [:]
  /// The ids as written, by local number.
  private(set) var names: [String] = []

  /// The local number of the id `number` (when canonical) or `text`.
  mutating func id(number: Int64?, text: String) -> Int32 {
    if let number {
      if let known = byNumber[number] { return known }
      byNumber[number] = Int32(names.count)
      names.append(String(number))
    } else {
      if let known = byText[text] { return known }
      byText[text] = Int32(names.count)
      names.append(text)
    }
    return Int32(names.count - 1)
  }
}

/// Row indices sorted by (user, item), stable (for a repeated pair the later line comes later, so it wins):
/// a counting sort by user, then each user's few rows by (item, position).
func primaryKeyOrder(users: [Int32], items: [Int32], userCount: Int) -> [Int32] {
  var start = [Int](repeating: 0, count: userCount + 1)
  for u in users { start[Int(u) + 1] += 1 }
  for k in 0..<userCount { start[k + 1] += start[k] }
  var fill = start
  var order = [Int32](repeating: 0, count: users.count)
  for (t, u) in users.enumerated() {
    order[fill[Int(u)]] = Int32(t)
    fill[Int(u)] += 1
  }
  for u in 0..<userCount where start[u + 1] - start[u] > 1 {
    order[start[u]..<start[u + 1]].sort { a, b in
      let (ia, ib) = (items[Int(a)], items[Int(b)])
      return ia != ib ? ia < ib : a < b
    }
  }
  return order
}

/// A plain decimal (`4`, `3.5`, `-2.25`) read from bytes without making a String; nil for anything else
/// (exponents, `inf`, junk), which then takes `Double(String)`'s path and its checks.
func parseDecimal(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
  guard !b.isEmpty, b.count <= 18 else { return nil }
  var k = 0
  var negative = false
  if b[0] == UInt8(ascii: "-") {
    negative = true
    k = 1
  }
  var whole: Int64 = 0
  var fraction: Int64 = 0
  var scale: Int64 = 1
  var digits = 0
  var seenPoint = false
  while k < b.count {
    let c = b[k]
    if c >= 0x30 && c <= 0x39 {
      if seenPoint {
        fraction = fraction * 10 + Int64(c - 0x30)
        scale *= 10
      } else {
        whole = whole * 10 + Int64(c - 0x30)
      }
      digits += 1
    } else if c == UInt8(ascii: ".") && !seenPoint {
      seenPoint = true
    } else {
      return nil
    }
    k += 1
  }
  guard digits > 0 else { return nil }
  let v = Double(whole) + Double(fraction) / Double(scale)
  return negative ? -v : v
}

/// A plain integer read from bytes; nil for anything else.
func parseInteger(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
  guard !b.isEmpty, b.count <= 18 else { return nil }
  var v: Int64 = 0
  var k = 0
  let negative = b[0] == UInt8(ascii: "-")
  if negative { k = 1 }
  guard k < b.count else { return nil }
  while k < b.count {
    let c = b[k]
    guard c >= 0x30 && c <= 0x39 else { return nil }
    v = v * 10 + Int64(c - 0x30)
    k += 1
  }
  return negative ? -v : v
}

/// The value of a canonical non-negative decimal (`0`, `42`; not `042`, `+4`, `-1` or 19+ digits), else nil: such
/// an id and its integer stand for each other exactly.
func canonicalNumber(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
  guard !b.isEmpty, b.count <= 18, b[0] != 0x30 || b.count == 1 else { return nil }
  var v: Int64 = 0
  for c in b {
    guard c >= 0x30 && c <= 0x39 else { return nil }
    v = v * 10 + Int64(c - 0x30)
  }
  return v
}
