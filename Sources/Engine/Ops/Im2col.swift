// im2col / col2im for one image and one channel group.
// Legend: C = channels of the group, H×W = image, KH×KW = kernel, OH×OW = output grid.
// col has shape (C·KH·KW, OH·OW): row (c, ki, kj) holds image[c, oh·sh − pt + ki·dh, ow·sw − pl + kj·dw] (0 outside).

/// Geometry of a 2-d convolution over one channel group.
struct ConvGeometry {
  var c, h, w: Int
  var kh, kw: Int
  var oh, ow: Int
  var sh, sw: Int
  var dh, dw: Int
  var pt, pl: Int

  var colRows: Int { c * kh * kw }
  var colCols: Int { oh * ow }
  /// True when col equals the image itself (1×1 kernel, stride 1, no padding).
  var isIdentity: Bool { kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 && oh == h && ow == w }

  /// Output columns `ow` whose input column `ow·sw − pl + off` lies inside 0..<w.
  @inline(__always)
  func validColumns(_ off: Int) -> Range<Int> {
    // need 0 <= ow*sw - pl + off < w
    let first = Swift.max(0, (pl - off + sw - 1) / sw)
    let lastExclusive = Swift.min(ow, Swift.max(0, (w + pl - off + sw - 1) / sw))
    return first..<Swift.max(first, lastExclusive)
  }
}

/// The one patch walker: for every col row (c, ki, kj) and output row oh, calls `body` with the segment's offset in
/// col, the offset in the image (C, H, W) of input column 0 of that segment (nil when the input row is padding),
/// and the output columns whose input lies inside the image.
@inline(__always)
func walkPatches(_ g: ConvGeometry, _ body: (_ col: Int, _ image: Int?, _ valid: Range<Int>) -> Void) {
  let ohw = g.oh &* g.ow
  for c in 0..<g.c {
    for ki in 0..<g.kh {
      for kj in 0..<g.kw {
        let row = ((c &* g.kh &+ ki) &* g.kw &+ kj) &* ohw
        let offW = kj &* g.dw
        let valid = g.validColumns(offW)
        for oh in 0..<g.oh {
          let ih = oh &* g.sh &- g.pt &+ ki &* g.dh
          let inside = ih >= 0 && ih < g.h
          body(row &+ oh &* g.ow, inside ? (c &* g.h &+ ih) &* g.w &- g.pl &+ offW : nil, valid)
        }
      }
    }
  }
}

/// Fills `col` (C·KH·KW, OH·OW) from the image `x` (C, H, W).
func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry, _ col: UnsafeMutablePointer<Float>) {
  walkPatches(g) { at, image, valid in
    let dst = col + at
    guard let image else { return dst.update(repeating: 0, count: g.ow) }
    let src = x + image
    if valid.lowerBound > 0 { dst.update(repeating: 0, count: valid.lowerBound) }
    if g.sw == 1 {
      (dst + valid.lowerBound).update(from: src + valid.lowerBound, count: valid.count)
    } else {
      for o in valid { dst[o] = src[o &* g.sw] }
    }
    if valid.upperBound < g.ow { (dst + valid.upperBound).update(repeating: 0, count: g.ow &- valid.upperBound) }
  }
}

/// Adds `col` (C·KH·KW, OH·OW) back into the image `x` (C, H, W): the adjoint of `im2col`.
func col2im(_ col: UnsafePointer<Float>, _ g: ConvGeometry, _ x: UnsafeMutablePointer<Float>) {
  walkPatches(g) { at, image, valid in
    guard let image else { return }
    let (src, dst) = (col + at, x + image)
    if g.sw == 1 {
      for o in valid { dst[o] += src[o] }
    } else {
      for o in valid { dst[o &* g.sw] += src[o] }
    }
  }
}
