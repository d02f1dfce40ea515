import Engine

// DCGAN generator and discriminator (Radford et al. 2015, in the layout of workload W7).
// Legend: N = batch, Z = latent size, C = image channels, S = image side (a multiple of 4), F = base width.

/// The architecture of a GAN checkpoint: stored as its `kestrel.config`.
public struct GANConfig: Codable, Sendable, Equatable {
  /// Latent size Z.
  public var latent = 100
  /// Image channels (1 gray, 3 RGB).
  public var channels = 1
  /// Image side S (a multiple of 4; MNIST: 28).
  public var size = 28
  /// Base width F: the generator starts at 2F channels, the discriminator ends at 2F (W7: 64).
  public var width = 64
  /// What the networks were trained on (`mnist`, `fashion-mnist`, `folder:…`).
  public var dataset = "mnist"
  /// Images the discriminator judges together (PacGAN, Lin et al. 2018): 1 is the plain DCGAN; 2 stacks pairs
  /// of images along channels, so a generator that covers only some modes is easier to tell apart.
  public var pack = 1
  /// Extra generator layers at full resolution (0 = W7): with k ≥ 1 the last transposed convolution gives
  /// F/2 channels, then k − 1 3×3 conv + batch norm + ReLU blocks and a 3×3 conv to C channels.
  public var generatorExtra = 0
  /// Extra 3×3 conv + batch norm + LeakyReLU blocks in the discriminator at S/4 resolution (0 = W7).
  public var discriminatorExtra = 0

  public init() {}

  enum CodingKeys: String, CodingKey {
    case latent, channels, size, width, dataset, pack, generatorExtra, discriminatorExtra
  }

  /// Decodes a stored config; checkpoints written before `pack` existed have pack 1.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    latent = try c.decode(Int.self, forKey: .latent)
    channels = try c.decode(Int.self, forKey: .channels)
    size = try c.decode(Int.self, forKey: .size)
    width = try c.decode(Int.self, forKey: .width)
    dataset = try c.decode(String.self, forKey: .dataset)
    pack = try c.decodeIfPresent(Int.self, forKey: .pack) ?? 1
    generatorExtra = try c.decodeIfPresent(Int.self, forKey: .generatorExtra) ?? 0
    discriminatorExtra = try c.decodeIfPresent(Int.self, forKey: .discriminatorExtra) ?? 0
  }
}

/// z (N, Z) → image (N, C, S, S) in [-1, 1].
public final class Generator: Module, Layer {
  let project: Linear
  let projectNorm: BatchNorm1d
  let up1: ConvTranspose2d
  let up1Norm: BatchNorm2d
  let up2: ConvTranspose2d
  /// With `generatorExtra` k ≥ 1: the norm after `up2`, k 3×3 convs and the k − 1 norms between them.
  let up2Norm: [BatchNorm2d]
  let refine: [Conv2d]
  let refineNorms: [BatchNorm2d]
  let start: Int
  let startChannels: Int

  public init(_ c: GANConfig) {
    start = c.size / 4
    startChannels = 2 * c.width
    project = Linear(c.latent, startChannels * start * start)
    projectNorm = BatchNorm1d(startChannels * start * start)
    up1 = ConvTranspose2d(startChannels, c.width, kernelSize: 4, stride: 2, padding: 1)
    up1Norm = BatchNorm2d(c.width)
    let k = c.generatorExtra
    let hidden = max(1, c.width / 2)
    up2 = ConvTranspose2d(c.width, k == 0 ? c.channels : hidden, kernelSize: 4, stride: 2, padding: 1)
    up2Norm = k == 0 ? [] : [BatchNorm2d(hidden)]
    let pad = ConvPadding.symmetric(1, 1)
    refine = (0..<k).map { i in Conv2d(hidden, i == k - 1 ? c.channels : hidden, kernelSize: 3, padding: pad) }
    refineNorms = (0..<max(0, k - 1)).map { _ in BatchNorm2d(hidden) }
  }

  public func callAsFunction(_ z: Tensor) -> Tensor {
    let n = z.shape[0]
    var x = projectNorm(project(z)).relu()  // (N, 2F·S/4·S/4)
    x = x.reshaped([n, startChannels, start, start])  // (N, 2F, S/4, S/4)
    x = up1Norm(up1(x)).relu()  // (N, F, S/2, S/2)
    x = up2(x)  // (N, C, S, S), or (N, F/2, S, S) with extra layers
    guard let norm = up2Norm.first else { return x.tanh() }
    x = norm(x).relu()
    for (conv, bn) in zip(refine, refineNorms) { x = bn(conv(x)).relu() }  // (N, F/2, S, S)
    return refine[refine.count - 1](x).tanh()  // (N, C, S, S)
  }
}

/// images (N, C, S, S) → real/fake logit (N / P, 1), one per pack of P consecutive images.
public final class Discriminator: Module, Layer {
  let down1: Conv2d
  let down2: Conv2d
  let down2Norm: BatchNorm2d
  /// `discriminatorExtra` 3×3 conv + norm blocks at S/4 (2F channels).
  let blocks: [Conv2d]
  let blockNorms: [BatchNorm2d]
  let head: Linear
  let pack: Int

  public init(_ c: GANConfig) {
    let pad = ConvPadding.symmetric(1, 1)
    pack = c.pack
    down1 = Conv2d(c.channels * c.pack, c.width, kernelSize: 4, stride: 2, padding: pad)
    down2 = Conv2d(c.width, 2 * c.width, kernelSize: 4, stride: 2, padding: pad)
    down2Norm = BatchNorm2d(2 * c.width)
    blocks = (0..<c.discriminatorExtra).map { _ in Conv2d(2 * c.width, 2 * c.width, kernelSize: 3, padding: pad) }
    blockNorms = (0..<c.discriminatorExtra).map { _ in BatchNorm2d(2 * c.width) }
    head = Linear(2 * c.width * (c.size / 4) * (c.size / 4), 1)
  }

  public func callAsFunction(_ images: Tensor) -> Tensor {
    let (n, c, s) = (images.shape[0], images.shape[1], images.shape[2])
    precondition(n % pack == 0, "Discriminator: \(n) images do not split into packs of \(pack)")
    let x = pack == 1 ? images : images.reshaped([n / pack, pack * c, s, s])  // (N/P, P·C, S, S)
    var h = down1(x).leakyRelu(0.2)  // (N/P, F, S/2, S/2)
    h = down2Norm(down2(h)).leakyRelu(0.2)  // (N/P, 2F, S/4, S/4)
    for (conv, bn) in zip(blocks, blockNorms) { h = bn(conv(h)).leakyRelu(0.2) }  // (N/P, 2F, S/4, S/4)
    return head(h.flattened())  // (N/P, 1)
  }
}

/// Both networks of a GAN, saved together (`generator.*`, `discriminator.*`).
public final class GANPair: Module {
  public let generator: Generator
  public let discriminator: Discriminator
  public let config: GANConfig

  public init(_ config: GANConfig) {
    self.config = config
    generator = Generator(config)
    discriminator = Discriminator(config)
  }

  /// Pairs existing networks (e.g. an averaged generator with the live discriminator).
  public init(generator: Generator, discriminator: Discriminator, config: GANConfig) {
    (self.generator, self.discriminator, self.config) = (generator, discriminator, config)
  }
}
