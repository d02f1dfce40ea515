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
  @OptionGroup var training: TrainingOptions<TranslateTraining>
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
  @Option(help: "Optimizer steps (cosine schedule length).") var steps = 4000
  @Option(help: "Final learning rate.") var minLr: Float = 3e-5
  @Option(help: "Warm-up steps.") var warmup = 300
  @Option(help: "Label smoothing.") var labelSmoothing: Float = 0.1
  @Option(help: "Gradient-norm clipping (0: off).") var clip: Float = 1
  @Option(help: "Validation pairs translated (greedy) for BLEU at each validation.") var bleuSentences = 200
  @Option(help: "Use only the first N lines' pairs (quick runs).") var limit: Int?

  func validate() throws {
    for (name, v) in [
      ("--steps", steps), ("--width", width),
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
    guard minLr >= 0, minLr <= lr else { throw ValidationError("need 0 ≤ --min-lr ≤ --lr and --lr > 0") }
    guard dropout >= 0, dropout < 1, labelSmoothing >= 0, labelSmoothing < 1 else {
      throw ValidationError("--dropout and --label-smoothing must be in [0, 1)")
    }
    if let limit, limit < 20 { throw ValidationError("--limit must be at least 20") }
    guard bleuSentences >= 0 else { throw ValidationError("--bleu-sentences must be ≥ 0") }
  }

  var lr: Float { training.lr ?? 1e-3 }
  var batchSize: Int { training.batchSize }

  func run() throws {
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
    Random.seed(training.seed)
    let run = try training.makeRun(TranslateRecord.self, out: training.out ?? "translate.safetensors", data: pairs)
    let trainer: TranslateTrainer
    var options = TranslateTrainOptions()
    options.batchSize = batchSize
    options.schedule = WarmupCosineSettings(steps: steps, learningRate: lr, minLearningRate: minLr, warmupSteps: warmup)
    (options.labelSmoothing, options.clip, options.seed) = (labelSmoothing, clip, training.seed)
    if let resumed = run.resumed {
      let saved = try wrapped { try LoadedTranslator(resumed, path: run.lastPath) }
      trainer = TranslateTrainer(saved.model, options: options, bucketBytes: training.bucketBytes)
      try wrapped { try resumed.restore(into: saved.model, optimizer: trainer.optimizer) }
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
      trainer = TranslateTrainer(Translator(config), options: options, bucketBytes: training.bucketBytes)
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
    let bleuSet = Array(split.validation.prefix(bleuSentences))
    try loop(trainer, train: train, val: val, bleuSet: bleuSet, codecs: (sc, tc), run: run)
  }

  /// Steps until --steps or the budget; validation, checkpoints and a sample every --eval-every steps.
  func loop(
    _ trainer: TranslateTrainer, train: EncodedPairs, val: EncodedPairs, bleuSet: [SentencePair],
    codecs: (TokenCodec, TokenCodec), run: TrainingRun<TranslateRecord>
  ) throws {
    let model = trainer.model
    var epoch = -1
    var order: [[Int]] = []
    let globalBatch = batchSize * Distributed.worldSize  // each rank trains on its share (data-parallel)
    let perEpoch = (train.pairs.count + globalBatch - 1) / globalBatch
    let bleuSources = bleuSet.map { Array(codecs.0.encode($0.source).prefix(model.config.maxLength)) }
    var lastHypothesis: String?
    let plan = TrainingPlan(
      totalSteps: steps, evalEvery: training.evalEvery, budget: training.budgetSeconds, unit: "tok")
    try run.run(
      plan: plan, startStep: trainer.optimizer.stepCount, best: .highest, score: \.valBLEU,
      curve: (
        "TRAIN AND VALIDATION LOSS (NATS PER TOKEN) BY EVALUATION", [("train", \.trainLoss), ("validation", \.valLoss)]
      ),
      step: { step in
        if step / perEpoch != epoch {
          epoch = step / perEpoch
          order = train.batches(batchSize: globalBatch, seed: trainer.options.seed &+ UInt64(epoch))
        }
        let (loss, tokens) = trainer.step(order[step % perEpoch], of: train)
        return TrainingStep(
          loss: Double(loss), units: Double(tokens), status: "loss \(fixed(Double(loss), 3)) ep \(epoch + 1)")
      },
      evaluate: { p in
        model.zeroGrad()
        // Sharded over the ranks of a data-parallel job: loss batches r, r+N, …; each rank decodes its block of
        // the BLEU sentences and the token ids are gathered, so every rank scores the whole set.
        let valLoss = validationLoss(model, val, sharded: true)
        let block = Distributed.block(of: bleuSources.count)
        let mine = block.isEmpty ? [] : model.greedy(Array(bleuSources[block])).map(\.tokens)
        let ids: [[Int]]
        do { ids = try Distributed.gatherBlocks(mine, of: bleuSources.count) } catch { throw AppError("\(error)") }
        let hyps = ids.map { codecs.1.decode($0) }
        lastHypothesis = hyps.first
        let bleu = corpusBLEU(
          hyps, bleuSet.map(\.target), tokenizer: BLEUTokenizer(language: model.config.targetLanguage)
        ).score
        return TranslateRecord(
          step: p.step, trainLoss: p.trainLoss, valLoss: valLoss, valBLEU: bleu, seconds: p.seconds)
      },
      save: run.saving(model, optimizer: trainer.optimizer, config: model.config, kind: "translate"),
      report: { r, best in
        printLine(
          "step \(r.step)/\(steps)  train \(fixed(r.trainLoss, 3))  val \(fixed(r.valLoss, 3))  val BLEU \(fixed(r.valBLEU, 2))  \(formatDuration(r.seconds))\(best ? "  (best, saved)" : "")"
        )
        if let first = bleuSet.first, let h = lastHypothesis { printLine("  \(first.source) → \(h)") }
      })
  }
}

/// translate's defaults for the shared training flags.
enum TranslateTraining: TrainingDefaults {
  static let values = TrainingDefaultValues(
    learningRate: "1e-3", batchSize: 64, out: "translate.safetensors", evalEvery: (500, "steps"))
}
