import Engine
import Foundation

/// Optimisation settings (nanoGPT's shakespeare_char defaults, scaled to a CPU).
public struct TextgenTrainOptions: Codable, Sendable {
  public var batchSize = 32
  /// Warm-up and cosine decay over the run's steps.
  public var schedule = WarmupCosineSettings(steps: 5000, learningRate: 1e-3, minLearningRate: 1e-4, warmupSteps: 100)
  /// AdamW decoupled weight decay on 2-d weights (matrices and embeddings) only.
  public var weightDecay: Float = 0.1
  public var beta2: Float = 0.99
  /// Global gradient-norm clipping (0: off).
  public var clip: Float = 1
  public var seed: UInt64 = 0
  public init() {}
}

/// Random training windows and the optimisation step, shared by `textgen train` and the W4/W5 benchmarks.
public final class TextTrainer {
  public let model: any LanguageModel
  public let optimizer: Adam
  public let options: TextgenTrainOptions
  public let schedule: WarmupLR<CosineLR>
  /// Backward with the gradients averaged over a data-parallel job (plain backward in one process).
  public let ddp: DistributedDataParallel

  /// A trainer for `model`; in a data-parallel job gradients travel in buckets of about `bucketBytes`.
  public init(
    _ model: any LanguageModel, options: TextgenTrainOptions, bucketBytes: Int = DataParallel.defaultBucketBytes
  ) {
    self.model = model
    self.options = options
    ddp = DistributedDataParallel(model.parameters, bucketBytes: bucketBytes)
    optimizer = AdamW(
      model.namedParameters(), learningRate: options.schedule.learningRate, beta1: 0.9, beta2: options.beta2,
      weightDecay: options.weightDecay, decayMask: { _, p in p.rank >= 2 })
    schedule = options.schedule.schedule
  }

  /// `batch` random windows of `steps + 1` tokens from `tokens`: inputs and next-token targets, row-major.
  public static func sampleWindows(_ tokens: [Int], batch: Int, steps: Int, rng: inout PRNG) -> ([Int], [Int]) {
    var x: [Int] = []
    var y: [Int] = []
    x.reserveCapacity(batch * steps)
    y.reserveCapacity(batch * steps)
    for _ in 0..<batch {
      let s = rng.nextInt(tokens.count - steps)
      x += tokens[s..<(s + steps)]
      y += tokens[(s + 1)..<(s + steps + 1)]
    }
    return (x, y)
  }

  /// One optimizer step on a random batch of `tokens`; returns the mean cross-entropy (nats per token). In a
  /// data-parallel job every rank draws the same global batch of `batchSize` × ranks windows (the generators are
  /// seeded alike) and trains on its own `batchSize` rows, so N ranks consume exactly the rows one process with
  /// batch N·b would; the loss returned is the mean over all ranks.
  @discardableResult
  public func step(_ tokens: [Int], rng: inout PRNG) -> Float {
    let (t, b, ranks) = (model.config.context, options.batchSize, Distributed.worldSize)
    let (x, y) = Self.sampleWindows(tokens, batch: b * ranks, steps: t, rng: &rng)  // (N·B, T) global batch
    guard ranks > 1 else { return step(inputs: x, targets: y, batch: b, steps: t) }
    let rows = (Distributed.rank * b * t)..<((Distributed.rank + 1) * b * t)  // this rank's (B, T)
    let loss = step(inputs: Array(x[rows]), targets: Array(y[rows]), batch: b, steps: t)
    return Float(Distributed.mean(Double(loss)))
  }

  /// One optimizer step on given windows (B rows of T).
  @discardableResult
  public func step(inputs: [Int], targets: [Int], batch: Int, steps: Int) -> Float {
    model.train()
    schedule.apply(to: optimizer)
    optimizer.zeroGrad()
    let logits = model.logits(inputs, batch: batch, steps: steps)  // (B, T, V)
    let loss = logits.reshaped([batch * steps, -1]).crossEntropy(targets: targets)
    ddp.backward(loss)  // gradients averaged over the ranks of a data-parallel job
    if options.clip > 0 { _ = clipGradNorm(model.parameters, maxNorm: options.clip) }
    optimizer.step()
    return loss.item
  }

  /// Mean loss over `batches` random windows of `tokens` (evaluation mode, fixed seed: comparable across calls).
  /// The windows are those of the global batch (`batchSize` × ranks), shared out among the ranks of a
  /// data-parallel job and their losses summed, so every rank reports what one process with the global batch would.
  public func evaluate(_ tokens: [Int], batches: Int, seed: UInt64 = 1234) -> Double {
    meanLoss(
      model, tokens, batches: batches, batchSize: options.batchSize * Distributed.worldSize, seed: seed, sharded: true)
  }
}

/// Mean next-token cross-entropy of `model` on `batches` random windows of `tokens` (nats per character). With
/// `batches` nil, the whole text is covered once in consecutive windows.
public func meanLoss(
  _ model: any LanguageModel, _ tokens: [Int], batches: Int?, batchSize: Int, seed: UInt64 = 1234,
  sharded: Bool = false
)
  -> Double
{
  model.eval()
  let t = min(model.config.context, tokens.count - 1)
  guard t >= 1 else { return .nan }
  // Window starts: random (as the trainer samples them) or consecutive; then the same batched loss either way.
  var starts: [Int]
  if let batches {
    var rng = PRNG(seed: seed)
    starts = (0..<(batches * batchSize)).map { _ in rng.nextInt(tokens.count - t) }
  } else {
    starts = Array(stride(from: 0, to: tokens.count - t, by: t))
  }
  return noGrad {
    var total = 0.0
    for (k, first) in stride(from: 0, to: starts.count, by: batchSize).enumerated() {
      // Sharded: rank r evaluates batches r, r + N, …; the sums are added over ranks below.
      if sharded && k % Distributed.worldSize != Distributed.rank { continue }
      let rows = starts[first..<min(first + batchSize, starts.count)]
      let x = rows.flatMap { tokens[$0..<($0 + t)] }
      let y = rows.flatMap { tokens[($0 + 1)..<($0 + t + 1)] }
      let loss = model.logits(x, batch: rows.count, steps: t).reshaped([rows.count * t, -1]).crossEntropy(targets: y)
      total += Double(loss.item) * Double(x.count)
    }
    if sharded && Distributed.worldSize > 1 { total = Distributed.mean(total) * Double(Distributed.worldSize) }
    return total / Double(max(starts.count * t, 1))
  }
}
