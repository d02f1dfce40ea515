import CTurboJPEG
import Engine

/// Decodes a baseline or progressive JPEG through libturbojpeg's TurboJPEG API, which reports errors as return
/// codes (no longjmp), with the accurate integer DCT and fancy upsampling, as Pillow decodes. Gray JPEGs stay
/// 1-channel; everything else becomes RGB. A truncated or corrupt stream is an error, not a partial image.
func decodeJPEG(_ bytes: [UInt8], source: String) throws -> Image {
  guard let handle = tjInitDecompress() else { throw FileError(source, "cannot start the JPEG decoder") }
  defer { tjDestroy(handle) }
  func failure(_ what: String) -> FileError {
    FileError(source, "\(what) (\(String(cString: tjGetErrorStr2(handle))))")
  }
  var width: Int32 = 0
  var height: Int32 = 0
  var subsampling: Int32 = 0
  var colorspace: Int32 = 0
  let header = bytes.withUnsafeBufferPointer {
    tjDecompressHeader3(handle, $0.baseAddress, UInt(bytes.count), &width, &height, &subsampling, &colorspace)
  }
  guard header == 0 else { throw failure("corrupt JPEG header") }
  guard width > 0, height > 0, Int(width) * Int(height) <= maxImagePixels else {
    throw FileError(
      source, "image is \(width)×\(height) pixels, more than the \(maxImagePixels / 1_000_000) megapixel limit")
  }
  let gray = colorspace == Int32(TJCS_GRAY.rawValue)
  let channels = gray ? 1 : 3
  var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * channels)
  let rc = bytes.withUnsafeBufferPointer { src in
    pixels.withUnsafeMutableBufferPointer { dst in
      tjDecompress2(
        handle, src.baseAddress, UInt(bytes.count), dst.baseAddress, width, 0, height,
        gray ? Int32(TJPF_GRAY.rawValue) : Int32(TJPF_RGB.rawValue), TJFLAG_ACCURATEDCT)
    }
  }
  guard rc == 0 else { throw failure("corrupt or truncated JPEG") }
  return Image(width: Int(width), height: Int(height), channels: channels, pixels: pixels)
}
