import Engine
import Foundation

/// One source/target sentence pair with where it came from.
public struct SentencePair: Sendable, Equatable {
  public var source: String
  public var target: String
  /// The third column when present (the Bible files' verse reference, e.g. "Genesis 1:1").
  public var reference: String?
  /// 1-based line number in the file.
  public var line: Int

  public init(source: String, target: String, reference: String? = nil, line: Int = 0) {
    (self.source, self.target, self.reference, self.line) = (source, target, reference, line)
  }
}

/// A line that could not be used, with the reason.
public struct RejectedLine: Sendable, CustomStringConvertible {
  public var path: String
  public var line: Int
  public var reason: String
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

/// Train/validation/test split of a pair file.
public struct PairSplit: Sendable {
  public var train: [SentencePair] = []
  public var validation: [SentencePair] = []
  public var test: [SentencePair] = []
  /// How the split was made, for logs and model cards.
  public var description = ""
}

/// Books held out of the Bible files (whole books, so no verse of a held-out book is seen in training).
public let validationBooks = ["Ruth", "Galatians", "Colossians", "1 John"]
public let testBooks = ["Mark", "Jonah", "Philippians", "James", "1 Peter"]

/// The book of a verse reference ("1 John 3:16" → "1 John"), nil when it does not look like one.
public func bookName(_ reference: String) -> String? {
  guard let space = reference.lastIndex(of: " "), reference[reference.index(after: space)...].contains(":")
  else { return nil }
  return String(reference[..<space])
}

/// Splits pairs: by book when every pair has a verse reference (the held-out books above), otherwise the last
/// `fraction` of the file is the test set and the `fraction` before it the validation set (contiguous blocks
/// keep documents together).
public func splitPairs(_ pairs: [SentencePair], fraction: Double = 0.03) -> PairSplit {
  var split = PairSplit()
  let books = pairs.map { $0.reference.flatMap(bookName) }
  if !pairs.isEmpty && books.allSatisfy({ $0 != nil }) {
    for (p, b) in zip(pairs, books) {
      if let b, validationBooks.contains(b) {
        split.validation.append(p)
      } else if let b, testBooks.contains(b) {
        split.test.append(p)
      } else {
        split.train.append(p)
      }
    }
    if !split.validation.isEmpty && !split.test.isEmpty {
      split.description =
        "held-out books: validation \(validationBooks.joined(separator: ", ")); test \(testBooks.joined(separator: ", "))"
      return split
    }
    split = PairSplit()
  }
  let n = pairs.count
  let k = n >= 20 ? max(1, Int(Double(n) * fraction)) : 0
  split.train = Array(pairs[0..<(n - 2 * k)])
  split.validation = Array(pairs[(n - 2 * k)..<(n - k)])
  split.test = Array(pairs[(n - k)...])
  split.description = "contiguous blocks: last \(k) lines test, the \(k) before validation"
  return split
}

/// A one-line error of the translate app.
public struct TranslateError: Error, CustomStringConvertible {
  public let description: String
  public init(_ message: String) { description = message }
}
