import Engine
import Foundation

/// A textgen checkpoint: the model config (with its vocabulary) and the evaluation history.
public typealias TextCheckpoint = TypedCheckpoint<TextModelConfig, TextEvalRecord>

/// One evaluation during training, kept in the checkpoint's history.
public struct TextEvalRecord: TrainingRecord {
  public var step: Int
  public var trainLoss: Double
  public var valLoss: Double
  public var seconds: Double
  public var tokens: Int

  public var metricValues: [(String, Double)] {
    [
      ("step", Double(step)), ("train_loss", trainLoss), ("val_loss", valLoss), ("seconds", seconds),
      ("tokens", Double(tokens)),
    ]
  }

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
    try self.init(try Checkpoint.load(from: path), path: path)
  }

  /// Rebuilds the model of a checkpoint already read from `path`.
  public init(_ ckpt: Checkpoint, path: String) throws {
    let typed = try TextCheckpoint(ckpt, kind: "textgen", path: path)
    let model = makeLanguageModel(typed.config)
    try typed.restore(into: model)
    (self.model, self.checkpoint, self.path, history) = (model, ckpt, path, typed.history)
  }
}

/// Saves `model` (config and vocabulary in the metadata), with the optimizer for resuming when given.
public func saveTextModel(
  _ model: any LanguageModel, optimizer: Optimizer?, history: [TextEvalRecord], metadata: [String: String],
  to path: String
) throws {
  try TextCheckpoint.make(
    model, optimizer: optimizer, config: model.config, kind: "textgen", history: history, metadata: metadata
  ).save(to: path)
}
