// 2-d convolution and transposed convolution through im2col + GEMM, batch split across threads.
// Legend: N = batch, C = input channels, O = output channels, G = groups, H×W = input, OH×OW = output,
// KH×KW = kernel. conv2d weight: (O, C/G, KH, KW); convTranspose2d weight: (C, O/G, KH, KW) (PyTorch layout).

/// Explicit padding on each side of the image.
public struct Padding2D: Sendable, Equatable, Codable {
  public var top, bottom, left, right: Int
  public init(top: Int, bottom: Int, left: Int, right: Int) {
    self.top = top
    self.bottom = bottom
    self.left = left
    self.right = right
  }
}

/// How a convolution pads its input.
public enum ConvPadding: Sendable, Equatable {
  /// No padding.
  case valid
  /// TensorFlow "SAME": output = ceil(input / stride), extra padding at the bottom/right when odd.
  case same
  /// The same padding on both sides: (rows, cols).
  case symmetric(Int, Int)
  /// Any padding per side.
  case explicit(Padding2D)

  /// Padding for an input of `h`×`w`.
  func resolve(h: Int, w: Int, kernel: (Int, Int), stride: (Int, Int), dilation: (Int, Int)) -> Padding2D {
    switch self {
    case .valid: return Padding2D(top: 0, bottom: 0, left: 0, right: 0)
    case .symmetric(let ph, let pw): return Padding2D(top: ph, bottom: ph, left: pw, right: pw)
    case .explicit(let p): return p
    case .same:
      func split(_ n: Int, _ k: Int, _ s: Int, _ d: Int) -> (Int, Int) {
        let out = (n + s - 1) / s
        let total = Swift.max((out - 1) * s + (k - 1) * d + 1 - n, 0)
        return (total / 2, total - total / 2)
      }
      let (t, b) = split(h, kernel.0, stride.0, dilation.0)
      let (l, r) = split(w, kernel.1, stride.1, dilation.1)
      return Padding2D(top: t, bottom: b, left: l, right: r)
    }
  }
}

/// Runs `body(n, scratch)` for every image n, splitting images across threads; each thread gets its own
/// scratch buffer of `scratchCount` floats.
private func forEachImage(_ count: Int, scratchCount: Int, _ body: (Int, UnsafeMutablePointer<Float>) -> Void) {
  Parallel.forChunks(count, minPerThread: 1) { range in
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(scratchCount, 1))
    defer { scratch.deallocate() }
    for n in range { body(n, scratch) }
  }
}

/// Adds per-thread partial weight gradients: each chunk of images accumulates into its own buffer.
private func accumulateWeightGrad(
  images: Int, size: Int, scratchCount: Int, into dw: UnsafeMutablePointer<Float>,
  _ body: (Int, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void
) {
  let lock = SpinLock()
  Parallel.forChunks(images, minPerThread: 1) { range in
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(scratchCount, 1))
    let part = UnsafeMutablePointer<Float>.allocate(capacity: size)
    part.initialize(repeating: 0, count: size)
    defer {
      scratch.deallocate()
      part.deallocate()
    }
    for n in range { body(n, scratch, part) }
    lock.withLock { for i in 0..<size { dw[i] += part[i] } }
  }
}

/// Adds bias[c] to every position of channel c of one image (C, S).
@inline(__always)
func addChannelBias(
  _ image: UnsafeMutablePointer<Float>, _ bias: UnsafeMutablePointer<Float>, channels: Int, spatial: Int
) {
  for c in 0..<channels {
    let row = image + c &* spatial
    let b = bias[c]
    for j in 0..<spatial { row[j] += b }
  }
}

