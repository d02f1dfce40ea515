import AppSupport
import ArgumentParser
import Engine

/// `kestrel-bench`: Kestrel's side of the reference workloads in Benchmarks/reference (same shapes, same
/// work per repetition, same min/median/max reporting, JSON rows in the reference scripts' format).
@main
struct Bench: ParsableCommand {
  /// Parses negative values after a space (see `normalizedArguments`).
  static func main() { main(normalizedArguments()) }

  static let configuration = CommandConfiguration(
    commandName: "kestrel-bench",
    abstract: "Runs Kestrel's implementations of the reference benchmark workloads.",
    discussion: """
      Each workload mirrors a script in Benchmarks/reference (W1 GEMM, W2 MNIST CNN, W3 CIFAR CNN, \
      W8a DQN update, W9 matrix factorisation, X1 EfficientNet-Lite0 inference). \
      Run `make bench` to run these beside the PyTorch/numpy references in the same session and write \
      BENCHMARKS.md tables with ratios.
      """,
    subcommands: [
      W1.self, W2.self, W3.self, W4.self, W5.self, W6.self, W6Data.self, W7.self, W8a.self, EnvSpeed.self, W9.self,
      X1.self, DDPScaling.self, AllreduceBandwidth.self,
    ])
}

/// A workload: applies the shared options and seeds the engine's generator, then measures into a `Reporter`
/// named `workload`.
protocol Workload: ParsableCommand {
  /// The shared options.
  var options: BenchOptions { get }
  /// The name the rows carry (e.g. "W1 GEMM").
  static var workload: String { get }
  /// Runs the measurements.
  func measure(_ rep: Reporter) throws
}

extension Workload {
  func run() throws {
    options.apply()
    Random.seed(0)
    try measure(Reporter(Self.workload, options))
  }
}

/// Options shared by every workload.
struct BenchOptions: ParsableArguments {
  @Option(help: "Threads (OpenBLAS and the engine's own loops).")
  var threads = 2
  @Option(help: "Timed repetitions (at least 5).")
  var reps = 7
  @Option(help: "Untimed warm-up repetitions.")
  var warmup = 2
  @Option(help: "Append result rows as JSON lines to this file.")
  var json: String?

  func validate() throws {
    guard reps >= 5 else { throw ValidationError("--reps must be at least 5 (got \(reps))") }
    guard (1...256).contains(threads) else {
      throw ValidationError("--threads must be between 1 and 256 (got \(threads))")
    }
    guard (0...1000).contains(warmup) else {
      throw ValidationError("--warmup must be between 0 and 1000 (got \(warmup))")
    }
    guard reps <= 10_000 else { throw ValidationError("--reps must be at most 10000 (got \(reps))") }
  }

  /// Applies the thread count to the engine.
  func apply() { Parallel.threads = threads }
}
