import Formats
import Foundation

// safetensors: the header format is described in Formats/SafeTensorsLayout.swift. Kestrel writes F32; it reads
// F32, F16, BF16 and F64 (converted to Float).

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

  /// Parses safetensors bytes; `source` names them in errors. The header is checked by `SafeTensorsLayout`
  /// (built without -Ounchecked); this only copies the ranges it vouched for.
  /// `skipping` names tensors not to copy (a server that never reads them).
  public static func decode(
    _ bytes: [UInt8], source: String, skipping: Set<String> = []
  ) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
    let layout = try SafeTensorsLayout.parse(bytes, source: source, skipping: skipping)
    var tensors: [String: Tensor] = [:]
    for entry in layout.entries {
      let t = Tensor(uninitializedShape: entry.shape)
      let count = entry.count
      bytes.withUnsafeBytes { raw in
        guard let start = raw.baseAddress else { return }
        let base = start + entry.bytes.lowerBound
        let p = t.ptr
        switch entry.dtype {
        case .f32:
          for i in 0..<count {
            p[i] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
          }
        case .f16:
          for i in 0..<count {
            p[i] = Float(
              Float16(bitPattern: UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))))
          }
        case .bf16:
          for i in 0..<count {
            let h = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            p[i] = Float(bitPattern: UInt32(h) << 16)
          }
        case .f64:
          for i in 0..<count {
            p[i] = Float(
              Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
          }
        }
      }
      tensors[entry.name] = t
    }
    return (tensors, layout.metadata)
  }
}
