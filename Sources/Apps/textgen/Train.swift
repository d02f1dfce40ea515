import AppSupport
import ArgumentParser
import Engine
import Foundation
import TextgenKit

extension TextModelConfig.Kind: ExpressibleByArgument {}

/// `textgen train`: trains a character model with periodic validation, samples and best-val checkpoints.
struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Trains a character-level GPT, LSTM, GRU or RNN on a UTF-8 text file.",
    discussion: """
      The last --val-fraction of the file is the validation split. Every --eval-every steps: validation \
      loss, a sample, OUT.last.safetensors (for --resume) and, when the validation loss improved, OUT. \
      At the end: OUT.curve.png (train and validation loss) and OUT.metrics.csv.

      Defaults: gpt 4 layers × 128 wide, 4 heads, context 128, lr 1e-3; lstm/gru/rnn 2 layers × 256, \
      context 64, lr 2e-3.

      Example:
        textgen train --data shakespeare.txt --model gpt --budget 10m
      """)
  @Option(help: "UTF-8 training text.") var data: String
  @Option(help: "gpt, lstm, gru or rnn.") var model: TextModelConfig.Kind = .gpt
  @Option(help: "Layers.") var layers: Int?
  @Option(help: "Width (GPT embedding, RNN hidden units).") var width: Int?
  @Option(help: "GPT attention heads.") var heads = 4
  @Option(help: "RNN input embedding size.") var embedding = 64
  @Option(help: "Context length (GPT block size; RNN training window).") var context: Int?
  @Option(help: "Dropout.") var dropout: Float = 0
  @Option(help: "Windows per batch.") var batchSize = 32
  @Option(help: "Optimizer steps (cosine schedule length).") var steps = 5000
  @Option(help: "Peak learning rate.") var lr: Float?
  @Option(help: "Final learning rate of the cosine decay (default: --lr / 10; equal to --lr: constant).")
  var minLr: Float?
  @Option(help: "Adam β2.") var beta2: Float = 0.99
  @Option(help: "Warm-up steps.") var warmup = 100
  @Option(help: "AdamW weight decay (2-d weights).") var weightDecay: Float = 0.1
  @Option(help: "Gradient-norm clipping (0: off).") var clip: Float = 1
  @Option(help: "Fraction of the text (its end) held out for validation.") var valFraction = 0.1
  @Option(help: "Steps between validations.") var evalEvery = 250
  @Option(help: "Batches per validation.") var evalBatches = 20
  @Option(help: "Characters in each periodic sample.") var sampleLength = 200
  @Option(help: "Stop cleanly after this wall-clock time (e.g. 90s, 10m, 1h30m).") var budget: String?
  @Option(help: "Random seed.") var seed: UInt64 = 0
  @Option(help: "Checkpoint path (best validation loss).") var out = "textgen.safetensors"
  @Flag(help: "Continue from OUT.last.safetensors.") var resume = false

  func validate() throws {
    guard steps > 0, batchSize > 0, evalEvery > 0, evalBatches > 0 else {
      throw ValidationError("--steps, --batch-size, --eval-every and --eval-batches must be positive")
    }
    guard valFraction > 0, valFraction < 0.5 else { throw ValidationError("--val-fraction must be in (0, 0.5)") }
    if let budget, parseDuration(budget) == nil {
      throw ValidationError("--budget: cannot read '\(budget)' (use e.g. 90s, 10m, 1h30m)")
    }
    if let lr, !(lr > 0) { throw ValidationError("--lr must be positive") }
    for (name, v) in [("--layers", layers), ("--width", width), ("--context", context)] {
      if let v, v <= 0 { throw ValidationError("\(name) must be positive") }
    }
    guard heads > 0, (width ?? 128) % heads == 0 || model != .gpt else {
      throw ValidationError("--width must be divisible by --heads")
    }
    guard dropout >= 0, dropout < 1 else { throw ValidationError("--dropout must be in [0, 1)") }
  }

  func run() throws {
    let corpus: Corpus
    do { corpus = try Corpus(path: data, validationFraction: valFraction) } catch { throw AppError("\(error)") }
    var config = TextModelConfig()
    config.kind = model
    config.layers = layers ?? (model == .gpt ? 4 : 2)
    config.width = width ?? (model == .gpt ? 128 : 256)
    (config.heads, config.embedding, config.dropout) = (heads, embedding, dropout)
    config.context = context ?? (model == .gpt ? 128 : 64)
    config.vocabulary = corpus.vocabulary
    for (split, tokens) in [("training", corpus.train), ("validation", corpus.validation)]
    where tokens.count <= config.context {
      throw AppError(
        "\(data): the \(split) split has \(tokens.count) characters, not more than the context \(config.context); use a larger corpus or a smaller --context"
      )
    }
    var options = TextTrainOptions()
    (options.batchSize, options.steps, options.warmupSteps) = (batchSize, steps, warmup)
    options.learningRate = lr ?? (model == .gpt ? 1e-3 : 2e-3)
    options.minLearningRate = minLr ?? options.learningRate / 10
    options.beta2 = beta2
    (options.weightDecay, options.clip, options.seed) = (weightDecay, clip, seed)

    Random.seed(seed)
    let last = out + ".last.safetensors"
    var history: [TextEvalRecord] = []
    let trainer: TextTrainer
    if resume {
      // The loaded model already holds the saved weights; only the optimizer state is restored on top.
      let saved = try loadModel(last)
      guard saved.model.config.kind == model else {
        throw AppError("\(last): holds a \(saved.model.config.kind.rawValue) model, not \(model.rawValue) (--model)")
      }
      guard saved.model.config.vocabulary == corpus.vocabulary else {
        throw AppError("\(last): was trained on a text with a different character set than \(data)")
      }
      trainer = TextTrainer(saved.model, options: options)
      do { try saved.checkpoint.restore(into: saved.model, optimizer: trainer.optimizer) } catch {
        throw AppError("\(last): \(error)")
      }
      history = saved.history
      printLine("Resuming at step \(trainer.optimizer.stepCount) from \(last)")
    } else {
      trainer = TextTrainer(makeLanguageModel(config), options: options)
    }
    let lm = trainer.model
    let start = trainer.optimizer.stepCount
    guard start < steps else {
      printLine("already trained for \(start) steps (--steps \(steps)); nothing to do")
      return
    }
    printLine(
      "\(model.rawValue): \(lm.parameterCount) parameters; vocabulary \(corpus.vocabulary.count) characters; \(corpus.train.count) training / \(corpus.validation.count) validation characters"
    )
    try loop(trainer, corpus: corpus, history: &history, start: start)
  }

  /// Steps until --steps or the budget, validating, sampling and checkpointing every --eval-every steps.
  func loop(_ trainer: TextTrainer, corpus: Corpus, history: inout [TextEvalRecord], start: Int) throws {
    let lm = trainer.model
    let limit = budget.flatMap(parseDuration)
    let metrics = try MetricsLogger(path: out + ".metrics.csv", append: resume)
    var best = history.map(\.valLoss).min() ?? .infinity
    var rng = PRNG(seed: trainer.options.seed &+ UInt64(start) &* 7919)
    let tokensPerStep = trainer.options.batchSize * lm.config.context
    let bar = ProgressBar(total: steps - start, label: "train", unit: "tok", timeLimit: limit)
    let began = monotonicSeconds()
    let priorSeconds = history.last?.seconds ?? 0
    var sinceEval = (sum: 0.0, count: 0)
    for step in start..<steps {
      let loss = trainer.step(corpus.train, rng: &rng)
      guard loss.isFinite else { throw AppError("training diverged at step \(step + 1) (loss \(loss)); lower --lr") }
      sinceEval = (sinceEval.sum + Double(loss), sinceEval.count + 1)
      bar.advance(1, units: Double(tokensPerStep), status: "loss \(fixed(Double(loss), 3))")
      let elapsed = monotonicSeconds() - began
      let outOfTime = limit.map { elapsed >= $0 } ?? false
      guard (step + 1) % evalEvery == 0 || step + 1 == steps || outOfTime else { continue }
      let val = trainer.evaluate(corpus.validation, batches: evalBatches)
      let record = TextEvalRecord(
        step: step + 1, trainLoss: sinceEval.sum / Double(max(sinceEval.count, 1)), valLoss: val,
        seconds: priorSeconds + elapsed, tokens: (step + 1) * tokensPerStep)
      sinceEval = (0, 0)
      history.append(record)
      let meta = ["kestrel.step": "\(step + 1)", "kestrel.seed": "\(seed)", "kestrel.data": data]
      try saveTextModel(
        lm, optimizer: trainer.optimizer, history: history, metadata: meta, to: out + ".last.safetensors")
      var mark = ""
      if val < best {
        best = val
        try saveTextModel(lm, optimizer: nil, history: history, metadata: meta, to: out)
        mark = "  (best, saved)"
      }
      metrics.log([
        "step": Double(record.step), "train_loss": record.trainLoss, "val_loss": val, "seconds": record.seconds,
        "tokens": Double(record.tokens),
      ])
      bar.interrupt()
      printLine(
        "step \(step + 1)/\(steps)  train \(fixed(record.trainLoss, 4))  val \(fixed(val, 4)) (\(fixed(val / log(2), 3)) bits/char)  \(formatDuration(record.seconds))\(mark)"
      )
      printLine("  sample: " + sample(lm, corpus: corpus).replacingOccurrences(of: "\n", with: "⏎"))
      if outOfTime {
        printLine("budget of \(formatDuration(limit ?? 0)) reached after step \(step + 1); stopped cleanly")
        break
      }
    }
    bar.finish()
    if !history.isEmpty {
      try lossCurve(train: history.map(\.trainLoss), validation: history.map(\.valLoss), per: "CHARACTER")
        .writePNG(to: out + ".curve.png")
    }
  }

  /// A short sample from the start of the validation text (fixed seed).
  func sample(_ lm: any LanguageModel, corpus: Corpus) -> String {
    lm.zeroGrad()  // frees the gradient buffers while sampling; the next step recomputes them
    var text: [Int] = []
    var options = SamplingOptions()
    options.temperature = 0.8
    generateTokens(
      session: lm.session(), prime: Array(corpus.validation.prefix(8)), length: sampleLength, options: options,
      seed: seed
    ) { text.append($0) }
    return corpus.vocabulary.decode(Array(corpus.validation.prefix(8)) + text)
  }
}
