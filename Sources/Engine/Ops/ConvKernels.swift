// The convolution kernels, each used by conv2d and convTranspose2d (one the adjoint of the other): the patch
// product W @ im2col(x), its adjoint col2im(Wᵀ @ y), and the weight gradient. Images are split across threads.

/// Runs `body(n, scratch)` for every image n, splitting images across threads; each thread gets its own
/// scratch buffer of `scratchCount` floats.
func forEachImage(_ count: Int, scratchCount: Int, _ body: (Int, UnsafeMutablePointer<Float>) -> Void) {
  Parallel.forChunks(count, minPerThread: 1) { range in
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(scratchCount, 1))
    defer { scratch.deallocate() }
    for n in range { body(n, scratch) }
  }
}

/// Pointer to the (image, group) block of a batch.
typealias GroupBlock = (Int, Int) -> UnsafeMutablePointer<Float>

/// out(i, g) (rows, colCols) = W_g (rows, colRows) @ im2col(patches(i, g)) for every image and group: conv2d's
/// forward and convTranspose2d's input gradient. `perImage(i)` runs after an image's groups (bias).
func patchProduct(
  _ images: Int, groups: Int, geometry geo: ConvGeometry, identity: Bool, rows: Int,
  weight: UnsafeMutablePointer<Float>, patches: GroupBlock, into out: GroupBlock, perImage: (Int) -> Void = { _ in }
) {
  forEachImage(images, scratchCount: identity ? 0 : geo.colRows &* geo.colCols) { i, col in
    for gi in 0..<groups {
      let src = patches(i, gi)
      if !identity { im2col(src, geo, col) }
      BLAS.gemm(
        transA: false, transB: false, m: rows, n: geo.colCols, k: geo.colRows, a: weight + gi &* rows &* geo.colRows,
        lda: geo.colRows, b: identity ? src : col, ldb: geo.colCols, c: out(i, gi), ldc: geo.colCols)
    }
    perImage(i)
  }
}

/// out(i, g) += col2im(W_gᵀ @ input(i, g)) for every image and group, W_g (rows, colRows), input (rows, colCols):
/// the adjoint of `patchProduct` — conv2d's input gradient and convTranspose2d's forward. `out` starts zeroed.
func patchAdjoint(
  _ images: Int, groups: Int, geometry geo: ConvGeometry, identity: Bool, rows: Int,
  weight: UnsafeMutablePointer<Float>, input: GroupBlock, into out: GroupBlock, perImage: (Int) -> Void = { _ in }
) {
  forEachImage(images, scratchCount: geo.colRows &* geo.colCols) { i, col in
    for gi in 0..<groups {
      let dst = out(i, gi)
      // col (colRows, colCols) = W_gᵀ @ input
      BLAS.gemm(
        transA: true, transB: false, m: geo.colRows, n: geo.colCols, k: rows, a: weight + gi &* rows &* geo.colRows,
        lda: geo.colRows, b: input(i, gi), ldb: geo.colCols, beta: 0, c: identity ? dst : col, ldc: geo.colCols)
      if !identity { col2im(col, geo, dst) }
    }
    perImage(i)
  }
}

/// The one weight-gradient path of conv2d and convTranspose2d: for every image i and group g,
/// dW_g (rows, colRows) += A(i, g) (rows, colCols) @ im2col(patches(i, g))ᵀ (the image itself when `identity`).
/// Images are split across threads, each summing into its own buffer; the buffers are added at the end.
func convWeightGrad(
  _ shape: [Int], images: Int, groups: Int, rows: Int, geometry geo: ConvGeometry, identity: Bool,
  a: GroupBlock, patches: GroupBlock
) -> Tensor {
  let dw = Tensor(zeros: shape)
  let (size, pd) = (dw.count, dw.ptr)
  let lock = SpinLock()
  Parallel.forChunks(images, minPerThread: 1) { range in
    let col = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(identity ? 1 : geo.colRows &* geo.colCols, 1))
    let part = UnsafeMutablePointer<Float>.allocate(capacity: size)
    part.initialize(repeating: 0, count: size)
    defer {
      col.deallocate()
      part.deallocate()
    }
    for i in range {
      for gi in 0..<groups {
        let src = patches(i, gi)
        if !identity { im2col(src, geo, col) }
        BLAS.gemm(
          transA: false, transB: true, m: rows, n: geo.colRows, k: geo.colCols, a: a(i, gi), lda: geo.colCols,
          b: identity ? src : col, ldb: geo.colCols, beta: 1, c: part + gi &* rows &* geo.colRows,
          ldc: geo.colRows)
      }
    }
    lock.withLock { for k in 0..<size { pd[k] += part[k] } }
  }
  return dw
}

/// Adds bias[c] to every position of channel c of one image (C, S).
@inline(__always)
func addChannelBias(
  _ image: UnsafeMutablePointer<Float>, _ bias: UnsafeMutablePointer<Float>, channels: Int, spatial: Int
) {
  for c in 0..<channels {
    let row = image + c &* spatial
    let b = bias[c]
    for j in 0..<spatial { row[j] += b }
  }
}
