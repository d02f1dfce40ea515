import Engine

extension Image {
  /// The image as 3-channel RGB: gray is replicated, alpha is dropped (as Pillow's `convert("RGB")`).
  public func rgb() -> Image {
    if channels == 3 { return self }
    var out = [UInt8](repeating: 0, count: width * height * 3)
    for p in 0..<(width * height) {
      switch channels {
      case 1, 2:
        let v = pixels[p * channels]
        out[p * 3] = v
        out[p * 3 + 1] = v
        out[p * 3 + 2] = v
      default:
        for c in 0..<3 { out[p * 3 + c] = pixels[p * channels + c] }
      }
    }
    return Image(width: width, height: height, channels: 3, pixels: out)
  }

  /// The image as 1-channel luminance (ITU-R 601, as Pillow's `convert("L")`); alpha is dropped.
  public func gray() -> Image {
    if channels == 1 { return self }
    var out = [UInt8](repeating: 0, count: width * height)
    for p in 0..<(width * height) {
      if channels <= 2 {
        out[p] = pixels[p * channels]
      } else {
        let r = Int(pixels[p * channels])
        let g = Int(pixels[p * channels + 1])
        let b = Int(pixels[p * channels + 2])
        out[p] = UInt8((r * 299 + g * 587 + b * 114 + 500) / 1000)
      }
    }
    return Image(width: width, height: height, channels: 1, pixels: out)
  }
}
