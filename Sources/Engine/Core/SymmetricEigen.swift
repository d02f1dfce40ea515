// Eigen-decomposition of a real symmetric matrix by cyclic Jacobi rotations (Golub & Van Loan §8.5), in Double.
// O(n³) per sweep and typically < 10 sweeps: meant for the few-hundred-dimensional covariance matrices of
// metrics such as FID, not for large problems.

/// Eigenvalues and eigenvectors of a symmetric matrix.
public struct SymmetricEigen: Sendable {
  /// Eigenvalues in ascending order.
  public let values: [Double]
  /// Eigenvectors as columns of an n×n row-major matrix, in the order of `values`.
  public let vectors: [Double]
  /// The matrix order.
  public let n: Int

  /// Decomposes the symmetric n×n row-major matrix `a` (only its symmetric part is used).
  public init(_ a: [Double], n: Int, tolerance: Double = 1e-12, maxSweeps: Int = 60) {
    precondition(a.count == n * n, "SymmetricEigen: \(a.count) entries for n = \(n)")
    var m = a
    for i in 0..<n {
      for j in (i + 1)..<max(i + 1, n) {
        let s = 0.5 * (m[i * n + j] + m[j * n + i])
        m[i * n + j] = s
        m[j * n + i] = s
      }
    }
    var v = [Double](repeating: 0, count: n * n)
    for i in 0..<n { v[i * n + i] = 1 }
    let total = m.reduce(0) { $0 + $1 * $1 }
    m.withUnsafeMutableBufferPointer { mp in
      v.withUnsafeMutableBufferPointer { vp in
        for _ in 0..<maxSweeps {
          var off = 0.0
          for i in 0..<n { for j in 0..<n where j != i { off += mp[i * n + j] * mp[i * n + j] } }
          if off <= tolerance * tolerance * max(total, 1e-300) { break }
          for p in 0..<n {
            for q in (p + 1)..<max(p + 1, n) {
              let apq = mp[p * n + q]
              if apq == 0 { continue }
              let theta = (mp[q * n + q] - mp[p * n + p]) / (2 * apq)
              let t = (theta >= 0 ? 1 : -1) / (Swift.abs(theta) + (theta * theta + 1).squareRoot())
              let c = 1 / (t * t + 1).squareRoot()
              let s = t * c
              // Rotate rows/columns p and q: A ← Jᵀ A J.
              for k in 0..<n {
                let akp = mp[k * n + p]
                let akq = mp[k * n + q]
                mp[k * n + p] = c * akp - s * akq
                mp[k * n + q] = s * akp + c * akq
              }
              for k in 0..<n {
                let apk = mp[p * n + k]
                let aqk = mp[q * n + k]
                mp[p * n + k] = c * apk - s * aqk
                mp[q * n + k] = s * apk + c * aqk
              }
              for k in 0..<n {
                let vkp = vp[k * n + p]
                let vkq = vp[k * n + q]
                vp[k * n + p] = c * vkp - s * vkq
                vp[k * n + q] = s * vkp + c * vkq
              }
            }
          }
        }
      }
    }
    let order = (0..<n).sorted { m[$0 * n + $0] < m[$1 * n + $1] }
    values = order.map { m[$0 * n + $0] }
    var sorted = [Double](repeating: 0, count: n * n)
    for (newCol, oldCol) in order.enumerated() {
      for r in 0..<n { sorted[r * n + newCol] = v[r * n + oldCol] }
    }
    vectors = sorted
    self.n = n
  }

  /// f(A) = V diag(f(λ)) Vᵀ, e.g. the matrix square root with `f = { max($0, 0).squareRoot() }`.
  public func apply(_ f: (Double) -> Double) -> [Double] {
    let fl = values.map(f)
    var out = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      for j in i..<n {
        var s = 0.0
        for k in 0..<n { s += vectors[i * n + k] * fl[k] * vectors[j * n + k] }
        out[i * n + j] = s
        out[j * n + i] = s
      }
    }
    return out
  }
}
