import Datasets
import Engine
import Foundation
import TranslateKit
import XCTest

final class TranslateTests: XCTestCase {
  func smallConfig(preNorm: Bool = true) -> TranslatorConfig {
    var c = TranslatorConfig()
    (c.width, c.heads, c.encoderLayers, c.decoderLayers, c.feedForward, c.dropout, c.preNorm) =
      (32, 4, 2, 2, 64, 0, preNorm)
    c.source = SubwordTokenizer.train(
      ["the cat sat on the mat", "a dog sat", "the dog ran"], size: 40, bpe: true, minCount: 1)
    c.target = SubwordTokenizer.train(["猫坐在垫子上", "狗坐着", "狗跑了"], size: 40, bpe: false, minCount: 1)
    return c
  }

  /// Decoding one token at a time with the caches gives the logits of the full teacher-forced pass.
  func testCachedDecodingMatchesFullPass() {
    for preNorm in [true, false] {
      Random.seed(3)
      let model = Translator(smallConfig(preNorm: preNorm))
      model.eval()
      let sources = [[5, 6, 7, 8], [9, 10]]
      let targets = [[4, 5, 6], [7, 8, 9]]
      let batch = TranslationBatch(zip(sources, targets).map { (source: $0, target: $1) })
      let full = noGrad { model(batch) }.toArray()  // (B, T, V)
      let v = model.config.target.count
      let t = batch.targetSteps
      let enc = noGrad { model.encode(batch.source, batch: 2, steps: batch.sourceSteps, lengths: batch.sourceLengths) }
      let mem = noGrad { model.memory(enc) }
      let caches = (0..<2).map { _ in DecoderCache() }
      for step in 0..<t {
        let tokens = (0..<2).map { batch.targetInput[$0 * t + step] }
        let h = noGrad {
          model.decode(
            tokens, batch: 2, steps: 1, start: step, memory: mem, memoryLengths: batch.sourceLengths, caches: caches)
        }
        let lg = noGrad { model.logits(h) }.toArray()
        for r in 0..<2 {
          for j in 0..<v {
            XCTAssertEqual(
              lg[r * v + j], full[(r * t + step) * v + j], accuracy: 1e-4, "preNorm \(preNorm) step \(step) row \(r)")
          }
        }
      }
    }
  }

  /// Text of known characters round-trips exactly: spaces (single, repeated, leading, trailing), punctuation.
  func testTokenizerRoundTrip() {
    let corpus = [
      "In the beginning God created the heavens and the earth.",
      "God said, \"Let there be light,\" and there was light.",
      "The evening and the morning were the first day.",
    ]
    let bpe = SubwordTokenizer.train(corpus, size: 80, bpe: true, minCount: 1)
    XCTAssertEqual(bpe.count, 80)
    XCTAssertEqual(
      bpe.merges.count, 80 - 4 - Set(corpus.joined().unicodeScalars.map { $0 == " " ? "\u{2581}" : $0 }).count)
    let codec = TokenCodec(bpe)
    for text in ["God created light.", "  the  evening , and\"day\"  ", "The morning", "a"] {
      XCTAssertEqual(codec.decode(codec.encode(text)), text)
    }
    XCTAssertLessThan(codec.encode("the beginning").count, "the beginning".count)  // merges apply
    XCTAssertEqual(codec.unknownCharacters("God é创 x"), ["é", "创", "x"])
    XCTAssertEqual(codec.decode(codec.encode("God é")), "God ⁇")
    let chars = SubwordTokenizer.train(["起初，神创造天地。", "神说：「要有光」"], size: 100, bpe: false, minCount: 1)
    XCTAssertTrue(chars.merges.isEmpty)
    let zh = TokenCodec(chars)
    XCTAssertEqual(zh.encode("神创造").count, 3)
    XCTAssertEqual(zh.decode(zh.encode("起初 神说：「要有光」")), "起初 神说：「要有光」")
  }

