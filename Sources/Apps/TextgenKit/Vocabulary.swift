import Datasets
import Engine

// Character vocabulary over Unicode scalars. Scalars, not grapheme clusters: any text is a sequence of scalars,
// so encoding then decoding restores it byte for byte (Chinese, emoji with modifiers and joiners, combining
// marks, mixed scripts), and the vocabulary stays small (a grapheme vocabulary would hold every emoji
// combination and accented letter separately). A multi-scalar grapheme is simply several tokens.

/// The characters a model knows, in code-point order; token i is `scalars[i]`.
public struct Vocabulary: Codable, Sendable, Equatable {
  public let scalars: [UInt32]

  /// The distinct scalars of `text`, sorted by code point.
  public init(text: String) {
    scalars = Set(text.unicodeScalars.map(\.value)).sorted()
  }

  public init(scalars: [UInt32]) { self.scalars = scalars }

  public var count: Int { scalars.count }

  private var lookup: [UInt32: Int] { Dictionary(uniqueKeysWithValues: scalars.enumerated().map { ($1, $0) }) }

  /// Tokens of `text` and the scalars that are not in the vocabulary (skipped, in order of appearance).
  public func encode(_ text: String) -> (tokens: [Int], unknown: [Unicode.Scalar]) {
    let table = lookup
    var tokens: [Int] = []
    tokens.reserveCapacity(text.unicodeScalars.count)
    var unknown: [Unicode.Scalar] = []
    for s in text.unicodeScalars {
      if let t = table[s.value] { tokens.append(t) } else { unknown.append(s) }
    }
    return (tokens, unknown)
  }

  /// The text of `tokens`.
  public func decode(_ tokens: [Int]) -> String {
    var s = String.UnicodeScalarView()
    for t in tokens { if let u = Unicode.Scalar(scalars[t]) { s.append(u) } }
    return String(s)
  }

  /// How an unknown scalar is shown in messages: the character and its code point (U+XXXX).
  public static func describe(_ s: Unicode.Scalar) -> String {
    let hex = String(s.value, radix: 16, uppercase: true)
    let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    let printable = s.properties.isWhitespace || s.value < 0x20 ? "" : "'\(Character(s))' "
    return printable + code
  }
}

/// A training corpus: validated UTF-8 text, its vocabulary and token ids, split into train and validation.
public struct Corpus {
  public let path: String
  public let vocabulary: Vocabulary
  public let train: [Int]
  public let validation: [Int]

  /// Reads `path`. Fails with the byte offset and line of the first invalid UTF-8 sequence, on NUL bytes
  /// (binary files), and on empty files. The last `validationFraction` of the text is the validation split.
  public init(path: String, validationFraction: Double = 0.1) throws {
    try self.init(text: try readText(path), path: path, validationFraction: validationFraction)
  }

  /// A corpus from text already in memory; its vocabulary is the text's own characters.
  public init(text: String, path: String = "<text>", validationFraction: Double = 0.1) throws {
    let vocab = Vocabulary(text: text)
    let tokens = vocab.encode(text).tokens
    guard !tokens.isEmpty else { throw FileError(path, "the corpus is empty") }
    let split = Int(Double(tokens.count) * (1 - validationFraction))
    self.path = path
    self.vocabulary = vocab
    train = Array(tokens[..<split])
    validation = Array(tokens[split...])
  }
}
