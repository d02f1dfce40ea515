import Engine
import Foundation

/// One validation during training, kept in the checkpoint's history.
public struct TranslateEvalRecord: Codable, Sendable {
  public var step: Int
  public var trainLoss: Double
  public var valLoss: Double
  public var valBLEU: Double
  public var seconds: Double

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
    let (ckpt, config) = try Checkpoint.load(app: "translate", from: path, config: TranslatorConfig.self)
    let model = Translator(config)
    do { try ckpt.restore(into: model) } catch { throw FileError(path, "\(error)") }
    self.model = model
    self.checkpoint = ckpt
    self.path = path
    sourceCodec = TokenCodec(config.source)
    targetCodec = TokenCodec(config.target)
    history = ckpt.history(TranslateEvalRecord.self)
  }
}

/// Saves `model` (config with both tokenizers in the metadata), with the optimizer for resuming when given.
public func saveTranslator(
  _ model: Translator, optimizer: Optimizer?, history: [TranslateEvalRecord], metadata: [String: String],
  to path: String
) throws {
  let meta = try Checkpoint.appMetadata(metadata, kind: "translate", history: history)
  try Checkpoint(model: model, optimizer: optimizer, config: model.config, metadata: meta).save(to: path)
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
