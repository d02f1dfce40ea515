import Foundation

// Subword tokenizer: byte-pair encoding (Sennrich et al. 2016) over Unicode scalars for alphabetic languages,
// single characters (BPE with no merges) for Chinese. Text is first cut into words: a run of letters/digits
// (with one preceding space folded in as "▁", as SentencePiece marks it) or one other character; further
// spaces become "▁" tokens of their own. Decoding joins the pieces and turns "▁" back into spaces, so text
// made of known characters round-trips exactly.

/// A subword vocabulary with its merge rules; saved in translation checkpoints.
public struct SubwordTokenizer: Codable, Sendable, Equatable {
  public static let pad = 0, bos = 1, eos = 2, unk = 3
  static let specials = ["<pad>", "<bos>", "<eos>", "<unk>"]
  static let space: Unicode.Scalar = "\u{2581}"

  /// Token strings by id; ids 0–3 are <pad>, <bos>, <eos>, <unk>.
  public private(set) var tokens: [String]
  /// Merge rules in priority order: (left id, right id) → the token `left + right`.
  public private(set) var merges: [[Int]]

  public init(tokens: [String], merges: [[Int]]) {
    (self.tokens, self.merges) = (tokens, merges)
  }

  /// Vocabulary size.
  public var count: Int { tokens.count }

  /// Words of `text` as scalar arrays (see the file comment).
  static func words(_ text: String) -> [[Unicode.Scalar]] {
    var out: [[Unicode.Scalar]] = []
    var current: [Unicode.Scalar] = []
    var pendingSpace = false
    func isWordScalar(_ s: Unicode.Scalar) -> Bool {
      let p = s.properties
      return (p.isAlphabetic || p.numericType != nil || p.generalCategory == .nonspacingMark)
        && !p.isIdeographic
    }
    func flush() {
      if !current.isEmpty { out.append(current) }
      current = []
    }
    for s in text.unicodeScalars {
      if s == " " {
        flush()
        if pendingSpace { out.append([space]) }
        pendingSpace = true
      } else if isWordScalar(s) {
        if current.isEmpty {
          if pendingSpace { current.append(space) }
          pendingSpace = false
        }
        current.append(s)
      } else {
        flush()
        out.append(pendingSpace ? [space, s] : [s])
        pendingSpace = false
      }
    }
    flush()
    if pendingSpace { out.append([space]) }
    return out
  }

  /// Learns a vocabulary from `texts`: specials, every character seen at least `minCount` times (most frequent
  /// first, at most `size` tokens in all), then with `bpe` merges of the most frequent adjacent pairs until
  /// `size` tokens exist.
  public static func train(_ texts: [String], size: Int, bpe: Bool, minCount: Int = 2) -> SubwordTokenizer {
    var wordCounts: [[Unicode.Scalar]: Int] = [:]
    for t in texts { for w in words(t) { wordCounts[w, default: 0] += 1 } }
    var charCounts: [Unicode.Scalar: Int] = [:]
    for (w, c) in wordCounts { for s in w { charCounts[s, default: 0] += c } }
    charCounts[space] = max(charCounts[space] ?? 0, minCount)
    let alphabet = charCounts.filter { $0.value >= minCount }.sorted {
      $0.value != $1.value ? $0.value > $1.value : $0.key.value < $1.key.value
    }.prefix(max(0, size - specials.count)).map(\.key)
    var tokens = specials + alphabet.map { String(Character($0)) }
    var id: [String: Int] = [:]
    for (i, t) in tokens.enumerated() { id[t] = i }
    var merges: [[Int]] = []
    guard bpe else { return SubwordTokenizer(tokens: tokens, merges: merges) }

    // Words as id sequences (unknown characters split the word: they can never merge).
    let entries = wordCounts.sorted { $0.key.lexicographicallyPrecedes($1.key) { $0.value < $1.value } }
    var seqs = entries.map { $0.key.map { id[String(Character($0))] ?? unk } }
    let freq = entries.map(\.value)
    func key(_ a: Int, _ b: Int) -> Int { a << 32 | b }
    var pairCounts: [Int: Int] = [:]
    var whereFound: [Int: Set<Int>] = [:]
    for (w, s) in seqs.enumerated() where s.count > 1 {
      for i in 0..<(s.count - 1) where s[i] != unk && s[i + 1] != unk {
        pairCounts[key(s[i], s[i + 1]), default: 0] += freq[w]
        whereFound[key(s[i], s[i + 1]), default: []].insert(w)
      }
    }
    while tokens.count < size {
      var best = -1
      var bestCount = 0
      for (k, c) in pairCounts where c > bestCount || (c == bestCount && c > 0 && k < best) {
        (best, bestCount) = (k, c)
      }
      guard bestCount >= minCount else { break }
      let (a, b) = (best >> 32, best & 0xFFFF_FFFF)
      let new = tokens.count
      tokens.append(tokens[a] + tokens[b])
      merges.append([a, b])
      for w in whereFound[best] ?? [] {
        let s = seqs[w]
        guard s.count > 1 else { continue }
        for i in 0..<(s.count - 1) where s[i] != unk && s[i + 1] != unk {
          pairCounts[key(s[i], s[i + 1]), default: 0] -= freq[w]
        }
        var merged: [Int] = []
        var i = 0
        while i < s.count {
          if i + 1 < s.count && s[i] == a && s[i + 1] == b {
            merged.append(new)
            i += 2
          } else {
            merged.append(s[i])
            i += 1
          }
        }
        seqs[w] = merged
        if merged.count > 1 {
          for j in 0..<(merged.count - 1) where merged[j] != unk && merged[j + 1] != unk {
            let k = key(merged[j], merged[j + 1])
            pairCounts[k, default: 0] += freq[w]
            whereFound[k, default: []].insert(w)
          }
        }
      }
      pairCounts[best] = nil
      whereFound[best] = nil
    }
    return SubwordTokenizer(tokens: tokens, merges: merges)
  }
}

