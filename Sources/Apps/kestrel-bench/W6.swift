import ArgumentParser
import Datasets
import Engine
import Foundation
import TranslateKit

/// W6: the Transformer translator (d 128, 4 heads, 2+2 post-LN layers, FF 512, vocabularies 4000) with the
/// `translate` app's own model and trainer: training target tokens/s (batch 32, 32 → 32 tokens) and greedy decoding.
struct W6: Workload {
  static let configuration = CommandConfiguration(
    abstract: "W6: Transformer translator training target tokens/s (32×32) and greedy decoding tokens/s.")
  @OptionGroup var options: BenchOptions

  func measure(_ rep: Reporter) throws {
    // Placeholder vocabularies of 4000 tokens (ids are random, as in the reference).
    let vocab = SubwordTokenizer(tokens: (0..<4000).map { "t\($0)" }, merges: [])
    var rng = PRNG(seed: 0)
    let batches = (0..<8).map { _ in
      TranslationBatch(
        (0..<32).map { _ in
          (source: (0..<32).map { _ in 4 + rng.nextInt(3996) }, target: (0..<31).map { _ in 4 + rng.nextInt(3996) })
        })
    }
    var lastModel: Translator?
    for dropout: Float in [0.1, 0.0] {
      Random.seed(0)
      var c = TranslatorConfig()
      (c.width, c.heads, c.encoderLayers, c.decoderLayers, c.feedForward, c.dropout, c.preNorm) =
        (128, 4, 2, 2, 512, dropout, false)
      (c.source, c.target) = (vocab, vocab)
      var o = TranslateTrainOptions()
      // Constant lr (cosine floor = peak, no warm-up), no smoothing or clipping, as the reference.
      o.schedule = WarmupCosineSettings(
        steps: o.schedule.steps, learningRate: 1e-4, minLearningRate: 1e-4, warmupSteps: 0)
      (o.labelSmoothing, o.clip) = (0, 0)
      let trainer = TranslateTrainer(Translator(c), options: o)
      var it = 0
      let steps = 5
      let times = timeReps(reps: options.reps, warmup: options.warmup) {
        for _ in 0..<steps {
          trainer.step(batches[it % batches.count])
          it += 1
        }
      }
      // Decoder positions: <bos> + 31 targets in, 31 targets + <eos> out = 32, as the reference's 32×32.
      rep.add(
        "kestrel (dropout \(dropout))", "train TARGET tokens/s (32x32, fwd+bwd+Adam)", "tok/s",
        work: Double(steps * 1024),
        times: times)
      lastModel = trainer.model
    }
    if let model = lastModel {
      model.zeroGrad()
      let source = Array(batches[0].source.prefix(32))
      let times = timeReps(reps: options.reps, warmup: options.warmup) { _ = model.greedy([source], exactLength: 32) }
      rep.add("kestrel (eval)", "greedy decode batch 1, 32 tokens (KV cache)", "tok/s", work: 32, times: times)
    }
    try rep.finish()
  }

  static let workload = "W6 translator"
}

/// Writes the tokenized split `translate train` would use (same tokenizers, same held-out books) as JSON, so the
/// PyTorch side of the equal-time comparison (Benchmarks/equal_time_w6.py) trains on identical token ids.
struct W6Data: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "w6-data", abstract: "Tokenized train/validation/test pairs as JSON for the equal-time comparison.")
  @Option(help: "TSV of pairs.") var pairs: String
  @Option(help: "Source language.") var src = "en"
  @Option(help: "Target language.") var tgt = "zh"
  @Option(help: "Source vocabulary size.") var srcVocab = 8000
  @Option(help: "Target vocabulary size.") var tgtVocab = 8000
  @Option(help: "Longest sequence (tokens).") var maxLength = 160
  @Option(help: "Output JSON.") var out: String

  func validate() throws {
    guard (2...4096).contains(maxLength) else {
      throw ValidationError("--max-length must be between 2 and 4096 (got \(maxLength))")
    }
    for (name, v) in [("--src-vocab", srcVocab), ("--tgt-vocab", tgtVocab)] where !(8...1_000_000).contains(v) {
      throw ValidationError("\(name) must be between 8 and 1000000 (got \(v))")
    }
  }

  func run() throws {
    let split = splitPairs(try readPairs(path: pairs).pairs)
    let source = languageTokenizer(split.train.map(\.source), language: src, size: srcVocab)
    let target = languageTokenizer(split.train.map(\.target), language: tgt, size: tgtVocab)
    let (sc, tc) = (TokenCodec(source), TokenCodec(target))
    func encoded(_ p: [SentencePair]) -> [[[Int]]] {
      EncodedPairs(p, source: sc, target: tc, maxLength: maxLength).pairs.map { [$0.source, $0.target] }
    }
    struct Payload: Encodable {
      let sourceTokens: [String]
      let targetTokens: [String]
      let train: [[[Int]]]
      let validation: [[[Int]]]
      let test: [[[Int]]]
      let testReferences: [String]
      let split: String
    }
    let payload = Payload(
      sourceTokens: source.tokens, targetTokens: target.tokens, train: encoded(split.train),
      validation: encoded(split.validation), test: encoded(split.test), testReferences: split.test.map(\.target),
      split: split.description)
    try FileIO.writeAtomically(Array(try JSONEncoder().encode(payload)), to: out)
    print("\(out): \(split.train.count) train, \(split.validation.count) validation, \(split.test.count) test pairs")
  }
}
