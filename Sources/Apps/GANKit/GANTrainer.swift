import Engine
import Foundation

/// What one GAN iteration measured (means over the batch).
public struct GANStepStats: Sendable {
  /// Discriminator loss: BCE(D(x), real) + BCE(D(G(z)), 0).
  public var lossD: Double
  /// Generator loss: BCE(D(G(z)), 1) (non-saturating).
  public var lossG: Double
  /// Mean D(x): the discriminator's probability that real images are real.
  public var dReal: Double
  /// Mean D(G(z)) during the discriminator step.
  public var dFake: Double
}

/// Training hyper-parameters (DCGAN defaults: Adam 2e-4, β1 0.5).
public struct GANTrainOptions: Codable, Sendable {
  public var learningRate: Float = 2e-4
  public var beta1: Float = 0.5
  public var beta2: Float = 0.999
  /// One-sided label smoothing: real targets are `1 - labelSmoothing`.
  public var labelSmoothing: Float = 0
  public init() {}
}

/// One DCGAN iteration as in the PyTorch example (and workload W7): a discriminator step on a real and a
/// fake batch (separate forwards), then a generator step through the discriminator re-using the fake batch.
public final class GANTrainer {
  public let pair: GANPair
  public let optG: Adam
  public let optD: Adam
  public let options: GANTrainOptions

  public init(_ pair: GANPair, options: GANTrainOptions = GANTrainOptions()) {
    self.pair = pair
    self.options = options
    optG = Adam(
      pair.generator.namedParameters(), learningRate: options.learningRate, beta1: options.beta1,
      beta2: options.beta2)
    optD = Adam(
      pair.discriminator.namedParameters(), learningRate: options.learningRate, beta1: options.beta1,
      beta2: options.beta2)
  }

  /// Runs one D step and one G step on `real` (N, C, S, S) in [-1, 1]; `z` (N, Z) is drawn from `rng`.
  public func step(real: Tensor, rng: inout PRNG) -> GANStepStats {
    let (g, d) = (pair.generator, pair.discriminator)
    g.train()
    d.train()
    let n = real.shape[0]
    let z = Tensor.randn([n, pair.config.latent], generator: &rng)  // (N, Z)
    let fake = g(z)  // (N, C, S, S)
    let realTargets = Tensor(repeating: 1 - options.labelSmoothing, shape: [n, 1])
    let zeros = Tensor(zeros: [n, 1])
    let ones = Tensor(repeating: 1, shape: [n, 1])

    optD.zeroGrad()
    let realLogits = d(real)  // (N, 1)
    let fakeLogits = d(fake.detached())  // (N, 1)
    let lossD =
      realLogits.binaryCrossEntropyWithLogits(targets: realTargets)
      + fakeLogits.binaryCrossEntropyWithLogits(targets: zeros)
    lossD.backward()
    optD.step()

    // Generator step: D's parameters are frozen so backward computes only what G needs.
    optG.zeroGrad()
    for (_, p) in optD.namedParameters { p.requiresGrad = false }
    let lossG = d(fake).binaryCrossEntropyWithLogits(targets: ones)
    lossG.backward()
    for (_, p) in optD.namedParameters { p.requiresGrad = true }
    optG.step()

    return GANStepStats(
      lossD: Double(lossD.item), lossG: Double(lossG.item),
      dReal: meanSigmoid(realLogits), dFake: meanSigmoid(fakeLogits))
  }
}

/// Mean of σ(x) over a tensor.
func meanSigmoid(_ logits: Tensor) -> Double {
  let v = logits.toArray()
  return v.reduce(0) { $0 + 1 / (1 + Double(exp(-$1))) } / Double(max(v.count, 1))
}
