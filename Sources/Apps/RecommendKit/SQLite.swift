import CSQLite
import Engine

#if canImport(Glibc)
  import Glibc
#endif

/// An SQLite error: what failed and SQLite's message, in one line.
public struct DatabaseError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}

/// A value bound to or read from a statement.
public enum SQLValue: Equatable, Sendable {
  case int(Int)
  case double(Double)
  case text(String)
  case blob([UInt8])
  case null
}

/// A small typed wrapper over one sqlite3 connection: parameterized statements only, transactions, busy timeout.
public final class Database {
  let handle: OpaquePointer
  public let path: String

  /// Opens (creating when `create`) the database at `path`, in WAL mode with a 10 s busy timeout.
  public init(path: String, create: Bool = true, readOnly: Bool = false) throws {
    var db: OpaquePointer?
    let flags =
      readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0))
    let rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
    guard rc == SQLITE_OK, let db else {
      let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
      if let db { sqlite3_close(db) }
      throw DatabaseError("\(path): cannot open database (\(msg))")
    }
    handle = db
    self.path = path
    sqlite3_busy_timeout(db, 10_000)
    if !readOnly {
      // Switching a new database to WAL needs a moment alone with it; SQLite answers SQLITE_BUSY at once (without
      // the busy handler) when another process is creating the same file, so retry for up to 10 s.
      try retryingWhileBusy { try execute("PRAGMA journal_mode = WAL") }
      try execute("PRAGMA synchronous = NORMAL")
    }
    try execute("PRAGMA foreign_keys = ON")
  }

  deinit { sqlite3_close_v2(handle) }

  /// Runs `body`, again after a short sleep while SQLite reports the database busy or locked (at most 10 s).
  func retryingWhileBusy(_ body: () throws -> Void) throws {
    let deadline = monotonicSeconds() + 10
    while true {
      do { return try body() } catch {
        let code = sqlite3_errcode(handle) & 0xFF
        guard code == SQLITE_BUSY || code == SQLITE_LOCKED, monotonicSeconds() < deadline else { throw error }
        usleep(UInt32.random(in: 5_000...50_000))
      }
    }
  }

  func error(_ what: String) -> DatabaseError {
    DatabaseError("\(path): \(what): \(String(cString: sqlite3_errmsg(handle)))")
  }

  /// Runs one statement with `args` bound to its `?` parameters; returns the rows it produced.
  @discardableResult
  public func query(_ sql: String, _ args: [SQLValue] = []) throws -> [[SQLValue]] {
    var rows: [[SQLValue]] = []
    try forEachRow(sql, args) { rows.append($0.values()) }
    return rows
  }

  /// Runs a statement without results.
  public func execute(_ sql: String, _ args: [SQLValue] = []) throws {
    try forEachRow(sql, args) { _ in }
  }

  /// Runs one statement and calls `body` for each row (columns read through `Row`).
  public func forEachRow(_ sql: String, _ args: [SQLValue] = [], _ body: (Row) throws -> Void) throws {
    let stmt = try prepare(sql)
    defer { sqlite3_finalize(stmt) }
    try bind(stmt, args)
    while true {
      let rc = sqlite3_step(stmt)
      if rc == SQLITE_DONE { break }
      guard rc == SQLITE_ROW else { throw error("cannot run '\(sql.prefix(60))'") }
      try body(Row(stmt: stmt))
    }
  }

  /// A prepared statement reused for many rows (bulk inserts).
  public func prepared(_ sql: String) throws -> Statement { Statement(db: self, stmt: try prepare(sql)) }

  func prepare(_ sql: String) throws -> OpaquePointer {
    var stmt: OpaquePointer?
    guard sqlite3_prepare_v2(handle, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else {
      throw error("cannot prepare '\(sql.prefix(60))'")
    }
    return stmt
  }

  func bind(_ stmt: OpaquePointer, _ args: [SQLValue]) throws {
    for (i, a) in args.enumerated() {
      let idx = Int32(i + 1)
      let rc: Int32
      switch a {
      case .int(let v): rc = sqlite3_bind_int64(stmt, idx, Int64(v))
      case .double(let v): rc = sqlite3_bind_double(stmt, idx, v)
      case .text(let v): rc = sqlite3_bind_text(stmt, idx, v, -1, kestrel_sqlite_transient())
      case .blob(let v):
        rc = v.withUnsafeBytes {
          sqlite3_bind_blob(stmt, idx, $0.baseAddress, Int32($0.count), kestrel_sqlite_transient())
        }
      case .null: rc = sqlite3_bind_null(stmt, idx)
      }
      guard rc == SQLITE_OK else { throw error("cannot bind parameter \(i + 1)") }
    }
  }

  /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT` (rolled back if it throws), so a writer waits for the lock
  /// up front (busy timeout) instead of failing half-way.
  public func transaction<R>(_ body: () throws -> R) throws -> R {
    try execute("BEGIN IMMEDIATE")
    do {
      let r = try body()
      try execute("COMMIT")
      return r
    } catch {
      try? execute("ROLLBACK")
      throw error
    }
  }

  /// Reads parts of one blob without loading all of it (SQLite's incremental blob I/O): `body` gets a reader
  /// `(offset, count) → bytes` and the blob's size. Nil when the row does not exist.
  public func withBlob<R>(
    table: String, column: String, rowid: Int, _ body: (_ read: (Int, Int) throws -> [UInt8], _ size: Int) throws -> R
  ) throws -> R? {
    var blob: OpaquePointer?
    guard sqlite3_blob_open(handle, "main", table, column, Int64(rowid), 0, &blob) == SQLITE_OK, let blob else {
      return nil
    }
    defer { sqlite3_blob_close(blob) }
    let size = Int(sqlite3_blob_bytes(blob))
    return try body(
      { offset, count in
        guard offset >= 0, count >= 0, offset + count <= size else {
          throw DatabaseError("\(self.path): read of \(count) bytes at \(offset) outside a \(size)-byte blob")
        }
        var out = [UInt8](repeating: 0, count: count)
        let rc = out.withUnsafeMutableBytes { sqlite3_blob_read(blob, $0.baseAddress, Int32(count), Int32(offset)) }
        guard rc == SQLITE_OK else { throw self.error("cannot read blob") }
        return out
      }, size)
  }

  /// Row id of the last insert.
  public var lastInsertRowID: Int { Int(sqlite3_last_insert_rowid(handle)) }
  /// Rows changed by the last statement.
  public var changes: Int { Int(sqlite3_changes(handle)) }
}

/// One result row; columns are read by index.
public struct Row {
  let stmt: OpaquePointer
  public var count: Int { Int(sqlite3_column_count(stmt)) }
  public func int(_ i: Int) -> Int { Int(sqlite3_column_int64(stmt, Int32(i))) }
  public func double(_ i: Int) -> Double { sqlite3_column_double(stmt, Int32(i)) }
  public func isNull(_ i: Int) -> Bool { sqlite3_column_type(stmt, Int32(i)) == SQLITE_NULL }
  public func text(_ i: Int) -> String {
    guard let p = sqlite3_column_text(stmt, Int32(i)) else { return "" }
    return String(cString: p)
  }
  public func blob(_ i: Int) -> [UInt8] {
    let n = Int(sqlite3_column_bytes(stmt, Int32(i)))
    guard n > 0, let p = sqlite3_column_blob(stmt, Int32(i)) else { return [] }
    return Array(UnsafeRawBufferPointer(start: p, count: n))
  }
  func values() -> [SQLValue] {
    (0..<count).map { i in
      switch sqlite3_column_type(stmt, Int32(i)) {
      case SQLITE_INTEGER: return .int(int(i))
      case SQLITE_FLOAT: return .double(double(i))
      case SQLITE_TEXT: return .text(text(i))
      case SQLITE_BLOB: return .blob(blob(i))
      default: return .null
      }
    }
  }
}

/// A statement prepared once and run many times with different parameters.
public final class Statement {
  let db: Database
  let stmt: OpaquePointer
  init(db: Database, stmt: OpaquePointer) { (self.db, self.stmt) = (db, stmt) }
  deinit { sqlite3_finalize(stmt) }

  /// Runs with parameters bound by `bind` on the raw statement (the bulk-insert path: no argument array per
  /// row); `bind` returns false if a bind failed.
  public func run(binding bind: (OpaquePointer) -> Bool) throws {
    sqlite3_reset(stmt)
    guard bind(stmt) else { throw db.error("cannot bind parameters") }
    let rc = sqlite3_step(stmt)
    guard rc == SQLITE_DONE || rc == SQLITE_ROW else { throw db.error("cannot run statement") }
  }

  /// Binds `args`, runs to completion, resets.
  public func run(_ args: [SQLValue]) throws {
    sqlite3_reset(stmt)
    sqlite3_clear_bindings(stmt)
    try db.bind(stmt, args)
    let rc = sqlite3_step(stmt)
    guard rc == SQLITE_DONE || rc == SQLITE_ROW else { throw db.error("cannot run statement") }
  }
}
