import Engine
import Foundation

/// A translate checkpoint: the Transformer config (with both tokenizers) and the validation history.
public typealias TranslateCheckpoint = TypedCheckpoint<TranslatorConfig, TranslateEvalRecord>

/// One validation during training, kept in the checkpoint's history.
public struct TranslateEvalRecord: TrainingRecord {
  public var step: Int
  public var trainLoss: Double
  public var valLoss: Double
  public var valBLEU: Double
  public var seconds: Double

  public var metricValues: [(String, Double)] {
    [
      ("step", Double(step)), ("train_loss", trainLoss), ("val_loss", valLoss), ("val_bleu", valBLEU),
      ("seconds", seconds),
    ]
  }

  public init(step: Int, trainLoss: Double, valLoss: Double, valBLEU: Double, seconds: Double) {
    (self.step, self.trainLoss, self.valLoss, self.valBLEU, self.seconds) = (step, trainLoss, valLoss, valBLEU, seconds)
  }
}

/// A translator read from a checkpoint: the network, both tokenizers (in its config) and its history.
public struct LoadedTranslator {
  public let model: Translator
  public let checkpoint: Checkpoint
  public let history: [TranslateEvalRecord]
  public let path: String
  public let sourceCodec: TokenCodec
  public let targetCodec: TokenCodec

  /// Loads a shipped model by name or a `translate train` checkpoint by path; one-line errors otherwise.
  public init(_ nameOrPath: String, assets: String) throws {
    let path = try ModelRegistry.resolve(nameOrPath, app: "translate", assets: assets)
    try self.init(try Checkpoint.load(from: path), path: path)
  }

  /// Rebuilds the translator of a checkpoint already read from `path`.
  public init(_ ckpt: Checkpoint, path: String) throws {
    let typed = try TranslateCheckpoint(ckpt, kind: "translate", path: path)
    let model = Translator(typed.config)
    try typed.restore(into: model)
    (self.model, self.checkpoint, self.path, history) = (model, ckpt, path, typed.history)
    sourceCodec = TokenCodec(typed.config.source)
    targetCodec = TokenCodec(typed.config.target)
  }
}

/// Saves `model` (config with both tokenizers in the metadata), with the optimizer for resuming when given.
public func saveTranslator(
  _ model: Translator, optimizer: Optimizer?, history: [TranslateEvalRecord], metadata: [String: String],
  to path: String
) throws {
  try TranslateCheckpoint.make(
    model, optimizer: optimizer, config: model.config, kind: "translate", history: history, metadata: metadata
  ).save(to: path)
}

extension LoadedTranslator {
  /// Translates one line: encodes (warning about unknown characters and cutting over-long input through
  /// `warn`), decodes greedily (`beams` ≤ 1) or by beam search, and returns the text and the translation.
  public func translate(
    _ text: String, beams: Int, alpha: Float = 1.0, attention: Bool = false, warn: (String) -> Void
  ) -> (
    String, Translation, [Int]
  ) {
    let unknown = sourceCodec.unknownCharacters(text)
    if !unknown.isEmpty {
      warn(
        "warning: \(unknown.count) character(s) not in the source vocabulary, read as <unk>: "
          + unknown.prefix(10).map {
            "'\($0)' U+\(String($0.unicodeScalars.first?.value ?? 0, radix: 16, uppercase: true))"
          }
          .joined(separator: ", "))
    }
    var ids = sourceCodec.encode(text)
    let limit = model.config.maxLength
    if ids.count > limit {
      warn("warning: input is \(ids.count) tokens, the model reads at most \(limit); the rest is not translated")
      ids = Array(ids.prefix(limit))
    }
    let t =
      beams <= 1 && !attention
      ? model.greedy([ids])[0] : model.beamSearch(ids, beams: max(beams, 1), alpha: alpha, attention: attention)
    return (targetCodec.decode(t.tokens), t, ids)
  }
}
