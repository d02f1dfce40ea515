import Engine

/// JPEG decoding is not built into this binary yet (PNG is); the error says what to do instead.
func decodeJPEG(_ bytes: [UInt8], source: String) throws -> Image {
  throw FileError(source, "JPEG input is not supported yet; convert to PNG (e.g. `convert photo.jpg photo.png`)")
}
