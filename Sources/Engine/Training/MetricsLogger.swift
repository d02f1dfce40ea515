import Formats

/// Appends one record per call to a CSV or JSON-lines file (chosen by the extension `.csv` / `.jsonl`),
/// flushing each line so a crashed run keeps everything logged so far.
public final class MetricsLogger {
  /// The log file.
  public let path: String
  private let csv: Bool
  private var columns: [String]?
  private var headerWritten = false
  private let fd: Int32

  /// Opens (and truncates, unless `append`) the log file.
  public init(path: String, append: Bool = false) throws {
    self.path = path
    csv = path.hasSuffix(".csv")
    fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0o644)
    guard fd >= 0 else { throw FileError(path, "cannot open metrics log: \(String(cString: strerror(errno)))") }
    // Appending to a CSV that already has its header: do not write another one.
    if append && csv && lseek(fd, 0, SEEK_END) > 0 { headerWritten = true }
  }

  deinit { close(fd) }

  /// Logs one record; CSV columns are fixed by the first record.
  public func log(_ values: KeyValuePairs<String, Double>) { log(values.map { ($0.key, $0.value) }) }

  /// Logs one record given as ordered (column, value) pairs.
  public func log(_ values: [(String, Double)]) {
    var line: String
    if csv {
      line = ""
      if columns == nil {
        columns = values.map(\.0)
        if !headerWritten { line += (columns ?? []).joined(separator: ",") + "\n" }
        headerWritten = true
      }
      let dict = Dictionary(values, uniquingKeysWith: { a, _ in a })
      line += (columns ?? []).map { dict[$0].map { "\($0)" } ?? "" }.joined(separator: ",") + "\n"
    } else {
      line =
        "{" + values.map { "\"\($0.0)\": \($0.1.isFinite ? "\($0.1)" : "null")" }.joined(separator: ", ")
        + "}\n"
    }
    line.withUTF8 { buf in _ = write(fd, buf.baseAddress, buf.count) }
  }
}

#if canImport(Glibc)
  import Glibc
#endif
