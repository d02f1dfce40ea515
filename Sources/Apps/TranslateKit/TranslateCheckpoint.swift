import Engine
import Foundation

/// A translate checkpoint: the Transformer config (with both tokenizers) and the validation history.
public typealias TranslateCheckpoint = TypedCheckpoint<TranslatorConfig, TranslateRecord>

/// One validation during training, kept in the checkpoint's history.
public struct TranslateRecord: TrainingRecord {
  public var step: Int
  public var trainLoss: Double
  public var valLoss: Double
  public var valBLEU: Double
  public var seconds: Double

  public init(step: Int, trainLoss: Double, valLoss: Double, valBLEU: Double, seconds: Double) {
    (self.step, self.trainLoss, self.valLoss, self.valBLEU, self.seconds) = (step, trainLoss, valLoss, valBLEU, seconds)
  }
}

/// A translator read from a checkpoint: the network, both tokenizers (in its config) and the file it came from.
public struct LoadedTranslator: RegisteredModel {
  public static let app = "translate"
  public let model: Translator
  public let file: TranslateCheckpoint
  public let sourceCodec: TokenCodec
  public let targetCodec: TokenCodec

  /// Rebuilds the translator of a checkpoint already read from `path`.
  public init(_ ckpt: Checkpoint, path: String) throws {
    file = try TranslateCheckpoint(ckpt, kind: Self.app, path: path)
    model = Translator(file.config)
    try file.restore(into: model)
    (sourceCodec, targetCodec) = (TokenCodec(file.config.source), TokenCodec(file.config.target))
  }
}

/// Saves `model` (config with both tokenizers in the metadata), with the optimizer for resuming when given.
public func saveTranslator(
  _ model: Translator, optimizer: Optimizer?, history: [TranslateRecord], metadata: [String: String],
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
