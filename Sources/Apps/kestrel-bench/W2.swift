import ArgumentParser
import Engine

/// W2: the MNIST CNN of the reference, training (batch 64, Adam) and inference (batch 256) images/s.
struct W2: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "W2: MNIST-shaped CNN training and inference images/s, and peak RSS.")
  @OptionGroup var options: BenchOptions

  final class Net: Module, Layer {
    let conv1 = Conv2d(1, 32, kernelSize: 3)
    let conv2 = Conv2d(32, 64, kernelSize: 3)
    let fc1 = Linear(64 * 5 * 5, 128)
    let fc2 = Linear(128, 10)
    func callAsFunction(_ x: Tensor) -> Tensor {
      var h = conv1(x).relu().maxPool2d(kernel: (2, 2))  // (B, 32, 13, 13)
      h = conv2(h).relu().maxPool2d(kernel: (2, 2))  // (B, 64, 5, 5)
      return fc2(fc1(h.flattened()).relu())  // (B, 10)
    }
  }

  func run() throws {
    options.apply()
    Random.seed(0)
    try runCNNBenchmark(
      "W2 MNIST CNN", model: Net(), input: [1, 28, 28], trainSteps: 20, inferBatches: 10, options: options,
      reportRSS: true)
  }
}

/// W3: the CIFAR-shaped CNN of the reference (3×32×32, three convolutions), same protocol as W2 with 10 training
/// steps and 5 inference batches per repetition.
struct W3: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "W3: CIFAR-shaped CNN training and inference images/s.")
  @OptionGroup var options: BenchOptions

  func run() throws {
    options.apply()
    Random.seed(0)
    let net = Sequential(
      Conv2d(3, 32, kernelSize: 3), ReLU(), MaxPool2d(2), Conv2d(32, 64, kernelSize: 3), ReLU(), MaxPool2d(2),
      Conv2d(64, 64, kernelSize: 3), ReLU(), Flatten(), Linear(64 * 4 * 4, 64), ReLU(), Linear(64, 10))
    try runCNNBenchmark(
      "W3 CIFAR CNN", model: net, input: [3, 32, 32], trainSteps: 10, inferBatches: 5, options: options)
  }
}

/// Training (batch 64, Adam 1e-3, 16 synthetic batches cycled) and inference (batch 256) images/s of `model`.
func runCNNBenchmark(
  _ workload: String, model: any Layer, input: [Int], trainSteps: Int, inferBatches: Int, options: BenchOptions,
  reportRSS: Bool = false
) throws {
  let rep = Reporter(workload, options)
  let opt = Adam(model.namedParameters(), learningRate: 1e-3)
  let (batch, batches) = (64, 16)
  var rng = PRNG(seed: 0)
  let data = (0..<batches).map { _ in
    (Tensor.randn([batch] + input, generator: &rng), (0..<batch).map { _ in rng.nextInt(10) })
  }
  var it = 0
  let train = timeReps(reps: options.reps, warmup: options.warmup) {
    model.train()
    for _ in 0..<trainSteps {
      let (x, y) = data[it % batches]
      it += 1
      opt.zeroGrad()
      let loss = model(x).crossEntropy(targets: y)
      loss.backward()
      opt.step()
    }
  }
  rep.add("kestrel", "train images/s (batch 64, fwd+bwd+Adam)", "img/s", work: Double(batch * trainSteps), times: train)
  let trainRSS = peakRSSMiB()
  let xs = Tensor.randn([256] + input, generator: &rng)
  let infer = timeReps(reps: options.reps, warmup: options.warmup) {
    model.eval()
    noGrad { for _ in 0..<inferBatches { _ = model(xs) } }
  }
  rep.add("kestrel", "inference images/s (batch 256, no_grad)", "img/s", work: Double(256 * inferBatches), times: infer)
  if reportRSS {
    rep.addValue("kestrel", "peak RSS after training reps", "MiB", trainRSS)
    rep.addValue("kestrel", "peak RSS of the process", "MiB", peakRSSMiB())
  }
  try rep.finish()
}
