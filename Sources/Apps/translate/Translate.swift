import AppSupport
import ArgumentParser
import Datasets
import Engine
import Foundation
import TranslateKit

/// `translate`: Transformer neural machine translation — translate, train on TSV pairs, evaluate BLEU/chrF.
@main
struct TranslateApp: ParsableCommand {
  /// Parses negative values after a space (see `normalizedArguments`).
  static func main() { main(normalizedArguments()) }

  static let configuration = CommandConfiguration(
    commandName: "translate",
    abstract: "Translates text with an encoder-decoder Transformer; trains one on TSV sentence pairs; scores BLEU.",
    discussion: """
      Examples:
        translate "In the beginning God created the heavens and the earth."
        echo "The Lord is my shepherd." | translate --beam 5
        translate --attention attn.png "God said, let there be light."
        translate train --pairs eng-cmn.tsv --src en --tgt zh --budget 30m \\
          --out my.safetensors
        translate eval --model my.safetensors --pairs test.tsv --beam 4

      Models: en-zh (default, English→Chinese) or a checkpoint written by `translate train`. \
      Without text arguments, lines are read from standard input and translated one by one.
      """,
    subcommands: [Run.self, Train.self, Eval.self],
    defaultSubcommand: Run.self)
}

/// Loads a translator by name or path with a one-line error.
func loadTranslator(_ nameOrPath: String) throws -> LoadedTranslator {
  do { return try LoadedTranslator(nameOrPath, assets: assetsDirectory()) } catch { throw AppError("\(error)") }
}

/// `translate [TEXT…]`: translates arguments, or standard input line by line.
struct Run: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "text",
    abstract: "Translates the arguments (each one a sentence), or standard input line by line (the default command).")
  @Option(help: "Shipped model (en-zh) or a checkpoint path.") var model = "en-zh"
  @Option(help: "Beam width (1 = greedy decoding).") var beam = 4
  @Option(help: "Beam length normalisation α: hypotheses rank by log-probability / length^α.") var alpha: Float = 1.0
  @Option(help: "Write the cross-attention heatmap of the (last) translation to this PNG.") var attention: String?
  @Argument(help: "Text to translate; omit to read lines from standard input.") var text: [String] = []

  func validate() throws {
    guard (1...64).contains(beam) else { throw ValidationError("--beam must be in 1…64 (got \(beam))") }
    guard text.isEmpty || text.contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
      throw ValidationError("the text to translate is empty")
    }
    guard alpha >= 0, alpha <= 3 else { throw ValidationError("--alpha must be in [0, 3] (got \(alpha))") }
  }

  func run() throws {
    if let attention { try checkWritable(attention) }
    let loaded = try loadTranslator(model)
    var last: (source: [Int], translation: Translation)?
    func one(_ line: String) {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      guard !trimmed.isEmpty else {
        printLine()
        return
      }
      let (out, t, ids) = loaded.translate(trimmed, beams: beam, alpha: alpha, attention: attention != nil) {
        writeStderr($0 + "\n")
      }
      printLine(out)
      last = (ids, t)
    }
    if text.isEmpty {
      while let line = readLine(strippingNewline: true) { one(line) }
    } else {
      for t in text { one(t) }
    }
    if let attention, let last, let map = last.translation.attention {
      let image = attentionImage(
        map, rows: last.translation.tokens.map(loaded.targetCodec.piece) + ["■"],
        columns: last.source.map(loaded.sourceCodec.piece), font: try? GlyphFont.load(assets: assetsDirectory()))
      try image.writePNG(to: attention)
      writeStderr("attention map → \(attention)\n")
    }
  }
}

