import Engine

/// A labelled image dataset in memory: inputs (N, C, S, S) in [0, 1] and integer labels.
public struct LabelledImages {
  /// Training images (N, C, S, S) and labels.
  public var train: TensorDataset
  /// Test images and labels.
  public var test: TensorDataset
  /// Class names, in label order.
  public var labels: [String]
  /// Channels (1 gray, 3 RGB).
  public var channels: Int
  /// Image side.
  public var size: Int

  /// A dataset.
  public init(train: TensorDataset, test: TensorDataset, labels: [String], channels: Int, size: Int) {
    self.train = train
    self.test = test
    self.labels = labels
    self.channels = channels
    self.size = size
  }
}

/// Class names of the two IDX datasets.
public let mnistLabels = (0...9).map { "\($0)" }
/// Class names of Fashion-MNIST.
public let fashionLabels = [
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]

/// Loads MNIST or Fashion-MNIST (`train-images-idx3-ubyte.gz` … in `directory`).
public func loadIDXDataset(directory: String, labels: [String]) throws -> LabelledImages {
  func split(_ prefix: String) throws -> TensorDataset {
    let images = try IDXArray(contentsOf: "\(directory)/\(prefix)-images-idx3-ubyte.gz")
    let classes = try IDXArray(contentsOf: "\(directory)/\(prefix)-labels-idx1-ubyte.gz")
    guard images.shape.count == 3, classes.shape.count == 1, images.shape[0] == classes.shape[0] else {
      throw FileError(directory, "\(prefix) images \(images.shape) and labels \(classes.shape) do not match")
    }
    guard images.shape[0] > 0, images.shape[1] == images.shape[2], (8...4096).contains(images.shape[1]) else {
      throw FileError(
        "\(directory)/\(prefix)-images-idx3-ubyte.gz",
        "holds \(images.shape[0]) images of \(images.shape[1])×\(images.shape[2]); expected at least one square image of 8 to 4096 pixels a side"
      )
    }
    let x = Tensor(images.bytes.map { Float($0) / 255 }, shape: [images.shape[0], 1, images.shape[1], images.shape[2]])
    let y = classes.bytes.map { Int($0) }
    if let bad = y.first(where: { $0 >= labels.count }) {
      throw FileError(directory, "label \(bad) is outside the \(labels.count) classes")
    }
    return TensorDataset(inputs: x, labels: y)
  }
  let train = try split("train")
  let test = try split("t10k")
  return LabelledImages(
    train: train, test: test, labels: labels, channels: 1, size: train.inputs.shape[2])
}

/// An image as a (C, S, S) tensor in [0, 1]: gray (1 channel) or RGB (3), resized to `size`×`size` (bilinear)
/// unless it already has that size.
public func resizedInput(_ image: Image, size: Int, channels: Int) -> Tensor {
  let img = channels == 1 ? image.gray() : image.rgb()
  let sized =
    (img.width == size && img.height == size) ? img : img.resized(width: size, height: size, filter: .bilinear)
  return sized.tensorCHW { $0 / 255 }  // (C, S, S)
}

/// Loads an image folder: one subfolder per class (sorted names), PNG/JPEG files inside, resized to `size`×`size`
/// with `channels` channels. Every `testEvery`-th image of each class (by sorted file name) is held out.
public func loadFolderDataset(
  _ root: String, size: Int, channels: Int, testEvery: Int = 5, input: ((Image) -> Tensor)? = nil
) throws -> LabelledImages {
  let classes = try listDirectory(root).filter { isDirectory(root + "/" + $0) }.sorted()
  guard classes.count >= 2 else { throw FileError(root, "needs at least 2 class subfolders, found \(classes.count)") }
  var trainX: [Tensor] = []
  var trainY: [Int] = []
  var testX: [Tensor] = []
  var testY: [Int] = []
  for (label, cls) in classes.enumerated() {
    let files = try listDirectory(root + "/" + cls).filter {
      let l = $0.lowercased()
      return l.hasSuffix(".png") || l.hasSuffix(".jpg") || l.hasSuffix(".jpeg")
    }.sorted()
    guard !files.isEmpty else { throw FileError(root + "/" + cls, "no PNG or JPEG images") }
    for (k, f) in files.enumerated() {
      let image = try loadImage(root + "/" + cls + "/" + f)
      let x = input?(image) ?? resizedInput(image, size: size, channels: channels)
      if k % testEvery == testEvery - 1 {
        testX.append(x)
        testY.append(label)
      } else {
        trainX.append(x)
        trainY.append(label)
      }
    }
  }
  guard !testX.isEmpty else {
    throw FileError(root, "too few images to hold out a test set (need \(testEvery) per class)")
  }
  return LabelledImages(
    train: TensorDataset(inputs: Tensor.stack(trainX), labels: trainY),
    test: TensorDataset(inputs: Tensor.stack(testX), labels: testY), labels: classes, channels: channels, size: size)
}

#if canImport(Glibc)
  import Glibc
#endif

/// Entries of a directory (without . and ..).
public func listDirectory(_ path: String) throws -> [String] {
  guard let dir = opendir(path) else {
    throw FileError(path, FileIO.exists(path) ? "not a directory" : "no such directory")
  }
  defer { closedir(dir) }
  var names: [String] = []
  while let entry = readdir(dir) {
    let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
      String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
    }
    if name != "." && name != ".." { names.append(name) }
  }
  return names
}

/// True when `path` is a directory.
public func isDirectory(_ path: String) -> Bool {
  var st = stat()
  return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
}
