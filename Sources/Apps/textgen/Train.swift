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
  @OptionGroup var training: TrainingOptions<TextgenTraining>
  @Option(help: "gpt, lstm, gru or rnn.") var model: TextModelConfig.Kind = .gpt
  @Option(help: "Layers.") var layers: Int?
  @Option(help: "Width (GPT embedding, RNN hidden units).") var width: Int?
  @Option(help: "GPT attention heads.") var heads = 4
  @Option(help: "RNN input embedding size.") var embedding = 64
  @Option(help: "Context length (GPT block size; RNN training window).") var context: Int?
  @Option(help: "Dropout.") var dropout: Float = 0
  @Option(help: "Optimizer steps (cosine schedule length).") var steps = 5000
  @Option(help: "Final learning rate of the cosine decay (default: --lr / 10; equal to --lr: constant).")
  var minLr: Float?
  @Option(help: "Adam β2.") var beta2: Float = 0.99
  @Option(help: "Warm-up steps.") var warmup = 100
  @Option(help: "AdamW weight decay (2-d weights).") var weightDecay: Float = 0.1
  @Option(help: "Gradient-norm clipping (0: off).") var clip: Float = 1
  @Option(help: "Fraction of the text (its end) held out for validation.") var valFraction = 0.1
  @Option(help: "Batches per validation.") var evalBatches = 20
  @Option(help: "Characters in each periodic sample.") var sampleLength = 200

  func validate() throws {
    guard steps > 0, evalBatches > 0 else { throw ValidationError("--steps and --eval-batches must be positive") }
    guard valFraction > 0, valFraction < 0.5 else { throw ValidationError("--val-fraction must be in (0, 0.5)") }
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
    var options = TextgenTrainOptions()
    let peak = training.lr ?? (model == .gpt ? 1e-3 : 2e-3)
    options.batchSize = training.batchSize
    options.schedule = WarmupCosineSettings(
      steps: steps, learningRate: peak, minLearningRate: minLr ?? peak / 10, warmupSteps: warmup)
    options.beta2 = beta2
    (options.weightDecay, options.clip, options.seed) = (weightDecay, clip, training.seed)

    Random.seed(training.seed)
    let run = try training.makeRun(TextgenRecord.self, out: training.out ?? "textgen.safetensors", data: data)
    let trainer: TextTrainer
    if let resumed = run.resumed {
      // The loaded model already holds the saved weights; only the optimizer state is restored on top.
      let saved: LoadedTextModel
      do { saved = try LoadedTextModel(resumed, path: run.lastPath) } catch { throw AppError("\(error)") }
      guard saved.model.config.kind == model else {
        throw AppError(
          "\(run.lastPath): holds a \(saved.model.config.kind.rawValue) model, not \(model.rawValue) (--model)")
      }
      guard saved.model.config.vocabulary == corpus.vocabulary else {
        throw AppError("\(run.lastPath): was trained on a text with a different character set than \(data)")
      }
      trainer = TextTrainer(saved.model, options: options, bucketBytes: training.bucketBytes)
      do { try resumed.restore(into: saved.model, optimizer: trainer.optimizer) } catch {
        throw AppError("\(run.lastPath): \(error)")
      }
    } else {
      trainer = TextTrainer(makeLanguageModel(config), options: options, bucketBytes: training.bucketBytes)
    }
    let lm = trainer.model
    do { try DataParallel.broadcastParameters(lm) } catch { throw AppError("\(error)") }
    printLine(
      "\(model.rawValue): \(lm.parameterCount) parameters; vocabulary \(corpus.vocabulary.count) characters; \(corpus.train.count) training / \(corpus.validation.count) validation characters"
    )
    try train(trainer, corpus: corpus, run: run)
  }

  /// Steps until --steps or the budget, validating, sampling and checkpointing every --eval-every steps.
  func train(_ trainer: TextTrainer, corpus: Corpus, run: TrainingRun<TextgenRecord>) throws {
    let lm = trainer.model
    let start = trainer.optimizer.stepCount
    var rng = PRNG(seed: trainer.options.seed &+ UInt64(start) &* 7919)
    let tokensPerStep = trainer.options.batchSize * lm.config.context
    let plan = TrainingPlan(
      totalSteps: steps, evalEvery: training.evalEvery, budget: training.budgetSeconds, unit: "tok")
    try run.run(
      plan: plan, startStep: start, best: .lowest, score: \.valLoss,
      curve: (
        "TRAIN AND VALIDATION LOSS (NATS PER CHARACTER) BY EVALUATION",
        [("train", \.trainLoss), ("validation", \.valLoss)]
      ),
      step: { _ in
        let loss = Double(trainer.step(corpus.train, rng: &rng))
        return TrainingStep(loss: loss, units: Double(tokensPerStep), status: "loss \(fixed(loss, 3))")
      },
      evaluate: { p in
        TextgenRecord(
          step: p.step, trainLoss: p.trainLoss, valLoss: trainer.evaluate(corpus.validation, batches: evalBatches),
          seconds: p.seconds, tokens: p.step * tokensPerStep)
      },
      save: run.saving(lm, optimizer: trainer.optimizer, config: lm.config, kind: "textgen"),
      report: { r, best in
        printLine(
          "step \(r.step)/\(steps)  train \(fixed(r.trainLoss, 4))  val \(fixed(r.valLoss, 4)) (\(fixed(r.valLoss / log(2), 3)) bits/char)  \(formatDuration(r.seconds))\(best ? "  (best, saved)" : "")"
        )
        printLine("  sample: " + sample(lm, corpus: corpus).replacingOccurrences(of: "\n", with: "⏎"))
      })
  }
  /// A short sample from the start of the validation text (fixed seed).
  func sample(_ lm: any LanguageModel, corpus: Corpus) -> String {
    lm.zeroGrad()  // frees the gradient buffers while sampling; the next step recomputes them
    var text: [Int] = []
    var options = SamplingOptions()
    options.temperature = 0.8
    generateTokens(
      session: lm.session(), prime: Array(corpus.validation.prefix(8)), length: sampleLength, options: options,
      seed: training.seed
    ) { text.append($0) }
    return corpus.vocabulary.decode(Array(corpus.validation.prefix(8)) + text)
  }
}

/// textgen's defaults for the shared training flags.
enum TextgenTraining: TrainingDefaults {
  static let values = TrainingDefaultValues(
    learningRate: "1e-3 for gpt, 2e-3 for lstm/gru/rnn", batchSize: 32, out: "textgen.safetensors",
    evalEvery: (250, "steps"))
}