/// `translate eval`: corpus BLEU and chrF on a TSV of pairs.
struct Eval: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Translates the source column of a TSV and prints corpus BLEU (sacreBLEU-compatible) and chrF.",
    discussion: """
      BLEU uses sacreBLEU's 13a tokenisation, or its zh tokenisation when the target language is Chinese \
      (signature nrefs:1|case:mixed|eff:no|tok:13a or zh|smooth:exp). With --split test (or validation), \
      only the held-out part of the file is scored (the books listed in `translate train --help`).
      """)
  @Option(help: "Shipped model or checkpoint path.") var model = "en-zh"
  @Option(help: "TSV of pairs.") var pairs: String
  @Option(help: "Source column (0-based).") var srcCol = 0
  @Option(help: "Target (reference) column (0-based).") var tgtCol = 1
  @Option(help: "all, train, validation or test: which part of the file to score.") var split = "all"
  @Option(help: "Beam width (1 = greedy).") var beam = 1
  @Option(help: "Beam length normalisation α: hypotheses rank by log-probability / length^α.") var alpha: Float = 1.0
  @Option(help: "Score only the first N pairs.") var limit: Int?
  @Option(help: "Write the translations here (one per line).") var output: String?

  func validate() throws {
    guard ["all", "train", "validation", "test"].contains(split) else {
      throw ValidationError("--split must be all, train, validation or test (got \(split))")
    }
    guard (1...64).contains(beam) else { throw ValidationError("--beam must be in 1…64") }
    guard alpha >= 0, alpha <= 3 else { throw ValidationError("--alpha must be in [0, 3] (got \(alpha))") }
    if let limit, limit <= 0 { throw ValidationError("--limit must be positive") }
  }

  func run() throws {
    let loaded = try loadTranslator(model)
    var set = try readPairsReporting(pairs, srcCol: srcCol, tgtCol: tgtCol, strict: false)
    if split != "all" {
      let s = splitPairs(set)
      set = split == "train" ? s.train : split == "validation" ? s.validation : s.test
      writeStderr("\(split): \(set.count) pairs (\(s.description))\n")
    }
    if let limit { set = Array(set.prefix(limit)) }
    guard !set.isEmpty else { throw AppError("\(pairs): no pairs to score") }
    let bar = ProgressBar(total: set.count, label: "translating", unit: "sent")
    let hyps = translateAll(loaded, set.map(\.source), beams: beam, alpha: alpha) { bar.advance($0) }
    bar.finish()
    if let output { try FileIO.writeAtomically(Array((hyps.joined(separator: "\n") + "\n").utf8), to: output) }
    let tok = BLEUTokenizer(language: loaded.model.config.targetLanguage)
    let bleu = corpusBLEU(hyps, set.map(\.target), tokenizer: tok)
    let chrf = corpusChrF(hyps, set.map(\.target))
    printLine("\(set.count) sentences, \(beam == 1 ? "greedy" : "beam \(beam), α \(alpha)"), tok:\(tok.rawValue)")
    printLine(bleu.description)
    printLine("chrF2 = \(fixed(chrf, 2))")
  }
}

/// Translations of `sources` (greedy in batches of 32, or beam search one by one); `progress(n)` after each part.
func translateAll(
  _ loaded: LoadedTranslator, _ sources: [String], beams: Int, alpha: Float, progress: (Int) -> Void
) -> [String] {
  let limit = loaded.model.config.maxLength
  let ids = sources.map { Array(loaded.sourceCodec.encode($0).prefix(limit)) }
  var out: [String] = []
  if beams <= 1 {
    for start in stride(from: 0, to: ids.count, by: 32) {
      let part = Array(ids[start..<min(start + 32, ids.count)])
      out += loaded.model.greedy(part).map { loaded.targetCodec.decode($0.tokens) }
      progress(part.count)
    }
  } else {
    for s in ids {
      out.append(loaded.targetCodec.decode(loaded.model.beamSearch(s, beams: beams, alpha: alpha).tokens))
      progress(1)
    }
  }
  return out
}

/// Reads a pair TSV, reporting malformed lines on stderr (at most 10 listed); with `strict`, any malformed
/// line is an error.
func readPairsReporting(_ path: String, srcCol: Int, tgtCol: Int, strict: Bool) throws -> [SentencePair] {
  guard srcCol >= 0, tgtCol >= 0, srcCol != tgtCol else {
    throw AppError("--src-col and --tgt-col must be different non-negative column numbers")
  }
  let (pairs, rejected) = try wrapped { try readPairs(path: path, sourceColumn: srcCol, targetColumn: tgtCol) }
  if let first = rejected.first, strict {
    throw AppError("\(first) (and \(rejected.count - 1) more malformed lines; drop --strict to skip them)")
  }
  for r in rejected.prefix(10) { writeStderr("skipped \(r)\n") }
  if rejected.count > 10 { writeStderr("skipped \(rejected.count - 10) more malformed lines\n") }
  return pairs
}

/// Runs `body`, turning any error into a one-line AppError.
func wrapped<T>(_ body: () throws -> T) throws -> T {
  do { return try body() } catch let e as AppError { throw e } catch { throw AppError("\(error)") }
}
