// 2-d convolution and transposed convolution through im2col + GEMM, batch split across threads.
// Legend: N = batch, C = input channels, O = output channels, G = groups, H×W = input, OH×OW = output,
// KH×KW = kernel. conv2d weight: (O, C/G, KH, KW); convTranspose2d weight: (C, O/G, KH, KW) (PyTorch layout).

/// Explicit padding on each side of the image.
public struct Padding2D: Sendable, Equatable, Codable {
  public var top, bottom, left, right: Int
  /// Padding per side.
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
    let (x, wt) = (contiguous(), weight.contiguous())
    let out = Tensor(uninitializedShape: [n, o, oh, ow])  // (N, O, OH, OW)
    let (px, pw, po) = (x.ptr, wt.ptr, out.ptr)
    let pb = bias?.contiguous().ptr
    let identity = geo.isIdentity
    let image = { (i: Int, gi: Int) in px + (i &* c &+ gi &* cg) &* h &* w }  // x_g (C/G, H, W)
    let output = { (i: Int, gi: Int) in po + (i &* o &+ gi &* og) &* geo.colCols }  // out_g (O/G, OH·OW)
    // out_g = W_g @ im2col(x_g)
    patchProduct(
      n, groups: groups, geometry: geo, identity: identity, rows: og, weight: pw, patches: image, into: output
    ) {
      i in if let pb { addChannelBias(po + i &* o &* geo.colCols, pb, channels: o, spatial: geo.colCols) }
    }
    return out.recording("conv2d", inputs) { g in
      self.convGradients(
        g, weight: weight, bias: bias, gradOut: { pg in { i, gi in pg + (i &* o &+ gi &* og) &* geo.colCols } },
        inputGrad: { gradOut, pd in
          // dx_g = col2im(W_gᵀ @ dOut_g)
          patchAdjoint(
            n, groups: groups, geometry: geo, identity: identity, rows: og, weight: pw, input: gradOut,
            into: { i, gi in pd + (i &* c &+ gi &* cg) &* h &* w })
        },
        weightGrad: { gradOut in
          // dW_g (O/G, C/G·KH·KW) += dOut_g (O/G, OH·OW) @ im2col(x_g)ᵀ
          convWeightGrad(
            weight.shape, images: n, groups: groups, rows: og, geometry: geo, identity: identity, a: gradOut,
            patches: image)
        })
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
    let (x, wt) = (contiguous(), weight.contiguous())
    let out = Tensor(zeros: [n, o, oh, ow])  // (N, O, OH, OW)
    let (px, pw, po) = (x.ptr, wt.ptr, out.ptr)
    let pb = bias?.contiguous().ptr
    let image = { (i: Int, gi: Int) in px + (i &* c &+ gi &* cg) &* h &* w }  // x_g (C/G, H·W)
    let output = { (i: Int, gi: Int) in po + (i &* o &+ gi &* og) &* oh &* ow }  // out_g (O/G, OH, OW)
    // out_g = col2im(W_gᵀ @ x_g): conv2d's input gradient
    patchAdjoint(n, groups: groups, geometry: geo, identity: false, rows: cg, weight: pw, input: image, into: output) {
      i in if let pb { addChannelBias(po + i &* o &* oh &* ow, pb, channels: o, spatial: oh * ow) }
    }
    var inputs = [self, weight]
    if let bias { inputs.append(bias) }
    return out.recording("conv_transpose2d", inputs) { g in
      self.convGradients(
        g, weight: weight, bias: bias, gradOut: { pg in { i, gi in pg + (i &* o &+ gi &* og) &* oh &* ow } },
        inputGrad: { gradOut, pd in
          // dx_g (C/G, H·W) = W_g @ im2col(dOut_g): conv2d's forward
          patchProduct(
            n, groups: groups, geometry: geo, identity: false, rows: cg, weight: pw, patches: gradOut,
            into: { i, gi in pd + (i &* c &+ gi &* cg) &* h &* w })
        },
        weightGrad: { gradOut in
          // dW_g (C/G, O/G·KH·KW) += x_g (C/G, H·W) @ im2col(dOut_g)ᵀ
          convWeightGrad(
            weight.shape, images: n, groups: groups, rows: cg, geometry: geo, identity: false, a: image,
            patches: gradOut)
        })
    }
  }

  /// The backward both convolutions share: dx (zeroed, then filled by `inputGrad` — the other convolution's
  /// kernel), dW by the weight-gradient path, and db as dOut summed over batch and space.
  fileprivate func convGradients(
    _ g: Tensor, weight: Tensor, bias: Tensor?, gradOut: (UnsafeMutablePointer<Float>) -> GroupBlock,
    inputGrad: (GroupBlock, UnsafeMutablePointer<Float>) -> Void, weightGrad: (GroupBlock) -> Tensor
  ) -> [Tensor?] {
    let gc = g.contiguous()  // (N, O, OH, OW)
    let blocks = gradOut(gc.ptr)
    var dx: Tensor? = nil
    if requiresGrad {
      let d = Tensor(zeros: shape)
      inputGrad(blocks, d.ptr)
      dx = d
    }
    var result: [Tensor?] = [dx, weight.requiresGrad ? weightGrad(blocks) : nil]
    if let bias { result.append(bias.requiresGrad ? gc.sum(axes: [0, 2, 3]) : nil) }
    return result
  }
}
