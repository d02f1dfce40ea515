import Datasets
import Engine

/// How to train a classifier.
public struct ClassifyTrainOptions: Codable, Sendable {
  public enum OptimizerKind: String, Codable, CaseIterable, Sendable { case sgd, adam, adamw }
  public enum ScheduleKind: String, Codable, CaseIterable, Sendable { case constant, cosine, step }
  public var epochs = 10
  public var batchSize = 64
  public var optimizer = OptimizerKind.adamw
  public var learningRate: Float = 2e-3
  public var weightDecay: Float = 1e-4
  public var momentum: Float = 0.9
  public var schedule = ScheduleKind.cosine
  public var warmupSteps = 100
  /// Random shifts of up to this many pixels (0: none).
  public var shift = 2
  /// Random horizontal flips (not for digits).
  public var flip = false
  public var labelSmoothing: Float = 0
  public var seed: UInt64 = 0
  public init() {}
}

/// A classify checkpoint: the network's config (architecture, input, labels) and the per-epoch history.
public typealias ClassifyCheckpoint = TypedCheckpoint<ClassifierConfig, ClassifyRecord>

/// One epoch's results.
public struct ClassifyRecord: TrainingRecord {
  public var epoch: Int
  public var trainLoss: Double
  public var trainAccuracy: Double
  public var testAccuracy: Double
  public var seconds: Double
}

/// Accuracy and the confusion matrix (rows: true class) of `network` on `data`.
/// With `sharded`, the ranks of a data-parallel job take batches r, r+N, … and the confusion counts are summed over
/// them, so every rank returns the whole set's figures.
public func evaluate(
  _ network: any Layer, _ data: TensorDataset, classes: Int, batch: Int = 500, sharded: Bool = false
) -> (Double, [[Int]]) {
  network.eval()
  var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
  let sampler = BatchSampler(count: data.count, batchSize: batch, shuffle: false)
  let (rank, ranks) = sharded ? (Distributed.rank, Distributed.worldSize) : (0, 1)
  for (k, idx) in sampler.batches(epoch: 0).enumerated() where k % ranks == rank {
    let (x, y) = data.batch(idx)
    let predicted = noGrad { network(x) }.argmax(axis: -1)
    for (t, p) in zip(y, predicted) { confusion[t][p] += 1 }
  }
  if ranks > 1 {
    var counts = confusion.flatMap { $0.map(Double.init) }
    do { try Distributed.allreduceSum(&counts) } catch { Distributed.abort("\(error)") }
    confusion = (0..<classes).map { t in (0..<classes).map { Int(counts[t * classes + $0]) } }
  }
  let correct = (0..<classes).reduce(0) { $0 + confusion[$1][$1] }
  return (Double(correct) / Double(max(data.count, 1)), confusion)
}

/// Shifts each image of (B, C, S, S) by a random offset in −max…max (zero fill) and optionally flips it.
func augment(_ x: Tensor, shift maxShift: Int, flip: Bool, rng: inout PRNG) -> Tensor {
  if maxShift == 0 && !flip { return x }
  let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  let src = x.toArray()
  var out = [Float](repeating: 0, count: src.count)
  for n in 0..<b {
    let dy = maxShift > 0 ? rng.nextInt(2 * maxShift + 1) - maxShift : 0
    let dx = maxShift > 0 ? rng.nextInt(2 * maxShift + 1) - maxShift : 0
    let mirror = flip && rng.nextUniform() < 0.5
    for ch in 0..<c {
      let base = (n * c + ch) * h * w
      for y in 0..<h {
        let sy = y - dy
        if sy < 0 || sy >= h { continue }
        for xx in 0..<w {
          var sx = xx - dx
          if mirror { sx = w - 1 - sx }
          if sx < 0 || sx >= w { continue }
          out[base + y * w + xx] = src[base + sy * w + sx]
        }
      }
    }
  }
  return Tensor(out, shape: x.shape)
}

/// Image-classifier training as steps for `TrainingRun`: shuffled batches per epoch (drop-last), augmentation,
/// the learning-rate schedule (warm-up, then constant, cosine or step) and running loss/accuracy per epoch.
public final class ClassifierTrainer {
  public let network: any Layer
  public let optimizer: Optimizer
  public let data: LabelledImages
  public let options: ClassifyTrainOptions
  /// Optimizer steps in one epoch.
  public let stepsPerEpoch: Int
  private let sampler: BatchSampler
  private let schedule: any LRSchedule
  private var epoch = -1
  private var batches: [[Int]] = []
  private var rng = PRNG(seed: 0)
  private var sums = (loss: 0.0, correct: 0, seen: 0)
  /// Backward with the gradients averaged over a data-parallel job (plain backward in one process).
  public let ddp: DistributedDataParallel

