import Foundation

// Corpus BLEU and chrF as sacreBLEU 2.x computes them (BLEU: 13a or zh tokenisation, 4-grams, 'exp' smoothing,
// one reference; chrF: character 6-grams, β = 2, whitespace removed). Tests compare with the sacrebleu package
// on a fixture (Tests/Fixtures/make_bleu_fixtures.py). Strings are handled as Unicode scalars, as Python's str.

/// Tokenisation before counting BLEU n-grams.
public enum BLEUTokenizer: String, Sendable, CaseIterable {
  /// mteval-v13a (sacreBLEU's default).
  case thirteenA = "13a"
  /// Chinese: every CJK character (sacreBLEU's table) is a token, the rest as 13a.
  case zh

  /// sacreBLEU's choice for a target language.
  public init(language: String) { self = language.hasPrefix("zh") ? .zh : .thirteenA }
}

/// sacreBLEU's `_is_chinese_char` as effective code-point ranges (its table compares strings, so the
/// "\u20000"-style entries of the Python source mean U+2001…U+2A6D).
let chineseRanges: [ClosedRange<UInt32>] = [
  0x2001...0x2A6D, 0x2E80...0x2FDF, 0x2FF0...0x303F, 0x3100...0x312F, 0x31A0...0x31EF, 0x3200...0x4DB5,
  0x4E00...0x9FBB, 0xF900...0xFA2D, 0xFA30...0xFA6A, 0xFA70...0xFAD9, 0xFE10...0xFE1F, 0xFE30...0xFE4F,
  0xFF00...0xFFEF,
]

/// Python's str.isspace for one scalar.
func isPythonSpace(_ s: Unicode.Scalar) -> Bool {
  s.properties.isWhitespace || (0x1C...0x1F).contains(s.value)
}

/// Python's `' '.join(line.split())` over scalars: the whitespace-separated words.
func pythonSplit(_ s: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
  var words: [[Unicode.Scalar]] = []
  var cur: [Unicode.Scalar] = []
  for c in s {
    if isPythonSpace(c) {
      if !cur.isEmpty { words.append(cur) }
      cur = []
    } else {
      cur.append(c)
    }
  }
  if !cur.isEmpty { words.append(cur) }
  return words
}

/// sacreBLEU's TokenizerRegexp: the four substitutions, then single spaces. Returns the tokens.
func regexpTokens(_ line: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
  func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }
  func isPeriodComma(_ c: Unicode.Scalar) -> Bool { c == "." || c == "," }
  // 1. punctuation [{-~[-` -&(-+:-@/] → " c "
  var s: [Unicode.Scalar] = []
  for c in line {
    let v = c.value
    if (0x7B...0x7E).contains(v) || (0x5B...0x60).contains(v) || (0x20...0x26).contains(v)
      || (0x28...0x2B).contains(v) || (0x3A...0x40).contains(v) || v == 0x2F
    {
      s += [" ", c, " "]
    } else {
      s.append(c)
    }
  }
  // 2.–4.: two-character patterns, replaced left to right without overlap (re.sub).
  func pass(
    _ s: [Unicode.Scalar], _ matches: (Unicode.Scalar, Unicode.Scalar) -> Bool,
    _ replace: (Unicode.Scalar, Unicode.Scalar) -> [Unicode.Scalar]
  ) -> [Unicode.Scalar] {
    var out: [Unicode.Scalar] = []
    var i = 0
    while i < s.count {
      if i + 1 < s.count && matches(s[i], s[i + 1]) {
        out += replace(s[i], s[i + 1])
        i += 2
      } else {
        out.append(s[i])
        i += 1
      }
    }
    return out
  }
  s = pass(s, { !isDigit($0) && isPeriodComma($1) }, { [$0, " ", $1, " "] })
  s = pass(s, { isPeriodComma($0) && !isDigit($1) }, { [" ", $0, " ", $1] })
  s = pass(s, { isDigit($0) && $1 == "-" }, { [$0, " ", $1, " "] })
  return pythonSplit(s)
}

/// Tokens of one segment as sacreBLEU's BLEU counts them (after `rstrip`).
public func bleuTokens(_ text: String, _ tokenizer: BLEUTokenizer) -> [String] {
  var scalars = Array(text.unicodeScalars)
  while let last = scalars.last, isPythonSpace(last) { scalars.removeLast() }
  switch tokenizer {
  case .thirteenA:
    var line = String(String.UnicodeScalarView(scalars))
    line = line.replacingOccurrences(of: "<skipped>", with: "")
    line = line.replacingOccurrences(of: "-\n", with: "").replacingOccurrences(of: "\n", with: " ")
    if line.contains("&") {
      line = line.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
        .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
    }
    scalars = [" "] + Array(line.unicodeScalars) + [" "]
  case .zh:
    while let first = scalars.first, isPythonSpace(first) { scalars.removeFirst() }
    var spaced: [Unicode.Scalar] = []
    for c in scalars {
      if chineseRanges.contains(where: { $0.contains(c.value) }) { spaced += [" ", c, " "] } else { spaced.append(c) }
    }
    scalars = spaced
  }
  return regexpTokens(scalars).map { String(String.UnicodeScalarView($0)) }
}

