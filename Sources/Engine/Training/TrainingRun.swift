import Formats
import Foundation

/// One evaluation of a training run, kept in the checkpoint's history (`kestrel.history`) and in the metrics log.
public protocol TrainingRecord: Codable, Sendable {
  /// The record's values for the metrics log (`OUT.metrics.csv`), in column order.
  var metricValues: [(String, Double)] { get }
}

extension TrainingRecord {
  /// Every stored number of the record (Int, Float, Double; an absent optional as NaN) under its snake_case name
  /// (`trainLoss` → `train_loss`, `valBLEU` → `val_bleu`), in declaration order.
  public var metricValues: [(String, Double)] {
    Mirror(reflecting: self).children.compactMap { child in
      guard let label = child.label, let value = metricNumber(child.value) else { return nil }
      return (snakeCase(label), value)
    }
  }
}

/// A record field as a metric value, when it is a number.
private func metricNumber(_ value: Any) -> Double? {
  switch value {
  case let v as Int: return Double(v)
  case let v as Double: return v
  case let v as Float: return Double(v)
  case let v as Double?: return v ?? .nan
  default: return nil
  }
}

/// `trainLoss` → `train_loss`: an underscore where a lower-case letter meets an upper-case one, all lower-cased.
func snakeCase(_ name: String) -> String {
  var out = ""
  var previousLower = false
  for ch in name {
    if ch.isUppercase && previousLower { out.append("_") }
    previousLower = ch.isLowercase || ch.isNumber
    out += ch.lowercased()
  }
  return out
}

/// What one training step reports to the run.
public struct TrainingStep {
  /// The step's training loss (a non-finite value stops the run: the divergence guard).
  public var loss: Double
  /// Work done in the step (tokens, images) for the progress bar's rate.
  public var units: Double
  /// Extra status for the progress bar (the running loss is shown when nil).
  public var status: String?

  /// A step's result.
  public init(loss: Double, units: Double, status: String? = nil) {
    (self.loss, self.units, self.status) = (loss, units, status)
  }
}

/// Where a run stands when it asks the app to evaluate.
public struct EvalPoint: Sendable {
  /// Optimizer steps done in all (across resumes).
  public let step: Int
  /// Steps per evaluation period (an epoch, or `--eval-every` steps).
  public let period: Int
  /// Mean training loss of the steps since the previous evaluation.
  public let trainLoss: Double
  /// Steps since the previous evaluation.
  public let stepsSinceEval: Int
  /// Seconds of training in all, across resumes.
  public let seconds: Double
  /// Seconds since the previous evaluation (this session only).
  public let secondsSinceEval: Double
  /// True when the wall-clock budget ended the run at this evaluation.
  public let outOfTime: Bool
}

/// How a run is laid out: its length, evaluation cadence, budget and progress display.
public struct TrainingPlan: Sendable {
  /// Steps the whole run takes (across resumes).
  public var totalSteps: Int
  /// Steps between evaluations (an epoch's steps for epoch-based trainers).
  public var evalEvery: Int
  /// Wall-clock budget in seconds for this session (nil: none).
  public var budget: Double?
  /// What `TrainingStep.units` counts, for the rate (`tok`, `img`).
  public var unit: String
  /// With a name (`epoch`), one progress bar per evaluation period labelled `epoch 3/10`; without, one bar.
  public var periodName: String?

  /// A plan.
  public init(totalSteps: Int, evalEvery: Int, budget: Double? = nil, unit: String = "it", periodName: String? = nil) {
    (self.totalSteps, self.evalEvery, self.budget, self.unit, self.periodName) = (
      totalSteps, max(evalEvery, 1), budget, unit, periodName
    )
  }
}

/// Which records count as the best checkpoint.
public enum BestCheckpoint: Sendable {
  /// The highest score so far (accuracy, BLEU).
  case highest
  /// The highest score so far, a later equal score replacing an earlier one (RL returns, which often tie).
  case highestOrEqual
  /// The lowest score so far (validation loss).
  case lowest
  /// Every evaluation replaces it (GANs: no score to choose by).
  case latest
}

/// A training error with one line for the user.
public struct TrainingError: Error, CustomStringConvertible {
  /// The message.
  public let description: String
  /// An error with its message.
  public init(_ description: String) { self.description = description }
}

