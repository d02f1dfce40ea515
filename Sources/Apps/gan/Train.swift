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
  @OptionGroup var training: TrainingOptions<GANTraining>
  @Option(help: "Epochs (passes over the training images).") var epochs = 20
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
  @Flag(help: "Data-parallel runs (mpirun): batch norm uses the statistics of the global batch, not each rank's.")
  var syncBn = false

  func validate() throws {
    guard epochs > 0 else { throw ValidationError("--epochs must be positive (got \(epochs))") }
    guard batchSize >= 2 else { throw ValidationError("--batch-size must be at least 2 (batch norm)") }
    guard beta1 >= 0, beta1 < 1 else { throw ValidationError("--beta1 must be in [0, 1)") }
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

  var lr: Float { training.lr ?? 2e-4 }
  var batchSize: Int { training.batchSize }
  var seed: UInt64 { training.seed }

  func run() throws {
    let set: LabelledImages
    do { set = try data.load() } catch { throw AppError("\(error)") }
    guard set.size % 4 == 0 else { throw AppError("\(data.dataset): image side \(set.size) is not a multiple of 4") }
    var images = noGrad { set.train.inputs * 2 - 1 }  // (N, C, S, S) in [-1, 1]
    if let limit, limit < images.shape[0] { images = images.slice(axis: 0, 0..<limit).contiguous() }
    let count = images.shape[0]
    do { try Distributed.initialize() } catch { throw AppError("\(error)") }
    let global = batchSize * Distributed.worldSize  // --batch-size is per rank (PyTorch's convention)
    guard count >= global else { throw AppError("\(data.dataset): \(count) images, fewer than one batch of \(global)") }
    let dataset = TensorDataset(inputs: images, labels: Array(set.train.labels.prefix(count)))

    Random.seed(seed)
    let out = training.out ?? "gan.safetensors"
    let run = try training.makeRun(GANRecord.self, out: out, data: data.dataset)
    let trainer: GANTrainer
    if let resumed = run.resumed {
      let saved: LoadedGAN
      do { saved = try LoadedGAN(resumed, path: run.lastPath) } catch { throw AppError("\(error)") }
      let c = saved.pair.config
      guard c.channels == set.channels, c.size == set.size else {
        throw AppError(
          "\(out): trained on \(c.channels)×\(c.size)×\(c.size) images, \(data.dataset) has \(set.channels)×\(set.size)×\(set.size)"
        )
      }
      trainer = GANTrainer(saved.pair, options: options, bucketBytes: training.bucketBytes)
      do { try saved.restoreOptimizers(into: trainer) } catch { throw AppError("\(error)") }
    } else {
      trainer = GANTrainer(GANPair(config(set)), options: options, bucketBytes: training.bucketBytes)
    }
    let pair = trainer.pair
    if syncBn {
      DataParallel.synchronizeBatchNorm(pair.generator)
      DataParallel.synchronizeBatchNorm(pair.discriminator)
    }
    printLine(
      "DCGAN on \(data.dataset): G \(pair.generator.parameterCount) + D \(pair.discriminator.parameterCount) parameters; \(count) images \(set.channels)×\(set.size)×\(set.size)"
    )
    try train(trainer, dataset: dataset, run: run)
  }

  /// Epochs of alternating D and G steps; after each: a fixed-noise grid and both checkpoints.
  func train(_ trainer: GANTrainer, dataset: TensorDataset, run: TrainingRun<GANRecord>) throws {
    let fixedNoise = latents(count: 64, size: trainer.pair.config.latent, seed: seed &+ 12345)
    // Global batches of batchSize × ranks, shuffled alike on every rank; each rank trains on its rows.
    let (rank, ranks) = (Distributed.rank, Distributed.worldSize)
    let sampler = BatchSampler(
      count: dataset.count, batchSize: batchSize * ranks, shuffle: true, dropLast: true, seed: seed)
    var rng = PRNG(seed: seed &+ UInt64(run.history.count) &* 1_000_003)
    let stepsPerEpoch = min(sampler.batchesPerEpoch, maxSteps ?? Int.max)
    let schedule = LinearDecayLR(
      base: lr, holdSteps: (decayFrom ?? epochs) * stepsPerEpoch, totalSteps: epochs * stepsPerEpoch)
    var (epoch, batches) = (-1, [[Int]]())
    var sums = (0.0, 0.0, 0.0, 0.0, 0)
    var grid = ""
    let plan = TrainingPlan(
      totalSteps: epochs * stepsPerEpoch, evalEvery: stepsPerEpoch * training.evalEveryEpochs(of: epochs),
      budget: training.budgetSeconds, unit: "img", periodName: "epoch")
    try run.run(
      plan: plan, startStep: run.history.count * plan.evalEvery, best: .latest,
      curve: ("GAN LOSSES BY EPOCH", [("loss_D", \.lossD), ("loss_G", \.lossG)]),
      step: { s in
        if s / stepsPerEpoch != epoch {
          (epoch, batches) = (s / stepsPerEpoch, sampler.batches(epoch: s / stepsPerEpoch))
        }
        let idx = Array(batches[s % stepsPerEpoch][(rank * batchSize)..<((rank + 1) * batchSize)])
        let real = dataset.batch(idx).0  // (B, C, S, S)
        schedule.apply(to: trainer.optD)
        schedule.apply(to: trainer.optG)
        let r = trainer.step(real: real, rng: &rng)
        sums = (sums.0 + r.lossD, sums.1 + r.lossG, sums.2 + r.dReal, sums.3 + r.dFake, sums.4 + 1)
        let k = Double(sums.4)
        return TrainingStep(
          loss: r.lossD + r.lossG, units: Double(idx.count),
          status: "loss_D \(fixed(sums.0 / k, 3)) loss_G \(fixed(sums.1 / k, 3))")
      },
      evaluate: { p in
        let k = Double(max(sums.4, 1))
        let record = GANRecord(
          epoch: (p.step + stepsPerEpoch - 1) / stepsPerEpoch, lossD: sums.0 / k, lossG: sums.1 / k, dReal: sums.2 / k,
          dFake: sums.3 / k,
          seconds: p.secondsSinceEval)
        sums = (0, 0, 0, 0, 0)
        trainer.recalibrateAverage()
        grid = run.out + ".epoch-" + String(format: "%03d", record.epoch) + ".png"
        let images = generate(trainer.samplingPair.generator, fixedNoise)
        if Distributed.isPrimary { try imageGrid(images, columns: 8, scale: 2).writePNG(to: grid) }
        return record
      },
      save: { path, withOptimizer, history, meta in
        try saveGAN(trainer, history: history, metadata: meta, optimizers: withOptimizer, to: path)
      },
      report: { r, _ in
        printLine(
          "epoch \(r.epoch)/\(epochs)  loss_D \(fixed(r.lossD, 3))  loss_G \(fixed(r.lossG, 3))  D(x) \(fixed(r.dReal, 3))  D(G(z)) \(fixed(r.dFake, 3))  \(fixed(r.seconds, 1)) s  → \(run.out), \(grid)"
        )
      })
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

/// gan's defaults for the shared training flags.
enum GANTraining: TrainingDefaults {
  static let values = TrainingDefaultValues(
    learningRate: "2e-4, both networks", batchSize: 64, out: "gan.safetensors", evalEvery: (1, "epochs"))
}
