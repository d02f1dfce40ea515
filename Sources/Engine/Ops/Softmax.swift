// Softmax and log-softmax over the last axis, numerically stable (max subtracted). Legend: R = rows, C = classes.

extension Tensor {
  /// Rows of the contiguous input viewed as (R, C) with C the size of `axis` (which must be last).
  private func rowsAndCols(_ op: String, axis a: Int) -> (Tensor, Int, Int) {
    let ax = axis(a, op: op)
    precondition(ax == rank - 1, "\(op): only the last axis is supported (got \(a) for shape \(shape)); permute first")
    let c = shape[ax]
    return (contiguous(), count / Swift.max(c, 1), c)
  }

  /// softmax(x)_i = e^(x_i - max) / Σ e^(x_j - max) along the last axis.
  public func softmax(axis a: Int = -1) -> Tensor {
    let (x, rows, c) = rowsAndCols("softmax", axis: a)
    let out = Tensor(uninitializedShape: shape)  // (R, C)
    for r in 0..<rows {
      let xi = x.ptr + r &* c
      let yo = out.ptr + r &* c
      var mx = -Float.infinity
      for j in 0..<c { mx = Swift.max(mx, xi[j]) }
      var s: Float = 0
      for j in 0..<c {
        let e = fexp(xi[j] - mx)
        yo[j] = e
        s += e
      }
      let inv = 1 / s
      for j in 0..<c { yo[j] *= inv }
    }
    return out.recording("softmax", [self]) { g in
      // dx = y ⊙ (g − Σ g⊙y)
      let gc = g.contiguous()
      let dx = Tensor(uninitializedShape: out.shape)
      for r in 0..<rows {
        let y = out.ptr + r &* c
        let gi = gc.ptr + r &* c
        let d = dx.ptr + r &* c
        var dot: Float = 0
        for j in 0..<c { dot += gi[j] * y[j] }
        for j in 0..<c { d[j] = y[j] * (gi[j] - dot) }
      }
      return [dx]
    }
  }

  /// log softmax(x) = x − max − log Σ e^(x − max) along the last axis.
  public func logSoftmax(axis a: Int = -1) -> Tensor {
    let (x, rows, c) = rowsAndCols("logSoftmax", axis: a)
    let out = Tensor(uninitializedShape: shape)  // (R, C)
    for r in 0..<rows {
      let xi = x.ptr + r &* c
      let yo = out.ptr + r &* c
      var mx = -Float.infinity
      for j in 0..<c { mx = Swift.max(mx, xi[j]) }
      var s: Float = 0
      for j in 0..<c { s += fexp(xi[j] - mx) }
      let lse = mx + flog(s)
      for j in 0..<c { yo[j] = xi[j] - lse }
    }
    return out.recording("log_softmax", [self]) { g in
      // dx = g − softmax ⊙ Σ g
      let gc = g.contiguous()
      let dx = Tensor(uninitializedShape: out.shape)
      for r in 0..<rows {
        let y = out.ptr + r &* c
        let gi = gc.ptr + r &* c
        let d = dx.ptr + r &* c
        var s: Float = 0
        for j in 0..<c { s += gi[j] }
        for j in 0..<c { d[j] = gi[j] - fexp(y[j]) * s }
      }
      return [dx]
    }
  }
}
