import Formats

/// A model that ships in `assets/`: which app runs it, the name users type, and its file under `assets/`.
public struct ShippedModel: Sendable, Equatable {
  /// The app that runs the model (`classify`, `textgen`, `translate`, `gan`, `rl-drive`).
  public let app: String
  /// The name users pass to `--model`.
  public let name: String
  /// The weights file, relative to `assets/`.
  public let file: String

  /// A registry entry.
  public init(app: String, name: String, file: String) {
    (self.app, self.name, self.file) = (app, name, file)
  }
}

/// The one table of shipped models, and how a `--model` argument (a shipped name or a checkpoint path) resolves.
public enum ModelRegistry {
  /// Every model in `assets/`.
  public static let shipped: [ShippedModel] = [
    ShippedModel(
      app: "classify", name: "efficientnet-lite0", file: "efficientnet-lite0/efficientnet-lite0.safetensors"),
    ShippedModel(app: "classify", name: "mnist", file: "mnist/mnist.safetensors"),
    ShippedModel(app: "classify", name: "fashion-mnist", file: "fashion-mnist/fashion-mnist.safetensors"),
    ShippedModel(app: "textgen", name: "chinese", file: "textgen/chinese-gpt.safetensors"),
    ShippedModel(app: "textgen", name: "shakespeare", file: "textgen/shakespeare-gpt.safetensors"),
    ShippedModel(app: "translate", name: "en-zh", file: "translate/en-zh-transformer.safetensors"),
    ShippedModel(app: "gan", name: "mnist", file: "gan/mnist-dcgan.safetensors"),
    ShippedModel(app: "gan", name: "fashion-mnist", file: "gan/fashion-mnist-dcgan.safetensors"),
  ]

  /// The shipped models of one app, in table order.
  public static func models(for app: String) -> [ShippedModel] { shipped.filter { $0.app == app } }

  /// Resolves a model argument for `app`: a shipped model's name (→ `assets/<file>`) or a checkpoint path (anything
  /// with a `/` or ending in `.safetensors`); any other word is an error listing the app's shipped names.
  public static func resolve(_ nameOrPath: String, app: String, assets: String) throws -> String {
    let models = models(for: app)
    if let model = models.first(where: { $0.name == nameOrPath }) { return assets + "/" + model.file }
    guard nameOrPath.contains("/") || nameOrPath.hasSuffix(".safetensors") else {
      throw FileError(
        nameOrPath, "unknown model; available: \(models.map(\.name).joined(separator: ", ")), or a checkpoint path")
    }
    return nameOrPath
  }
}

/// A model that loads from a shipped name or a checkpoint path: its app names its registry entries.
public protocol RegisteredModel {
  /// The app whose registry entries it loads.
  static var app: String { get }
  /// Rebuilds the model from a checkpoint already read from `path`.
  init(_ checkpoint: Checkpoint, path: String) throws
}

extension RegisteredModel {
  /// Loads a shipped model by name (from `assets`) or a checkpoint by path; one-line errors otherwise.
  public init(_ nameOrPath: String, assets: String) throws {
    let path = try ModelRegistry.resolve(nameOrPath, app: Self.app, assets: assets)
    try self.init(try Checkpoint.load(from: path), path: path)
  }
}
