import Datasets
import Engine
import Foundation

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