/// A corpus BLEU score with its parts.
public struct BLEUScore: Sendable, CustomStringConvertible {
  public var score: Double
  public var precisions: [Double]
  public var brevityPenalty: Double
  public var systemLength: Int
  public var referenceLength: Int
  public var description: String {
    String(
      format: "BLEU = %.2f %@ (BP = %.3f ratio = %.3f hyp_len = %d ref_len = %d)", score,
      precisions.map { String(format: "%.1f", $0) }.joined(separator: "/"), brevityPenalty,
      Double(systemLength) / Double(max(referenceLength, 1)), systemLength, referenceLength)
  }
}

/// Corpus BLEU of `hypotheses` against one reference each (sacreBLEU defaults: 4-grams, exp smoothing).
public func corpusBLEU(_ hypotheses: [String], _ references: [String], tokenizer: BLEUTokenizer) -> BLEUScore {
  precondition(hypotheses.count == references.count, "corpusBLEU: one reference per hypothesis")
  let order = 4
  var correct = [Int](repeating: 0, count: order)
  var total = [Int](repeating: 0, count: order)
  var sysLen = 0
  var refLen = 0
  for (h, r) in zip(hypotheses, references) {
    let ht = bleuTokens(h, tokenizer)
    let rt = bleuTokens(r, tokenizer)
    sysLen += ht.count
    refLen += rt.count
    for n in 1...order {
      let hc = ngramCounts(ht, n)
      let rc = ngramCounts(rt, n)
      total[n - 1] += max(0, ht.count - n + 1)
      for (g, c) in hc { correct[n - 1] += min(c, rc[g] ?? 0) }
    }
  }
  var bp = 1.0
  if sysLen < refLen { bp = sysLen > 0 ? exp(1 - Double(refLen) / Double(sysLen)) : 0 }
  var precisions = [Double](repeating: 0, count: order)
  guard correct.contains(where: { $0 > 0 }) else {
    return BLEUScore(
      score: 0, precisions: precisions, brevityPenalty: bp, systemLength: sysLen, referenceLength: refLen)
  }
  var smooth = 1.0
  for n in 0..<order {
    if total[n] == 0 { break }
    if correct[n] == 0 {
      smooth *= 2
      precisions[n] = 100 / (smooth * Double(total[n]))
    } else {
      precisions[n] = 100 * Double(correct[n]) / Double(total[n])
    }
  }
  let logSum = precisions.reduce(0.0) { $0 + ($1 == 0 ? -9_999_999_999 : log($1)) }
  return BLEUScore(
    score: bp * exp(logSum / Double(order)), precisions: precisions, brevityPenalty: bp, systemLength: sysLen,
    referenceLength: refLen)
}

func ngramCounts(_ tokens: [String], _ n: Int) -> [ArraySlice<String>: Int] {
  var c: [ArraySlice<String>: Int] = [:]
  if tokens.count >= n { for i in 0...(tokens.count - n) { c[tokens[i..<(i + n)], default: 0] += 1 } }
  return c
}

/// Corpus chrF (sacreBLEU defaults: character n-grams 1–6 without whitespace, β = 2), 0–100.
public func corpusChrF(_ hypotheses: [String], _ references: [String], order: Int = 6, beta: Double = 2) -> Double {
  precondition(hypotheses.count == references.count, "corpusChrF: one reference per hypothesis")
  var stats = [Int](repeating: 0, count: 3 * order)
  for (h, r) in zip(hypotheses, references) {
    let hs = pythonSplit(Array(h.unicodeScalars)).flatMap { $0 }
    let rs = pythonSplit(Array(r.unicodeScalars)).flatMap { $0 }
    for n in 1...order {
      var hc: [ArraySlice<Unicode.Scalar>: Int] = [:]
      var rc: [ArraySlice<Unicode.Scalar>: Int] = [:]
      if hs.count >= n { for i in 0...(hs.count - n) { hc[hs[i..<(i + n)], default: 0] += 1 } }
      if rs.count >= n { for i in 0...(rs.count - n) { rc[rs[i..<(i + n)], default: 0] += 1 } }
      stats[3 * (n - 1)] += max(0, hs.count - n + 1)
      stats[3 * (n - 1) + 1] += max(0, rs.count - n + 1)
      for (g, c) in hc { stats[3 * (n - 1) + 2] += min(c, rc[g] ?? 0) }
    }
  }
  let factor = beta * beta
  var avgP = 0.0
  var avgR = 0.0
  var effective = 0
  for i in 0..<order {
    let (nh, nr, nm) = (Double(stats[3 * i]), Double(stats[3 * i + 1]), Double(stats[3 * i + 2]))
    let p = nh > 0 ? nm / nh : 1e-16
    let r = nr > 0 ? nm / nr : 1e-16
    if nh > 0 && nr > 0 {
      avgP += p
      avgR += r
      effective += 1
    }
  }
  guard effective > 0 else { return 0 }
  avgP /= Double(effective)
  avgR /= Double(effective)
  guard avgP + avgR > 0 else { return 0 }
  return 100 * (1 + factor) * avgP * avgR / (factor * avgP + avgR)
}