  struct BLEUCase: Decodable {
    struct Prefix: Decodable {
      let n: Int
      let bleu: Double
      let chrf: Double
    }
    let tokenize: String
    let hypotheses: [String]
    let references: [String]
    let prefixes: [Prefix]
  }

  /// Corpus BLEU and chrF equal the sacrebleu package's on every prefix of the fixture corpora.
  func testBLEUAndChrFMatchSacreBLEU() throws {
    let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/bleu", withExtension: "json"))
    let cases = try JSONDecoder().decode([BLEUCase].self, from: Data(contentsOf: url))
    XCTAssertEqual(cases.count, 2)
    for c in cases {
      let tok = try XCTUnwrap(BLEUTokenizer(rawValue: c.tokenize))
      for p in c.prefixes {
        let h = Array(c.hypotheses.prefix(p.n))
        let r = Array(c.references.prefix(p.n))
        XCTAssertEqual(corpusBLEU(h, r, tokenizer: tok).score, p.bleu, accuracy: 1e-9, "\(c.tokenize) n=\(p.n)")
        XCTAssertEqual(corpusChrF(h, r), p.chrf, accuracy: 1e-9, "chrF \(c.tokenize) n=\(p.n)")
      }
    }
    XCTAssertEqual(
      bleuTokens("It costs 1,000.50 dollars--ok.", .thirteenA), ["It", "costs", "1,000.50", "dollars--ok", "."])
    XCTAssertEqual(bleuTokens("神说：Hi!", .zh), ["神", "说", "：", "Hi", "!"])
  }

  /// Malformed TSV lines are reported with their line numbers; the Bible files split by whole books.
  func testPairsAndSplit() throws {
    let dir = NSTemporaryDirectory() + "kestrel-pairs-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/p.tsv"
    var bytes = Array("a\tb\tRuth 1:1\nonly one column\n\t空\tRuth 1:2\n".utf8)
    bytes += [0x66, 0xFF, 0x09, 0x41, 0x0A]  // invalid UTF-8 on line 4
    bytes += Array("c\td\tMark 1:1\r\ne\tf\tGenesis 1:1\n".utf8)
    try FileIO.writeAtomically(bytes, to: path)
    let (pairs, rejected) = try readPairs(path: path)
    XCTAssertEqual(pairs.map(\.line), [1, 5, 6])
    XCTAssertEqual(pairs.map(\.target), ["b", "d", "f"])
    XCTAssertEqual(
      rejected.map(\.description),
      [
        "\(path):2: 1 column(s), need at least 2", "\(path):3: empty source side", "\(path):4: invalid UTF-8",
      ])
    let split = splitPairs(pairs)
    XCTAssertEqual(split.validation.map(\.source), ["a"])
    XCTAssertEqual(split.test.map(\.source), ["c"])
    XCTAssertEqual(split.train.map(\.source), ["e"])
    XCTAssertEqual(bookName("1 John 3:16"), "1 John")
    XCTAssertNil(bookName("no reference"))
    XCTAssertThrowsError(try readPairs(path: dir + "/missing.tsv"))
  }

