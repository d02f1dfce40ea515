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
    let rep = Reporter("W2 MNIST CNN", options)
    Random.seed(0)
    let model = Net()
    let opt = Adam(model.namedParameters(), learningRate: 1e-3)
    let (batch, batches, steps) = (64, 16, 20)
    var rng = PRNG(seed: 0)
    let data = (0..<batches).map { _ in
      (Tensor.randn([batch, 1, 28, 28], generator: &rng), (0..<batch).map { _ in rng.nextInt(10) })
    }
    var it = 0
    let train = timeReps(reps: options.reps, warmup: options.warmup) {
      model.train()
      for _ in 0..<steps {
        let (x, y) = data[it % batches]
        it += 1
        opt.zeroGrad()
        let loss = model(x).crossEntropy(targets: y)
        loss.backward()
        opt.step()
      }
    }
    rep.add("kestrel", "train images/s (batch 64, fwd+bwd+Adam)", "img/s", work: Double(batch * steps), times: train)
    let trainRSS = peakRSSMiB()
    let xs = Tensor.randn([256, 1, 28, 28], generator: &rng)
    let infer = timeReps(reps: options.reps, warmup: options.warmup) {
      model.eval()
      noGrad { for _ in 0..<10 { _ = model(xs) } }
    }
    rep.add("kestrel", "inference images/s (batch 256, no_grad)", "img/s", work: 2560, times: infer)
    rep.addValue("kestrel", "peak RSS after training reps", "MiB", trainRSS)
    rep.addValue("kestrel", "peak RSS of the process", "MiB", peakRSSMiB())
    try rep.finish()
  }
}
