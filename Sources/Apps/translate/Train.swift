import AppSupport
import ArgumentParser
import Datasets
import Engine
import Foundation
import TranslateKit

/// `translate train`: tokenizers, Transformer training with validation loss/BLEU, best checkpoint, resume, budget.
struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Trains an encoder-decoder Transformer on a TSV of sentence pairs.",
    discussion: """
      Split: when every line has a verse reference in its third column (the Bible files), whole books are \
      held out — validation: \(validationBooks.joined(separator: ", ")); \
      test: \(testBooks.joined(separator: ", ")). \
      Otherwise the last 3 % of lines are the test set and the 3 % before them the validation set.

      Tokenizers are learned from the training split: BPE (--src-vocab/--tgt-vocab tokens) for alphabetic \
      languages, single characters for Chinese (zh*). They are saved inside the checkpoint.

      Every --eval-every steps: validation loss, greedy BLEU on --bleu-sentences validation pairs, a sample \
      translation, OUT.last.safetensors (for --resume) and, when validation BLEU improved, OUT. \
      At the end: OUT.curve.png and OUT.metrics.csv.

      Example:
        translate train --pairs eng-cmn.web-cuv.tsv --src en --tgt zh --budget 1h
      """)
  @Option(help: "TSV of sentence pairs.") var pairs: String
  @Option(help: "Source column (0-based).") var srcCol = 0
  @Option(help: "Target column (0-based).") var tgtCol = 1
  @Option(help: "Source language code (zh* → characters, else BPE).") var src = "en"
  @Option(help: "Target language code.") var tgt = "zh"
  @Flag(help: "Reject the file if any line is malformed (default: report and skip such lines).") var strict = false
  @Option(help: "Source BPE vocabulary size.") var srcVocab = 6000
  @Option(help: "Target BPE vocabulary size (characters: the cap on distinct characters).") var tgtVocab = 8000
  @Option(help: "Model width.") var width = 128
  @Option(help: "Attention heads.") var heads = 4
  @Option(help: "Encoder layers.") var encoderLayers = 3
  @Option(help: "Decoder layers.") var decoderLayers = 3
  @Option(help: "Feed-forward width.") var feedForward = 512
  @Option(help: "Dropout.") var dropout: Float = 0.1
  @Flag(help: "Post-LN layers (the original Transformer) instead of pre-LN.") var postNorm = false
  @Option(help: "Longest sequence in tokens (longer pairs are cut).") var maxLength = 160
  @Option(help: "Pairs per batch.") var batchSize = 64
  @Option(help: "Optimizer steps (cosine schedule length).") var steps = 4000
  @Option(help: "Peak learning rate.") var lr: Float = 1e-3
  @Option(help: "Final learning rate.") var minLr: Float = 3e-5
  @Option(help: "Warm-up steps.") var warmup = 300
  @Option(help: "Label smoothing.") var labelSmoothing: Float = 0.1
  @Option(help: "Gradient-norm clipping (0: off).") var clip: Float = 1
  @Option(help: "Steps between validations.") var evalEvery = 500
  @Option(help: "Validation pairs translated (greedy) for BLEU at each validation.") var bleuSentences = 200
  @Option(help: "Use only the first N lines' pairs (quick runs).") var limit: Int?
  @Option(help: "Stop cleanly after this wall-clock time (e.g. 90s, 10m, 1h30m).") var budget: String?
  @Option(help: "Random seed.") var seed: UInt64 = 0
  @Option(help: "Checkpoint path (best validation BLEU).") var out = "translate.safetensors"
  @Flag(help: "Continue from OUT.last.safetensors.") var resume = false

  func validate() throws {
    for (name, v) in [
      ("--steps", steps), ("--batch-size", batchSize), ("--eval-every", evalEvery), ("--width", width),
      ("--heads", heads), ("--encoder-layers", encoderLayers), ("--decoder-layers", decoderLayers),
      ("--feed-forward", feedForward), ("--max-length", maxLength), ("--src-vocab", srcVocab),
      ("--tgt-vocab", tgtVocab),
    ] where v <= 0 {
      throw ValidationError("\(name) must be positive (got \(v))")
    }
    guard width % heads == 0, (width / heads) % 1 == 0 else {
      throw ValidationError("--width must be divisible by --heads")
    }
    guard srcVocab >= 64, tgtVocab >= 64 else { throw ValidationError("--src-vocab and --tgt-vocab must be ≥ 64") }
    guard lr > 0, minLr >= 0, minLr <= lr else { throw ValidationError("need 0 ≤ --min-lr ≤ --lr and --lr > 0") }
    guard dropout >= 0, dropout < 1, labelSmoothing >= 0, labelSmoothing < 1 else {
      throw ValidationError("--dropout and --label-smoothing must be in [0, 1)")
    }
    if let budget, parseDuration(budget) == nil {
      throw ValidationError("--budget: cannot read '\(budget)' (use e.g. 90s, 10m, 1h30m)")
    }
    if let limit, limit < 20 { throw ValidationError("--limit must be at least 20") }
    guard bleuSentences >= 0 else { throw ValidationError("--bleu-sentences must be ≥ 0") }
  }

  func run() throws {
    try checkWritable(out)
    var all = try readPairsReporting(pairs, srcCol: srcCol, tgtCol: tgtCol, strict: strict)
    if let limit { all = Array(all.prefix(limit)) }
    let split = splitPairs(all)
    guard split.train.count >= batchSize, !split.validation.isEmpty else {
      throw AppError(
        "\(pairs): \(split.train.count) training and \(split.validation.count) validation pairs; need at least --batch-size (\(batchSize)) and 1"
      )
    }
    printLine(
      "\(pairs): \(split.train.count) training, \(split.validation.count) validation, \(split.test.count) test pairs (\(split.description))"
    )
    Random.seed(seed)
    let last = out + ".last.safetensors"
    var history: [TranslateEvalRecord] = []
    let trainer: TranslateTrainer
    var options = TranslateTrainOptions()
    (options.batchSize, options.steps, options.learningRate, options.minLearningRate) = (batchSize, steps, lr, minLr)
    (options.warmupSteps, options.labelSmoothing, options.clip, options.seed) = (warmup, labelSmoothing, clip, seed)
    if resume {
      let saved = try loadTranslator(last)
      trainer = TranslateTrainer(saved.model, options: options)
      try wrapped { try saved.checkpoint.restore(into: saved.model, optimizer: trainer.optimizer) }
      history = saved.history
      printLine("Resuming at step \(trainer.optimizer.stepCount) from \(last)")
    } else {
      let began = monotonicSeconds()
      var config = TranslatorConfig()
      (config.width, config.heads, config.encoderLayers, config.decoderLayers) = (
        width, heads, encoderLayers, decoderLayers
      )
      (config.feedForward, config.dropout, config.preNorm, config.maxLength) = (
        feedForward, dropout, !postNorm, maxLength
      )
      (config.sourceLanguage, config.targetLanguage) = (src, tgt)
      config.source = languageTokenizer(split.train.map(\.source), language: src, size: srcVocab)
      config.target = languageTokenizer(split.train.map(\.target), language: tgt, size: tgtVocab)
      printLine(
        "tokenizers: \(src) \(config.source.count) tokens (\(config.source.merges.isEmpty ? "characters" : "BPE")), \(tgt) \(config.target.count) tokens (\(config.target.merges.isEmpty ? "characters" : "BPE")) in \(fixed(monotonicSeconds() - began, 1)) s"
      )
      trainer = TranslateTrainer(Translator(config), options: options)
    }
    let model = trainer.model
    let (sc, tc) = (TokenCodec(model.config.source), TokenCodec(model.config.target))
    let train = EncodedPairs(split.train, source: sc, target: tc, maxLength: model.config.maxLength)
    let val = EncodedPairs(split.validation, source: sc, target: tc, maxLength: model.config.maxLength)
    if train.truncated > 0 {
      writeStderr(
        "warning: \(train.truncated) training pairs were longer than \(model.config.maxLength) tokens and were cut\n")
    }
    let tokens = train.pairs.reduce(0) { $0 + $1.target.count + 1 }
    printLine(
      "Transformer \(model.config.encoderLayers)+\(model.config.decoderLayers) layers × \(model.config.width), \(model.parameterCount) parameters; \(tokens) target tokens per epoch"
    )
    guard trainer.optimizer.stepCount < steps else {
      printLine("already trained for \(trainer.optimizer.stepCount) steps (--steps \(steps)); nothing to do")
      return
    }
    let bleuSet = Array(split.validation.prefix(bleuSentences))
    try loop(trainer, train: train, val: val, bleuSet: bleuSet, codecs: (sc, tc), history: &history)
  }

  /// Steps until --steps or the budget; validation, checkpoints and a sample every --eval-every steps.
  func loop(
    _ trainer: TranslateTrainer, train: EncodedPairs, val: EncodedPairs, bleuSet: [SentencePair],
    codecs: (TokenCodec, TokenCodec), history: inout [TranslateEvalRecord]
  ) throws {
    let model = trainer.model
    let limit = budget.flatMap(parseDuration)
    let metrics = try MetricsLogger(path: out + ".metrics.csv", append: resume)
    var best = history.map(\.valBLEU).max() ?? -1
    let start = trainer.optimizer.stepCount
    let bar = ProgressBar(total: steps - start, label: "train", unit: "tok", timeLimit: limit)
    let began = monotonicSeconds()
    let priorSeconds = history.last?.seconds ?? 0
    var sinceEval = (sum: 0.0, count: 0)
    var epoch = -1
    var order: [[Int]] = []
    let batchSize = trainer.options.batchSize
    let perEpoch = (train.pairs.count + batchSize - 1) / batchSize
    let bleuSources = bleuSet.map { Array(codecs.0.encode($0.source).prefix(model.config.maxLength)) }
    for step in start..<steps {
      if step / perEpoch != epoch {
        epoch = step / perEpoch
        order = train.batches(batchSize: batchSize, seed: trainer.options.seed &+ UInt64(epoch))
      }
      let batch = train.batch(order[step % perEpoch])
      let loss = trainer.step(batch)
      guard loss.isFinite else { throw AppError("training diverged at step \(step + 1) (loss \(loss)); lower --lr") }
      sinceEval = (sinceEval.sum + Double(loss), sinceEval.count + 1)
      bar.advance(1, units: Double(batch.targetTokens), status: "loss \(fixed(Double(loss), 3)) ep \(epoch + 1)")
      let elapsed = monotonicSeconds() - began
      let outOfTime = limit.map { elapsed >= $0 } ?? false
      guard (step + 1) % evalEvery == 0 || step + 1 == steps || outOfTime else { continue }
      model.zeroGrad()
      let valLoss = validationLoss(model, val)
      let hyps = bleuSources.isEmpty ? [] : model.greedy(bleuSources).map { codecs.1.decode($0.tokens) }
      let bleu = corpusBLEU(
        hyps, bleuSet.map(\.target), tokenizer: BLEUTokenizer(language: model.config.targetLanguage)
      ).score
      let record = TranslateEvalRecord(
        step: step + 1, trainLoss: sinceEval.sum / Double(max(sinceEval.count, 1)), valLoss: valLoss,
        valBLEU: bleu, seconds: priorSeconds + elapsed)
      sinceEval = (0, 0)
      history.append(record)
      let meta = ["kestrel.step": "\(step + 1)", "kestrel.seed": "\(seed)", "kestrel.data": pairs]
      try saveTranslator(
        model, optimizer: trainer.optimizer, history: history, metadata: meta, to: out + ".last.safetensors")
      var mark = ""
      if bleu > best {
        best = bleu
        try saveTranslator(model, optimizer: nil, history: history, metadata: meta, to: out)
        mark = "  (best, saved)"
      }
      metrics.log([
        "step": Double(record.step), "train_loss": record.trainLoss, "val_loss": valLoss, "val_bleu": bleu,
        "seconds": record.seconds,
      ])
      bar.interrupt()
      printLine(
        "step \(step + 1)/\(steps)  train \(fixed(record.trainLoss, 3))  val \(fixed(valLoss, 3))  val BLEU \(fixed(bleu, 2))  \(formatDuration(record.seconds))\(mark)"
      )
      if let first = bleuSet.first, let h = hyps.first { printLine("  \(first.source) → \(h)") }
      if outOfTime {
        printLine("budget of \(formatDuration(limit ?? 0)) reached after step \(step + 1); stopped cleanly")
        break
      }
    }
    bar.finish()
    if !history.isEmpty {
      try lossCurve(train: history.map(\.trainLoss), validation: history.map(\.valLoss), per: "TOKEN")
        .writePNG(to: out + ".curve.png")
    }
  }
}
