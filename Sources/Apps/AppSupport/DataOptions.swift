import ArgumentParser
import Datasets
import Engine
import Foundation

/// Where the training data comes from.
public struct DataOptions: ParsableArguments {
  public init() {}
  @Option(help: "mnist, fashion-mnist, or folder:PATH (one subfolder of images per class).")
  public var dataset: String = "mnist"
  @Option(
    help:
      "Folder holding the IDX files of mnist/fashion-mnist (default: $KESTREL_DATA/<dataset>, .data/<dataset>, ../shared/datasets/<dataset>)."
  )
  public var dataDir: String?
  @Option(help: "Folder datasets: image side after resizing.") public var size = 32
  @Option(help: "Folder datasets: 1 (gray) or 3 (RGB) channels.") public var channels = 3

  public func validate() throws {
    guard ["mnist", "fashion-mnist"].contains(dataset) || dataset.hasPrefix("folder:") else {
      throw ValidationError("--dataset must be mnist, fashion-mnist or folder:PATH (got '\(dataset)')")
    }
    guard channels == 1 || channels == 3 else { throw ValidationError("--channels must be 1 or 3") }
    guard size >= 8 else { throw ValidationError("--size must be at least 8") }
  }

  public var labelsForIDX: [String] { dataset == "mnist" ? mnistLabels : fashionLabels }

  /// The IDX folder: the first candidate that holds the training images.
  public func idxDirectory() throws -> String {
    var candidates: [String] = []
    if let dataDir { candidates.append(dataDir) }
    if let env = ProcessInfo.processInfo.environment["KESTREL_DATA"] { candidates.append(env + "/" + dataset) }
    candidates += [".data/" + dataset, "../shared/datasets/" + dataset]
    for c in candidates where FileIO.exists(c + "/train-images-idx3-ubyte.gz") { return c }
    throw FileError(
      dataset,
      "no train-images-idx3-ubyte.gz in \(candidates.joined(separator: ", ")); pass --data-dir")
  }

  /// Loads the dataset (images for `input` when given: fine-tuning uses ImageNet preprocessing).
  public func load(input: ((Image) -> Tensor)? = nil) throws -> LabelledImages {
    if dataset.hasPrefix("folder:") {
      return try loadFolderDataset(String(dataset.dropFirst(7)), size: size, channels: channels, input: input)
    }
    return try loadIDXDataset(directory: try idxDirectory(), labels: labelsForIDX)
  }
}
