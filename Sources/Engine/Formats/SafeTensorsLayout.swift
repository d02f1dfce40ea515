import Foundation

// safetensors (https://github.com/huggingface/safetensors): 8-byte little-endian header length N, N bytes of
// JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}, then the data.
// This target parses and checks the header; the engine (built with -Ounchecked) only copies byte ranges that
// were checked here.

/// The element types Kestrel reads (converted to Float on load).
public enum SafeTensorsDType: String, Sendable {
  case f32 = "F32"
  case f16 = "F16"
  case bf16 = "BF16"
  case f64 = "F64"

  /// Bytes per element.
  public var size: Int {
    switch self {
    case .f32: return 4
    case .f16, .bf16: return 2
    case .f64: return 8
    }
  }
}

/// A safetensors file's header, checked against the file: every entry's shape, element count and byte range.
public struct SafeTensorsLayout: Sendable {
  /// One tensor of the file.
  public struct Entry: Sendable {
    /// The tensor's name.
    public let name: String
    /// Its element type.
    public let dtype: SafeTensorsDType
    /// Its shape (every dimension ≥ 0, rank ≤ 8).
    public let shape: [Int]
    /// The element count, the product of `shape`, computed without overflow.
    public let count: Int
    /// Where its bytes lie in the file (absolute offsets), exactly `count × dtype.size` long.
    public let bytes: Range<Int>
  }

  /// The tensors, in the header's order.
  public var entries: [Entry] = []
  /// The `__metadata__` strings.
  public var metadata: [String: String] = [:]

  /// How many leading bytes of a file hold its header and every tensor not in `skipping`, from the file's first
  /// `8 + N` bytes (`prefix`, N the header length); nil when `prefix` is not such a header. A reader of a few
  /// tensors of a large file reads only that much, then `parse`s it with the same `skipping`.
  public static func requiredLength(prefix: [UInt8], skipping: Set<String>) -> Int? {
    guard prefix.count >= 8 else { return nil }
    var n: UInt64 = 0
    for i in 0..<8 { n |= UInt64(prefix[i]) << (8 * UInt64(i)) }
    guard n <= UInt64(prefix.count - 8),
      let header = (try? JSONSerialization.jsonObject(with: Data(prefix[8..<(8 + Int(n))]))) as? [String: Any]
    else { return nil }
    var end = 0
    for (name, value) in header where name != "__metadata__" && !skipping.contains(name) {
      guard let info = value as? [String: Any], let offs = info["data_offsets"] as? [Int], offs.count == 2,
        offs[1] >= 0
      else { return nil }
      end = max(end, offs[1])
    }
    let (total, overflow) = (8 + Int(n)).addingReportingOverflow(end)
    return overflow ? nil : total
  }

  /// The length of the header (the 8-byte length field plus the JSON) from the file's first 8 bytes.
  public static func headerLength(_ first8: [UInt8]) -> Int? {
    guard first8.count >= 8 else { return nil }
    var n: UInt64 = 0
    for i in 0..<8 { n |= UInt64(first8[i]) << (8 * UInt64(i)) }
    return n < 100_000_000 ? 8 + Int(n) : nil
  }

  /// Parses and checks the header of `bytes` (a whole safetensors file, or its first `requiredLength` bytes
  /// when `skipping` names the tensors past them); `source` names the file in errors. Skipped entries are left
  /// out of `entries` (their shapes are still checked).
  public static func parse(_ bytes: [UInt8], source: String, skipping: Set<String> = []) throws -> SafeTensorsLayout {
    func fail(_ m: String) -> FileError { FileError(source, "not a valid safetensors file: \(m)") }
    guard bytes.count >= 8 else { throw fail("only \(bytes.count) bytes, shorter than the 8-byte header length") }
    var n: UInt64 = 0
    for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
    guard n <= UInt64(bytes.count - 8) else {
      throw fail("header length \(n) exceeds the file size \(bytes.count) (truncated?)")
    }
    let headerEnd = 8 + Int(n)
    guard let header = (try? JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd]))) as? [String: Any] else {
      throw fail("header is not a JSON object")
    }
    let dataCount = bytes.count - headerEnd
    var layout = SafeTensorsLayout()
    for (name, value) in header {
      if name == "__metadata__" {
        layout.metadata = (value as? [String: String]) ?? [:]
        continue
      }
      guard let info = value as? [String: Any], let dtypeName = info["dtype"] as? String,
        let shape = info["shape"] as? [Int], let offs = info["data_offsets"] as? [Int], offs.count == 2
      else { throw fail("entry '\(name)' lacks dtype, shape or data_offsets") }
      guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
        throw fail("tensor '\(name)' has dtype \(dtypeName); only F32, F16, BF16 and F64 are supported")
      }
      guard let count = checkedElementCount(shape, elementBytes: dtype.size) else {
        throw fail("tensor '\(name)' has an impossible shape \(shape) (negative, rank over 8, or too many elements)")
      }
      if skipping.contains(name) { continue }
      guard offs[0] >= 0, offs[1] >= offs[0], offs[1] <= dataCount else {
        throw fail("tensor '\(name)' data \(offs) lies outside the \(dataCount) data bytes (truncated?)")
      }
      guard offs[1] - offs[0] == count * dtype.size else {
        throw fail(
          "tensor '\(name)' of shape \(shape) and dtype \(dtypeName) needs \(count * dtype.size) bytes, has \(offs[1] - offs[0])"
        )
      }
      layout.entries.append(
        Entry(
          name: name, dtype: dtype, shape: shape, count: count, bytes: (headerEnd + offs[0])..<(headerEnd + offs[1])))
    }
    return layout
  }
}
