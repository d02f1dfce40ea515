import CPNG
import Engine

/// An 8-bit image: `channels` interleaved samples per pixel (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA), row-major.
public struct Image: Sendable, Equatable {
  /// Pixels per row.
  public var width: Int
  /// Rows.
  public var height: Int
  /// Samples per pixel.
  public var channels: Int
  /// `height · width · channels` samples, row-major, interleaved.
  public var pixels: [UInt8]

  /// An image; `pixels` must hold width × height × channels samples.
  public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
    precondition(
      pixels.count == width * height * channels, "Image: \(pixels.count) bytes for \(width)×\(height)×\(channels)")
    self.width = width
    self.height = height
    self.channels = channels
    self.pixels = pixels
  }
}

extension Image {
  /// Decodes a PNG file of any colour type and bit depth (palette, gray, gray+alpha, RGB, RGBA; 8 or 16 bit;
  /// interlaced) into 8-bit samples, keeping gray/colour and alpha as the file has them.
  public init(pngFile path: String) throws {
    try self.init(pngData: try FileIO.read(path), source: path)
  }

  /// Decodes PNG bytes; `source` names them in errors.
  public init(pngData bytes: [UInt8], source: String) throws {
    guard bytes.count >= 8, bytes[0] == 0x89, bytes[1] == 0x50, bytes[2] == 0x4E, bytes[3] == 0x47 else {
      throw FileError(source, "not a PNG file (bad signature)")
    }
    // Decode only the chunks that define pixels: without gAMA/iCCP/sRGB the simplified reader applies no colour
    // conversion, so the samples are the file's own, as Pillow returns them.
    let stream = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
    defer { stream.deallocate() }  // libpng reads from this memory until finish_read: it must outlive both calls
    let kept = Image.pixelChunks(bytes)
    kept.withUnsafeBytes { stream.copyMemory(from: $0) }
    var image = png_image()
    image.version = UInt32(PNG_IMAGE_VERSION)
    let begun = png_image_begin_read_from_memory(&image, stream.baseAddress, kept.count)
    guard begun != 0 else { throw FileError(source, "corrupt PNG (\(Image.message(&image)))") }
    let hasColor = image.format & UInt32(PNG_FORMAT_FLAG_COLOR) != 0
    let hasAlpha = image.format & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0
    // 16-bit files without alpha are read as 16-bit samples and scaled to 8 bits (v·255/65535, rounded);
    // the 8-bit simplified path would gamma-encode them. With alpha, the 16-bit path premultiplies, so the
    // 8-bit path is used.
    let wide = image.format & UInt32(PNG_FORMAT_FLAG_LINEAR) != 0 && !hasAlpha
    image.format =
      (hasColor ? UInt32(PNG_FORMAT_FLAG_COLOR) : 0) | (hasAlpha ? UInt32(PNG_FORMAT_FLAG_ALPHA) : 0)
      | (wide ? UInt32(PNG_FORMAT_FLAG_LINEAR) : 0)
    let channels = (hasColor ? 3 : 1) + (hasAlpha ? 1 : 0)
    let (w, h) = (Int(image.width), Int(image.height))
    var pixels = [UInt8](repeating: 0, count: w * h * channels)
    var finished: Int32 = 0
    if wide {
      var samples = [UInt16](repeating: 0, count: w * h * channels)
      finished = samples.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
      for i in 0..<samples.count { pixels[i] = UInt8((UInt32(samples[i]) * 255 + 32895) >> 16) }
    } else {
      finished = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
    }
    guard finished != 0 else {
      let m = Image.message(&image)
      png_image_free(&image)
      throw FileError(source, "corrupt or truncated PNG (\(m))")
    }
    self.init(width: w, height: h, channels: channels, pixels: pixels)
  }

  /// Encodes the image as PNG bytes.
  public func pngData() throws -> [UInt8] {
    var image = png_image()
    image.version = UInt32(PNG_IMAGE_VERSION)
    image.width = UInt32(width)
    image.height = UInt32(height)
    switch channels {
    case 1: image.format = kestrel_png_format_gray()
    case 2: image.format = kestrel_png_format_gray_alpha()
    case 3: image.format = kestrel_png_format_rgb()
    default: image.format = kestrel_png_format_rgba()
    }
    var size = 0
    let sized = pixels.withUnsafeBytes { png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, 0, nil) }
    guard sized != 0 else { throw FileError("<png>", "cannot encode PNG (\(Image.message(&image)))") }
    var out = [UInt8](repeating: 0, count: size)
    let ok = out.withUnsafeMutableBytes { dst in
      pixels.withUnsafeBytes { png_image_write_to_memory(&image, dst.baseAddress, &size, 0, $0.baseAddress, 0, nil) }
    }
    guard ok != 0 else { throw FileError("<png>", "cannot encode PNG (\(Image.message(&image)))") }
    return Array(out[..<size])
  }

  /// Writes the image as a PNG file atomically.
  public func writePNG(to path: String) throws {
    try FileIO.writeAtomically(try pngData(), to: path)
  }

  /// The PNG stream with only IHDR, PLTE, tRNS, IDAT and IEND (chunks copied whole, CRCs intact). A malformed
  /// chunk layout is returned unchanged so that libpng reports it.
  static func pixelChunks(_ bytes: [UInt8]) -> [UInt8] {
    let keep: Set<String> = ["IHDR", "PLTE", "tRNS", "IDAT", "IEND"]
    var out = Array(bytes[0..<8])
    var i = 8
    while i + 12 <= bytes.count {
      let n = Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
      guard n >= 0, i + 12 + n <= bytes.count else { return bytes }
      let type = String(decoding: bytes[(i + 4)..<(i + 8)], as: UTF8.self)
      if keep.contains(type) { out.append(contentsOf: bytes[i..<(i + 12 + n)]) }
      i += 12 + n
      if type == "IEND" { return out }
    }
    return bytes
  }

  private static func message(_ image: inout png_image) -> String {
    withUnsafeBytes(of: &image.message) { raw in
      String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
    }
  }
}
