import CBLAS

// Matrix products. Legend: B = batch (any leading dims), M = rows of A, K = shared dim, N = columns of B.
// Every product goes through `BLAS.gemm`, the engine's one seam to OpenBLAS; `BLAS.referenceGemm` is the
// naive kernel tests compare it with. Transposed views are passed to sgemm as transposed operands, not copied.

/// The engine's single entry point to OpenBLAS sgemm, with the naive reference kernel beside it.
public enum BLAS {
  /// Products with at least this many multiply-adds are split across the engine's worker pool (by blocks of rows
  /// of C, or of columns when C is wide), each part a single-threaded sgemm. OpenBLAS itself runs one thread:
  /// its idle workers spin (sched_yield) for ~0.1 s after each call and starved the engine's own threads in the
  /// convolutions that follow (W2 training: 2,970 img/s with OpenBLAS threads, ~5,500 without).
  nonisolated(unsafe) public static var parallelThreshold = 64 * 128 * 64

  /// C = alpha · op(A) · op(B) + beta · C, row-major; op transposes when the flag is set. A is M×K after op.
  @inline(__always)
  public static func gemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    let ta = transA ? CblasTrans : CblasNoTrans
    let tb = transB ? CblasTrans : CblasNoTrans
    Parallel.setBLASThreads(1)
    if m == 1 || n == 1 {
      // Matrix-vector products (batch-1 inference): sgemm would pack the whole matrix on every call.
      gemv(
        transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
        beta: beta, c: c, ldc: ldc)
      return
    }
    if Parallel.inParallelRegion || Parallel.threads < 2 || m * n * k < parallelThreshold {
      cblas_sgemm(
        CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
      return
    }
    nonisolated(unsafe) let (pa, pb, pc) = (a, b, c)
    if m >= n {
      // Rows of C in blocks of 16: A's rows (or columns, when transposed) move with them.
      Parallel.forChunks((m + 15) / 16, minPerThread: 1) { r in
        let lo = r.lowerBound * 16
        let hi = Swift.min(m, r.upperBound * 16)
        cblas_sgemm(
          CblasRowMajor, ta, tb, Int32(hi - lo), Int32(n), Int32(k), alpha, pa + (transA ? lo : lo * lda), Int32(lda),
          pb, Int32(ldb), beta, pc + lo * ldc, Int32(ldc))
      }
    } else {
      Parallel.forChunks((n + 15) / 16, minPerThread: 1) { r in
        let lo = r.lowerBound * 16
        let hi = Swift.min(n, r.upperBound * 16)
        cblas_sgemm(
          CblasRowMajor, ta, tb, Int32(m), Int32(hi - lo), Int32(k), alpha, pa, Int32(lda),
          pb + (transB ? lo * ldb : lo), Int32(ldb), beta, pc + lo, Int32(ldc))
      }
    }
  }

  /// `gemm` when C is a single row (m = 1) or column (n = 1), as one sgemv.
  @inline(__always)
  static func gemv(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    if m == 1 {
      // c (1×N) = op(a) (1×K) · op(B) (K×N): y = op(B)ᵀ x with x the row of op(a).
      let incX = Int32(transA ? lda : 1)
      if transB && (!transA || k == 1) {
        // B stored N×K (a Linear layer's weight): N dot products of length K. OpenBLAS's sgemv managed only
        // ~4 GFLOP/s on these small shapes; a SIMD dot loop does several times better.
        rowDots(x: a, rows: b, ld: ldb, n: n, k: k, alpha: alpha, beta: beta, c: c)
      } else if transB {  // B stored N×K
        cblas_sgemv(
          CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), alpha, b, Int32(ldb), a, incX, beta, c, 1)
      } else {  // B stored K×N
        cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(n), alpha, b, Int32(ldb), a, incX, beta, c, 1)
      }
    } else {
      // c (M×1) = op(A) (M×K) · op(b) (K×1).
      let incX = Int32(transB ? 1 : ldb)
      if transA {  // A stored K×M
        cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(m), alpha, a, Int32(lda), b, incX, beta, c, Int32(ldc))
      } else {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(k), alpha, a, Int32(lda), b, incX, beta, c, Int32(ldc))
      }
    }
  }

  /// c[j] = alpha · Σₖ x[k] · rows[j·ld + k] + beta · c[j] for j < n.
  @inline(__always)
  static func rowDots(
    x: UnsafePointer<Float>, rows: UnsafePointer<Float>, ld: Int, n: Int, k: Int, alpha: Float, beta: Float,
    c: UnsafeMutablePointer<Float>
  ) {
    let k16 = k & ~15
    for j in 0..<n {
      let r = rows + j &* ld
      var acc0 = SIMD8<Float>()
      var acc1 = SIMD8<Float>()
      var i = 0
      while i < k16 {
        let x0 = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
        let x1 = UnsafeRawPointer(x + (i &+ 8)).loadUnaligned(as: SIMD8<Float>.self)
        let r0 = UnsafeRawPointer(r + i).loadUnaligned(as: SIMD8<Float>.self)
        let r1 = UnsafeRawPointer(r + (i &+ 8)).loadUnaligned(as: SIMD8<Float>.self)
        acc0 += x0 * r0
        acc1 += x1 * r1
        i &+= 16
      }
      var sum = (acc0 + acc1).sum()
      while i < k {
        sum += x[i] * r[i]
        i &+= 1
      }
      c[j] = beta == 0 ? alpha * sum : alpha * sum + beta * c[j]
    }
  }

  /// Forgets the cached OpenBLAS thread count (after code outside the engine changed it).
  public static func resetThreadChoice() { Parallel.blasThreads = -1 }

  /// The same contract as `gemm`, as three plain loops (for tests).
  public static func referenceGemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    for i in 0..<m {
      for j in 0..<n {
        var acc: Double = 0
        for p in 0..<k {
          let av = transA ? a[p * lda + i] : a[i * lda + p]
          let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
          acc += Double(av) * Double(bv)
        }
        let prev = beta == 0 ? 0 : beta * c[i * ldc + j]
        c[i * ldc + j] = alpha * Float(acc) + prev
      }
    }
  }
}

