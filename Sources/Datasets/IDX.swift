import CZlib
import Engine

/// An array from an IDX file (the MNIST format): unsigned bytes with a shape.
public struct IDXArray: Sendable {
  /// Dimensions, outermost first.
  public let shape: [Int]
  /// The values, row-major.
  public let bytes: [UInt8]

  /// Reads an IDX file of unsigned bytes (type 0x08), gzip-compressed or not.
  public init(contentsOf path: String) throws {
    guard let gz = gzopen(path, "rb") else {
      throw FileError(path, FileIO.exists(path) ? "cannot open" : "no such file")
    }
    defer { gzclose(gz) }
    var data = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    var expected: Int?  // header + data bytes, once the header is read: a gzip bomb stops there
    while true {
      if expected == nil, data.count >= 4, data.count >= 4 + 4 * Int(data[3]) {
        expected = try Self.header(data, source: path).total
      }
      if let expected, data.count > expected { break }
      let r = chunk.withUnsafeMutableBytes { gzread(gz, $0.baseAddress, UInt32($0.count)) }
      if r < 0 {
        var code: Int32 = 0
        let msg = gzerror(gz, &code).map { String(cString: $0) } ?? "read error"
        throw FileError(path, "corrupt gzip data (\(msg))")
      }
      if r == 0 { break }
      data.append(contentsOf: chunk[..<Int(r)])
    }
    try self.init(bytes: data, source: path)
  }

  /// Parses IDX bytes; `source` names them in errors.
  public init(bytes data: [UInt8], source: String) throws {
    guard data.count >= 4, data[0] == 0, data[1] == 0 else {
      throw FileError(source, "not an IDX file (bad magic number)")
    }
    guard data[2] == 0x08 else {
      throw FileError(source, "IDX data type 0x\(String(data[2], radix: 16)) is not unsigned byte (0x08)")
    }
    let (shape, start, total) = try Self.header(data, source: source)
    let count = total - start
    guard data.count == total else {
      throw FileError(
        source, "IDX shape \(shape) needs \(count) bytes of data, file has \(data.count - start) (truncated?)")
    }
    self.shape = shape
    self.bytes = Array(data[start...])
  }

  /// The shape, where the data starts, and the whole file's size in bytes, from the header (magic number and
  /// type already checked by the caller, or checked here). Sizes are checked for overflow: a header claiming
  /// 16 × 2³⁰ × 2³⁰ bytes is an error, not a wrapped-around small number.
  static func header(_ data: [UInt8], source: String) throws -> (shape: [Int], start: Int, total: Int) {
    guard data.count >= 4, data[0] == 0, data[1] == 0 else {
      throw FileError(source, "not an IDX file (bad magic number)")
    }
    let rank = Int(data[3])
    guard rank >= 1, data.count >= 4 + 4 * rank else { throw FileError(source, "IDX header is truncated") }
    var shape: [Int] = []
    for d in 0..<rank {
      let o = 4 + 4 * d
      shape.append(Int(data[o]) << 24 | Int(data[o + 1]) << 16 | Int(data[o + 2]) << 8 | Int(data[o + 3]))
    }
    let start = 4 + 4 * rank
    guard let count = checkedElementCount(shape, maxRank: 255, limit: 1 << 36) else {
      throw FileError(source, "IDX shape \(shape) is impossibly large (more than 2^36 values)")
    }
    return (shape, start, start + count)
  }
}
