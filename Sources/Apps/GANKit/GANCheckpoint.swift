import Engine
import Foundation

/// A gan checkpoint: both networks' config and the per-epoch history.
public typealias GANCheckpoint = TypedCheckpoint<GANConfig, GANRecord>

/// One epoch of GAN training, kept in the checkpoint's history.
public struct GANRecord: TrainingRecord {
  public var epoch: Int
  public var lossD: Double
  public var lossG: Double
  public var dReal: Double
  public var dFake: Double
  public var seconds: Double

  public var metricValues: [(String, Double)] {
    [
      ("epoch", Double(epoch)), ("loss_D", lossD), ("loss_G", lossG), ("D_x", dReal), ("D_G_z", dFake),
      ("seconds", seconds),
    ]
  }

  public init(epoch: Int, lossD: Double, lossG: Double, dReal: Double, dFake: Double, seconds: Double) {
    (self.epoch, self.lossD, self.lossG, self.dReal, self.dFake, self.seconds) =
      (epoch, lossD, lossG, dReal, dFake, seconds)
  }
}

/// Saves both networks and the history atomically in one file; with `optimizers`, also both optimizers' state
/// and the live generator beside its average (for resuming; about 4× larger). Without, the generator saved is
/// the averaged one when the trainer keeps an average.
public func saveGAN(
  _ trainer: GANTrainer, history: [GANRecord], metadata: [String: String] = [:], optimizers: Bool = true,
  to path: String
) throws {
  var meta = metadata
  meta["kestrel.epoch"] = "\(history.count)"
  meta["kestrel.optG_step"] = "\(trainer.optG.stepCount)"
  meta["kestrel.optD_step"] = "\(trainer.optD.stepCount)"
  meta["kestrel.train_options"] = String(decoding: try JSONEncoder().encode(trainer.options), as: UTF8.self)
  let model = optimizers ? trainer.pair : trainer.samplingPair
  var ckpt = try GANCheckpoint.make(model, config: trainer.pair.config, kind: "gan", history: history, metadata: meta)
  if optimizers {
    for (k, v) in trainer.average?.stateDict() ?? [:] { ckpt.extras["ema/" + k] = v }
    for (k, v) in trainer.optG.stateTensors() { ckpt.extras["optG/" + k] = v }
    for (k, v) in trainer.optD.stateTensors() { ckpt.extras["optD/" + k] = v }
  }
  try ckpt.save(to: path)
}

/// A GAN checkpoint read back: both networks, the history and (for resuming) the optimizer state.
public struct LoadedGAN: RegisteredModel {
  public static let app = "gan"
  public let pair: GANPair
  public let history: [GANRecord]
  public let checkpoint: Checkpoint
  public let path: String

  /// Reads `path`; fails with a one-line message when it is not a GAN checkpoint with both networks.
  public init(path: String) throws {
    try self.init(try Checkpoint.load(from: path), path: path)
  }

  /// Reads a checkpoint already loaded from `path` (see `init(path:)`).
  public init(_ ckpt: Checkpoint, path: String) throws {
    let typed: GANCheckpoint
    do { typed = try GANCheckpoint(ckpt, kind: nil, path: path) } catch {
      // A config that is there but out of range says so (the error names the field); anything else is not ours.
      if let e = error as? FileError, e.message.contains("config in the metadata is invalid") { throw e }
      throw FileError(path, "not a gan checkpoint (no GAN config in its metadata)")
    }
    let config = typed.config
    let hasG = ckpt.model.keys.contains { $0.hasPrefix("generator.") }
    let hasD = ckpt.model.keys.contains { $0.hasPrefix("discriminator.") }
    guard hasG && hasD else {
      throw FileError(
        path,
        "holds only the \(hasG ? "generator" : "discriminator"); a gan checkpoint holds both networks (generator.*, discriminator.*)"
      )
    }
    let pair = GANPair(config)
    try typed.restore(into: pair)
    self.pair = pair
    self.checkpoint = ckpt
    self.path = path
    history = typed.history
  }

  /// Restores both optimizers' state into `trainer` (whose networks are `pair`).
  public func restoreOptimizers(into trainer: GANTrainer) throws {
    func part(_ prefix: String) -> [String: Tensor] {
      Dictionary(
        uniqueKeysWithValues: checkpoint.extras.filter { $0.key.hasPrefix(prefix) }.map {
          (String($0.key.dropFirst(prefix.count)), $0.value)
        })
    }
    guard checkpoint.extras.keys.contains(where: { $0.hasPrefix("optG/") }) else {
      throw FileError(path, "holds no optimizer state (a networks-only file); resume from the .last.safetensors file")
    }
    do {
      try trainer.optG.loadStateTensors(part("optG/"))
      try trainer.optD.loadStateTensors(part("optD/"))
    } catch { throw FileError(path, "optimizer state: \(error)") }
    if let average = trainer.average, checkpoint.extras.keys.contains(where: { $0.hasPrefix("ema/") }) {
      do { try average.loadStateDict(part("ema/")) } catch { throw FileError(path, "averaged generator: \(error)") }
    }
    trainer.optG.stepCount = Int(checkpoint.metadata["kestrel.optG_step"] ?? "") ?? 0
    trainer.optD.stepCount = Int(checkpoint.metadata["kestrel.optD_step"] ?? "") ?? 0
  }
}
