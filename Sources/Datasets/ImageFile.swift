import Engine

/// Largest image accepted (pixels); bigger headers are refused before any pixel memory is allocated.
public let maxImagePixels = 50_000_000

/// Reads a PNG or JPEG file (by content, not extension) into 8-bit samples.
public func loadImage(_ path: String) throws -> Image { try decodeImage(try FileIO.read(path), source: path) }

/// Decodes PNG or JPEG bytes (by content) into 8-bit samples; `source` names them in errors.
public func decodeImage(_ bytes: [UInt8], source path: String) throws -> Image {
  if bytes.count >= 8 && bytes[0] == 0x89 && bytes[1] == 0x50 && bytes[2] == 0x4E && bytes[3] == 0x47 {
    if bytes.count >= 24 {
      let w = Int(bytes[16]) << 24 | Int(bytes[17]) << 16 | Int(bytes[18]) << 8 | Int(bytes[19])
      let h = Int(bytes[20]) << 24 | Int(bytes[21]) << 16 | Int(bytes[22]) << 8 | Int(bytes[23])
      if (checkedProduct(w, h) ?? Int.max) > maxImagePixels {  // found by the image fuzzer: w · h overflowed
        throw FileError(path, "image is \(w)×\(h) pixels, more than the \(maxImagePixels / 1_000_000) megapixel limit")
      }
    }
    return try Image(pngData: bytes, source: path)
  }
  if bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF {
    return try decodeJPEG(bytes, source: path)
  }
  throw FileError(path, bytes.isEmpty ? "empty file, not an image" : "not a PNG or JPEG image")
}
