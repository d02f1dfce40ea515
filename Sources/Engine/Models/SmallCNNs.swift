import Formats

// Small CNNs for 28×28 (MNIST-like) or other small images. Legend: N = batch, C = channels, S = image side.

/// The architectures `classify train` builds.
public enum Architecture: String, Codable, CaseIterable, Sendable {
  /// LeNet-5 (ReLU, max pooling): 2 convolutions, 3 fully connected layers.
  case lenet
  /// The W2 benchmark CNN: conv 32 → conv 64 → 128 → classes.
  case w2
  /// A deeper CNN with batch norm and dropout: 2×(conv-BN-ReLU ×2, max pool), 256-unit head.
  case bncnn
  /// EfficientNet-Lite0 with a new classifier head (fine-tuning; 224×224 ImageNet preprocessing).
  case efficientnetLite0 = "efficientnet-lite0"
}

/// What a trained small classifier needs to be rebuilt and fed: stored as the checkpoint's config.
public struct ClassifierConfig: Codable, Sendable, Equatable {
  /// The architecture.
  public var arch: Architecture
  /// Input channels (1 gray, 3 RGB).
  public var channels: Int
  /// Input image side.
  public var size: Int
  /// Class names, in label order.
  public var labels: [String]
  /// "mnist" for MNIST-style digit preprocessing of photos, "resize" for plain resizing.
  public var preprocessing: String

  /// A config.
  public init(arch: Architecture, channels: Int, size: Int, labels: [String], preprocessing: String) {
    self.arch = arch
    self.channels = channels
    self.size = size
    self.labels = labels
    self.preprocessing = preprocessing
  }
}

/// Builds the network for `config`.
public func makeNetwork(_ config: ClassifierConfig) -> any Layer {
  let (c, s, k) = (config.channels, config.size, config.labels.count)
  switch config.arch {
  case .lenet:
    let side = ((s / 2) - 4) / 2  // conv5 pad 2 keeps S; pool; conv5 valid; pool
    return Sequential(
      Conv2d(c, 6, kernelSize: 5, padding: .symmetric(2, 2)), ReLU(), MaxPool2d(2),
      Conv2d(6, 16, kernelSize: 5), ReLU(), MaxPool2d(2), Flatten(),
      Linear(16 * side * side, 120), ReLU(), Linear(120, 84), ReLU(), Linear(84, k))
  case .w2:
    let side = ((s - 2) / 2 - 2) / 2
    return Sequential(
      Conv2d(c, 32, kernelSize: 3), ReLU(), MaxPool2d(2), Conv2d(32, 64, kernelSize: 3), ReLU(), MaxPool2d(2),
      Flatten(), Linear(64 * side * side, 128), ReLU(), Linear(128, k))
  case .efficientnetLite0:
    return EfficientNetLite0(classes: k)
  case .bncnn:
    let side = s / 4
    func block(_ i: Int, _ o: Int) -> [any Layer] {
      [Conv2d(i, o, kernelSize: 3, padding: .symmetric(1, 1), bias: false), BatchNorm2d(o), ReLU()]
    }
    return Sequential(
      block(c, 32) + block(32, 32) + [MaxPool2d(2)] + block(32, 64) + block(64, 64) + [MaxPool2d(2), Flatten()]
        + [Linear(64 * side * side, 256, bias: false), BatchNorm1d(256), ReLU(), Dropout(0.3), Linear(256, k)])
  }
}

/// Reads a checkpoint written by `classify train` (its config and weights) and rebuilds the network.
/// Errors are one line naming the file.
public func loadImageClassifier(from path: String) throws -> (network: any Layer, config: ClassifierConfig) {
  let ckpt = try Checkpoint.load(from: path)
  let config: ClassifierConfig
  do { config = try ckpt.config(ClassifierConfig.self) } catch {
    if error is ConfigError { throw FileError(path, "config in the metadata is invalid: \(error)") }
    throw FileError(path, "not a classify checkpoint (no classifier config in its metadata)")
  }
  let network = makeNetwork(config)
  do { try ckpt.restore(into: network) } catch { throw FileError(path, "\(error)") }
  return (network, config)
}

extension ClassifierConfig: ValidatedConfig {
  /// Ranges a checkpoint's config must respect before the network is built.
  public func validate() throws {
    try checkField("channels", channels == 1 || channels == 3, "must be 1 or 3 (is \(channels))")
    try checkField("size", size, in: 8...1024)
    try checkField("labels", labels.count, in: 2...100_000)
    try checkField(
      "preprocessing", ["mnist", "resize", "imagenet"].contains(preprocessing),
      "must be mnist, resize or imagenet")
  }
}