/// The one training loop of every Kestrel trainer (the role of nanoGPT's train.py): resume from
/// `OUT.last.safetensors`, the evaluation cadence, the last checkpoint (with optimizer state) after every
/// evaluation and the best one (`OUT`) when it improves, a wall-clock budget, the metrics log, a progress bar with
/// ETA, the divergence guard and the curve PNG. An app supplies closures: a step, an evaluation that returns its
/// record, and the save of its model.
public final class TrainingRun<Record: TrainingRecord> {
  /// The best checkpoint's path.
  public let out: String
  /// The last checkpoint's path (`OUT.last.safetensors`): written after every evaluation, read by `--resume`.
  public var lastPath: String { out + ".last.safetensors" }
  /// Every evaluation so far, across resumes.
  public private(set) var history: [Record]
  /// The checkpoint resumed from (nil on a fresh run): the app rebuilds its model and optimizer from it.
  public let resumed: Checkpoint?
  /// Draws the curve (title, named series, path); the apps' support library sets it. Nil: no curve.
  public var curveWriter: ((String, [(String, [Double])], String) throws -> Void)?
  /// Where the run's own lines go (budget reached, resume; rank 0 only); standard output by default.
  public var log: (String) -> Void = { line in
    var s = line + "\n"
    s.withUTF8 { buf in _ = write(1, buf.baseAddress, buf.count) }
  }
  /// Metadata every checkpoint of the run carries besides the step and time (seed, data source).
  public var runMetadata: [String: String] = [:]
  private let priorSeconds: Double

  /// Starts a run writing `out`; with `resume`, reads `OUT.last.safetensors` and its history (a missing or
  /// unreadable file is a one-line error).
  public init(out: String, resume: Bool) throws {
    self.out = out
    if resume {
      let path = out + ".last.safetensors"
      guard FileIO.exists(path) else {
        throw FileError(path, "no checkpoint to resume from (run without --resume first)")
      }
      let ckpt = try Checkpoint.load(from: path)
      resumed = ckpt
      history = ckpt.history(Record.self)
      priorSeconds = Double(ckpt.metadata["kestrel.train_seconds"] ?? "") ?? 0
    } else {
      (resumed, history, priorSeconds) = (nil, [], 0)
    }
  }

  /// Metadata every checkpoint of the run carries: `runMetadata`, the step and the training seconds so far.
  public func metadata(step: Int, seconds: Double) -> [String: String] {
    runMetadata.merging(["kestrel.step": "\(step)", "kestrel.train_seconds": "\(seconds)"]) { _, b in b }
  }

  /// Runs steps `startStep..<plan.totalSteps` (or until the budget). After every `plan.evalEvery` steps, the last
  /// step and when the budget runs out: `evaluate`, then `save(lastPath, true, history, metadata)`; when `score`
  /// improves by `best`, also `save(out, false, …)`. `report` prints the evaluation (`isBest` tells whether `out`
  /// was written). At the end the curve of `curve`'s series is written to `OUT.curve.png`.
  ///
  /// In a data-parallel job (`Distributed`) every rank runs the loop and takes part in the same evaluations, but
  /// only rank 0 prints, shows progress, logs metrics, saves and draws the curve; the ranks agree on when the
  /// budget is reached, and an error on any rank ends the whole job with a message naming the rank.
  public func run(
    plan: TrainingPlan, startStep: Int, best: BestCheckpoint = .latest, score: (Record) -> Double = { _ in 0 },
    curve: (title: String, series: [(String, (Record) -> Double)])? = nil,
    step: (Int) throws -> TrainingStep, evaluate: (EvalPoint) throws -> Record,
    save: (_ path: String, _ withOptimizer: Bool, _ history: [Record], _ metadata: [String: String]) throws -> Void,
    report: (_ record: Record, _ isBest: Bool) -> Void = { _, _ in }
  ) throws {
    do {
      try loop(
        plan: plan, startStep: startStep, best: best, score: score, curve: curve, step: step, evaluate: evaluate,
        save: save, report: report)
    } catch  where Distributed.worldSize > 1 {
      Distributed.abort("\(error)")
    }
  }

