import AppSupport
import Datasets
import Engine
import Foundation

/// A bitmap font in GNU Unifont's .hex format (`XXXX:` + 32 hex digits for 8×16 or 64 for 16×16 glyphs); the
/// shipped subset (assets/fonts) covers ASCII and the shipped vocabularies, so attention maps show Chinese.
struct GlyphFont {
  var glyphs: [UInt32: (width: Int, rows: [UInt16])] = [:]

  static func load(assets: String) throws -> GlyphFont {
    let text = String(decoding: try FileIO.read(assets + "/fonts/unifont-subset.hex"), as: UTF8.self)
    var font = GlyphFont()
    for line in text.split(separator: "\n") {
      let parts = line.split(separator: ":")
      guard parts.count == 2, let code = UInt32(parts[0], radix: 16) else { continue }
      let hex = Array(parts[1])
      let width = hex.count == 64 ? 16 : 8
      let step = width / 4
      var rows: [UInt16] = []
      for r in 0..<16 {
        rows.append(UInt16(String(hex[(r * step)..<(r * step + step)]), radix: 16) ?? 0)
      }
      font.glyphs[code] = (width, rows)
    }
    return font
  }

  /// Draws `s` at (x, y) (top-left); returns the width drawn. Unknown characters draw as a box.
  @discardableResult
  func draw(_ s: String, on canvas: inout Canvas, x: Int, y: Int, color: (UInt8, UInt8, UInt8)) -> Int {
    var cx = x
    for scalar in s.unicodeScalars {
      guard let g = glyphs[scalar.value] else {
        canvas.fill(x: cx + 1, y: y + 3, w: 6, h: 1, color)
        canvas.fill(x: cx + 1, y: y + 12, w: 6, h: 1, color)
        canvas.fill(x: cx + 1, y: y + 3, w: 1, h: 10, color)
        canvas.fill(x: cx + 6, y: y + 3, w: 1, h: 10, color)
        cx += 8
        continue
      }
      for (r, bits) in g.rows.enumerated() {
        for b in 0..<g.width where bits & (1 << (g.width - 1 - b)) != 0 { canvas.set(cx + b, y + r, color) }
      }
      cx += g.width
    }
    return cx - x
  }

  func width(_ s: String) -> Int { s.unicodeScalars.reduce(0) { $0 + (glyphs[$1.value]?.width ?? 8) } }
}

/// The attention heatmap: one column per output token (labelled on top), one row per source token (labelled
/// on the left), darker = more attention. `map[i][j]` is output token i's weight on source token j.
func attentionImage(
  _ map: [[Float]], rows outputTokens: [String], columns sourceTokens: [String], font: GlyphFont?
)
  -> Image
{
  let cell = 18
  let labels = sourceTokens.map { $0.replacingOccurrences(of: "\u{2581}", with: "_") }
  let left = 8 + (labels.map { font?.width($0) ?? $0.count * 4 * 2 }.max() ?? 0)
  let top = 26
  let (nOut, nSrc) = (outputTokens.count, sourceTokens.count)
  var canvas = Canvas(width: left + nOut * cell + 8, height: top + nSrc * cell + 8)
  for (i, row) in map.prefix(nOut).enumerated() {
    for (j, w) in row.prefix(nSrc).enumerated() {
      let v = UInt8(max(0, min(255, 255 - Int(pow(Double(w), 0.7) * 235))))
      canvas.fill(x: left + i * cell, y: top + j * cell, w: cell - 1, h: cell - 1, (v, v, UInt8(min(255, Int(v) + 30))))
    }
  }
  for (i, t) in outputTokens.enumerated() {
    let label = t.replacingOccurrences(of: "\u{2581}", with: "_")
    if let font {
      let w = font.width(label)
      font.draw(label, on: &canvas, x: left + i * cell + (cell - w) / 2, y: 4, color: (20, 20, 20))
    } else {
      canvas.text(String(label.prefix(2)), x: left + i * cell + 2, y: 8)
    }
  }
  for (j, label) in labels.enumerated() {
    if let font {
      font.draw(label, on: &canvas, x: 4, y: top + j * cell + 1, color: (20, 20, 20))
    } else {
      canvas.text(label, x: 4, y: top + j * cell + 4)
    }
  }
  return canvas.image
}
