import Engine

/// The UTF-8 text of `path`. Fails with the byte offset and line of the first invalid UTF-8 sequence, on NUL
/// bytes (binary files), and on empty files.
public func readText(_ path: String) throws -> String {
  let bytes = try FileIO.read(path)
  guard !bytes.isEmpty else { throw FileError(path, "the file is empty") }
  if let nul = bytes.firstIndex(of: 0) {
    throw FileError(path, "looks binary (NUL byte at offset \(nul)); expected UTF-8 text")
  }
  guard let text = String(validating: bytes, as: UTF8.self) else {
    let offset = firstInvalidUTF8(bytes)
    let line = bytes[..<offset].reduce(1) { $0 + ($1 == 10 ? 1 : 0) }
    throw FileError(path, "not valid UTF-8 (byte offset \(offset), line \(line)); convert it to UTF-8 first")
  }
  return text
}

/// Byte offset of the first invalid UTF-8 sequence in `bytes` (bytes.count when valid).
public func firstInvalidUTF8(_ bytes: [UInt8]) -> Int {
  var i = 0
  while i < bytes.count {
    let b = bytes[i]
    let n: Int
    if b < 0x80 {
      n = 1
    } else if b >> 5 == 0x6 {
      n = 2
    } else if b >> 4 == 0xE {
      n = 3
    } else if b >> 3 == 0x1E {
      n = 4
    } else {
      return i
    }
    guard i + n <= bytes.count else { return i }
    for k in 1..<n where bytes[i + k] >> 6 != 0x2 { return i }
    if String(validating: bytes[i..<(i + n)], as: UTF8.self) == nil { return i }
    i += n
  }
  return bytes.count
}
