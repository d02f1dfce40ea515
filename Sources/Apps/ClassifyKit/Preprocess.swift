import Datasets
import Engine

/// ImageNet preprocessing of the EfficientNet-Lite reference: short side to 256 (bicubic), centre crop 224,
/// x = (pixel − 127) / 128, CHW → (3, 224, 224).
public func imagenetInput(_ image: Image, size: Int = 224, shortSide: Int = 256) -> Tensor {
  let rgb = image.rgb()
  let scale = Double(shortSide) / Double(min(rgb.width, rgb.height))
  let w = max(size, Int((Double(rgb.width) * scale).rounded()))
  let h = max(size, Int((Double(rgb.height) * scale).rounded()))
  let resized = rgb.resized(width: w, height: h, filter: .bicubic)
  let crop = resized.cropped(x: (w - size) / 2, y: (h - size) / 2, width: size, height: size)
  return crop.tensorCHW { ($0 - 127) / 128 }
}

/// MNIST convention for a photo of one handwritten digit: grayscale, inverted when the background is light,
/// cropped to the ink, scaled so the longer side is 20 px, and placed in 28×28 with its centre of mass at the
/// centre. Returns (1, 28, 28) with values in [0, 1].
public func mnistInput(_ image: Image) -> Tensor {
  var g = image.gray()
  // Light background (mean of the border above mid-grey) → invert so ink is bright.
  var border = 0
  var count = 0
  for x in 0..<g.width {
    border += Int(g.pixels[x]) + Int(g.pixels[(g.height - 1) * g.width + x])
    count += 2
  }
  let light = border / max(count, 1) > 127
  if light { g.pixels = g.pixels.map { 255 - $0 } }
  // Paper is never pure black: stretch so the background (border level) is 0 and the strongest ink 255.
  let background = light ? 255 - border / max(count, 1) : border / max(count, 1)
  let peak = Int(g.pixels.max() ?? 255)
  if peak > background {
    g.pixels = g.pixels.map { UInt8(min(255, max(0, (Int($0) - background) * 255 / (peak - background)))) }
  }
  // Bounding box of pixels brighter than a threshold between the min and max.
  let lo = Int(g.pixels.min() ?? 0)
  let hi = Int(g.pixels.max() ?? 255)
  let threshold = UInt8(lo + (hi - lo) / 3)
  var (x0, y0, x1, y1) = (g.width, g.height, -1, -1)
  for y in 0..<g.height {
    for x in 0..<g.width where g.pixels[y * g.width + x] > threshold {
      (x0, y0, x1, y1) = (min(x0, x), min(y0, y), max(x1, x), max(y1, y))
    }
  }
  if x1 < x0 { return Tensor(zeros: [1, 28, 28]) }  // blank image
  if g.width == 28 && g.height == 28 && !(x1 - x0 > 20 || y1 - y0 > 20) && lo == 0 {
    return g.tensorCHW { $0 / 255 }  // already MNIST-like
  }
  let crop = g.cropped(x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1)
  let scale = 20 / Double(max(crop.width, crop.height))
  let w = max(1, Int((Double(crop.width) * scale).rounded()))
  let h = max(1, Int((Double(crop.height) * scale).rounded()))
  let digit = crop.resized(width: w, height: h, filter: .bilinear)
  // Centre of mass of the scaled digit → shift so it lands at (14, 14).
  var (mx, my, mass) = (0.0, 0.0, 0.0)
  for y in 0..<h {
    for x in 0..<w {
      let v = Double(digit.pixels[y * w + x])
      mx += v * Double(x)
      my += v * Double(y)
      mass += v
    }
  }
  let cx = mass > 0 ? mx / mass : Double(w) / 2
  let cy = mass > 0 ? my / mass : Double(h) / 2
  let ox = Int((14 - cx).rounded())
  let oy = Int((14 - cy).rounded())
  let out = Tensor(zeros: [1, 28, 28])
  out.withUnsafeMutableBufferPointer { p in
    for y in 0..<h {
      for x in 0..<w {
        let (tx, ty) = (x + ox, y + oy)
        if tx >= 0 && tx < 28 && ty >= 0 && ty < 28 { p[ty * 28 + tx] = Float(digit.pixels[y * w + x]) / 255 }
      }
    }
  }
  return out
}
