import Formats
import Foundation

/// A training checkpoint in one safetensors file: model tensors under their dotted names, optimizer state
/// under `optimizer/…`, and metadata strings (`kestrel.config` holds the JSON config; `kestrel.step`,
/// `kestrel.seed`, `kestrel.data_hash` and any others the caller adds).
public struct Checkpoint {
  /// Model parameters and buffers by dotted name.
  public var model: [String: Tensor]
  /// Optimizer state by `<state>.<parameter>` name.
  public var optimizer: [String: Tensor]
  /// String metadata.
  public var metadata: [String: String]
  /// Any other tensors the caller keeps with the model (e.g. an RL replay buffer), under `extra/…`.
  public var extras: [String: Tensor] = [:]

  static let optimizerPrefix = "optimizer/"
  static let extraPrefix = "extra/"

  /// Captures the state of `model`, `optimizer` (optional), a `Codable` config and extra metadata.
  public init<C: Encodable>(
    model: Module, optimizer: Optimizer? = nil, config: C, metadata: [String: String] = [:]
  ) throws {
    self.model = model.stateDict()
    self.optimizer = optimizer?.stateTensors() ?? [:]
    var meta = metadata
    let data = try JSONEncoder().encode(config)
    meta["kestrel.config"] = String(decoding: data, as: UTF8.self)
    if let optimizer { meta["kestrel.optimizer_step"] = String(optimizer.stepCount) }
    meta["format"] = "pt"
    self.metadata = meta
  }

  init(model: [String: Tensor], optimizer: [String: Tensor], metadata: [String: String]) {
    self.model = model
    self.optimizer = optimizer
    self.metadata = metadata
  }

  /// Writes the checkpoint atomically.
  public func save(to path: String) throws {
    var all = model
    for (k, v) in optimizer { all[Checkpoint.optimizerPrefix + k] = v }
    for (k, v) in extras { all[Checkpoint.extraPrefix + k] = v }
    try SafeTensors.write(all, metadata: metadata, to: path)
  }

  /// Reads a checkpoint written by `save(to:)` (or any safetensors file: then `optimizer` is empty).
  public static func load(from path: String) throws -> Checkpoint {
    let (tensors, metadata) = try SafeTensors.read(path)
    var model: [String: Tensor] = [:]
    var optimizer: [String: Tensor] = [:]
    var extras: [String: Tensor] = [:]
    for (k, v) in tensors {
      if k.hasPrefix(optimizerPrefix) {
        optimizer[String(k.dropFirst(optimizerPrefix.count))] = v
      } else if k.hasPrefix(extraPrefix) {
        extras[String(k.dropFirst(extraPrefix.count))] = v
      } else {
        model[k] = v
      }
    }
    var ckpt = Checkpoint(model: model, optimizer: optimizer, metadata: metadata)
    ckpt.extras = extras
    return ckpt
  }

  /// The config saved with the checkpoint, checked (`ValidatedConfig`) before anyone builds a model from it.
  public func config<C: Decodable>(_ type: C.Type) throws -> C {
    guard let json = metadata["kestrel.config"] else { throw StateError("checkpoint has no kestrel.config metadata") }
    let config = try JSONDecoder().decode(C.self, from: Data(json.utf8))
    if let checked = config as? any ValidatedConfig { try checked.validate() }
    return config
  }

  /// Loads the tensors into `model` (strict: names and shapes must match) and, if given, `optimizer`.
  public func restore(into model: Module, optimizer: Optimizer? = nil) throws {
    try model.loadStateDict(self.model)
    if let optimizer {
      try optimizer.loadStateTensors(self.optimizer)
      optimizer.stepCount = Int(metadata["kestrel.optimizer_step"] ?? "") ?? 0
    }
  }
}

extension Checkpoint {
  /// The training history an app stored under `kestrel.history` (empty when absent or unreadable).
  public func history<H: Decodable>(_ type: H.Type) -> [H] {
    (try? JSONDecoder().decode([H].self, from: Data((metadata["kestrel.history"] ?? "[]").utf8))) ?? []
  }
}

/// An app's checkpoint, typed: the file's `kestrel.kind`, its decoded config and its training history beside the
/// tensors. One type for every app's model files (textgen, translate, gan, classify).
public struct TypedCheckpoint<Config: Codable, Record: Codable> {
  /// The tensors and metadata.
  public let checkpoint: Checkpoint
  /// The model's config (`kestrel.config`).
  public let config: Config
  /// The training history (`kestrel.history`).
  public let history: [Record]
  /// Where it was read from.
  public let path: String

  /// Reads an app's checkpoint already loaded from `path`: with a `kind`, the file must carry
  /// `kestrel.kind == kind`. Errors are one line naming the file.
  public init(_ checkpoint: Checkpoint, kind: String?, path: String) throws {
    if let kind, checkpoint.metadata["kestrel.kind"] != kind {
      throw FileError(path, "not a \(kind) checkpoint (written by another app or model type)")
    }
    do { config = try checkpoint.config(Config.self) } catch {
      let what = error is ConfigError ? "invalid" : "unreadable"
      throw FileError(path, "\(kind ?? "model") config in the metadata is \(what): \(error)")
    }
    (self.checkpoint, self.path) = (checkpoint, path)
    history = checkpoint.history(Record.self)
  }

  /// Reads `path` as an app's checkpoint (see `init(_:kind:path:)`).
  public init(kind: String?, path: String) throws {
    try self.init(try Checkpoint.load(from: path), kind: kind, path: path)
  }

  /// Loads the weights into `model` (and the state into `optimizer`, when given); errors name the file.
  public func restore(into model: Module, optimizer: Optimizer? = nil) throws {
    do { try checkpoint.restore(into: model, optimizer: optimizer) } catch { throw FileError(path, "\(error)") }
  }

  /// The checkpoint of `model` with its config, kind and history (and `optimizer`'s state when given), ready to
  /// save; `metadata` adds to it.
  public static func make(
    _ model: Module, optimizer: Optimizer? = nil, config: Config, kind: String, history: [Record],
    metadata: [String: String] = [:]
  ) throws -> Checkpoint {
    var meta = metadata
    meta["kestrel.kind"] = kind
    meta["kestrel.history"] = String(decoding: try JSONEncoder().encode(history), as: UTF8.self)
    return try Checkpoint(model: model, optimizer: optimizer, config: config, metadata: meta)
  }
}
