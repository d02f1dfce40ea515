import ArgumentParser
import Engine
import TranslateKit

/// W6: the Transformer translator (d 128, 4 heads, 2+2 post-LN layers, FF 512, vocabularies 4000) with the
/// `translate` app's own model and trainer: training target tokens/s (batch 32, 32 → 32 tokens) and greedy decoding.
struct W6: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "W6: Transformer translator training target tokens/s (32×32) and greedy decoding tokens/s.")
  @OptionGroup var options: BenchOptions

  func run() throws {
    options.apply()
    let rep = Reporter("W6 translator", options)
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
      (o.learningRate, o.labelSmoothing, o.clip) = (1e-4, 0, 0)
      let trainer = TranslateTrainer(Translator(c), options: o, constantLearningRate: true)
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
}
