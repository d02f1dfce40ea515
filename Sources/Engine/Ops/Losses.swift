// Loss functions, fused forward and backward. Legend: N = samples, C = classes. All return the mean (0-d).

extension Tensor {
  /// Cross-entropy of `logits` (N, C) against class indices `targets` (N). Samples whose target equals
  /// `ignoreIndex` do not count. `labelSmoothing` ε mixes the one-hot target with the uniform distribution:
  /// q = (1 − ε)·onehot + ε/C (as PyTorch).
  public func crossEntropy(targets: [Int], ignoreIndex: Int? = nil, labelSmoothing: Float = 0) -> Tensor {
    precondition(rank == 2, "crossEntropy: logits must be (N, C), got \(shape)")
    let n = shape[0]
    let c = shape[1]
    precondition(targets.count == n, "crossEntropy: \(targets.count) targets for logits of shape \(shape)")
    let x = contiguous()
    let probs = Tensor(uninitializedShape: shape)  // (N, C) softmax, kept for backward
    var total: Double = 0
    var counted = 0
    let eps = labelSmoothing
    for i in 0..<n {
      let t = targets[i]
      let xi = x.ptr + i &* c
      let pi = probs.ptr + i &* c
      pi.update(from: xi, count: c)
      let (mx, s) = softmaxRow(pi, c)  // (C) probabilities, kept for backward
      if t == ignoreIndex { continue }
      precondition(t >= 0 && t < c, "crossEntropy: target \(t) of sample \(i) is outside 0..<\(c)")
      let lse = mx + flog(s)
      var loss = (1 - eps) * (lse - xi[t])
      if eps > 0 {
        var sumLogp: Float = 0
        for j in 0..<c { sumLogp += xi[j] - lse }
        loss -= eps / Float(c) * sumLogp
      }
      total += Double(loss)
      counted += 1
    }
    let denom = Float(Swift.max(counted, 1))
    let out = Tensor(scalar: counted == 0 ? 0 : Float(total) / denom)
    return out.recording("cross_entropy", [self]) { [shape] g in
      // dx = (softmax − q) / count
      let scale = g.item / denom
      let dx = Tensor(uninitializedShape: shape)
      for i in 0..<n {
        let d = dx.ptr + i &* c
        let p = probs.ptr + i &* c
        let t = targets[i]
        if t == ignoreIndex {
          d.update(repeating: 0, count: c)
          continue
        }
        let u = eps / Float(c)
        for j in 0..<c { d[j] = (p[j] - u) * scale }
        d[t] -= (1 - eps) * scale
      }
      return [dx]
    }
  }

  /// Mean binary cross-entropy of `self` (logits) against `targets` in [0, 1], computed stably.
  public func binaryCrossEntropyWithLogits(targets: Tensor) -> Tensor {
    precondition(
      targets.shape == shape, "binaryCrossEntropyWithLogits: logits \(shape) and targets \(targets.shape) differ")
    let x = contiguous()
    let t = targets.contiguous()
    let n = count
    var total: Double = 0
    for i in 0..<n {
      let v = x.ptr[i]
      total += Double(Swift.max(v, 0) - v * t.ptr[i] + flog1p(fexp(-Swift.abs(v))))
    }
    return Tensor(scalar: Float(total / Double(Swift.max(n, 1)))).recording("bce_with_logits", [self]) { [shape] g in
      let scale = g.item / Float(Swift.max(n, 1))
      let dx = Tensor(uninitializedShape: shape)
      for i in 0..<n {
        let v = x.ptr[i]
        let s = v >= 0 ? 1 / (1 + fexp(-v)) : fexp(v) / (1 + fexp(v))
        dx.ptr[i] = (s - t.ptr[i]) * scale
      }
      return [dx]
    }
  }

  /// Mean squared error against `targets`.
  public func mseLoss(targets: Tensor) -> Tensor {
    precondition(targets.shape == shape, "mseLoss: input \(shape) and targets \(targets.shape) differ")
    return pointwiseLoss("mse", targets) { d in (d * d, 2 * d) }
  }

  /// Huber loss with threshold `delta`: ½d² for |d| < δ, δ(|d| − ½δ) beyond (PyTorch's HuberLoss).
  public func huberLoss(targets: Tensor, delta: Float = 1) -> Tensor {
    precondition(targets.shape == shape, "huberLoss: input \(shape) and targets \(targets.shape) differ")
    return pointwiseLoss("huber", targets) { d in
      let a = Swift.abs(d)
      return a < delta ? (0.5 * d * d, d) : (delta * (a - 0.5 * delta), d > 0 ? delta : -delta)
    }
  }

  /// Mean of `f(x − t).value`; backward uses `f(x − t).slope`.
  @inline(__always)
  private func pointwiseLoss(_ name: String, _ targets: Tensor, _ f: (Float) -> (Float, Float)) -> Tensor {
    let x = contiguous()
    let t = targets.contiguous()
    let n = count
    let slopes = Tensor(uninitializedShape: shape)
    var total: Double = 0
    for i in 0..<n {
      let (v, s) = f(x.ptr[i] - t.ptr[i])
      total += Double(v)
      slopes.ptr[i] = s
    }
    let inv = 1 / Float(Swift.max(n, 1))
    return Tensor(scalar: Float(total) * inv).recording(name, [self]) { g in [slopes * (g.item * inv)] }
  }
}
