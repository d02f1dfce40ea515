import Datasets
import Engine

/// How to train a classifier.
public struct TrainOptions: Codable, Sendable {
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

/// One epoch's results.
public struct EpochRecord: Codable, Sendable {
  public var epoch: Int
  public var trainLoss: Double
  public var trainAccuracy: Double
  public var testAccuracy: Double
  public var seconds: Double
}

/// Accuracy and the confusion matrix (rows: true class) of `network` on `data`.
public func evaluate(_ network: any Layer, _ data: TensorDataset, classes: Int, batch: Int = 500) -> (Double, [[Int]]) {
  network.eval()
  var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
  let sampler = BatchSampler(count: data.count, batchSize: batch, shuffle: false)
  for idx in sampler.batches(epoch: 0) {
    let (x, y) = data.batch(idx)
    let predicted = noGrad { network(x) }.argmax(axis: -1)
    for (t, p) in zip(y, predicted) { confusion[t][p] += 1 }
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

/// Trains `network` with a progress bar per epoch; after each epoch evaluates on `test`, calls `epochDone`
/// (which saves checkpoints). Returns the history. Starts at `startEpoch` (resume) with `optimizer` restored.
public func trainClassifier(
  _ network: any Layer, optimizer: Optimizer, data: LabelledImages, options: TrainOptions, startEpoch: Int = 0,
  history: [EpochRecord] = [], epochDone: (EpochRecord, [EpochRecord]) throws -> Void
) throws -> [EpochRecord] {
  var history = history
  let sampler = BatchSampler(count: data.train.count, batchSize: options.batchSize, dropLast: true, seed: options.seed)
  let stepsPerEpoch = sampler.batchesPerEpoch
  let total = stepsPerEpoch * options.epochs
  let base = options.learningRate
  let warmup = min(options.warmupSteps, total / 5)  // short runs: at most a fifth of the steps warm up
  let schedule: any LRSchedule
  switch options.schedule {
  case .constant: schedule = WarmupLR(warmupSteps: warmup, then: ConstantLR(base))
  case .cosine: schedule = WarmupLR(warmupSteps: warmup, then: CosineLR(base: base, totalSteps: max(total - warmup, 1)))
  case .step:
    schedule = WarmupLR(warmupSteps: warmup, then: StepLR(base: base, stepSize: max(total / 3, 1), gamma: 0.1))
  }
  for epoch in startEpoch..<options.epochs {
    var rng = PRNG(seed: options.seed &+ UInt64(epoch) &* 7919)
    network.train()
    let bar = ProgressBar(total: stepsPerEpoch, label: "epoch \(epoch + 1)/\(options.epochs)", unit: "img")
    var lossSum = 0.0
    var correct = 0
    var seen = 0
    for idx in sampler.batches(epoch: epoch) {
      let (x0, y) = data.train.batch(idx)
      let x = augment(x0, shift: options.shift, flip: options.flip, rng: &rng)
      optimizer.learningRate = schedule.learningRate(at: optimizer.stepCount)
      optimizer.zeroGrad()
      let logits = network(x)
      let loss = logits.crossEntropy(targets: y, labelSmoothing: options.labelSmoothing)
      loss.backward()
      optimizer.step()
      lossSum += Double(loss.item) * Double(y.count)
      correct += zip(noGrad { logits.argmax(axis: -1) }, y).filter { $0 == $1 }.count
      seen += y.count
      bar.advance(1, units: Double(y.count), status: "loss \(fixedString(lossSum / Double(seen)))")
    }
    let seconds = bar.finish(status: "loss \(fixedString(lossSum / Double(max(seen, 1))))")
    let (acc, _) = evaluate(network, data.test, classes: data.labels.count)
    let record = EpochRecord(
      epoch: epoch + 1, trainLoss: lossSum / Double(max(seen, 1)),
      trainAccuracy: Double(correct) / Double(max(seen, 1)),
      testAccuracy: acc, seconds: seconds)
    history.append(record)
    try epochDone(record, history)
  }
  return history
}

func fixedString(_ x: Double) -> String { "\((x * 10000).rounded() / 10000)" }

/// The optimizer `options` names, over `network`'s parameters (weight decay on weights, not biases/norms).
public func makeOptimizer(_ network: Module, _ options: TrainOptions) -> Optimizer {
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
