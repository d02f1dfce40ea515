import ArgumentParser
import Engine

/// An app's defaults for the common training flags, shown in its `--help`.
public struct TrainingDefaultValues: Sendable {
  /// The default of `--lr`, as shown in help (the app resolves it; it may depend on the model).
  public var learningRate: String
  /// The default of `--batch-size`.
  public var batchSize: Int
  /// The default of `--out`, as shown in help.
  public var out: String
  /// The default of `--eval-every`, and what it counts (`steps` or `epochs`).
  public var evalEvery: (Int, String)

  /// Defaults for one app.
  public init(learningRate: String, batchSize: Int, out: String, evalEvery: (Int, String)) {
    (self.learningRate, self.batchSize, self.out, self.evalEvery) = (learningRate, batchSize, out, evalEvery)
  }
}

/// Names an app's `TrainingDefaultValues` for `TrainingOptions`.
public protocol TrainingDefaults {
  /// The app's defaults.
  static var values: TrainingDefaultValues { get }
}

/// The flags every trainer shares, spelled and documented the same way in every app:
/// `--lr`, `--batch-size`, `--seed`, `--out`, `--resume`, `--budget`, `--eval-every`.
public struct TrainingOptions<Defaults: TrainingDefaults>: ParsableArguments {
  /// Options from the command line.
  public init() {}

  @Option(help: "Peak learning rate (default: \(Defaults.values.learningRate)).")
  public var lr: Float?
  @Option(help: "Examples per batch.")
  public var batchSize: Int = Defaults.values.batchSize
  @Option(help: "Random seed (initialisation, shuffling, sampling).")
  public var seed: UInt64 = 0
  @Option(
    help:
      "Checkpoint path; OUT.last.safetensors, OUT.metrics.csv, OUT.curve.png go beside it (default: \(Defaults.values.out))."
  )
  public var out: String?
  @Flag(help: "Continue from OUT.last.safetensors (weights, optimizer state, history).")
  public var resume = false
  @Option(help: "Stop cleanly after this wall-clock time (e.g. 90s, 10m, 1h30m); --resume continues.")
  public var budget: String?
  @Option(help: "\(Defaults.values.evalEvery.1.capitalized) between evaluations and checkpoints.")
  public var evalEvery: Int = Defaults.values.evalEvery.0
  @Option(
    help: "Data-parallel runs (mpirun): megabytes of gradients per allreduce bucket, started as backward finishes each."
  )
  public var bucketMb: Double = 25

  /// `--bucket-mb` in bytes.
  public var bucketBytes: Int { Swift.max(4, Int(bucketMb * 1_048_576)) }

  public func validate() throws {
    if let lr, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be a positive number (got \(lr))") }
    guard batchSize > 0 else { throw ValidationError("--batch-size must be positive (got \(batchSize))") }
    guard evalEvery > 0 else { throw ValidationError("--eval-every must be positive (got \(evalEvery))") }
    guard bucketMb > 0 && bucketMb <= 4096 else {
      throw ValidationError("--bucket-mb must be in (0, 4096] (got \(bucketMb))")
    }
    if let budget, parseDuration(budget) == nil {
      throw ValidationError("--budget: cannot read '\(budget)' (use e.g. 90s, 10m, 1h30m)")
    }
  }

  /// `--eval-every` in epochs for a run of `epochs` (a cadence longer than the run is the run: evaluated at its end).
  public func evalEveryEpochs(of epochs: Int) -> Int { Swift.min(evalEvery, epochs) }

  /// The budget in seconds, when given.
  public var budgetSeconds: Double? { budget.flatMap(parseDuration) }

  /// A training run writing `out` (checked writable first), resuming when `--resume` is given, whose curve is
  /// drawn as a line chart; its checkpoints record the seed and `data` (where the training data came from).
  public func makeRun<Record: TrainingRecord>(
    _ record: Record.Type, out: String, data: String
  ) throws -> TrainingRun<Record> {
    do { try Distributed.initialize() } catch { throw AppError("\(error)") }
    try checkWritable(out)
    let run: TrainingRun<Record>
    do { run = try TrainingRun<Record>(out: out, resume: resume) } catch { throw AppError("\(error)") }
    run.curveWriter = writeCurve
    run.runMetadata = ["kestrel.seed": "\(seed)", "kestrel.data": data]
    run.log = { printLine($0) }
    return run
  }
}

/// Writes a training curve: named series against evaluation number.
public func writeCurve(title: String, series: [(String, [Double])], to path: String) throws {
  let palette: [(UInt8, UInt8, UInt8)] = [(40, 90, 200), (200, 60, 40), (40, 150, 70), (150, 60, 170)]
  let lines = series.enumerated().map { k, s in (name: s.0, values: s.1, color: palette[k % palette.count]) }
  try lineChart(title: title, series: lines).writePNG(to: path)
}
