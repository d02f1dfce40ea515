import Formats

// EfficientNet-Lite0 (Tan & Le 2019, Lite variant): no squeeze-excite, ReLU6, TF "SAME" padding, BN eps 1e-3.
// Legend: N = batch, C = channels, H×W = spatial. Property names mirror the lukemelas/EfficientNet-PyTorch keys
// of the shipped weights (`convStem` ↔ `_conv_stem`), see `EfficientNetLite0.torchKey`.

/// One mobile inverted bottleneck: 1×1 expand (when ratio > 1) → depthwise K×K → 1×1 project (+ residual).
public final class MBConv: Module, Layer {
  /// The 1×1 expansion to `expand`× channels (nil when the ratio is 1).
  public let expandConv: Conv2d?
  /// Batch norm after the expansion.
  public let bn0: BatchNorm2d?
  /// The depthwise k×k convolution (TF SAME padding).
  public let depthwiseConv: Conv2d
  /// Batch norm after the depthwise convolution.
  public let bn1: BatchNorm2d
  /// The 1×1 projection back to the block's output channels.
  public let projectConv: Conv2d
  /// Batch norm after the projection (no activation).
  public let bn2: BatchNorm2d
  let residual: Bool

  /// A block from `input` to `output` channels with expansion ratio `expand`, a `kernel`×`kernel` depthwise convolution and `stride`.
  public init(input: Int, output: Int, expand: Int, kernel: Int, stride: Int) {
    let mid = input * expand
    expandConv = expand > 1 ? Conv2d(input, mid, kernelSize: 1, bias: false) : nil
    bn0 = expand > 1 ? BatchNorm2d(mid, momentum: 0.01, eps: 1e-3) : nil
    depthwiseConv = Conv2d(mid, mid, kernelSize: kernel, stride: stride, padding: .same, groups: mid, bias: false)
    bn1 = BatchNorm2d(mid, momentum: 0.01, eps: 1e-3)
    projectConv = Conv2d(mid, output, kernelSize: 1, bias: false)
    bn2 = BatchNorm2d(output, momentum: 0.01, eps: 1e-3)
    residual = stride == 1 && input == output
  }

  /// (N, C, H, W) → (N, output, H/stride, W/stride); the residual is added when shapes allow.
  public func callAsFunction(_ input: Tensor) -> Tensor {
    var x = input  // (N, C, H, W)
    if let expandConv, let bn0 { x = bn0(expandConv(x)).relu6() }  // (N, C·e, H, W)
    x = bn1(depthwiseConv(x)).relu6()  // (N, C·e, H/s, W/s)
    x = bn2(projectConv(x))  // (N, C', H/s, W/s)
    return residual ? x + input : x
  }
}

/// EfficientNet-Lite0 for 224×224 RGB input normalised as (pixel − 127) / 128; 1000 ImageNet logits.
public final class EfficientNetLite0: Module, Layer {
  /// The 3×3 stride-2 stem convolution (3 → 32 channels).
  public let convStem: Conv2d
  /// Batch norm after the stem.
  public let bn0: BatchNorm2d
  /// The 16 MBConv blocks.
  public let blocks: [MBConv]
  /// The 1×1 head convolution to 1280 channels.
  public let convHead: Conv2d
  /// Batch norm after the head convolution.
  public let bn1: BatchNorm2d
  /// The classifier (1280 → classes); replaced when fine-tuning.
  public var fc: Linear

  /// (expand ratio, kernel, stride, output channels, repeats) per stage, as in the paper's Lite0 table.
  static let stages: [(Int, Int, Int, Int, Int)] = [
    (1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3), (6, 5, 1, 112, 3), (6, 5, 2, 192, 4),
    (6, 3, 1, 320, 1),
  ]

  /// The network with a `classes`-way classifier (weights uninitialised until loaded or trained).
  public init(classes: Int = 1000) {
    convStem = Conv2d(3, 32, kernelSize: 3, stride: 2, padding: .same, bias: false)
    bn0 = BatchNorm2d(32, momentum: 0.01, eps: 1e-3)
    var blocks: [MBConv] = []
    var channels = 32
    for (e, k, s, out, repeats) in EfficientNetLite0.stages {
      for r in 0..<repeats {
        blocks.append(MBConv(input: channels, output: out, expand: e, kernel: k, stride: r == 0 ? s : 1))
        channels = out
      }
    }
    self.blocks = blocks
    convHead = Conv2d(channels, 1280, kernelSize: 1, bias: false)
    bn1 = BatchNorm2d(1280, momentum: 0.01, eps: 1e-3)
    fc = Linear(1280, classes)
  }

  /// Pooled 1280-d features before the classifier: (N, 3, 224, 224) → (N, 1280).
  public func features(_ input: Tensor) -> Tensor {
    var x = bn0(convStem(input)).relu6()  // (N, 32, 112, 112)
    for b in blocks { x = b(x) }  // (N, 320, 7, 7)
    return bn1(convHead(x)).relu6().globalAveragePool()  // (N, 1280)
  }

  /// (N, 3, 224, 224) → logits (N, classes).
  public func callAsFunction(_ input: Tensor) -> Tensor { fc(features(input)) }  // (N, classes)

  /// The lukemelas/EfficientNet-PyTorch key of one of our dotted names: module path components become
  /// `_snake_case`, the tensor name `snake_case` (`blocks.3.bn1.runningMean` → `_blocks.3._bn1.running_mean`).
  public static func torchKey(_ name: String) -> String {
    let parts = name.split(separator: ".").map(String.init)
    func snake(_ s: String) -> String {
      var out = ""
      for ch in s {
        if ch.isUppercase {
          out += "_" + ch.lowercased()
        } else {
          out.append(ch)
        }
      }
      return out
    }
    return parts.enumerated().map { i, p in
      if p.allSatisfy(\.isNumber) { return p }
      return i == parts.count - 1 ? snake(p) : "_" + snake(p)
    }.joined(separator: ".")
  }

  /// Loads weights stored under the PyTorch key names (the shipped safetensors file).
  public func loadTorchWeights(_ tensors: [String: Tensor], source: String) throws {
    var mapped: [String: Tensor] = [:]
    for (name, _) in namedTensors() {
      guard let t = tensors[EfficientNetLite0.torchKey(name)] else {
        throw FileError(source, "missing tensor '\(EfficientNetLite0.torchKey(name))' for \(name)")
      }
      mapped[name] = t
    }
    try loadStateDict(mapped)
  }
}
