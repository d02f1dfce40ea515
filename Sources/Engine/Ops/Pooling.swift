// Max and average pooling over (N, C, H, W), and global average pooling. Legend as in Convolution.swift;
// pooling runs per plane P = N·C.

extension Tensor {
  private func poolGeometry(
    _ op: String, _ k: (Int, Int), _ s: (Int, Int), _ p: (Int, Int)
  ) -> (Int, Int, Int, Int, Int) {
    precondition(rank == 4, "\(op): input must be (N, C, H, W), got \(shape)")
    let (h, w) = (shape[2], shape[3])
    let oh = (h + 2 * p.0 - k.0) / s.0 + 1
    let ow = (w + 2 * p.1 - k.1) / s.1 + 1
    precondition(oh > 0 && ow > 0, "\(op): input \(shape) is too small for kernel \(k.0)×\(k.1)")
    return (shape[0] * shape[1], h, w, oh, ow)
  }

  /// Max pooling; `stride` defaults to the kernel size.
  public func maxPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Tensor {
    let s = stride ?? kernel
    let (planes, h, w, oh, ow) = poolGeometry("maxPool2d", kernel, s, padding)
    let x = contiguous()
    let out = Tensor(uninitializedShape: [shape[0], shape[1], oh, ow])  // (N, C, OH, OW)
    var argmax = [Int32](repeating: -1, count: out.count)  // flat index inside the plane
    let (px, po) = (x.ptr, out.ptr)
    argmax.withUnsafeMutableBufferPointer { am in
      let pa = am.baseAddress!
      Parallel.forChunks(planes, minPerThread: 16) { range in
        for pl in range {
          let src = px + pl &* h &* w
          for i in 0..<oh {
            for j in 0..<ow {
              var best = -Float.infinity
              var bi: Int32 = -1
              for ki in 0..<kernel.0 {
                let ih = i &* s.0 &- padding.0 &+ ki
                if ih < 0 || ih >= h { continue }
                for kj in 0..<kernel.1 {
                  let iw = j &* s.1 &- padding.1 &+ kj
                  if iw < 0 || iw >= w { continue }
                  let v = src[ih &* w &+ iw]
                  if v > best || bi < 0 {
                    best = v
                    bi = Int32(ih &* w &+ iw)
                  }
                }
              }
              let o = (pl &* oh &+ i) &* ow &+ j
              po[o] = best
              pa[o] = bi
            }
          }
        }
      }
    }
    return out.recording("max_pool2d", [self]) { [shape] g in
      let gc = g.contiguous()
      let dx = Tensor(zeros: shape)
      let per = oh * ow
      for pl in 0..<planes {
        let dst = dx.ptr + pl &* h &* w
        for q in 0..<per {
          let o = pl &* per &+ q
          let a = Int(argmax[o])
          if a >= 0 { dst[a] += gc.ptr[o] }
        }
      }
      return [dx]
    }
  }

  /// Average pooling; padded cells count toward the divisor (PyTorch's default `count_include_pad`).
  public func avgPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Tensor {
    let s = stride ?? kernel
    let (planes, h, w, oh, ow) = poolGeometry("avgPool2d", kernel, s, padding)
    let x = contiguous()
    let out = Tensor(uninitializedShape: [shape[0], shape[1], oh, ow])
    let inv = 1 / Float(kernel.0 * kernel.1)
    func window(_ i: Int, _ j: Int, _ body: (Int) -> Void) {
      for ki in 0..<kernel.0 {
        let ih = i * s.0 - padding.0 + ki
        if ih < 0 || ih >= h { continue }
        for kj in 0..<kernel.1 {
          let iw = j * s.1 - padding.1 + kj
          if iw >= 0 && iw < w { body(ih * w + iw) }
        }
      }
    }
    for pl in 0..<planes {
      let src = x.ptr + pl * h * w
      for i in 0..<oh {
        for j in 0..<ow {
          var acc: Float = 0
          window(i, j) { acc += src[$0] }
          out.ptr[(pl * oh + i) * ow + j] = acc * inv
        }
      }
    }
    return out.recording("avg_pool2d", [self]) { [shape] g in
      let gc = g.contiguous()
      let dx = Tensor(zeros: shape)
      for pl in 0..<planes {
        let dst = dx.ptr + pl * h * w
        for i in 0..<oh {
          for j in 0..<ow {
            let v = gc.ptr[(pl * oh + i) * ow + j] * inv
            window(i, j) { dst[$0] += v }
          }
        }
      }
      return [dx]
    }
  }

  /// Mean over H and W: (N, C, H, W) → (N, C).
  public func globalAveragePool() -> Tensor {
    precondition(rank == 4, "globalAveragePool: input must be (N, C, H, W), got \(shape)")
    return mean(axes: [2, 3])
  }
}
