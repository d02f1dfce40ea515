import Engine
import Foundation

/// Runs `body` `warmup` times untimed, then `reps` times timed; returns seconds per repetition.
func timeReps(reps: Int, warmup: Int, _ body: () -> Void) -> [Double] {
  for _ in 0..<warmup { body() }
  return (0..<reps).map { _ in
    let t0 = monotonicSeconds()
    body()
    return monotonicSeconds() - t0
  }
}

/// Collects result rows and prints them like the reference scripts do.
final class Reporter {
  let workload: String
  let options: BenchOptions
  private var rows: [[String: Any]] = []

  init(_ workload: String, _ options: BenchOptions) {
    self.workload = workload
    self.options = options
    say("== \(workload)  (threads=\(options.threads), warmup=\(options.warmup), reps=\(options.reps))")
  }

  /// A rate row: `work` units per repetition divided by each repetition's time.
  func add(_ framework: String, _ metric: String, _ unit: String, work: Double, times: [Double], note: String = "") {
    let rates = times.map { work / $0 }.sorted()
    let median = rates[rates.count / 2]
    rows.append([
      "workload": workload, "framework": framework, "threads": options.threads, "metric": metric, "unit": unit,
      "min": rates.first ?? 0, "median": median, "max": rates.last ?? 0, "reps": rates.count,
      "work_per_rep": work, "note": note, "rates": rates,
    ])
    let pad = { (s: String, n: Int) in s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
    say(
      "  \(pad(framework, 28)) thr=\(options.threads) \(pad(metric, 44)) min \(fmt(rates.first ?? 0))  med \(fmt(median))  max \(fmt(rates.last ?? 0)) \(unit)"
        + (note.isEmpty ? "" : "   [\(note)]"))
  }

  /// A seconds-per-repetition row (lower is better).
  func addTime(_ framework: String, _ metric: String, times: [Double]) {
    let t = times.sorted()
    rows.append([
      "workload": workload, "framework": framework, "threads": options.threads, "metric": metric, "unit": "s",
      "min": t.first ?? 0, "median": t[t.count / 2], "max": t.last ?? 0, "reps": t.count, "lower_is_better": true,
    ])
    say(
      "  \(framework) thr=\(options.threads) \(metric)  min \(fmt(t.first ?? 0))  med \(fmt(t[t.count / 2]))  max \(fmt(t.last ?? 0)) s"
    )
  }

  /// A single value row (e.g. peak RSS).
  func addValue(_ framework: String, _ metric: String, _ unit: String, _ value: Double) {
    rows.append([
      "workload": workload, "framework": framework, "threads": options.threads, "metric": metric, "unit": unit,
      "value": value,
    ])
    say("  \(framework) thr=\(options.threads) \(metric) \(fmt(value)) \(unit)")
  }

  /// Prints on rank 0 only (a benchmark under mpirun reports once).
  func say(_ line: String) { if Distributed.isPrimary { print(line) } }

  func fmt(_ v: Double) -> String { String(format: v < 1 ? "%11.4f" : "%11.2f", v) }

  /// Appends the rows to `--json` if given.
  func finish() throws {
    guard let path = options.json, Distributed.isPrimary else { return }
    var text = ""
    for r in rows {
      let data = try JSONSerialization.data(withJSONObject: r, options: [.sortedKeys])
      text += String(decoding: data, as: UTF8.self) + "\n"
    }
    if let h = FileHandle(forWritingAtPath: path) {
      h.seekToEndOfFile()
      h.write(Data(text.utf8))
      h.closeFile()
    } else {
      try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
  }
}

/// Peak resident set size of this process in MiB.
func peakRSSMiB() -> Double {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  return Double(usage.ru_maxrss) / 1024
}
