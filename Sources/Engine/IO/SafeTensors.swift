import Foundation

// safetensors (https://github.com/huggingface/safetensors): 8-byte little-endian header length N, N bytes of
// JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}, then the data.
// Kestrel writes F32; it reads F32, F16, BF16 and F64 (converted to Float).

/// Reading and writing safetensors files.
public enum SafeTensors {
  /// Serialises tensors (sorted by name, 8-byte aligned header) with string metadata.
  public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) throws -> [UInt8] {
    var header: [String: Any] = [:]
    if !metadata.isEmpty { header["__metadata__"] = metadata }
    var offset = 0
    let names = tensors.keys.sorted()
    for name in names {
      guard let t = tensors[name] else { continue }
      let bytes = t.count * 4
      header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
      offset += bytes
    }
    var json = Array(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
    while json.count % 8 != 0 { json.append(0x20) }
    var out = [UInt8]()
    out.reserveCapacity(8 + json.count + offset)
    var n = UInt64(json.count).littleEndian
    withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
    out.append(contentsOf: json)
    for name in names {
      guard let t = tensors[name] else { continue }
      t.withUnsafeBufferPointer { buf in
        buf.withMemoryRebound(to: UInt8.self) { out.append(contentsOf: $0) }
      }
    }
    return out
  }

  /// Writes a safetensors file atomically.
  public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to path: String) throws {
    try FileIO.writeAtomically(try encode(tensors, metadata: metadata), to: path)
  }

  /// Reads a safetensors file: its tensors and metadata. Errors name the file and the problem.
  public static func read(_ path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
    try decode(try FileIO.read(path), source: path)
  }

  /// Parses safetensors bytes; `source` names them in errors.
  public static func decode(
    _ bytes: [UInt8], source: String
  ) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
    func fail(_ m: String) -> FileError { FileError(source, "not a valid safetensors file: \(m)") }
    guard bytes.count >= 8 else { throw fail("only \(bytes.count) bytes, shorter than the 8-byte header length") }
    var n: UInt64 = 0
    for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
    guard n <= UInt64(bytes.count - 8) else {
      throw fail("header length \(n) exceeds the file size \(bytes.count) (truncated?)")
    }
    let headerEnd = 8 + Int(n)
    let json = Data(bytes[8..<headerEnd])
    guard let header = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else {
      throw fail("header is not a JSON object")
    }
    let dataCount = bytes.count - headerEnd
    var metadata: [String: String] = [:]
    var tensors: [String: Tensor] = [:]
    for (name, value) in header {
      if name == "__metadata__" {
        metadata = (value as? [String: String]) ?? [:]
        continue
      }
      guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
        let shape = info["shape"] as? [Int], let offs = info["data_offsets"] as? [Int], offs.count == 2
      else { throw fail("entry '\(name)' lacks dtype, shape or data_offsets") }
      let size: Int
      switch dtype {
      case "F32": size = 4
      case "F16", "BF16": size = 2
      case "F64": size = 8
      default: throw fail("tensor '\(name)' has dtype \(dtype); only F32, F16, BF16 and F64 are supported")
      }
      guard let count = checkedElementCount(shape, elementBytes: size) else {
        throw fail("tensor '\(name)' has an impossible shape \(shape) (negative, rank over 8, or too many elements)")
      }
      guard offs[0] >= 0, offs[1] >= offs[0], offs[1] <= dataCount else {
        throw fail("tensor '\(name)' data \(offs) lies outside the \(dataCount) data bytes (truncated?)")
      }
      guard offs[1] - offs[0] == count * size else {
        throw fail(
          "tensor '\(name)' of shape \(shape) and dtype \(dtype) needs \(count * size) bytes, has \(offs[1] - offs[0])")
      }
      let t = Tensor(uninitializedShape: shape)
      bytes.withUnsafeBytes { raw in
        guard let start = raw.baseAddress else { return }
        let base = start + headerEnd + offs[0]
        let p = t.ptr
        switch dtype {
        case "F32":
          for i in 0..<count {
            p[i] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
          }
        case "F16":
          for i in 0..<count {
            p[i] = Float(
              Float16(bitPattern: UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))))
          }
        case "BF16":
          for i in 0..<count {
            let h = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            p[i] = Float(bitPattern: UInt32(h) << 16)
          }
        default:
          for i in 0..<count {
            p[i] = Float(
              Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
          }
        }
      }
      tensors[name] = t
    }
    return (tensors, metadata)
  }
}
