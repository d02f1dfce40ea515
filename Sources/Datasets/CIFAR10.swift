import Engine

/// The CIFAR-10 binary format (`cifar-10-batches-bin`): each record is one label byte and 3,072 pixel bytes, the
/// red, green and blue 32×32 planes in row-major order. The folder holds `data_batch_1.bin` … `data_batch_5.bin`,
/// `test_batch.bin` and `batches.meta.txt` (the class names, one per line).
public enum CIFAR10 {
  /// Bytes per record: the label and 3 × 32 × 32 pixels.
  public static let recordSize = 1 + 3 * 32 * 32
  /// The training files, in order.
  public static let trainFiles = (1...5).map { "data_batch_\($0).bin" }
  /// The test file.
  public static let testFile = "test_batch.bin"

  /// Decodes one batch file's bytes: inputs (N, 3, 32, 32) in [0, 1] and labels, each below `classes`.
  /// `source` names the file in errors.
  public static func decode(_ bytes: [UInt8], classes: Int, source: String) throws -> TensorDataset {
    guard !bytes.isEmpty else { throw FileError(source, "empty file, expected CIFAR-10 records") }
    guard bytes.count % recordSize == 0 else {
      throw FileError(
        source, "\(bytes.count) bytes is not a whole number of \(recordSize)-byte CIFAR-10 records (label + 32×32×3)")
    }
    let n = bytes.count / recordSize
    let pixels = recordSize - 1
    var x = [Float](repeating: 0, count: n * pixels)
    var y = [Int](repeating: 0, count: n)
    for i in 0..<n {
      let base = i * recordSize
      let label = Int(bytes[base])
      guard label < classes else {
        throw FileError(source, "record \(i + 1) has label \(label); the dataset has \(classes) classes")
      }
      y[i] = label
      for p in 0..<pixels { x[i * pixels + p] = Float(bytes[base + 1 + p]) / 255 }
    }
    return TensorDataset(inputs: Tensor(x, shape: [n, 3, 32, 32]), labels: y)  // (N, 3, 32, 32)
  }

  /// The class names from `batches.meta.txt` (non-empty lines), or the standard ten when the file is absent.
  public static func labels(directory: String) throws -> [String] {
    let path = directory + "/batches.meta.txt"
    guard FileIO.exists(path) else { return standardLabels }
    let names = try lines(path).map { $0.text.trimmingSpaces }.filter { !$0.isEmpty }
    guard (2...256).contains(names.count) else {
      throw FileError(path, "\(names.count) class names; expected between 2 and 256")
    }
    return names
  }

  /// The ten CIFAR-10 classes.
  public static let standardLabels = [
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
  ]

  /// Loads the five training batches and the test batch from `directory`.
  public static func load(directory: String) throws -> LabelledImages {
    let labels = try labels(directory: directory)
    func read(_ name: String) throws -> TensorDataset {
      let path = directory + "/" + name
      return try decode(try FileIO.read(path), classes: labels.count, source: path)
    }
    let parts = try trainFiles.map(read)
    let train = TensorDataset(inputs: Tensor.concat(parts.map(\.inputs)), labels: parts.flatMap(\.labels))
    return LabelledImages(train: train, test: try read(testFile), labels: labels, channels: 3, size: 32)
  }
}
