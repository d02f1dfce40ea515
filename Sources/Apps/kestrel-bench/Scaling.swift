import ArgumentParser
import Engine
import Foundation
import TextgenKit
import TranslateKit

/// Data-parallel scaling: the W3, W5 and W6 training steps with DDP, run alone and under `mpirun -np N` by
/// Benchmarks/scaling.sh. Reports global samples/s (N × per-rank batch) and the share of step time spent on the
/// allreduce that backward did not hide.
struct DDPScaling: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ddp",
    abstract: "Data-parallel training throughput of the W3/W5/W6 shapes (run under mpirun -np N).")
  @OptionGroup var options: BenchOptions
  @Option(help: "Workload shape: w3 (CIFAR CNN, 64 img/rank), w5 (char-GPT, 16×128 tok/rank), w6 (translator, 32×32).")
  var shape: Shape = .w5
  @Option(help: "Megabytes of gradients per allreduce bucket.") var bucketMb: Double = 25

  enum Shape: String, ExpressibleByArgument { case w3, w5, w6 }

  func run() throws {
    options.apply()
    try Distributed.initialize()
    Random.seed(0)
    let rep = Reporter("DDP \(shape.rawValue.uppercased()) ×\(Distributed.worldSize) ranks", options)
    let bucketBytes = Int(bucketMb * 1_048_576)
    let (step, samples, unit, parameters) = makeStep(bucketBytes: bucketBytes)
    rep.addValue("kestrel", "parameters", "", Double(parameters))
    let steps = 5
    try Distributed.barrier()
    let times = timeReps(reps: options.reps, warmup: options.warmup) {
      for _ in 0..<steps { step() }
      try? Distributed.barrier()  // the slowest rank sets the pace
    }
    let before = DataParallel.reduceSeconds
    let probe = timeReps(reps: 5, warmup: 0) { for _ in 0..<steps { step() } }
    let share = Distributed.mean(100 * (DataParallel.reduceSeconds - before) / probe.reduce(0, +))
    rep.add(
      "kestrel ×\(Distributed.worldSize)", "train \(unit)/s, all ranks (\(samples) per rank per step)", "\(unit)/s",
      work: Double(steps * samples * Distributed.worldSize), times: times)
    rep.addValue("kestrel ×\(Distributed.worldSize)", "share of step time in allreduce not hidden", "%", share)
    try rep.finish()
  }

  /// One data-parallel step of the chosen shape, the samples it consumes per rank, their unit, and the model's
  /// parameter count.
  func makeStep(bucketBytes: Int) -> (() -> Void, Int, String, Int) {
    var rng = PRNG(seed: UInt64(Distributed.rank) &+ 1)
    switch shape {
    case .w3:
      let net = Sequential(
        Conv2d(3, 32, kernelSize: 3), ReLU(), MaxPool2d(2), Conv2d(32, 64, kernelSize: 3), ReLU(), MaxPool2d(2),
        Conv2d(64, 64, kernelSize: 3), ReLU(), Flatten(), Linear(64 * 4 * 4, 64), ReLU(), Linear(64, 10))
      let (opt, ddp) = (Adam(net.namedParameters(), learningRate: 1e-3), DistributedDataParallel(net.parameters))
      let data = (0..<4).map { _ in
        (Tensor.randn([64, 3, 32, 32], generator: &rng), (0..<64).map { _ in rng.nextInt(10) })
      }
      var it = 0
      return (
        {
          let (x, y) = data[it % data.count]
          it += 1
          opt.zeroGrad()
          ddp.backward(net(x).crossEntropy(targets: y))
          opt.step()
        }, 64, "img", net.parameterCount
      )
    case .w5:
      var c = TextModelConfig()
      (c.vocabulary, c.context, c.kind, c.layers, c.width, c.heads) = (syntheticVocabulary(128), 128, .gpt, 4, 128, 4)
      let trainer = TextTrainer(
        makeLanguageModel(c), options: benchOptions(batch: 16, lr: 3e-4, beta2: 0.95, weightDecay: 0.1),
        bucketBytes: bucketBytes)
      let n = 16 * 128
      let data = (0..<4).map { _ in ((0..<n).map { _ in rng.nextInt(128) }, (0..<n).map { _ in rng.nextInt(128) }) }
      var it = 0
      return (
        {
          let (x, y) = data[it % data.count]
          it += 1
          trainer.step(inputs: x, targets: y, batch: 16, steps: 128)
        }, n, "tok", trainer.model.parameterCount
      )
    case .w6:
      let vocab = SubwordTokenizer(tokens: (0..<4000).map { "t\($0)" }, merges: [])
      var c = TranslatorConfig()
      (c.width, c.heads, c.encoderLayers, c.decoderLayers, c.feedForward, c.dropout, c.preNorm) =
        (128, 4, 2, 2, 512, 0, false)
      (c.source, c.target) = (vocab, vocab)
      var o = TranslateTrainOptions()
      o.schedule = WarmupCosineSettings(
        steps: o.schedule.steps, learningRate: 1e-4, minLearningRate: 1e-4, warmupSteps: 0)
      (o.labelSmoothing, o.clip) = (0, 0)
      let trainer = TranslateTrainer(Translator(c), options: o, bucketBytes: bucketBytes)
      let batches = (0..<4).map { _ in
        TranslationBatch(
          (0..<32).map { _ in
            (source: (0..<32).map { _ in 4 + rng.nextInt(3996) }, target: (0..<31).map { _ in 4 + rng.nextInt(3996) })
          })
      }
      var it = 0
      return (
        {
          trainer.step(batches[it % batches.count])
          it += 1
        }, 1024, "target tok", trainer.model.parameterCount
      )
    }
  }
}

/// Allreduce bandwidth from Swift for 1–64 MB Float buffers: the plain MPI_Allreduce Kestrel calls, and the
/// whole DDP path (pack into buckets, MPI_Iallreduce, wait, unpack ×1/N). Beside Benchmarks/reference-mpi's
/// C loop, under the same mpirun.
struct AllreduceBandwidth: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "allreduce", abstract: "Allreduce bandwidth (MB/s of buffer) for 1–64 MB (run under mpirun -np N).")
  @OptionGroup var options: BenchOptions
  @Option(help: "Buffer sizes in MB, comma-separated.") var sizes = "1,4,16,64"

  func run() throws {
    options.apply()
    try Distributed.initialize()
    let rep = Reporter("Allreduce ×\(Distributed.worldSize) ranks", options)
    for mb in sizes.split(separator: ",").compactMap({ Int($0) }) {
      let count = mb << 18  // floats
      var buffer = [Float](repeating: 1, count: count)
      try Distributed.barrier()
      let plain = try buffer.withUnsafeMutableBufferPointer { buf in
        guard let p = buf.baseAddress else { throw ValidationError("empty buffer") }
        return timeReps(reps: options.reps, warmup: options.warmup) { try? Distributed.allreduceSum(p, count: count) }
      }
      rep.add("kestrel MPI_Allreduce", "\(mb) MB Float buffer", "MB/s", work: Double(mb), times: plain)
      let p = Tensor(zeros: [count], requiresGrad: true)
      p.grad = Tensor(repeating: 1, shape: [count])
      let ddp = DistributedDataParallel([p], bucketBytes: DataParallel.defaultBucketBytes)
      try Distributed.barrier()
      let bucketed = timeReps(reps: options.reps, warmup: options.warmup) { ddp.synchronize() }
      rep.add("kestrel DDP buckets", "\(mb) MB of gradients (25 MB buckets)", "MB/s", work: Double(mb), times: bucketed)
    }
    try rep.finish()
  }
}
