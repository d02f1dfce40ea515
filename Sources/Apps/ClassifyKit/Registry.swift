import Datasets
import Engine

/// A classifier ready to run: the network, its labels and how to turn an image into its input.
public struct LoadedClassifier {
  public let name: String
  public let network: any Layer
  public let labels: [String]
  public let input: (Image) -> Tensor

  /// Probabilities for a batch of inputs (N, C, H, W) → (N, classes).
  public func probabilities(_ batch: Tensor) -> Tensor {
    network.eval()
    return noGrad { network(batch).softmax() }
  }
}

/// Loads a shipped model by name (from `assets`) or a checkpoint written by `classify train` by path.
public func loadClassifier(_ nameOrPath: String, assets: String) throws -> LoadedClassifier {
  if nameOrPath == "efficientnet-lite0" {
    let path = assets + "/efficientnet-lite0/efficientnet-lite0.safetensors"
    let (tensors, _) = try SafeTensors.read(path)
    let net = EfficientNetLite0()
    try net.loadTorchWeights(tensors, source: path)
    let labels = try lines(of: assets + "/efficientnet-lite0/imagenet1k_labels.txt")
    return LoadedClassifier(name: nameOrPath, network: net, labels: labels) { imagenetInput($0) }
  }
  let path = try ModelRegistry.resolve(nameOrPath, app: "classify", assets: assets)
  let (net, config) = try loadImageClassifier(from: path)
  return LoadedClassifier(name: nameOrPath, network: net, labels: config.labels) { image in
    smallInput(image, config)
  }
}

/// Input for a small classifier: MNIST digit preprocessing, or gray/RGB resized to the training size in [0, 1].
public func smallInput(_ image: Image, _ config: ClassifierConfig) -> Tensor {
  if config.preprocessing == "mnist" && config.channels == 1 { return mnistInput(image) }
  if config.preprocessing == "imagenet" { return imagenetInput(image) }
  return resizedInput(image, size: config.size, channels: config.channels)
}

/// Non-empty lines of a UTF-8 text file.
public func lines(of path: String) throws -> [String] {
  let bytes = try FileIO.read(path)
  guard let text = String(validating: bytes, as: UTF8.self) else { throw FileError(path, "not UTF-8 text") }
  return text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
}