  /// A trainer over `data.train`; `optimizer` is over `network`'s parameters (restored when resuming). In a
  /// data-parallel job gradients travel in buckets of about `bucketBytes`.
  public init(
    _ network: any Layer, optimizer: Optimizer, data: LabelledImages, options: ClassifyTrainOptions,
    bucketBytes: Int = DataParallel.defaultBucketBytes
  ) {
    (self.network, self.optimizer, self.data, self.options) = (network, optimizer, data, options)
    ddp = DistributedDataParallel(network.parameters, bucketBytes: bucketBytes)
    // In a data-parallel job the sampler makes global batches of batchSize × ranks; each rank trains on its rows.
    sampler = BatchSampler(
      count: data.train.count, batchSize: options.batchSize * Distributed.worldSize, dropLast: true, seed: options.seed)
    stepsPerEpoch = sampler.batchesPerEpoch
    let total = stepsPerEpoch * options.epochs
    let base = options.learningRate
    let warmup = min(options.warmupSteps, total / 5)  // short runs: at most a fifth of the steps warm up
    switch options.schedule {
    case .constant: schedule = WarmupLR(warmupSteps: warmup, then: ConstantLR(base))
    case .cosine:
      schedule = WarmupLR(warmupSteps: warmup, then: CosineLR(base: base, totalSteps: max(total - warmup, 1)))
    case .step:
      schedule = WarmupLR(warmupSteps: warmup, then: StepLR(base: base, stepSize: max(total / 3, 1), gamma: 0.1))
    }
  }

  /// Global step `s` (epoch `s / stepsPerEpoch`): one optimizer step on its batch.
  public func step(_ s: Int) -> TrainingStep {
    if s / stepsPerEpoch != epoch {
      epoch = s / stepsPerEpoch
      batches = sampler.batches(epoch: epoch)
      rng = PRNG(seed: options.seed &+ UInt64(epoch) &* 7919)
      network.train()
    }
    let (x0, y0) = data.train.batch(batches[s % stepsPerEpoch])
    let xg = augment(x0, shift: options.shift, flip: options.flip, rng: &rng)  // (N·B, C, S, S) global batch
    let (x, y) = shard(xg, y0)  // (B, C, S, S) this rank's rows
    optimizer.learningRate = schedule.learningRate(at: optimizer.stepCount)
    optimizer.zeroGrad()
    let logits = network(x)
    let loss = logits.crossEntropy(targets: y, labelSmoothing: options.labelSmoothing)
    ddp.backward(loss)  // gradients averaged over the ranks of a data-parallel job
    optimizer.step()
    sums.loss += Double(loss.item) * Double(y.count)
    sums.correct += zip(noGrad { logits.argmax(axis: -1) }, y).filter { $0 == $1 }.count
    sums.seen += y.count
    let meanLoss = Distributed.worldSize > 1 ? Distributed.mean(Double(loss.item)) : Double(loss.item)
    return TrainingStep(
      loss: meanLoss, units: Double(y.count), status: "loss \(fixedString(sums.loss / Double(sums.seen)))")
  }

  /// This rank's rows of a global batch (all of it in a single process).
  private func shard(_ x: Tensor, _ y: [Int]) -> (Tensor, [Int]) {
    guard Distributed.worldSize > 1 else { return (x, y) }
    let b = options.batchSize
    let rows = (Distributed.rank * b)..<((Distributed.rank + 1) * b)
    return (x.slice(axis: 0, rows).contiguous(), Array(y[rows]))
  }

  /// Test accuracy and the running training loss/accuracy since the last evaluation, as the epoch's record.
  public func evaluate(_ point: EvalPoint) -> ClassifyRecord {
    let (acc, _) = ClassifyKit.evaluate(network, data.test, classes: data.labels.count, sharded: true)
    let (lossSum, correct) = (Distributed.mean(sums.loss), Distributed.mean(Double(sums.correct)))  // over ranks
    let seen = Double(max(sums.seen, 1))
    let record = ClassifyRecord(
      epoch: (point.step + stepsPerEpoch - 1) / stepsPerEpoch, trainLoss: lossSum / seen, trainAccuracy: correct / seen,
      testAccuracy: acc, seconds: point.secondsSinceEval)
    sums = (0, 0, 0)
    network.train()
    return record
  }
}

func fixedString(_ x: Double) -> String { "\((x * 10000).rounded() / 10000)" }

/// The optimizer `options` names, over `network`'s parameters (weight decay on weights, not biases/norms).
public func makeOptimizer(_ network: Module, _ options: ClassifyTrainOptions) -> Optimizer {
  let params = network.namedParameters()
  switch options.optimizer {
  case .sgd:
    return SGD(
      params, learningRate: options.learningRate, momentum: options.momentum, nesterov: true,
      weightDecay: options.weightDecay)
  case .adam:
    return Adam(params, learningRate: options.learningRate, weightDecay: options.weightDecay)
  case .adamw:
    return AdamW(params, learningRate: options.learningRate, weightDecay: options.weightDecay) { _, t in t.rank >= 2 }
  }
}
