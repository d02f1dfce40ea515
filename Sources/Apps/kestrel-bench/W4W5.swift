import ArgumentParser
import Engine
import TextgenKit

/// A vocabulary of `n` placeholder characters (the benchmarks use random token ids).
func syntheticVocabulary(_ n: Int) -> Vocabulary { Vocabulary(scalars: (0..<UInt32(n)).map { 0x4E00 + $0 }) }

/// Trainer options without schedule effects or clipping (the reference workloads use neither).
func benchOptions(batch: Int, lr: Float, beta2: Float, weightDecay: Float) -> TextTrainOptions {
  var o = TextTrainOptions()
  (o.batchSize, o.learningRate, o.minLearningRate, o.warmupSteps) = (batch, lr, lr, 0)
  (o.beta2, o.weightDecay, o.clip) = (beta2, weightDecay, 0)
  return o
}

/// Times repetitions of `stepsPerRep` training steps on `batches` pre-generated random batches (cycled), token ids
/// below 128 as in the reference scripts.
func timeTraining(
  _ trainer: TextTrainer, batch: Int, steps: Int, batches: Int, stepsPerRep: Int, options: BenchOptions
) -> [Double] {
  var rng = PRNG(seed: 0)
  let n = batch * steps
  let data = (0..<batches).map { _ in ((0..<n).map { _ in rng.nextInt(128) }, (0..<n).map { _ in rng.nextInt(128) }) }
  var it = 0
  return timeReps(reps: options.reps, warmup: options.warmup) {
    for _ in 0..<stepsPerRep {
      let (x, y) = data[it % data.count]
      it += 1
      trainer.step(inputs: x, targets: y, batch: batch, steps: steps)
    }
  }
}

/// Times `reps` generations of `count` tokens from token 0 (temperature 1).
func timeGeneration(_ model: any LanguageModel, count: Int, options: BenchOptions, naive: Bool = false) -> [Double] {
  var sampling = SamplingOptions()
  sampling.temperature = 1
  return timeReps(reps: options.reps, warmup: options.warmup) {
    if naive {
      // nanoGPT's generate(): re-run the whole (cropped) context for every token.
      var rng = PRNG(seed: 1)
      var tokens = [0]
      noGrad {
        model.eval()
        for _ in 0..<count {
          let ctx = Array(tokens.suffix(model.config.context))
          let logits = model.logits(ctx, batch: 1, steps: ctx.count)
          let last = logits.slice(axis: 1, (ctx.count - 1)..<ctx.count).contiguous().toArray()
          tokens.append(sampleToken(last, sampling, rng: &rng))
        }
      }
    } else {
      generateTokens(session: model.session(), prime: [0], length: count, options: sampling, seed: 1) { _ in }
    }
  }
}

/// W4: char-LSTM (Embedding 128×128, 2-layer LSTM 256, Linear 256→128), batch 32 × 64, Adam 2e-3.
struct W4: Workload {
  static let configuration = CommandConfiguration(
    abstract: "W4: char-LSTM training tokens/s (32×64) and sampling chars/s (batch 1, 500 chars).")
  @OptionGroup var options: BenchOptions

  func measure(_ rep: Reporter) throws {
    var c = TextModelConfig()
    (c.kind, c.layers, c.width, c.embedding, c.context, c.vocabulary) = (
      .lstm, 2, 256, 128, 64, syntheticVocabulary(128)
    )
    let model = makeLanguageModel(c)
    let trainer = TextTrainer(model, options: benchOptions(batch: 32, lr: 2e-3, beta2: 0.999, weightDecay: 0))
    let train = timeTraining(trainer, batch: 32, steps: 64, batches: 16, stepsPerRep: 5, options: options)
    rep.add("kestrel", "train tokens/s (32x64, fwd+bwd+Adam)", "tok/s", work: Double(5 * 2048), times: train)
    model.zeroGrad()  // as in W5: generation on a model without gradient buffers
    rep.add(
      "kestrel", "sampling chars/s (batch 1, 500 chars)", "char/s", work: 500,
      times: timeGeneration(model, count: 500, options: options))
    try rep.finish()
  }

  static let workload = "W4 char-LSTM"
}

/// W5: char-GPT (nanoGPT layout: 4 layers, 4 heads, 128 wide, block 128, tied), batch 16, AdamW 3e-4.
struct W5: Workload {
  static let configuration = CommandConfiguration(
    abstract: "W5: char-GPT training tokens/s (16×128) and generation tokens/s (naive and KV cache).")
  @OptionGroup var options: BenchOptions

  func measure(_ rep: Reporter) throws {
    var c = TextModelConfig()
    (c.kind, c.layers, c.width, c.heads, c.context, c.vocabulary) = (.gpt, 4, 128, 4, 128, syntheticVocabulary(128))
    let model = makeLanguageModel(c)
    rep.addValue("kestrel", "parameters", "", Double(model.parameterCount))
    let trainer = TextTrainer(model, options: benchOptions(batch: 16, lr: 3e-4, beta2: 0.95, weightDecay: 0.1))
    let train = timeTraining(trainer, batch: 16, steps: 128, batches: 8, stepsPerRep: 3, options: options)
    rep.add("kestrel", "train tokens/s (16x128, fwd+bwd+AdamW)", "tok/s", work: Double(3 * 2048), times: train)
    model.zeroGrad()  // generation as the app runs it: a model without gradient buffers
    rep.add(
      "kestrel", "generate (a) naive recompute, 500 tok", "tok/s", work: 500,
      times: timeGeneration(model, count: 500, options: options, naive: true))
    rep.add(
      "kestrel", "generate (b) KV cache, 500 tok", "tok/s", work: 500,
      times: timeGeneration(model, count: 500, options: options))
    try rep.finish()
  }

  static let workload = "W5 char-GPT"
}