extension Tensor {
  /// Convolution of (N, C, H, W) with `weight` (O, C/G, KH, KW) and optional `bias` (O) → (N, O, OH, OW).
  public func conv2d(
    _ weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: ConvPadding = .valid,
    dilation: (Int, Int) = (1, 1), groups: Int = 1
  ) -> Tensor {
    precondition(rank == 4 && weight.rank == 4, "conv2d: input \(shape) and weight \(weight.shape) must be 4-d")
    let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
    let (o, cg, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
    precondition(
      c % groups == 0 && o % groups == 0 && cg == c / groups,
      "conv2d: input \(shape) and weight \(weight.shape) do not fit groups \(groups)")
    if let bias { precondition(bias.shape == [o], "conv2d: bias \(bias.shape) does not match \(o) output channels") }
    let pad = padding.resolve(h: h, w: w, kernel: (kh, kw), stride: stride, dilation: dilation)
    let oh = (h + pad.top + pad.bottom - dilation.0 * (kh - 1) - 1) / stride.0 + 1
    let ow = (w + pad.left + pad.right - dilation.1 * (kw - 1) - 1) / stride.1 + 1
    precondition(oh > 0 && ow > 0, "conv2d: input \(shape) is too small for kernel \(kh)×\(kw)")
    let geo = ConvGeometry(
      c: cg, h: h, w: w, kh: kh, kw: kw, oh: oh, ow: ow, sh: stride.0, sw: stride.1, dh: dilation.0, dw: dilation.1,
      pt: pad.top, pl: pad.left)
    let og = o / groups
    var inputs = [self, weight]
    if let bias { inputs.append(bias) }
    if groups == c && o == c && cg == 1 {
      return depthwiseConv2d(weight, bias: bias, geometry: geo, inputs: inputs)
    }
    let x = contiguous()
    let wt = weight.contiguous()
    let out = Tensor(uninitializedShape: [n, o, oh, ow])  // (N, O, OH, OW)
    let (px, pw, po) = (x.ptr, wt.ptr, out.ptr)
    let pb = bias?.contiguous().ptr
    let identity = geo.isIdentity
    forEachImage(n, scratchCount: identity ? 0 : geo.colRows * geo.colCols) { i, col in
      for gi in 0..<groups {
        let xg = px + (i &* c &+ gi &* cg) &* h &* w  // (C/G, H, W)
        if !identity { im2col(xg, geo, col) }
        BLAS.gemm(
          transA: false, transB: false, m: og, n: geo.colCols, k: geo.colRows,
          a: pw + gi &* og &* geo.colRows, lda: geo.colRows, b: identity ? xg : col, ldb: geo.colCols,
          c: po + (i &* o &+ gi &* og) &* geo.colCols, ldc: geo.colCols)
      }
      if let pb { addChannelBias(po + i &* o &* geo.colCols, pb, channels: o, spatial: geo.colCols) }
    }
    return out.recording("conv2d", inputs) { [shape] g in
      let gc = g.contiguous()  // (N, O, OH, OW)
      let pg = gc.ptr
      var dx: Tensor? = nil
      if self.requiresGrad {
        let d = Tensor(zeros: shape)
        let pd = d.ptr
        forEachImage(n, scratchCount: geo.colRows * geo.colCols) { i, col in
          for gi in 0..<groups {
            let dxg = pd + (i &* c &+ gi &* cg) &* h &* w
            // dcol (C/G·KH·KW, OH·OW) = Wᵀ @ dOut
            BLAS.gemm(
              transA: true, transB: false, m: geo.colRows, n: geo.colCols, k: og,
              a: pw + gi &* og &* geo.colRows, lda: geo.colRows, b: pg + (i &* o &+ gi &* og) &* geo.colCols,
              ldb: geo.colCols, beta: 0, c: identity ? dxg : col, ldc: geo.colCols)
            if !identity { col2im(col, geo, dxg) }
          }
        }
        dx = d
      }
      var dw: Tensor? = nil
      if weight.requiresGrad {
        let d = Tensor(zeros: weight.shape)
        accumulateWeightGrad(images: n, size: d.count, scratchCount: geo.colRows * geo.colCols, into: d.ptr) {
          i, col, part in
          for gi in 0..<groups {
            let xg = px + (i &* c &+ gi &* cg) &* h &* w
            if !identity { im2col(xg, geo, col) }
            // dW (O/G, C/G·KH·KW) += dOut @ colᵀ
            BLAS.gemm(
              transA: false, transB: true, m: og, n: geo.colRows, k: geo.colCols,
              a: pg + (i &* o &+ gi &* og) &* geo.colCols, lda: geo.colCols, b: identity ? xg : col,
              ldb: geo.colCols, beta: 1, c: part + gi &* og &* geo.colRows, ldc: geo.colRows)
          }
        }
        dw = d
      }
      var result: [Tensor?] = [dx, dw]
      if let bias { result.append(bias.requiresGrad ? gc.sum(axes: [0, 2, 3]) : nil) }
      return result
    }
  }

  /// Transposed convolution of (N, C, H, W) with `weight` (C, O/G, KH, KW) → (N, O, OH, OW), where
  /// OH = (H − 1)·s − pt − pb + d·(KH − 1) + outputPadding + 1. The adjoint of `conv2d`.
  public func convTranspose2d(
    _ weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
    outputPadding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1
  ) -> Tensor {
    precondition(
      rank == 4 && weight.rank == 4, "convTranspose2d: input \(shape) and weight \(weight.shape) must be 4-d")
    let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
    let (wc, og, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
    precondition(
      wc == c && c % groups == 0,
      "convTranspose2d: input \(shape) and weight \(weight.shape) do not fit groups \(groups)")
    let o = og * groups
    if let bias { precondition(bias.shape == [o], "convTranspose2d: bias \(bias.shape) does not match \(o) channels") }
    let oh = (h - 1) * stride.0 - 2 * padding.0 + dilation.0 * (kh - 1) + outputPadding.0 + 1
    let ow = (w - 1) * stride.1 - 2 * padding.1 + dilation.1 * (kw - 1) + outputPadding.1 + 1
    precondition(oh > 0 && ow > 0, "convTranspose2d: output size \(oh)×\(ow) is not positive")
    let cg = c / groups
    // The output image (O/G, OH, OW) plays the role of conv2d's input: its im2col grid is H×W.
    let geo = ConvGeometry(
      c: og, h: oh, w: ow, kh: kh, kw: kw, oh: h, ow: w, sh: stride.0, sw: stride.1, dh: dilation.0, dw: dilation.1,
      pt: padding.0, pl: padding.1)
    let x = contiguous()
    let wt = weight.contiguous()
    let out = Tensor(zeros: [n, o, oh, ow])  // (N, O, OH, OW)
    let (px, pw, po) = (x.ptr, wt.ptr, out.ptr)
    let pb = bias?.contiguous().ptr
    forEachImage(n, scratchCount: geo.colRows * geo.colCols) { i, col in
      for gi in 0..<groups {
        // col (O/G·KH·KW, H·W) = W_gᵀ @ x_g
        BLAS.gemm(
          transA: true, transB: false, m: geo.colRows, n: h * w, k: cg,
          a: pw + gi &* cg &* geo.colRows, lda: geo.colRows, b: px + (i &* c &+ gi &* cg) &* h &* w, ldb: h * w,
          c: col, ldc: h * w)
        col2im(col, geo, po + (i &* o &+ gi &* og) &* oh &* ow)
      }
      if let pb { addChannelBias(po + i &* o &* oh &* ow, pb, channels: o, spatial: oh * ow) }
    }
    var inputs = [self, weight]
    if let bias { inputs.append(bias) }
    return out.recording("conv_transpose2d", inputs) { [shape] g in
      let gc = g.contiguous()
      let pg = gc.ptr
      var dx: Tensor? = nil
      if self.requiresGrad {
        let d = Tensor(uninitializedShape: shape)
        let pd = d.ptr
        forEachImage(n, scratchCount: geo.colRows * geo.colCols) { i, col in
          for gi in 0..<groups {
            im2col(pg + (i &* o &+ gi &* og) &* oh &* ow, geo, col)
            // dx_g (C/G, H·W) = W_g @ im2col(dOut_g)
            BLAS.gemm(
              transA: false, transB: false, m: cg, n: h * w, k: geo.colRows,
              a: pw + gi &* cg &* geo.colRows, lda: geo.colRows, b: col, ldb: h * w,
              c: pd + (i &* c &+ gi &* cg) &* h &* w, ldc: h * w)
          }
        }
        dx = d
      }
      var dw: Tensor? = nil
      if weight.requiresGrad {
        let d = Tensor(zeros: weight.shape)
        accumulateWeightGrad(images: n, size: d.count, scratchCount: geo.colRows * geo.colCols, into: d.ptr) {
          i, col, part in
          for gi in 0..<groups {
            im2col(pg + (i &* o &+ gi &* og) &* oh &* ow, geo, col)
            // dW_g (C/G, O/G·KH·KW) += x_g @ im2col(dOut_g)ᵀ
            BLAS.gemm(
              transA: false, transB: true, m: cg, n: geo.colRows, k: h * w,
              a: px + (i &* c &+ gi &* cg) &* h &* w, lda: h * w, b: col, ldb: h * w,
              beta: 1, c: part + gi &* cg &* geo.colRows, ldc: geo.colRows)
          }
        }
        dw = d
      }
      var result: [Tensor?] = [dx, dw]
      if let bias { result.append(bias.requiresGrad ? gc.sum(axes: [0, 2, 3]) : nil) }
      return result
    }
  }
}
