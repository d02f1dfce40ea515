// Depthwise 2-d convolution (groups == C == O, one filter per channel) as direct loops: im2col + GEMM would run
// one 1-row GEMM per channel. Legend: N = batch, C = channels, H×W = input, OH×OW = output, K×K = kernel.
// Planes (n, c) are independent in the forward pass; the backward runs channels in parallel so each channel's
// weight gradient has one writer.

/// Adds w[ki][kj]·x over one plane into `out` (OH, OW).
@inline(__always)
private func depthwisePlane(
  _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ g: ConvGeometry
) {
  for ki in 0..<g.kh {
    for kj in 0..<g.kw {
      let wv = w[ki &* g.kw &+ kj]
      let off = kj &* g.dw
      let valid = g.validColumns(off)
      for oh in 0..<g.oh {
        let ih = oh &* g.sh &- g.pt &+ ki &* g.dh
        if ih < 0 || ih >= g.h { continue }
        let src = x + (ih &* g.w &- g.pl &+ off)
        let dst = out + oh &* g.ow
        if g.sw == 1 {
          for o in valid { dst[o] += wv * src[o] }
        } else {
          for o in valid { dst[o] += wv * src[o &* g.sw] }
        }
      }
    }
  }
}

extension Tensor {
  /// Depthwise convolution of (N, C, H, W) with `weight` (C, 1, KH, KW) → (N, C, OH, OW).
  func depthwiseConv2d(
    _ weight: Tensor, bias: Tensor?, geometry geo: ConvGeometry, inputs: [Tensor]
  ) -> Tensor {
    let (n, c) = (shape[0], shape[1])
    let x = contiguous()
    let wt = weight.contiguous()
    let out = Tensor(zeros: [n, c, geo.oh, geo.ow])  // (N, C, OH, OW)
    let (px, pw, po) = (x.ptr, wt.ptr, out.ptr)
    let pb = bias?.contiguous().ptr
    let (hw, ohw, kk) = (geo.h * geo.w, geo.oh * geo.ow, geo.kh * geo.kw)
    Parallel.forChunks(n * c, minPerThread: 8) { range in
      for plane in range {
        let ch = plane % c
        let dst = po + plane &* ohw
        depthwisePlane(px + plane &* hw, pw + ch &* kk, dst, geo)
        if let pb { addChannelBias(dst, pb + ch, channels: 1, spatial: ohw) }
      }
    }
    return out.recording("depthwise_conv2d", inputs) { [shape] g in
      let gc = g.contiguous()  // (N, C, OH, OW)
      let pg = gc.ptr
      let dx = self.requiresGrad ? Tensor(zeros: shape) : nil
      let dw = weight.requiresGrad ? Tensor(zeros: weight.shape) : nil
      let pdx = dx?.ptr
      let pdw = dw?.ptr
      Parallel.forChunks(c, minPerThread: 4) { range in
        for ch in range {
          for img in 0..<n {
            let plane = img &* c &+ ch
            let gp = pg + plane &* ohw
            let xp = px + plane &* hw
            for ki in 0..<geo.kh {
              for kj in 0..<geo.kw {
                let off = kj &* geo.dw
                let valid = geo.validColumns(off)
                let wv = pw[ch &* kk &+ ki &* geo.kw &+ kj]
                var acc: Float = 0
                for oh in 0..<geo.oh {
                  let ih = oh &* geo.sh &- geo.pt &+ ki &* geo.dh
                  if ih < 0 || ih >= geo.h { continue }
                  let rowOff = ih &* geo.w &- geo.pl &+ off
                  let grow = gp + oh &* geo.ow
                  if let pdx {
                    let d = pdx + plane &* hw + rowOff
                    for o in valid { d[o &* geo.sw] += wv * grow[o] }
                  }
                  if pdw != nil {
                    let s = xp + rowOff
                    for o in valid { acc += grow[o] * s[o &* geo.sw] }
                  }
                }
                if let pdw { pdw[ch &* kk &+ ki &* geo.kw &+ kj] += acc }
              }
            }
          }
        }
      }
      var result: [Tensor?] = [dx, dw]
      if let bias { result.append(bias.requiresGrad ? gc.sum(axes: [0, 2, 3]) : nil) }
      return result
    }
  }
}