  private func loop(
    plan: TrainingPlan, startStep: Int, best: BestCheckpoint, score: (Record) -> Double,
    curve: (title: String, series: [(String, (Record) -> Double)])?,
    step: (Int) throws -> TrainingStep, evaluate: (EvalPoint) throws -> Record,
    save: (String, Bool, [Record], [String: String]) throws -> Void, report: (Record, Bool) -> Void
  ) throws {
    let primary = Distributed.isPrimary
    guard startStep < plan.totalSteps else {
      if primary { log("already trained for \(startStep) steps (of \(plan.totalSteps)); nothing to do") }
      return
    }
    if resumed != nil {
      let done = plan.periodName.map { " (after \($0) \(startStep / plan.evalEvery))" } ?? ""
      if primary { log("Resuming at step \(startStep)\(done) from \(lastPath)") }
    }
    let metrics = primary ? try MetricsLogger(path: out + ".metrics.csv", append: resumed != nil) : nil
    var bestScore = bestOf(history.map(score), best)
    let began = monotonicSeconds()
    var progress = Progress(plan: plan, start: startStep, silent: !primary)
    var since = (loss: 0.0, steps: 0, began: began)
    for s in startStep..<plan.totalSteps {
      let result = try step(s)
      guard result.loss.isFinite else {
        progress.interrupt()
        throw TrainingError(
          "training diverged at step \(s + 1) (loss \(result.loss)); lower the learning rate"
            + (FileIO.exists(lastPath) ? " (last good checkpoint: \(lastPath))" : ""))
      }
      since = (since.loss + result.loss, since.steps + 1, since.began)
      let now = monotonicSeconds()
      var outOfTime = plan.budget.map { now - began >= $0 } ?? false
      if plan.budget != nil && Distributed.worldSize > 1 { outOfTime = try Distributed.max(outOfTime ? 1 : 0) > 0 }
      let evalNow = (s + 1) % plan.evalEvery == 0 || s + 1 == plan.totalSteps || outOfTime
      progress.advance(result, meanLoss: since.loss / Double(since.steps), closing: evalNow)
      guard evalNow else { continue }
      let point = EvalPoint(
        step: s + 1, period: plan.evalEvery, trainLoss: since.loss / Double(since.steps), stepsSinceEval: since.steps,
        seconds: priorSeconds + (now - began), secondsSinceEval: now - since.began, outOfTime: outOfTime)
      let record = try evaluate(point)
      history.append(record)
      let meta = metadata(step: s + 1, seconds: point.seconds)
      if primary { try save(lastPath, true, history, meta) }
      let improved = isImprovement(score(record), over: bestScore, best)
      if improved {
        bestScore = score(record)
        if primary { try save(out, false, history, meta) }
      }
      metrics?.log(record.metricValues)
      progress.interrupt()
      if primary { report(record, improved) }
      since = (0, 0, monotonicSeconds())
      if outOfTime {
        if primary { log("budget of \(formatDuration(plan.budget ?? 0)) reached after step \(s + 1); stopped cleanly") }
        break
      }
      progress.nextPeriod(after: s + 1)
    }
    progress.finish()
    if Distributed.worldSize > 1 && primary {
      let share = 100 * DataParallel.reduceSeconds / Swift.max(monotonicSeconds() - began, 1e-9)
      log("data-parallel over \(Distributed.worldSize) ranks: gradient allreduce took \(share.rounded()) % of the time")
    }
    if let curve, let curveWriter, !history.isEmpty, primary {
      try curveWriter(curve.title, curve.series.map { ($0.0, history.map($0.1)) }, out + ".curve.png")
    }
  }

  private func bestOf(_ scores: [Double], _ best: BestCheckpoint) -> Double? {
    switch best {
    case .highest, .highestOrEqual: return scores.max()
    case .lowest: return scores.min()
    case .latest: return nil
    }
  }

  private func isImprovement(_ value: Double, over current: Double?, _ best: BestCheckpoint) -> Bool {
    guard let current else { return true }
    switch best {
    case .highest: return value > current
    case .highestOrEqual: return value >= current
    case .lowest: return value < current
    case .latest: return true
    }
  }
}

/// The run's progress display: one bar, or one per evaluation period.
private struct Progress {
  let plan: TrainingPlan
  var bar: ProgressBar
  var closed = false
  /// Draws nothing (ranks other than 0).
  let silent: Bool

  init(plan: TrainingPlan, start: Int, silent: Bool) {
    (self.plan, self.silent) = (plan, silent)
    bar = Progress.makeBar(plan, from: start)
    closed = silent
  }

  func interrupt() { if !silent { bar.interrupt() } }

  static func makeBar(_ plan: TrainingPlan, from step: Int) -> ProgressBar {
    let limit = plan.budget
    guard let name = plan.periodName else {
      return ProgressBar(total: plan.totalSteps - step, label: "train", unit: plan.unit, timeLimit: limit)
    }
    let periods = (plan.totalSteps + plan.evalEvery - 1) / plan.evalEvery
    let end = min((step / plan.evalEvery + 1) * plan.evalEvery, plan.totalSteps)
    return ProgressBar(
      total: end - step, label: "\(name) \(step / plan.evalEvery + 1)/\(periods)", unit: plan.unit, timeLimit: limit)
  }

  mutating func advance(_ result: TrainingStep, meanLoss: Double, closing: Bool) {
    guard !silent else { return }
    let status = result.status ?? "loss \(formatLoss(meanLoss))"
    bar.advance(1, units: result.units, status: status)
    if closing && plan.periodName != nil {
      bar.finish(status: status)
      closed = true
    }
  }

  mutating func nextPeriod(after step: Int) {
    guard plan.periodName != nil, step < plan.totalSteps else { return }
    bar = Progress.makeBar(plan, from: step)
    closed = false
  }

  mutating func finish() {
    if !closed && !silent { bar.finish() }
    closed = true
  }

  private func formatLoss(_ x: Double) -> String { "\((x * 1000).rounded() / 1000)" }
}

extension TrainingRun {
  /// The `save` closure for a model kept as a `TypedCheckpoint` of `kind`: the last checkpoint carries the
  /// optimizer's state, the best one only the weights.
  public func saving<Config: Codable>(
    _ model: Module, optimizer: Optimizer, config: Config, kind: String
  ) -> (String, Bool, [Record], [String: String]) throws -> Void {
    { path, withOptimizer, history, meta in
      try TypedCheckpoint<Config, Record>.make(
        model, optimizer: withOptimizer ? optimizer : nil, config: config, kind: kind, history: history,
        metadata: meta
      ).save(to: path)
    }
  }
}
