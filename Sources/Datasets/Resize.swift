import Engine

#if canImport(Glibc)
  import Glibc
#endif

// Image resampling with PIL's convolution method: separable filters whose support widens by the scale factor
// when shrinking (antialiasing), so results match Pillow's `Image.resize` closely.

/// Resampling filters.
public enum ResizeFilter: Sendable {
  /// Triangle filter (support 1).
  case bilinear
  /// Keys cubic with a = −0.5 (Pillow's BICUBIC, support 2).
  case bicubic

  var support: Double { self == .bilinear ? 1 : 2 }

  func weight(_ x: Double) -> Double {
    let x = Swift.abs(x)
    switch self {
    case .bilinear: return x < 1 ? 1 - x : 0
    case .bicubic:
      let a = -0.5
      if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
      if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
      return 0
    }
  }
}

/// Per output index: first input index and normalised weights.
private func resampleCoefficients(input: Int, output: Int, filter: ResizeFilter) -> [(Int, [Double])] {
  let scale = Double(input) / Double(output)
  let fscale = Swift.max(scale, 1)
  let support = filter.support * fscale
  return (0..<output).map { o in
    let center = (Double(o) + 0.5) * scale
    let lo = Swift.max(0, Int((center - support + 0.5).rounded(.down)))
    let hi = Swift.min(input, Int((center + support + 0.5).rounded(.down)))
    var w = (lo..<Swift.max(hi, lo + 1)).map { filter.weight((Double($0) - center + 0.5) / fscale) }
    let total = w.reduce(0, +)
    if total != 0 { w = w.map { $0 / total } }
    return (lo, w)
  }
}

extension Image {
  /// The image resampled to `width`×`height` (8-bit result, rounded and clamped after each pass as Pillow does).
  public func resized(width newW: Int, height newH: Int, filter: ResizeFilter = .bilinear) -> Image {
    precondition(newW > 0 && newH > 0, "resized: target size \(newW)×\(newH) must be positive")
    let c = channels
    func clampByte(_ v: Double) -> UInt8 { UInt8(Swift.min(Swift.max(v.rounded(), 0), 255)) }
    // Horizontal pass: (H, W, C) → (H, newW, C).
    let hc = resampleCoefficients(input: width, output: newW, filter: filter)
    var tmp = [UInt8](repeating: 0, count: height * newW * c)
    for y in 0..<height {
      for (x, (lo, ws)) in hc.enumerated() {
        for ch in 0..<c {
          var acc = 0.0
          for (k, w) in ws.enumerated() where lo + k < width {
            acc += w * Double(pixels[(y * width + lo + k) * c + ch])
          }
          tmp[(y * newW + x) * c + ch] = clampByte(acc)
        }
      }
    }
    // Vertical pass: (H, newW, C) → (newH, newW, C).
    let vc = resampleCoefficients(input: height, output: newH, filter: filter)
    var out = [UInt8](repeating: 0, count: newH * newW * c)
    for (y, (lo, ws)) in vc.enumerated() {
      for x in 0..<newW {
        for ch in 0..<c {
          var acc = 0.0
          for (k, w) in ws.enumerated() where lo + k < height { acc += w * Double(tmp[((lo + k) * newW + x) * c + ch]) }
          out[(y * newW + x) * c + ch] = clampByte(acc)
        }
      }
    }
    return Image(width: newW, height: newH, channels: c, pixels: out)
  }

  /// The `w`×`h` region whose top-left corner is (`x`, `y`).
  public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> Image {
    precondition(x >= 0 && y >= 0 && x + w <= width && y + h <= height, "cropped: region outside \(width)×\(height)")
    var out = [UInt8]()
    out.reserveCapacity(w * h * channels)
    for row in y..<(y + h) {
      let start = (row * width + x) * channels
      out.append(contentsOf: pixels[start..<(start + w * channels)])
    }
    return Image(width: w, height: h, channels: channels, pixels: out)
  }

  /// The pixels as a (C, H, W) tensor with `transform` applied to each 0…255 sample.
  public func tensorCHW(_ transform: (Float) -> Float = { $0 / 255 }) -> Tensor {
    let t = Tensor(zeros: [channels, height, width])
    t.withUnsafeMutableBufferPointer { p in
      for i in 0..<(width * height) {
        for ch in 0..<channels { p[ch * width * height + i] = transform(Float(pixels[i * channels + ch])) }
      }
    }
    return t
  }
}
