import AppSupport
import ArgumentParser
import ClassifyKit
import Datasets
import Engine
import Foundation

extension Architecture: ExpressibleByArgument {}
extension ClassifyTrainOptions.OptimizerKind: ExpressibleByArgument {}
extension ClassifyTrainOptions.ScheduleKind: ExpressibleByArgument {}

/// `classify train`: trains a small CNN (or fine-tunes EfficientNet-Lite0) and keeps the best checkpoint.
struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Trains an image classifier; keeps the best checkpoint by test accuracy.",
    discussion: """
      Writes OUT (best), OUT.last.safetensors (for --resume), OUT.metrics.csv and OUT.curve.png.

      Examples:
        classify train --dataset mnist --arch bncnn --out mnist.safetensors
        # fine-tuning the ImageNet model on a folder of class subfolders:
        classify train --from efficientnet-lite0 --dataset folder:photos/
      """)
  @OptionGroup var data: DataOptions
  @OptionGroup var training: TrainingOptions<ClassifyTraining>
  @Option(help: "Architecture: lenet, w2, bncnn.") var arch: Architecture = .bncnn
  @Option(help: "Fine-tune a shipped model instead (efficientnet-lite0): new head for the dataset's classes.")
  var from: String?
  @Flag(inversion: .prefixedNo, help: "With --from: train only the new head (features computed once).")
  var freezeBackbone = true
  @Option(help: "Epochs.") var epochs = 10
  @Option(help: "Optimizer: sgd (Nesterov), adam, adamw.") var optimizer: ClassifyTrainOptions.OptimizerKind = .adamw
  @Option(help: "Weight decay.") var weightDecay: Float = 1e-4
  @Option(help: "Learning-rate schedule after warm-up: constant, cosine, step.") var schedule:
    ClassifyTrainOptions.ScheduleKind = .cosine
  @Option(help: "Augmentation: random shift of up to N pixels.") var shift = 2
  @Flag(help: "Augmentation: random horizontal flips (not for digits).") var flip = false
  @Option(help: "Label smoothing.") var labelSmoothing: Float = 0
  @Flag(help: "Data-parallel runs (mpirun): batch norm uses the statistics of the global batch, not each rank's.")
  var syncBn = false

  func validate() throws {
    guard epochs > 0 else { throw ValidationError("--epochs must be positive") }
    if let from, from != "efficientnet-lite0" {
      throw ValidationError("--from supports efficientnet-lite0 (got '\(from)')")
    }
  }

  var options: ClassifyTrainOptions {
    var o = ClassifyTrainOptions()
    (o.epochs, o.batchSize, o.optimizer, o.learningRate) = (epochs, training.batchSize, optimizer, training.lr ?? 2e-3)
    (o.weightDecay, o.schedule, o.shift, o.flip) = (weightDecay, schedule, from != nil ? 0 : shift, flip)
    (o.labelSmoothing, o.seed) = (labelSmoothing, training.seed)
    return o
  }

  func run() throws {
    Random.seed(training.seed)
    let outPath =
      training.out
      ?? "classify-\(data.dataset.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: ":", with: "-")).safetensors"
    if from != nil { return try fineTune(outPath) }
    let set = try data.load()
    let config = ClassifierConfig(
      arch: arch, channels: set.channels, size: set.size, labels: set.labels,
      preprocessing: data.dataset == "mnist" ? "mnist" : "resize")
    let network = makeNetwork(config)
    printLine(
      "\(arch.rawValue): \(network.parameterCount) parameters; \(set.train.count) training, \(set.test.count) test images"
    )
    try fit(network, config: config, set: set, outPath: outPath)
  }

  /// Runs training with checkpoints, metrics and the curve; resumes from OUT.last when asked.
  func fit(_ network: any Layer, config: ClassifierConfig, set: LabelledImages, outPath: String) throws {
    let run = try training.makeRun(ClassifyRecord.self, out: outPath, data: data.dataset)
    run.runMetadata["kestrel.data_hash"] = "\(set.train.count)+\(set.test.count)"
    let opt = makeOptimizer(network, options)
    if let resumed = run.resumed {
      do { try resumed.restore(into: network, optimizer: opt) } catch { throw AppError("\(run.lastPath): \(error)") }
    }
    if syncBn { DataParallel.synchronizeBatchNorm(network) }
    let trainer = ClassifierTrainer(
      network, optimizer: opt, data: set, options: options, bucketBytes: training.bucketBytes)
    let started = monotonicSeconds()
    let plan = TrainingPlan(
      totalSteps: trainer.stepsPerEpoch * epochs,
      evalEvery: trainer.stepsPerEpoch * training.evalEveryEpochs(of: epochs),
      budget: training.budgetSeconds, unit: "img", periodName: "epoch")
    try run.run(
      plan: plan, startStep: opt.stepCount, best: .highest, score: \.testAccuracy,
      curve: ("TRAIN LOSS AND TEST ACCURACY BY EPOCH", [("TRAIN LOSS", \.trainLoss), ("TEST ACC", \.testAccuracy)]),
      step: trainer.step, evaluate: trainer.evaluate,
      save: run.saving(network, optimizer: opt, config: config, kind: "classify"),
      report: { r, best in
        printLine(
          "epoch \(r.epoch): train loss \(fixed(r.trainLoss, 4))  train acc \(fixed(100 * r.trainAccuracy, 2))%  test acc \(fixed(100 * r.testAccuracy, 2))%  \(fixed(r.seconds, 1)) s\(best ? "  (best, saved)" : "")"
        )
      })
    let best = run.history.map(\.testAccuracy).max() ?? 0
    printLine(
      "Best test accuracy \(fixed(100 * best, 2))% → \(outPath) (\(fixed(monotonicSeconds() - started, 0)) s; curve \(outPath).curve.png)"
    )
  }

  /// Fine-tuning EfficientNet-Lite0: a new head for the dataset's classes; with a frozen backbone the pooled
  /// features are computed once and only the head trains.
  func fineTune(_ outPath: String) throws {
    let base = try loadClassifier("efficientnet-lite0", assets: assetsDirectory())
    guard let backbone = base.network as? EfficientNetLite0 else { throw AppError("efficientnet-lite0 did not load") }
    let set = try data.load { imagenetInput($0) }
    let config = ClassifierConfig(
      arch: .efficientnetLite0, channels: 3, size: 224, labels: set.labels, preprocessing: "imagenet")
    backbone.fc = Linear(1280, set.labels.count)
    printLine(
      "Fine-tuning efficientnet-lite0 on \(set.labels.count) classes: \(set.train.count) training, \(set.test.count) test images"
    )
    guard freezeBackbone else { return try fit(backbone, config: config, set: set, outPath: outPath) }
    // Frozen: features once (N, 1280), then train the head alone and put it back into the full network.
    backbone.eval()
    func features(_ d: TensorDataset) -> TensorDataset {
      let sampler = BatchSampler(count: d.count, batchSize: 32, shuffle: false)
      let bar = ProgressBar(total: sampler.batchesPerEpoch, label: "features", unit: "img")
      var parts: [Tensor] = []
      for idx in sampler.batches(epoch: 0) {
        let (x, _) = d.batch(idx)
        parts.append(noGrad { backbone.features(x) })
        bar.advance(1, units: Double(idx.count))
      }
      bar.finish()
      return TensorDataset(inputs: Tensor.concat(parts), labels: d.labels)
    }
    let featureSet = LabelledImages(
      train: features(set.train), test: features(set.test), labels: set.labels, channels: 1280, size: 1)
    let head = HeadOnly(backbone.fc)
    try fit(head, config: config, set: featureSet, outPath: outPath + ".head")
    // The saved head checkpoint holds `fc.*`; write the full network with it.
    let best = try Checkpoint.load(from: outPath + ".head")
    try head.loadStateDict(best.model)
    try Checkpoint(model: backbone, config: config, metadata: best.metadata).save(to: outPath)
    printLine("Full fine-tuned model → \(outPath)")
  }
}

/// A classifier head trained on cached features: input (N, 1280, 1, 1) or (N, 1280) → logits.
final class HeadOnly: Module, Layer {
  let fc: Linear
  init(_ fc: Linear) { self.fc = fc }
  func callAsFunction(_ input: Tensor) -> Tensor { fc(input.reshaped([input.shape[0], -1])) }
}

/// classify's defaults for the shared training flags.
enum ClassifyTraining: TrainingDefaults {
  static let values = TrainingDefaultValues(
    learningRate: "2e-3", batchSize: 64, out: "classify-<dataset>.safetensors", evalEvery: (1, "epochs"))
}
