import Engine
import Foundation

/// One evaluation during training, kept in the checkpoint's history.
public struct TextEvalRecord: Codable, Sendable {
  public var step: Int
  public var trainLoss: Double
  public var valLoss: Double
  public var seconds: Double
  public var tokens: Int

  public init(step: Int, trainLoss: Double, valLoss: Double, seconds: Double, tokens: Int) {
    (self.step, self.trainLoss, self.valLoss, self.seconds, self.tokens) = (step, trainLoss, valLoss, seconds, tokens)
  }
}

/// A text model read from a checkpoint, with its training history.
public struct LoadedTextModel {
  public let model: any LanguageModel
  public let checkpoint: Checkpoint
  public let history: [TextEvalRecord]
  public let path: String

  /// Loads a shipped model by name or a `textgen train` checkpoint by path; one-line errors otherwise.
  public init(_ nameOrPath: String, assets: String) throws {
    let path = try ModelRegistry.resolve(nameOrPath, app: "textgen", assets: assets)
    let (ckpt, config) = try Checkpoint.load(app: "textgen", from: path, config: TextModelConfig.self)
    let model = makeLanguageModel(config)
    do { try ckpt.restore(into: model) } catch { throw FileError(path, "\(error)") }
    self.model = model
    self.checkpoint = ckpt
    self.path = path
    history = ckpt.history(TextEvalRecord.self)
  }
}

/// Saves `model` (config and vocabulary in the metadata), with the optimizer for resuming when given.
public func saveTextModel(
  _ model: any LanguageModel, optimizer: Optimizer?, history: [TextEvalRecord], metadata: [String: String],
  to path: String
) throws {
  let meta = try Checkpoint.appMetadata(metadata, kind: "textgen", history: history)
  try Checkpoint(model: model, optimizer: optimizer, config: model.config, metadata: meta).save(to: path)
}
