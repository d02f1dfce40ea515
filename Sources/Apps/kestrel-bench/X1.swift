import AppSupport
import ArgumentParser
import ClassifyKit
import Engine

/// X1: EfficientNet-Lite0 inference on the shipped weights: batch-1 latency (median of 7 after 3 warm-ups) and
/// batch-32 throughput (5 after 1), random N(0, 1) inputs, as Benchmarks/reference/x1_efficientnet_lite0.py.
struct X1: Workload {
  static let configuration = CommandConfiguration(
    abstract: "X1: EfficientNet-Lite0 batch-1 latency and batch-32 img/s.")
  @OptionGroup var options: BenchOptions

  func measure(_ rep: Reporter) throws {
    let net = try loadClassifier("efficientnet-lite0", assets: assetsDirectory()).network
    net.eval()
    var rng = PRNG(seed: 0)
    let x1 = Tensor.randn([1, 3, 224, 224], generator: &rng)
    let x32 = Tensor.randn([32, 3, 224, 224], generator: &rng)
    let one = timeReps(reps: 7, warmup: 3) { noGrad { _ = net(x1) } }
    rep.addTime("kestrel", "batch-1 latency: seconds", times: one)
    let many = timeReps(reps: 5, warmup: 1) { noGrad { _ = net(x32) } }
    rep.add("kestrel", "batch-32 images/s", "img/s", work: 32, times: many)
    try rep.finish()
  }

  static let workload = "X1 EfficientNet-Lite0"
}
