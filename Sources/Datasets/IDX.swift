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
    while true {
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
    let rank = Int(data[3])
    guard rank >= 1, data.count >= 4 + 4 * rank else { throw FileError(source, "IDX header is truncated") }
    var shape: [Int] = []
    for d in 0..<rank {
      let o = 4 + 4 * d
      shape.append(Int(data[o]) << 24 | Int(data[o + 1]) << 16 | Int(data[o + 2]) << 8 | Int(data[o + 3]))
    }
    let count = shape.reduce(1, *)
    let start = 4 + 4 * rank
    guard data.count - start == count else {
      throw FileError(
        source, "IDX shape \(shape) needs \(count) bytes of data, file has \(data.count - start) (truncated?)")
    }
    self.shape = shape
    self.bytes = Array(data[start...])
  }
}
