import Engine
import Foundation

/// One source/target sentence pair with where it came from.
public struct SentencePair: Sendable, Equatable {
  /// The source sentence.
  public var source: String
  /// The target sentence.
  public var target: String
  /// The third column when present (the Bible files' verse reference, e.g. "Genesis 1:1").
  public var reference: String?
  /// 1-based line number in the file.
  public var line: Int

  /// A pair.
  public init(source: String, target: String, reference: String? = nil, line: Int = 0) {
    (self.source, self.target, self.reference, self.line) = (source, target, reference, line)
  }
}

/// A line that could not be used, with the reason.
public struct RejectedLine: Sendable, CustomStringConvertible {
  /// The file.
  public var path: String
  /// 1-based line number.
  public var line: Int
  /// Why the line was skipped.
  public var reason: String
  /// `path:line: reason`.
  public var description: String { "\(path):\(line): \(reason)" }
}

/// Reads a TSV of pairs: `source` and `target` are 0-based column indices; column 2 (if any and unused) is kept
/// as the reference. Malformed lines (too few columns, an empty side, invalid UTF-8) are returned as rejected.
public func readPairs(
  path: String, sourceColumn: Int = 0, targetColumn: Int = 1
) throws -> (
  pairs: [SentencePair], rejected: [RejectedLine]
) {
  let data = try FileIO.read(path)
  guard !data.isEmpty else { throw FileError(path, "the file is empty") }
  var pairs: [SentencePair] = []
  var rejected: [RejectedLine] = []
  var lineNo = 0
  let needed = max(sourceColumn, targetColumn) + 1
  let referenceColumn = [0, 1, 2].first { $0 != sourceColumn && $0 != targetColumn } ?? 2
  for rawLine in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
    lineNo += 1
    var bytes = rawLine
    if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
    if bytes.isEmpty { continue }
    guard let line = String(validating: bytes, as: UTF8.self) else {
      rejected.append(RejectedLine(path: path, line: lineNo, reason: "invalid UTF-8"))
      continue
    }
    let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
    guard cols.count >= needed else {
      rejected.append(
        RejectedLine(path: path, line: lineNo, reason: "\(cols.count) column(s), need at least \(needed)"))
      continue
    }
    let src = cols[sourceColumn].trimmingCharacters(in: .whitespaces)
    let tgt = cols[targetColumn].trimmingCharacters(in: .whitespaces)
    if src.isEmpty || tgt.isEmpty {
      rejected.append(RejectedLine(path: path, line: lineNo, reason: "empty \(src.isEmpty ? "source" : "target") side"))
      continue
    }
    let ref = referenceColumn < cols.count ? cols[referenceColumn] : nil
    pairs.append(SentencePair(source: src, target: tgt, reference: ref, line: lineNo))
  }
  return (pairs, rejected)
}