/// How a 2-d (R×C) strided matrix can be handed to sgemm without a copy, if it can.
private func gemmLayout(rows: Int, cols: Int, rowStride: Int, colStride: Int) -> (trans: Bool, ld: Int)? {
  if (colStride == 1 || cols == 1) && (rowStride >= cols || rows == 1) { return (false, Swift.max(rowStride, cols, 1)) }
  if (rowStride == 1 || rows == 1) && (colStride >= rows || cols == 1) { return (true, Swift.max(colStride, rows, 1)) }
  return nil
}

/// Element offsets of each matrix in a batch with the given batch shape and strides.
private func batchOffsets(_ shape: [Int], _ strides: [Int], base: Int) -> [Int] {
  var offsets = [base]
  for (d, s) in zip(shape, strides) {
    var next: [Int] = []
    next.reserveCapacity(offsets.count * d)
    for o in offsets { for i in 0..<d { next.append(o + i * s) } }
    offsets = next
  }
  return offsets
}

extension Tensor {
  /// Matrix product over the last two dimensions, batched over (broadcast) leading ones: (…, M, K) @ (…, K, N).
  public func matmul(_ other: Tensor) -> Tensor {
    let a = self
    let b = other
    precondition(a.rank >= 2 && b.rank >= 2, "matmul: needs rank >= 2 operands, got \(a.shape) and \(b.shape)")
    let m = a.shape[a.rank - 2]
    let k = a.shape[a.rank - 1]
    let n = b.shape[b.rank - 1]
    precondition(
      b.shape[b.rank - 2] == k,
      "matmul: shapes \(a.shape) and \(b.shape) do not align (K \(k) vs \(b.shape[b.rank - 2]))")
    let aBatch = Array(a.shape.dropLast(2))
    let bBatch = Array(b.shape.dropLast(2))
    let batch = broadcastShape(aBatch, bBatch, op: "matmul")
    let out = Tensor(uninitializedShape: batch + [m, n])  // (B, M, N)

    var A = a
    var la = gemmLayout(rows: m, cols: k, rowStride: a.strides[a.rank - 2], colStride: a.strides[a.rank - 1])
    if la == nil {
      A = a.contiguous()
      la = (false, k)
    }
    var Bm = b
    var lb = gemmLayout(rows: k, cols: n, rowStride: b.strides[b.rank - 2], colStride: b.strides[b.rank - 1])
    if lb == nil {
      Bm = b.contiguous()
      lb = (false, n)
    }
    guard let la, let lb else { return out }

    if bBatch.isEmpty && !la.trans && (aBatch.isEmpty || A.isContiguous) {
      // Fold the batch into M: one GEMM of (B·M, K) @ (K, N).
      BLAS.gemm(
        transA: false, transB: lb.trans, m: m * batch.reduce(1, *), n: n, k: k,
        a: A.ptr, lda: la.ld, b: Bm.ptr, ldb: lb.ld, c: out.ptr, ldc: n)
    } else {
      let aOff = batchOffsets(batch, A.broadcastStrides(to: batch + [m, k]).dropLast(2).map { $0 }, base: 0)
      let bOff = batchOffsets(batch, Bm.broadcastStrides(to: batch + [k, n]).dropLast(2).map { $0 }, base: 0)
      let pa = A.ptr
      let pb = Bm.ptr
      let pc = out.ptr
      for i in 0..<aOff.count {
        BLAS.gemm(
          transA: la.trans, transB: lb.trans, m: m, n: n, k: k,
          a: pa + aOff[i], lda: la.ld, b: pb + bOff[i], ldb: lb.ld, c: pc + i * m * n, ldc: n)
      }
    }
    return out.recording("matmul", [a, b]) { g in
      // dA = g @ Bᵀ (B, M, K);  dB = Aᵀ @ g (B, K, N), summed over broadcast batch dims.
      var da: Tensor? = nil
      var db: Tensor? = nil
      if a.requiresGrad { da = g.matmul(b.transposed()).sumTo(a.shape) }
      if b.requiresGrad {
        if bBatch.isEmpty && !aBatch.isEmpty {
          let a2 = a.reshaped([-1, k])  // (B·M, K)
          let g2 = g.reshaped([-1, n])  // (B·M, N)
          db = a2.transposed().matmul(g2)
        } else {
          db = a.transposed().matmul(g).sumTo(b.shape)
        }
      }
      return [da, db]
    }
  }
}
