/// 2-d convolution layer: (N, C, H, W) → (N, O, OH, OW); weight (O, C/groups, K, K).
public final class Conv2d: Module, Layer {
  /// Weight (O, C/G, KH, KW).
  public var weight: Tensor
  /// Bias (O), when the layer has one.
  public var bias: Tensor?
  /// Stride (rows, columns).
  public let stride: (Int, Int)
  /// How the input is padded.
  public let padding: ConvPadding
  /// Dilation (rows, columns).
  public let dilation: (Int, Int)
  /// Groups of channels convolved separately.
  public let groups: Int

  /// A convolution from `inChannels` to `outChannels` with a square `kernelSize` kernel (PyTorch's default init).
  public init(
    _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: ConvPadding = .valid,
    dilation: Int = 1, groups: Int = 1, bias: Bool = true
  ) {
    precondition(inChannels % groups == 0 && outChannels % groups == 0, "Conv2d: channels must divide by groups")
    let fanIn = inChannels / groups * kernelSize * kernelSize
    weight = Init.torchDefault(
      [outChannels, inChannels / groups, kernelSize, kernelSize], fanIn: fanIn, generator: &Random.global
    )
    .requiringGrad()
    self.bias = bias ? Init.torchDefault([outChannels], fanIn: fanIn, generator: &Random.global).requiringGrad() : nil
    self.stride = (stride, stride)
    self.padding = padding
    self.dilation = (dilation, dilation)
    self.groups = groups
  }

  /// (N, C, H, W) → (N, O, OH, OW).
  public func callAsFunction(_ input: Tensor) -> Tensor {
    input.conv2d(weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
  }
}

/// Transposed 2-d convolution layer; weight (C, O/groups, K, K).
public final class ConvTranspose2d: Module, Layer {
  /// Weight (C, O/G, KH, KW).
  public var weight: Tensor
  /// Bias (O), when the layer has one.
  public var bias: Tensor?
  /// Stride (rows, columns).
  public let stride: (Int, Int)
  /// Padding removed from each side.
  public let padding: (Int, Int)
  /// Extra rows/columns added at the bottom/right of the output.
  public let outputPadding: (Int, Int)
  /// Groups of channels convolved separately.
  public let groups: Int

  /// A transposed convolution from `inChannels` to `outChannels`.
  public init(
    _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
    outputPadding: Int = 0, groups: Int = 1, bias: Bool = true
  ) {
    let fanIn = outChannels / groups * kernelSize * kernelSize  // PyTorch uses weight.shape[1] · K²
    weight = Init.torchDefault(
      [inChannels, outChannels / groups, kernelSize, kernelSize], fanIn: fanIn, generator: &Random.global
    )
    .requiringGrad()
    self.bias = bias ? Init.torchDefault([outChannels], fanIn: fanIn, generator: &Random.global).requiringGrad() : nil
    self.stride = (stride, stride)
    self.padding = (padding, padding)
    self.outputPadding = (outputPadding, outputPadding)
    self.groups = groups
  }

  /// (N, C, H, W) → (N, O, OH, OW).
  public func callAsFunction(_ input: Tensor) -> Tensor {
    input.convTranspose2d(
      weight, bias: bias, stride: stride, padding: padding, outputPadding: outputPadding, groups: groups)
  }
}
