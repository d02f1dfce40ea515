import ArgumentParser
import Engine
import GANKit

/// W7: DCGAN training iterations/s (D step + G step, batch 64) with the `gan` app's own trainer.
struct W7: Workload {
  static let configuration = CommandConfiguration(
    abstract: "W7: DCGAN on 28×28 gray images, training iterations/s (batch 64).")
  @OptionGroup var options: BenchOptions

  func measure(_ rep: Reporter) throws {
    let trainer = GANTrainer(GANPair(GANConfig()))
    var rng = PRNG(seed: 0)
    let reals = (0..<16).map { _ in Tensor.uniform([64, 1, 28, 28], low: -1, high: 1, generator: &rng) }
    var it = 0
    let iterations = 10
    let times = timeReps(reps: options.reps, warmup: options.warmup) {
      for _ in 0..<iterations {
        _ = trainer.step(real: reals[it % reals.count], rng: &rng)
        it += 1
      }
    }
    rep.add("kestrel", "train iterations/s (D step + G step, batch 64)", "it/s", work: Double(iterations), times: times)
    try rep.finish()
  }

  static let workload = "W7 DCGAN"
}
