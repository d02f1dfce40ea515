import ArgumentParser
import Engine
import Foundation

/// An error an app reports as one line (`Error: …`) with a non-zero exit.
public struct AppError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}

/// Writes to standard output immediately (no buffering surprises when output is piped); in a data-parallel job
/// only rank 0 prints.
public func printLine(_ s: String = "") {
  guard Distributed.isPrimary else { return }
  writeStdout(s + "\n")
}

/// Writes `s` to standard output at once, all of it. A reader that went away (EPIPE: `… | head`) ends the
/// process quietly with status 141, as SIGPIPE does for other Unix tools; any other failure (a full disk:
/// `> /dev/full`) is one line on standard error and exit status 1, never a silent success.
public func writeStdout(_ s: String) {
  var s = s
  s.withUTF8 { buf in
    guard let base = buf.baseAddress else { return }
    var done = 0
    while done < buf.count {
      let r = write(1, base + done, buf.count - done)
      if r < 0 && errno == EINTR { continue }
      if r < 0 && errno == EPIPE { exit(141) }
      if r <= 0 {
        let reason = r < 0 ? String(cString: strerror(errno)) : "nothing written"
        writeStderr("Error: cannot write to standard output: \(reason)\n")
        exit(1)
      }
      done += r
    }
  }
}

/// Pads or cuts `s` to `width` characters (for aligned tables).
public func padded(_ s: String, _ width: Int) -> String {
  if s.count > width { return String(s.prefix(max(width - 1, 0))) + "…" }
  return s + String(repeating: " ", count: width - s.count)
}

/// Right-aligns `s` in `width` characters.
public func leftPadded(_ s: String, _ width: Int) -> String {
  s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
}

/// `x` with `digits` decimals (fast; avoids Foundation's String(format:)).
public func fixed(_ x: Double, _ digits: Int) -> String {
  guard x.isFinite else { return "\(x)" }
  var scale = 1.0
  for _ in 0..<digits { scale *= 10 }
  let r = (Swift.abs(x) * scale).rounded()
  let intPart = Int(r / scale)
  var frac = String(Int(r) - intPart * Int(scale))
  while frac.count < digits { frac = "0" + frac }
  return (x < 0 && r != 0 ? "-" : "") + "\(intPart)" + (digits > 0 ? "." + frac : "")
}

#if canImport(Glibc)
  import Glibc
#endif

/// Kestrel's `assets/` folder: `$KESTREL_ASSETS`, else `assets/` next to the source tree the binary was built in
/// (`.build/<triple>/<config>/<tool>` → `../../../assets`), else `./assets`.
public func assetsDirectory() -> String {
  if let env = getenv("KESTREL_ASSETS") { return String(cString: env) }
  var buf = [CChar](repeating: 0, count: 4096)
  let n = readlink("/proc/self/exe", &buf, buf.count - 1)
  if n > 0 {
    let exe = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    var parts = exe.split(separator: "/").map(String.init)
    for _ in 0..<5 where !parts.isEmpty {
      parts.removeLast()
      let candidate = "/" + (parts + ["assets"]).joined(separator: "/")
      if access(candidate, F_OK) == 0 { return candidate }
    }
  }
  return "assets"
}

/// Parses a wall-clock budget: `90s`, `10m`, `1h30m`, or plain seconds.
public func parseDuration(_ s: String) -> Double? {
  if let v = Double(s) { return v > 0 ? v : nil }
  var total = 0.0
  var number = ""
  for ch in s {
    if ch.isNumber || ch == "." {
      number.append(ch)
      continue
    }
    guard let v = Double(number) else { return nil }
    switch ch {
    case "h": total += v * 3600
    case "m": total += v * 60
    case "s": total += v
    default: return nil
    }
    number = ""
  }
  guard number.isEmpty, total > 0 else { return nil }
  return total
}

/// Checks before any work that `path` can be written (its folder exists), so nothing is half-done.
public func checkWritable(_ path: String) throws {
  let dir = (path as NSString).deletingLastPathComponent
  var isDir: ObjCBool = false
  let folder = dir.isEmpty ? "." : dir
  guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
    throw AppError("\(path): folder '\(folder)' does not exist")
  }
  guard FileManager.default.isWritableFile(atPath: folder) else {
    throw AppError("\(path): folder '\(folder)' is not writable")
  }
}

/// The process's arguments as the apps' parsers should see them:
/// - `--option -1` becomes `--option=-1` when the value is a negative number (`-1`, `-0.5`, `-1e-3`, `-inf`), so
///   negative values work after a space wherever `--help` offers them (the parser would otherwise read `-1` as a
///   short flag and report a missing value);
/// - options named in `hoisting` (such as recommend's `--db PATH`) given before a subcommand in `subcommands` are
///   moved to the end, so `recommend --db F train` and `recommend train --db F` are the same.
/// Everything after a `--` is left alone.
public func normalizedArguments(
  _ arguments: [String] = Array(CommandLine.arguments.dropFirst()), subcommands: [String] = [],
  hoisting: Set<String> = []
) -> [String] {
  var out: [String] = []
  var i = 0
  while i < arguments.count {
    let a = arguments[i]
    if a == "--" {
      out += arguments[i...]
      break
    }
    if a.hasPrefix("--"), !a.contains("="), i + 1 < arguments.count, isNegativeNumber(arguments[i + 1]) {
      out.append(a + "=" + arguments[i + 1])
      i += 2
      continue
    }
    out.append(a)
    i += 1
  }
  guard !hoisting.isEmpty else { return out }
  // Leading hoisted options (with their values) before the first subcommand name move after it.
  var leading: [String] = []
  var j = 0
  while j < out.count {
    let name = String(out[j].split(separator: "=", maxSplits: 1).first ?? "")
    guard hoisting.contains(name) else { break }
    if out[j].contains("=") {
      leading.append(out[j])
      j += 1
    } else {
      leading += out[j..<min(j + 2, out.count)]
      j += 2
    }
  }
  guard !leading.isEmpty, j < out.count, subcommands.contains(out[j]) else { return out }
  // To the end (before a `--`), so nested subcommands (`import csv`) see them too.
  let rest = Array(out[j...])
  let end = rest.firstIndex(of: "--") ?? rest.count
  return Array(rest[..<end]) + leading + Array(rest[end...])
}

/// Whether `s` is a negative number as an option value (`-1`, `-.5`, `-2.5e-3`, `-inf`, `-nan`).
func isNegativeNumber(_ s: String) -> Bool {
  guard s.count >= 2, s.first == "-" else { return false }
  let body = s.dropFirst().lowercased()
  if ["inf", "infinity", "nan"].contains(body) { return true }
  guard let first = body.first, first.isNumber || first == "." else { return false }
  return Double(s) != nil
}
