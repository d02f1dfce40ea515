import Engine
import Foundation

/// A textgen checkpoint: the model config (with its vocabulary) and the evaluation history.
public typealias TextgenCheckpoint = TypedCheckpoint<TextModelConfig, TextgenRecord>

/// One evaluation during training, kept in the checkpoint's history.
public struct TextgenRecord: TrainingRecord {
  public var step: Int
  public var trainLoss: Double
  public var valLoss: Double
  public var seconds: Double
  public var tokens: Int

  public init(step: Int, trainLoss: Double, valLoss: Double, seconds: Double, tokens: Int) {
    (self.step, self.trainLoss, self.valLoss, self.seconds, self.tokens) = (step, trainLoss, valLoss, seconds, tokens)
  }
}

/// A text model read from a checkpoint, with the file it came from (config, history, metadata).
public struct LoadedTextModel: RegisteredModel {
  public static let app = "textgen"
  public let model: any LanguageModel
  public let file: TextgenCheckpoint

  /// Rebuilds the model of a checkpoint already read from `path`.
  public init(_ ckpt: Checkpoint, path: String) throws {
    file = try TextgenCheckpoint(ckpt, kind: Self.app, path: path)
    model = makeLanguageModel(file.config)
    try file.restore(into: model)
  }
}

/// Saves `model` (config and vocabulary in the metadata), with the optimizer for resuming when given.
public func saveTextModel(
  _ model: any LanguageModel, optimizer: Optimizer?, history: [TextgenRecord], metadata: [String: String],
  to path: String
) throws {
  try TextgenCheckpoint.make(
    model, optimizer: optimizer, config: model.config, kind: "textgen", history: history, metadata: metadata
  ).save(to: path)
}
