import ArgumentParser
import Datasets
import Engine
import Foundation

/// Where the training data comes from.
public struct DataOptions: ParsableArguments {
  public init() {}
  @Option(help: "mnist, fashion-mnist, cifar10, or folder:PATH (one subfolder of images per class).")
  public var dataset: String = "mnist"
  @Option(
    help:
      "Folder holding the IDX files of mnist/fashion-mnist or cifar10's cifar-10-batches-bin files (default: $KESTREL_DATA/<dataset>, .data/<dataset>)."
  )
  public var dataDir: String?
  @Option(help: "Folder datasets: image side after resizing.") public var size = 32
  @Option(help: "Folder datasets: 1 (gray) or 3 (RGB) channels.") public var channels = 3

  public func validate() throws {
    guard ["mnist", "fashion-mnist", "cifar10"].contains(dataset) || dataset.hasPrefix("folder:") else {
      throw ValidationError("--dataset must be mnist, fashion-mnist, cifar10 or folder:PATH (got '\(dataset)')")
    }
    guard channels == 1 || channels == 3 else { throw ValidationError("--channels must be 1 or 3") }
    guard (8...1024).contains(size) else { throw ValidationError("--size must be between 8 and 1024 (got \(size))") }
  }

  public var labelsForIDX: [String] { dataset == "mnist" ? mnistLabels : fashionLabels }

  /// The data folder: `--data-dir` when given (and only it: a folder the user named is never silently replaced by
  /// another), else the first of `$KESTREL_DATA/<dataset>` and `.data/<dataset>` that holds `marker`; each also
  /// with a `cifar-10-batches-bin` subfolder for cifar10.
  public func dataDirectory(holding marker: String) throws -> String {
    var candidates: [String] = []
    if let dataDir {
      candidates.append(dataDir)
    } else {
      if let env = ProcessInfo.processInfo.environment["KESTREL_DATA"] { candidates.append(env + "/" + dataset) }
      candidates.append(".data/" + dataset)
    }
    if dataset == "cifar10" { candidates = candidates.flatMap { [$0, $0 + "/cifar-10-batches-bin"] } }
    for c in candidates where FileIO.exists(c + "/" + marker) { return c }
    let hint = dataDir == nil ? "; pass --data-dir" : ""
    throw FileError(dataset, "no \(marker) in \(candidates.joined(separator: ", "))\(hint)")
  }

  /// Loads the dataset (images for `input` when given: fine-tuning uses ImageNet preprocessing).
  public func load(input: ((Image) -> Tensor)? = nil) throws -> LabelledImages {
    if dataset.hasPrefix("folder:") {
      return try loadFolderDataset(String(dataset.dropFirst(7)), size: size, channels: channels, input: input)
    }
    if dataset == "cifar10" { return try CIFAR10.load(directory: try dataDirectory(holding: CIFAR10.trainFiles[0])) }
    return try loadIDXDataset(directory: try dataDirectory(holding: "train-images-idx3-ubyte.gz"), labels: labelsForIDX)
  }
}