  /// A tiny model learns two pairs by heart; greedy and beam search reproduce them after a save/load round trip.
  func testOverfitSaveLoadAndDecode() throws {
    Random.seed(1)
    var c = smallConfig()
    c.dropout = 0
    let model = Translator(c)
    let (sc, tc) = (TokenCodec(c.source), TokenCodec(c.target))
    let raw = [("the cat sat on the mat", "猫坐在垫子上"), ("the dog ran", "狗跑了")]
    let data = EncodedPairs(
      raw.enumerated().map { SentencePair(source: $1.0, target: $1.1, reference: nil, line: $0 + 1) }, source: sc,
      target: tc, maxLength: 64)
    var o = TranslateTrainOptions()
    o.schedule = WarmupCosineSettings(
      steps: 200, learningRate: 3e-3, minLearningRate: o.schedule.minLearningRate, warmupSteps: 10)
    o.labelSmoothing = 0
    let trainer = TranslateTrainer(model, options: o)
    let first = validationLoss(model, data)
    for _ in 0..<200 { trainer.step(data.batch([0, 1])) }
    let last = validationLoss(model, data)
    XCTAssertLessThan(last, 0.05, "loss \(first) → \(last)")
    let dir = NSTemporaryDirectory() + "kestrel-translate-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try saveTranslator(model, optimizer: nil, history: [], metadata: [:], to: dir + "/m.safetensors")
    let loaded = try LoadedTranslator(dir + "/m.safetensors", assets: dir)
    XCTAssertEqual(loaded.model.config, c)
    for (src, tgt) in raw {
      let ids = sc.encode(src)
      XCTAssertEqual(tc.decode(loaded.model.greedy([ids])[0].tokens), tgt)
      let beam = loaded.model.beamSearch(ids, beams: 3, attention: true)
      XCTAssertEqual(tc.decode(beam.tokens), tgt)
      let map = try XCTUnwrap(beam.attention)
      XCTAssertEqual(map.count, beam.tokens.count + 1)
      for row in map {
        XCTAssertEqual(row.count, ids.count)
        XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-4)
      }
    }
    XCTAssertThrowsError(try LoadedTranslator(dir + "/missing.safetensors", assets: dir))
  }

  /// Logits and every parameter gradient equal PyTorch nn.Transformer's (post-LN, padding masks) on the
  /// fixture from Tests/Fixtures/make_translator_fixtures.py.
  func testMatchesPyTorchTransformer() throws {
    let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/golden-translator", withExtension: "safetensors"))
    let golden = try SafeTensors.read(url.path).tensors
    var c = TranslatorConfig()
    (c.width, c.heads, c.encoderLayers, c.decoderLayers, c.feedForward, c.dropout, c.preNorm) = (
      16, 2, 2, 2, 32, 0, false
    )
    c.source = SubwordTokenizer(tokens: (0..<11).map { "s\($0)" }, merges: [])
    c.target = SubwordTokenizer(tokens: (0..<13).map { "t\($0)" }, merges: [])
    let model = Translator(c)
    let weights = golden.filter {
      !$0.key.contains(".") || !["grad", "in", "out"].contains($0.key.split(separator: ".")[0])
    }
    try model.loadStateDict(weights)
    func ints(_ name: String) throws -> [Int] { try XCTUnwrap(golden[name]).toArray().map { Int($0) } }
    var batch = TranslationBatch([(source: [4, 4, 4, 4, 4, 4], target: [4, 4, 4, 4])])
    batch.size = 3
    (batch.sourceSteps, batch.targetSteps) = (6, 5)
    batch.source = try ints("in.source")
    batch.sourceLengths = try ints("in.source_lengths")
    batch.targetInput = try ints("in.target_input")
    batch.targetOutput = try ints("in.target_output")
    let logits = model(batch)  // (B, T, V)
    let expected = try XCTUnwrap(golden["out.logits"]).toArray()
    for (a, b) in zip(logits.toArray(), expected) { XCTAssertEqual(a, b, accuracy: 1e-4) }
    let loss = logits.reshaped([15, 13]).crossEntropy(targets: batch.targetOutput, ignoreIndex: SubwordTokenizer.pad)
    XCTAssertEqual(loss.item, try XCTUnwrap(golden["out.loss"]).item, accuracy: 1e-5)
    loss.backward()
    let params = model.namedParameters()
    XCTAssertEqual(params.count, golden.keys.filter { $0.hasPrefix("grad.") }.count)
    for (name, p) in params {
      let g = try XCTUnwrap(p.grad, name).toArray()
      let ref = try XCTUnwrap(golden["grad." + name], name).toArray()
      let scale = max(ref.map(abs).max() ?? 0, 1e-3)
      for (a, b) in zip(g, ref) { XCTAssertEqual(a, b, accuracy: 1e-4 * scale + 1e-6, name) }
    }
  }
}
