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
      guard let pa = am.baseAddress else { return }
      let fast = kernel == (2, 2) && s == (2, 2) && padding == (0, 0)
      Parallel.forChunks(planes, minPerThread: 16) { range in
        for pl in range {
          let src = px + pl &* h &* w
          let dst = po + pl &* oh &* ow
          let idx = pa + pl &* oh &* ow
          if fast {
            maxPool2x2Plane(src, w: w, oh: oh, ow: ow, dst, idx)
          } else {
            maxPoolPlane(src, h: h, w: w, oh: oh, ow: ow, kernel: kernel, stride: s, padding: padding, dst, idx)
          }
        }
      }
    }
    return out.recording("max_pool2d", [self]) { [shape] g in
      let gc = g.contiguous()
      let dx = Tensor(zeros: shape)
      let per = oh * ow
      let (pg, pd) = (gc.ptr, dx.ptr)
      argmax.withUnsafeBufferPointer { am in
        guard let pa = am.baseAddress else { return }
        Parallel.forChunks(planes, minPerThread: 16) { range in
          for pl in range {
            let dst = pd + pl &* h &* w
            for q in 0..<per {
              let o = pl &* per &+ q
              let a = Int(pa[o])
              if a >= 0 { dst[a] += pg[o] }
            }
          }
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

/// 2×2, stride-2 max pooling of one plane; `idx` receives the flat input index of each maximum.
@inline(__always)
private func maxPool2x2Plane(
  _ src: UnsafeMutablePointer<Float>, w: Int, oh: Int, ow: Int, _ dst: UnsafeMutablePointer<Float>,
  _ idx: UnsafeMutablePointer<Int32>
) {
  for i in 0..<oh {
    let r0 = 2 &* i &* w
    let r1 = r0 &+ w
    for j in 0..<ow {
      let c = 2 &* j
      var best = src[r0 &+ c]
      var bi = r0 &+ c
      if src[r0 &+ c &+ 1] > best {
        best = src[r0 &+ c &+ 1]
        bi = r0 &+ c &+ 1
      }
      if src[r1 &+ c] > best {
        best = src[r1 &+ c]
        bi = r1 &+ c
      }
      if src[r1 &+ c &+ 1] > best {
        best = src[r1 &+ c &+ 1]
        bi = r1 &+ c &+ 1
      }
      dst[i &* ow &+ j] = best
      idx[i &* ow &+ j] = Int32(truncatingIfNeeded: bi)
    }
  }
}

/// General max pooling of one plane (any kernel, stride and padding; padded cells never win).
private func maxPoolPlane(
  _ src: UnsafeMutablePointer<Float>, h: Int, w: Int, oh: Int, ow: Int, kernel: (Int, Int), stride: (Int, Int),
  padding: (Int, Int), _ dst: UnsafeMutablePointer<Float>, _ idx: UnsafeMutablePointer<Int32>
) {
  for i in 0..<oh {
    let h0 = Swift.max(0, i &* stride.0 &- padding.0)
    let h1 = Swift.min(h, i &* stride.0 &- padding.0 &+ kernel.0)
    for j in 0..<ow {
      let w0 = Swift.max(0, j &* stride.1 &- padding.1)
      let w1 = Swift.min(w, j &* stride.1 &- padding.1 &+ kernel.1)
      var best = -Float.infinity
      var bi = -1
      for ih in h0..<Swift.max(h0, h1) {
        for iw in w0..<Swift.max(w0, w1) where bi < 0 || src[ih &* w &+ iw] > best {
          best = src[ih &* w &+ iw]
          bi = ih &* w &+ iw
        }
      }
      dst[i &* ow &+ j] = best
      idx[i &* ow &+ j] = Int32(truncatingIfNeeded: bi)
    }
  }
}
