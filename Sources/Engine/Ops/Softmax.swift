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
      let yo = out.ptr + r &* c
      yo.update(from: x.ptr + r &* c, count: c)
      softmaxRow(yo, c)
    }
    return out.recording("softmax", [self]) { g in
      // dx = y ⊙ (g − Σ g⊙y)
      [
        rowwiseBackward(out, g, rows: rows, cols: c) { y, gi, d in
          var dot: Float = 0
          for j in 0..<c { dot += gi[j] * y[j] }
          for j in 0..<c { d[j] = y[j] * (gi[j] - dot) }
        }
      ]
    }
  }

  /// log softmax(x) = x − max − log Σ e^(x − max) along the last axis.
  public func logSoftmax(axis a: Int = -1) -> Tensor {
    let (x, rows, c) = rowsAndCols("logSoftmax", axis: a)
    let out = Tensor(uninitializedShape: shape)  // (R, C)
    for r in 0..<rows {
      let xi = x.ptr + r &* c
      let yo = out.ptr + r &* c
      yo.update(from: xi, count: c)
      let (mx, s) = softmaxRow(yo, c)
      let lse = mx + flog(s)
      for j in 0..<c { yo[j] = xi[j] - lse }
    }
    return out.recording("log_softmax", [self]) { g in
      // dx = g − softmax ⊙ Σ g
      [
        rowwiseBackward(out, g, rows: rows, cols: c) { y, gi, d in
          var s: Float = 0
          for j in 0..<c { s += gi[j] }
          for j in 0..<c { d[j] = gi[j] - fexp(y[j]) * s }
        }
      ]
    }
  }
}

/// The gradient of a row-wise op from its output `y` (R, C) and upstream `g`: `body(y row, g row, dx row)` per row.
@inline(__always)
private func rowwiseBackward(
  _ y: Tensor, _ g: Tensor, rows: Int, cols c: Int,
  _ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void
) -> Tensor {
  let gc = g.contiguous()
  let dx = Tensor(uninitializedShape: y.shape)
  for r in 0..<rows { body(y.ptr + r &* c, gc.ptr + r &* c, dx.ptr + r &* c) }
  return dx
}
