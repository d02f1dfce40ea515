import Engine
import EngineTesting
import Foundation
import TextgenKit
import XCTest

/// textgen building blocks: exact Unicode round trips, corpus errors, KV cache = full recompute, learning,
/// checkpoints and sampling.
final class TextgenTests: XCTestCase {
  func testVocabularyRoundTripsAnyText() {
    let samples = [
      "深度学习是机器学习的一个分支。", "family 👨‍👩‍👧 and 👍🏽 thumbs", "e\u{301} vs é, n\u{303}", "mixed: Ελληνικά, русский, العربية, 日本語",
      "tabs\tand\r\nnewlines",
    ]
    let all = samples.joined(separator: "\n")
    let vocab = Vocabulary(text: all)
    for s in samples {
      let (tokens, unknown) = vocab.encode(s)
      XCTAssertTrue(unknown.isEmpty)
      XCTAssertEqual(vocab.decode(tokens), s)
      XCTAssertEqual(Array(vocab.decode(tokens).utf8), Array(s.utf8))
    }
    let (tokens, unknown) = vocab.encode("深Z度")
    XCTAssertEqual(vocab.decode(tokens), "深度")
    XCTAssertEqual(unknown.map(\.value), [0x5A])
    XCTAssertEqual(Vocabulary.describe(unknown[0]), "'Z' U+005A")
  }

  func testCorpusRejectsBadFiles() throws {
    let dir = try TestFiles.tempDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let cases: [([UInt8], String)] = [
      ([], "the file is empty"), ([0x61, 0x00, 0x62], "looks binary (NUL byte at offset 1)"),
      (Array("ab\ncd\n".utf8) + [0xE4, 0xB8] + Array("x".utf8), "not valid UTF-8 (byte offset 6, line 3)"),
    ]
    for (i, (bytes, message)) in cases.enumerated() {
      let path = dir + "/c\(i).txt"
      try FileIO.writeAtomically(bytes, to: path)
      XCTAssertThrowsError(try Corpus(path: path)) { XCTAssertTrue("\($0)".contains(message), "\($0)") }
    }
  }

  func tinyConfig(_ kind: TextModelConfig.Kind, text: String) -> TextModelConfig {
    var c = TextModelConfig()
    (c.kind, c.layers, c.width, c.heads, c.embedding, c.context) = (kind, 2, 32, 4, 16, 16)
    c.vocabulary = Vocabulary(text: text)
    return c
  }

  /// Generation through the session (KV cache for GPT, carried state for RNNs) gives the logits of a full
  /// forward pass over the same prefix, position by position.
  func testIncrementalLogitsMatchFullRecompute() {
    let text = "the quick brown fox jumps over the lazy dog"
    for kind in TextModelConfig.Kind.allCases {
      Random.seed(4)
      let model = makeLanguageModel(tinyConfig(kind, text: text))
      let tokens = model.config.vocabulary.encode(String(text.prefix(16))).tokens
      model.eval()
      let full = noGrad { model.logits(tokens, batch: 1, steps: tokens.count) }.toArray()  // (1, T, V)
      let v = model.config.vocabulary.count
      let session = model.session()
      var first = session.feed(Array(tokens.prefix(5)))  // a multi-token prime, then one at a time
      for p in 4..<tokens.count {
        if p > 4 { first = session.feed([tokens[p]]) }
        let expected = Array(full[(p * v)..<((p + 1) * v)])
        XCTAssertLessThanOrEqual(closenessOf(first, expected), 1e-4, "\(kind) position \(p)")
      }
    }
  }

  func closenessOf(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max() ?? .infinity }

  /// Every model kind memorises a short text: the loss falls far below the uniform baseline (log V).
  func testModelsOverfitATinyText() {
    let text = String(repeating: "abcdefgh hgfedcba ", count: 20)
    for kind in TextModelConfig.Kind.allCases {
      Random.seed(5)
      let model = makeLanguageModel(tinyConfig(kind, text: text))
      var options = TextgenTrainOptions()
      options.batchSize = 8
      options.schedule = WarmupCosineSettings(steps: 150, learningRate: 1e-2, minLearningRate: 1e-3, warmupSteps: 10)
      let trainer = TextTrainer(model, options: options)
      let tokens = model.config.vocabulary.encode(text).tokens
      var rng = PRNG(seed: 1)
      for _ in 0..<150 { trainer.step(tokens, rng: &rng) }
      let loss = trainer.evaluate(tokens, batches: 4)
      XCTAssertLessThan(loss, 0.3, "\(kind) (uniform: \(log(Double(model.config.vocabulary.count))))")
    }
  }

  func testCheckpointRoundTripAndSamplingDeterminism() throws {
    let dir = try TestFiles.tempDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    Random.seed(6)
    let model = makeLanguageModel(tinyConfig(.gpt, text: "hello world, 你好世界"))
    try saveTextModel(model, optimizer: nil, history: [], metadata: [:], to: dir + "/m.safetensors")
    let loaded = try LoadedTextModel(dir + "/m.safetensors", assets: dir)
    XCTAssertEqual(loaded.model.config, model.config)
    let tokens = [1, 2, 3]
    XCTAssertEqual(
      noGrad { loaded.model.logits(tokens, batch: 1, steps: 3) }.toArray(),
      noGrad { model.logits(tokens, batch: 1, steps: 3) }.toArray())
    func run(_ seed: UInt64, _ options: SamplingOptions) -> [Int] {
      var out: [Int] = []
      generateTokens(session: model.session(), prime: tokens, length: 20, options: options, seed: seed) {
        out.append($0)
      }
      return out
    }
    var o = SamplingOptions()
    o.temperature = 1.5
    XCTAssertEqual(run(1, o), run(1, o))
    XCTAssertNotEqual(run(1, o), run(2, o))
    // top-k 1 and a tiny top-p both reduce sampling to the arg-max.
    let logits: [Float] = [0.1, 2.0, 1.9, -1]
    var rng = PRNG(seed: 3)
    o.topK = 1
    XCTAssertEqual((0..<20).map { _ in sampleToken(logits, o, rng: &rng) }, Array(repeating: 1, count: 20))
    o.topK = nil
    o.topP = 0.01
    XCTAssertEqual((0..<20).map { _ in sampleToken(logits, o, rng: &rng) }, Array(repeating: 1, count: 20))
    o.topK = 2
    o.topP = 1
    XCTAssertEqual(Set((0..<200).map { _ in sampleToken(logits, o, rng: &rng) }), [1, 2])
  }
}
