import AppSupport
import ArgumentParser
import Datasets
import Engine
import Foundation
import GANKit

/// `gan train`: DCGAN training with per-epoch logs, fixed-noise sample grids and checkpoints.
struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Trains a DCGAN (generator and discriminator, checkpointed together).",
    discussion: """
      After every epoch, atomically: OUT (both networks), OUT.last.safetensors \
      (both networks and both optimizers, for --resume), OUT.metrics.csv and \
      OUT.epoch-NNN.png (64 samples from fixed noise, the same every epoch); at the end OUT.curve.png.

      Example:
        gan train --dataset mnist --epochs 20 --out mnist-dcgan.safetensors
      """)
  @OptionGroup var data: DataOptions
  @Option(help: "Epochs (passes over the training images).") var epochs = 20
  @Option(help: "Batch size.") var batchSize = 64
  @Option(help: "Adam learning rate for both networks.") var lr: Float = 2e-4
  @Option(help: "Adam β1.") var beta1: Float = 0.5
  @Option(help: "From this epoch on, both learning rates fall linearly to 0 at the last epoch (default: constant).")
  var decayFrom: Int?
  @Option(help: "One-sided label smoothing: real targets are 1 − S (e.g. 0.1).") var labelSmoothing: Float = 0
  @Option(help: "Decay of the generator's moving average, saved for sampling (0 = off, e.g. 0.999).")
  var ema: Float = 0
  @Option(help: "Images the discriminator judges together (PacGAN; 1 = plain DCGAN, 2 discourages mode collapse).")
  var pack = 1
  @Option(help: "Latent size.") var latent = 100
  @Option(help: "Base width F (G starts at 2F channels; W7: 64).") var width = 64
  @Option(help: "Extra generator layers at full resolution (3×3 convs; 0 = W7).") var gExtra = 0
  @Option(help: "Extra discriminator blocks at 1/4 resolution (3×3 convs; 0 = W7).") var dExtra = 0
  @Option(help: "Use only the first N training images (quick runs).") var limit: Int?
  @Option(help: "Stop each epoch after N iterations (quick runs).") var maxSteps: Int?
  @Option(help: "Random seed (init, shuffling, noise).") var seed: UInt64 = 0
  @Option(help: "Checkpoint path.") var out = "gan.safetensors"
  @Flag(help: "Continue from OUT.last.safetensors (both networks, optimizers and history).") var resume = false

  func validate() throws {
    guard epochs > 0 else { throw ValidationError("--epochs must be positive (got \(epochs))") }
    guard batchSize >= 2 else { throw ValidationError("--batch-size must be at least 2 (batch norm)") }
    guard lr > 0, beta1 >= 0, beta1 < 1 else { throw ValidationError("--lr must be > 0 and --beta1 in [0, 1)") }
    guard labelSmoothing >= 0, labelSmoothing < 0.5 else {
      throw ValidationError("--label-smoothing must be in [0, 0.5)")
    }
    guard ema >= 0, ema < 1 else { throw ValidationError("--ema must be in [0, 1) (got \(ema))") }
    if let decayFrom, !(0..<epochs).contains(decayFrom) {
      throw ValidationError("--decay-from must be an epoch in 0..<\(epochs) (got \(decayFrom))")
    }
    guard gExtra >= 0, dExtra >= 0 else { throw ValidationError("--g-extra and --d-extra must be ≥ 0") }
    guard latent > 0, width > 0 else { throw ValidationError("--latent and --width must be positive") }
    guard pack >= 1, batchSize % pack == 0, batchSize / pack >= 2 else {
      throw ValidationError("--pack must divide --batch-size into at least 2 packs (got \(pack), \(batchSize))")
    }
    if let limit, limit < batchSize { throw ValidationError("--limit must be at least --batch-size") }
    if let maxSteps, maxSteps <= 0 { throw ValidationError("--max-steps must be positive") }
  }

  func run() throws {
    try checkWritable(out)
    let set: LabelledImages
    do { set = try data.load() } catch { throw AppError("\(error)") }
    guard set.size % 4 == 0 else { throw AppError("\(data.dataset): image side \(set.size) is not a multiple of 4") }
    var images = noGrad { set.train.inputs * 2 - 1 }  // (N, C, S, S) in [-1, 1]
    if let limit, limit < images.shape[0] { images = images.slice(axis: 0, 0..<limit).contiguous() }
    let count = images.shape[0]
    guard count >= batchSize else { throw AppError("\(data.dataset): \(count) images, fewer than one batch") }
    let dataset = TensorDataset(inputs: images, labels: Array(set.train.labels.prefix(count)))

    Random.seed(seed)
    var trainer: GANTrainer
    var history: [GANEpochRecord] = []
    if resume {
      let saved = try ModelOptions.parse(["--model", out + ".last.safetensors"]).load()
      let c = saved.pair.config
      guard c.channels == set.channels, c.size == set.size else {
        throw AppError(
          "\(out): trained on \(c.channels)×\(c.size)×\(c.size) images, \(data.dataset) has \(set.channels)×\(set.size)×\(set.size)"
        )
      }
      trainer = GANTrainer(saved.pair, options: options)
      do { try saved.restoreOptimizers(into: trainer) } catch { throw AppError("\(error)") }
      history = saved.history
      printLine("Resuming after epoch \(history.count) from \(out).last.safetensors")
      guard history.count < epochs else {
        printLine("already trained for \(history.count) epochs (--epochs \(epochs)); nothing to do")
        return
      }
    } else {
      trainer = GANTrainer(GANPair(config(set)), options: options)
    }
    let pair = trainer.pair
    printLine(
      "DCGAN on \(data.dataset): G \(pair.generator.parameterCount) + D \(pair.discriminator.parameterCount) parameters; \(count) images \(set.channels)×\(set.size)×\(set.size)"
    )
    let metrics = try MetricsLogger(path: out + ".metrics.csv", append: resume)
    let fixedNoise = latents(count: 64, size: pair.config.latent, seed: seed &+ 12345)
    let sampler = BatchSampler(count: count, batchSize: batchSize, shuffle: true, dropLast: true, seed: seed)
    var rng = PRNG(seed: seed &+ UInt64(history.count) &* 1_000_003)
    let stepsPerEpoch = min(sampler.batchesPerEpoch, maxSteps ?? Int.max)
    let schedule = LinearDecayLR(
      base: lr, holdSteps: (decayFrom ?? epochs) * stepsPerEpoch, totalSteps: epochs * stepsPerEpoch)
    for epoch in history.count..<epochs {
      let batches = sampler.batches(epoch: epoch).prefix(maxSteps ?? Int.max)
      let bar = ProgressBar(total: batches.count, label: "epoch \(epoch + 1)/\(epochs)", unit: "img")
      var sums = (0.0, 0.0, 0.0, 0.0)
      for (i, idx) in batches.enumerated() {
        let real = dataset.batch(idx).0  // (B, C, S, S)
        schedule.apply(to: trainer.optD)
        schedule.apply(to: trainer.optG)
        let s = trainer.step(real: real, rng: &rng)
        sums = (sums.0 + s.lossD, sums.1 + s.lossG, sums.2 + s.dReal, sums.3 + s.dFake)
        let k = Double(i + 1)
        bar.advance(
          1, units: Double(idx.count), status: "loss_D \(fixed(sums.0 / k, 3)) loss_G \(fixed(sums.1 / k, 3))")
      }
      let seconds = bar.finish()
      let k = Double(max(batches.count, 1))
      let record = GANEpochRecord(
        epoch: epoch + 1, lossD: sums.0 / k, lossG: sums.1 / k, dReal: sums.2 / k, dFake: sums.3 / k, seconds: seconds)
      history.append(record)
      trainer.recalibrateAverage()
      let grid = out + ".epoch-" + String(format: "%03d", epoch + 1) + ".png"
      try imageGrid(generate(trainer.samplingPair.generator, fixedNoise), columns: 8, scale: 2).writePNG(to: grid)
      let meta = ["kestrel.seed": "\(seed)", "kestrel.dataset": data.dataset]
      try saveGAN(trainer, history: history, metadata: meta, to: out + ".last.safetensors")
      try saveGAN(trainer, history: history, metadata: meta, optimizers: false, to: out)
      metrics.log([
        "epoch": Double(record.epoch), "loss_D": record.lossD, "loss_G": record.lossG, "D_x": record.dReal,
        "D_G_z": record.dFake, "seconds": seconds,
      ])
      printLine(
        "epoch \(record.epoch)/\(epochs)  loss_D \(fixed(record.lossD, 3))  loss_G \(fixed(record.lossG, 3))  D(x) \(fixed(record.dReal, 3))  D(G(z)) \(fixed(record.dFake, 3))  \(fixed(seconds, 1)) s  → \(out), \(grid)"
      )
    }
    let curve = lineChart(
      title: "GAN LOSSES BY EPOCH",
      series: [
        ("loss_D", history.map(\.lossD), (200, 60, 40)), ("loss_G", history.map(\.lossG), (40, 90, 200)),
      ])
    try curve.writePNG(to: out + ".curve.png")
  }

  func config(_ set: LabelledImages) -> GANConfig {
    var c = GANConfig()
    (c.latent, c.channels, c.size, c.width, c.dataset, c.pack) = (
      latent, set.channels, set.size, width, data.dataset, pack
    )
    (c.generatorExtra, c.discriminatorExtra) = (gExtra, dExtra)
    return c
  }

  var options: GANTrainOptions {
    var o = GANTrainOptions()
    (o.learningRate, o.beta1, o.labelSmoothing, o.emaDecay) = (lr, beta1, labelSmoothing, ema)
    return o
  }
}
