import ArgumentParser
import Engine
import TextgenKit

/// A vocabulary of `n` placeholder characters (the benchmarks use random token ids).
func syntheticVocabulary(_ n: Int) -> Vocabulary { Vocabulary(scalars: (0..<UInt32(n)).map { 0x4E00 + $0 }) }

/// Trainer options without schedule effects or clipping (the reference workloads use neither).
func benchOptions(batch: Int, lr: Float, beta2: Float, weightDecay: Float) -> TextgenTrainOptions {
  var o = TextgenTrainOptions()
  o.batchSize = batch
  o.schedule = WarmupCosineSettings(steps: o.schedule.steps, learningRate: lr, minLearningRate: lr, warmupSteps: 0)
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
    // Embedding 128×128, 2-layer LSTM 256, Adam 2e-3 (β2 0.999), 5 steps of 32×64 per repetition
    let model = timeTraining(
      rep, options, "train tokens/s (32x64, fwd+bwd+Adam)", shape: (32, 64, 16, 5), adam: (2e-3, 0.999, 0)
    ) { c in (c.kind, c.layers, c.width, c.embedding) = (.lstm, 2, 256, 128) }
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
    // 4 layers, 4 heads, 128 wide, AdamW 3e-4 (β2 0.95, wd 0.1), 3 steps of 16×128 per repetition
    let model = timeTraining(
      rep, options, "train tokens/s (16x128, fwd+bwd+AdamW)", shape: (16, 128, 8, 3), adam: (3e-4, 0.95, 0.1),
      parameters: true
    ) { c in (c.kind, c.layers, c.width, c.heads) = (.gpt, 4, 128, 4) }
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

/// Builds a language model over the 128-character synthetic vocabulary (`configure` sets its layout, the
/// context is `shape.steps`), times its training and adds the row `label` (and its parameter count first, with
/// `parameters`). `shape`: batch, steps, pre-generated batches, steps per repetition; `adam`: lr, β2, weight
/// decay. Returns the model for the generation timings.
func timeTraining(
  _ rep: Reporter, _ options: BenchOptions, _ label: String, shape: (batch: Int, steps: Int, batches: Int, perRep: Int),
  adam: (lr: Float, beta2: Float, weightDecay: Float), parameters: Bool = false,
  configure: (inout TextModelConfig) -> Void
) -> any LanguageModel {
  var c = TextModelConfig()
  (c.vocabulary, c.context) = (syntheticVocabulary(128), shape.steps)
  configure(&c)
  let model = makeLanguageModel(c)
  if parameters { rep.addValue("kestrel", "parameters", "", Double(model.parameterCount)) }
  let trainer = TextTrainer(
    model, options: benchOptions(batch: shape.batch, lr: adam.lr, beta2: adam.beta2, weightDecay: adam.weightDecay))
  let times = timeTraining(
    trainer, batch: shape.batch, steps: shape.steps, batches: shape.batches, stepsPerRep: shape.perRep,
    options: options)
  rep.add("kestrel", label, "tok/s", work: Double(shape.perRep * shape.batch * shape.steps), times: times)
  return model
}
