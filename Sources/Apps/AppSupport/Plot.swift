import Datasets
import Engine
import PixelFont

// Small PNG charts for training curves and confusion matrices, drawn into an RGB `Image` with a built-in
// 3×5 pixel font (scaled), so apps need no plotting dependency.

/// An RGB drawing surface.
public struct Canvas {
  public private(set) var image: Image

  public init(width: Int, height: Int, background: (UInt8, UInt8, UInt8) = (255, 255, 255)) {
    var px = [UInt8](repeating: 0, count: width * height * 3)
    for p in 0..<(width * height) { (px[p * 3], px[p * 3 + 1], px[p * 3 + 2]) = background }
    image = Image(width: width, height: height, channels: 3, pixels: px)
  }

  public mutating func set(_ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8)) {
    guard x >= 0, y >= 0, x < image.width, y < image.height else { return }
    let o = (y * image.width + x) * 3
    (image.pixels[o], image.pixels[o + 1], image.pixels[o + 2]) = c
  }

  public mutating func fill(x: Int, y: Int, w: Int, h: Int, _ c: (UInt8, UInt8, UInt8)) {
    for yy in y..<(y + h) { for xx in x..<(x + w) { set(xx, yy, c) } }
  }

  /// A 2-pixel-wide line (Bresenham).
  public mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ c: (UInt8, UInt8, UInt8)) {
    var (x, y) = (x0, y0)
    let dx = abs(x1 - x0)
    let dy = -abs(y1 - y0)
    let sx = x0 < x1 ? 1 : -1
    let sy = y0 < y1 ? 1 : -1
    var err = dx + dy
    while true {
      set(x, y, c)
      set(x + 1, y, c)
      set(x, y + 1, c)
      if x == x1 && y == y1 { break }
      let e2 = 2 * err
      if e2 >= dy {
        err += dy
        x += sx
      }
      if e2 <= dx {
        err += dx
        y += sy
      }
    }
  }

  /// Text in the built-in font (upper-cased), `scale` pixels per font pixel, top-left at (x, y).
  public mutating func text(_ s: String, x: Int, y: Int, scale: Int = 2, _ c: (UInt8, UInt8, UInt8) = (40, 40, 40)) {
    var cx = x
    for ch in s.uppercased() {
      if let rows = PixelFont.glyph(ch) {
        for (r, bits) in rows.enumerated() {
          for b in 0..<3 where bits & (4 >> b) != 0 { fill(x: cx + b * scale, y: y + r * scale, w: scale, h: scale, c) }
        }
      }
      cx += 4 * scale
    }
  }
}

/// The training curve the trainers write: train and validation loss (nats per `unit`) by evaluation.
public func lossCurve(train: [Double], validation: [Double], per unit: String) -> Image {
  lineChart(
    title: "TRAIN AND VALIDATION LOSS (NATS PER \(unit)) BY EVALUATION",
    series: [("train", train, (40, 90, 200)), ("validation", validation, (200, 60, 40))])
}

/// A line chart of one or more series against x = 1…n, with min/max labels; written as PNG.
public func lineChart(
  title: String, series: [(name: String, values: [Double], color: (UInt8, UInt8, UInt8))], width: Int = 640,
  height: Int = 360
) -> Image {
  var c = Canvas(width: width, height: height)
  let (left, right, top, bottom) = (70, 20, 40, 40)
  let all = series.flatMap(\.values).filter(\.isFinite)
  let lo = all.min() ?? 0
  let hi = max(all.max() ?? 1, lo + 1e-9)
  let n = max(series.map(\.values.count).max() ?? 1, 2)
  c.text(title, x: left, y: 10)
  // Axes.
  c.line(left, top, left, height - bottom, (0, 0, 0))
  c.line(left, height - bottom, width - right, height - bottom, (0, 0, 0))
  c.text(fixed(hi, 3), x: 4, y: top, scale: 2)
  c.text(fixed(lo, 3), x: 4, y: height - bottom - 10, scale: 2)
  c.text("1", x: left, y: height - bottom + 8)
  c.text("\(n)", x: width - right - 20, y: height - bottom + 8)
  func px(_ i: Int, _ v: Double) -> (Int, Int) {
    let x = left + (width - left - right) * i / (n - 1)
    let y = height - bottom - Int(Double(height - top - bottom) * (v - lo) / (hi - lo))
    return (x, y)
  }
  for (k, s) in series.enumerated() {
    for i in stride(from: 1, to: s.values.count, by: 1) where s.values[i].isFinite && s.values[i - 1].isFinite {
      let (x0, y0) = px(i - 1, s.values[i - 1])
      let (x1, y1) = px(i, s.values[i])
      c.line(x0, y0, x1, y1, s.color)
    }
    c.fill(x: width - right - 160, y: top + 4 + k * 16, w: 12, h: 8, s.color)
    c.text(s.name, x: width - right - 144, y: top + 2 + k * 16)
  }
  return c.image
}

/// A confusion-matrix heat map (rows: true class, columns: predicted; colour by row-normalised count).
public func confusionMatrixImage(_ counts: [[Int]], labels: [String], cell: Int = 36) -> Image {
  let k = counts.count
  let margin = 60
  var c = Canvas(width: margin + k * cell + 10, height: margin + k * cell + 10)
  c.text("TRUE \\ PREDICTED", x: 4, y: 4)
  for i in 0..<k {
    let total = max(counts[i].reduce(0, +), 1)
    c.text(String(labels[i].prefix(3)), x: 4, y: margin + i * cell + cell / 2 - 5)
    c.text(String(labels[i].prefix(3)), x: margin + i * cell + 2, y: margin - 16)
    for j in 0..<k {
      let f = Double(counts[i][j]) / Double(total)
      let shade = UInt8(255 - Int(f * 215))
      let color: (UInt8, UInt8, UInt8) = i == j ? (shade, 255, shade) : (255, shade, shade)
      c.fill(x: margin + j * cell, y: margin + i * cell, w: cell - 1, h: cell - 1, color)
      if counts[i][j] > 0 {
        c.text("\(counts[i][j])", x: margin + j * cell + 2, y: margin + i * cell + cell / 2 - 5, scale: 1)
      }
    }
  }
  return c.image
}
