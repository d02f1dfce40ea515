#if canImport(Glibc)
  import Glibc
#endif

/// Monotonic wall-clock seconds.
public func monotonicSeconds() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Formats seconds as `1h02m`, `3m05s` or `12.3s`.
public func formatDuration(_ s: Double) -> String {
  if !s.isFinite || s < 0 { return "?" }
  if s >= 3600 { return "\(Int(s) / 3600)h\(String(format2(Int(s) % 3600 / 60)))m" }
  if s >= 60 { return "\(Int(s) / 60)m\(format2(Int(s) % 60))s" }
  return "\((s * 10).rounded() / 10)s"
}

private func format2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

/// A one-line progress bar on standard error with rate and ETA, redrawn at most 10 times a second:
/// `epoch 2/10 [#######.......]  340/938  1,520 img/s  ETA 0:24  loss 0.213`.
public final class ProgressBar {
  /// Steps in all.
  public let total: Int
  /// Shown before the bar.
  public let label: String
  /// What the rate counts.
  public let unit: String
  private let start = monotonicSeconds()
  private var lastDraw = 0.0
  private var done = 0
  private var units = 0.0
  private let interactive: Bool
  private let timeLimit: Double?
  private var lastLog = 0.0

  /// `total` steps; `unit` names what `advance(units:)` counts for the rate (e.g. "img", "tok"). With a
  /// `timeLimit` (seconds), the ETA is the sooner of the remaining steps and the remaining time.
  /// When standard error is not a terminal, a plain line is written every 30 s instead of redrawing.
  public init(total: Int, label: String = "", unit: String = "it", timeLimit: Double? = nil) {
    self.total = total
    self.label = label
    self.unit = unit
    self.timeLimit = timeLimit
    interactive = isatty(2) != 0
  }

  /// Clears the bar's line (interactive mode) so other output can be printed; the next advance redraws it.
  public func interrupt() {
    if interactive { writeStderr("\r\u{1B}[K") }
  }

  /// Records `steps` finished steps covering `units` units of work; `status` is appended (e.g. the loss).
  public func advance(_ steps: Int = 1, units: Double = 1, status: String = "") {
    done += steps
    self.units += units
    let now = monotonicSeconds()
    if interactive && (now - lastDraw >= 0.1 || done >= total) {
      lastDraw = now
      writeStderr("\r" + line(now: now, status: status) + "\u{1B}[K")
    } else if !interactive && now - Swift.max(lastLog, start) >= 30 && done < total {
      lastLog = now
      writeStderr(line(now: now, status: status) + "\n")
    }
  }

  /// Ends the bar with a final line; returns elapsed seconds.
  @discardableResult
  public func finish(status: String = "") -> Double {
    let now = monotonicSeconds()
    writeStderr((interactive ? "\r" : "") + line(now: now, status: status) + (interactive ? "\u{1B}[K\n" : "\n"))
    return now - start
  }

  /// The text of the bar at time `now`.
  public func line(now: Double, status: String) -> String {
    let elapsed = now - start
    let frac = total > 0 ? Double(done) / Double(total) : 1
    let width = 24
    let filled = Swift.min(width, Int(frac * Double(width)))
    let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
    let rate = elapsed > 0 ? units / elapsed : 0
    var eta = done >= total ? 0 : (done > 0 ? elapsed / Double(done) * Double(total - done) : .infinity)
    if let timeLimit { eta = Swift.min(eta, Swift.max(0, timeLimit - elapsed)) }
    let prefix = label.isEmpty ? "" : label + " "
    return "\(prefix)[\(bar)] \(done)/\(total)  \(Int(rate)) \(unit)/s  ETA \(formatDuration(eta))"
      + (status.isEmpty ? "" : "  " + status)
  }
}

/// Writes a string to standard error unbuffered.
public func writeStderr(_ s: String) {
  var s = s
  s.withUTF8 { buf in _ = write(2, buf.baseAddress, buf.count) }
}
