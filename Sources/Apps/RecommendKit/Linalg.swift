import Engine

// Small dense kernels for the recommender: SIMD SGD/axpy over factor rows (dot products: Engine.rowDot) and a
// Cholesky solve.

typealias V8 = SIMD8<Float>

/// One SGD step on a pair of factor rows: p ← p + lr(err·q − reg·p), q ← q + lr(err·p_old − reg·q).
@inline(__always)
func sgdPair(
  _ p: UnsafeMutablePointer<Float>, _ q: UnsafeMutablePointer<Float>, _ n: Int, err: Float, lr: Float, reg: Float
) {
  let rp = UnsafeMutableRawPointer(p)
  let rq = UnsafeMutableRawPointer(q)
  var j = 0
  while j &+ 8 <= n {
    let o = j &* 4
    let pv = rp.loadUnaligned(fromByteOffset: o, as: V8.self)
    let qv = rq.loadUnaligned(fromByteOffset: o, as: V8.self)
    rp.storeBytes(of: pv + lr * (err * qv - reg * pv), toByteOffset: o, as: V8.self)
    rq.storeBytes(of: qv + lr * (err * pv - reg * qv), toByteOffset: o, as: V8.self)
    j &+= 8
  }
  while j < n {
    let pv = p[j]
    let qv = q[j]
    p[j] = pv + lr * (err * qv - reg * pv)
    q[j] = qv + lr * (err * pv - reg * qv)
    j &+= 1
  }
}

/// Row `ai` of `a` · row `bi` of `b`, rows of length k (0 when a row is out of range).
func factorRowDot(_ a: [Float], _ ai: Int, _ b: [Float], _ bi: Int, _ k: Int) -> Float {
  guard (ai + 1) * k <= a.count, (bi + 1) * k <= b.count else { return 0 }
  return a.withUnsafeBufferPointer { pa in
    b.withUnsafeBufferPointer { pb in
      guard let x = pa.baseAddress, let y = pb.baseAddress else { return 0 }
      return rowDot(x + ai * k, y + bi * k, k)
    }
  }
}

/// y ← y + a·x over n floats.
@inline(__always)
func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
  for j in 0..<n { y[j] += a * x[j] }
}

/// Solves A x = b for a symmetric positive-definite n×n `a` (row-major, Double) by Cholesky; nil if not SPD.
func choleskySolve(_ a: [Double], _ b: [Double], _ n: Int) -> [Double]? {
  var l = [Double](repeating: 0, count: n * n)
  for i in 0..<n {
    for j in 0...i {
      var s = a[i * n + j]
      for p in 0..<j { s -= l[i * n + p] * l[j * n + p] }
      if i == j {
        guard s > 0 else { return nil }
        l[i * n + i] = s.squareRoot()
      } else {
        l[i * n + j] = s / l[j * n + j]
      }
    }
  }
  var y = b
  for i in 0..<n {
    for p in 0..<i { y[i] -= l[i * n + p] * y[p] }
    y[i] /= l[i * n + i]
  }
  for i in stride(from: n - 1, through: 0, by: -1) {
    for p in (i + 1)..<max(n, i + 1) { y[i] -= l[p * n + i] * y[p] }
    y[i] /= l[i * n + i]
  }
  return y
}
