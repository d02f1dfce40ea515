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