/// Encoding and decoding with a trained tokenizer (a word → ids cache makes repeated words cheap).
public final class TokenCodec: @unchecked Sendable {
  public let tokenizer: SubwordTokenizer
  let ids: [String: Int]
  let rank: [Int: Int]  // (left << 32 | right) → merge priority
  var cache: [[Unicode.Scalar]: [Int]] = [:]

  public init(_ tokenizer: SubwordTokenizer) {
    self.tokenizer = tokenizer
    var ids: [String: Int] = [:]
    for (i, t) in tokenizer.tokens.enumerated() where i >= SubwordTokenizer.specials.count { ids[t] = i }
    self.ids = ids
    var rank: [Int: Int] = [:]
    for (r, m) in tokenizer.merges.enumerated() { rank[m[0] << 32 | m[1]] = r }
    self.rank = rank
  }

  /// Token ids of `text` (no <bos>/<eos>); characters outside the vocabulary become <unk>.
  public func encode(_ text: String) -> [Int] {
    var out: [Int] = []
    for w in SubwordTokenizer.words(text) {
      if let hit = cache[w] {
        out += hit
        continue
      }
      var s = w.map { ids[String(Character($0))] ?? SubwordTokenizer.unk }
      while s.count > 1 {
        var best = Int.max
        var at = -1
        for i in 0..<(s.count - 1) {
          if let r = rank[s[i] << 32 | s[i + 1]], r < best { (best, at) = (r, i) }
        }
        guard at >= 0 else { break }
        let m = tokenizer.merges[best]
        var merged: [Int] = []
        var i = 0
        while i < s.count {
          if i + 1 < s.count && s[i] == m[0] && s[i + 1] == m[1] {
            merged.append(tokenizer.count - tokenizer.merges.count + best)
            i += 2
          } else {
            merged.append(s[i])
            i += 1
          }
        }
        s = merged
      }
      if cache.count < 200_000 { cache[w] = s }
      out += s
    }
    return out
  }

  /// The characters of `text` that are not in the vocabulary (each once, in order of appearance).
  public func unknownCharacters(_ text: String) -> [Character] {
    var seen = Set<Character>()
    var out: [Character] = []
    for s in text.unicodeScalars where s != " " && ids[String(Character(s))] == nil {
      if seen.insert(Character(s)).inserted { out.append(Character(s)) }
    }
    return out
  }

  /// Text of `ids`: pieces joined, "▁" → space; <pad>/<bos>/<eos> dropped, <unk> shown as "⁇".
  public func decode(_ ids: [Int]) -> String {
    var s = ""
    for i in ids where i >= SubwordTokenizer.unk && i < tokenizer.count {
      s += i == SubwordTokenizer.unk ? "⁇" : tokenizer.tokens[i]
    }
    return s.replacingOccurrences(of: "\u{2581}", with: " ")
  }

  /// The display form of one token (for attention maps): "▁" kept visible.
  public func piece(_ id: Int) -> String { id >= 0 && id < tokenizer.count ? tokenizer.tokens[id] : "?" }
}

/// The tokenizer `translate train` learns for a language from its side of the training pairs: characters for
/// Chinese (every character seen, up to `size`), BPE with `size` tokens otherwise.
public func languageTokenizer(_ texts: [String], language: String, size: Int) -> SubwordTokenizer {
  let chinese = language.hasPrefix("zh")
  return SubwordTokenizer.train(texts, size: size, bpe: !chinese, minCount: chinese ? 1 : 2)
}
