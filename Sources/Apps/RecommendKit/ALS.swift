import Engine

// Implicit-feedback ALS (Hu, Koren & Volinsky 2008) with conjugate-gradient solves (Takács et al. 2011), as the
// `implicit` library does. Confidence c_ui = 1 + α·r_ui for observed pairs, preference 1; unobserved pairs have
// c = 1 and preference 0. Each half-step solves, for every user u (then every item):
//   (YᵀY + Σ_i (c_ui − 1) y_i y_iᵀ + λI) x_u = Σ_i c_ui y_i
// with `cgSteps` CG iterations warm-started at the previous x_u. YᵀY (k×k) is one GEMM per half-step.

/// Runs ALS for `config.epochs` iterations; rows are split across the engine's worker threads. In a data-parallel
/// job (mpirun) users and items are split into contiguous blocks across the ranks: each rank solves its block of
/// each half-step and the blocks are exchanged with an allgather, so every rank ends with the factors one process
/// would compute (each row's solve depends only on the fixed side, which every rank holds whole).
func fitALS(_ m: inout TrainedModel, _ data: RatingData, progress: (Int) -> Void) {
  let c = m.config
  let k = c.factors
  var rng = PRNG(seed: c.seed)
  var users = (0..<(data.userCount * k)).map { _ in rng.nextUniform() * 0.01 }
  var items = (0..<(data.itemCount * k)).map { _ in rng.nextUniform() * 0.01 }
  let byUser = data.byUser()
  var flipped = data
  swap(&flipped.users, &flipped.items)
  swap(&flipped.userCount, &flipped.itemCount)
  let byItem = flipped.byUser()
  for epoch in 0..<c.epochs {
    alsHalfStep(solve: &users, rows: data.userCount, fixed: items, fixedRows: data.itemCount, csr: byUser, config: c)
    exchange(&users, k)
    alsHalfStep(solve: &items, rows: data.itemCount, fixed: users, fixedRows: data.userCount, csr: byItem, config: c)
    exchange(&items, k)
    progress(epoch + 1)
  }
  m.userFactors = users
  m.itemFactors = items
}

/// Gives every rank the rows the other ranks solved (nothing in a single process).
private func exchange(_ factors: inout [Float], _ k: Int) {
  do { try Distributed.allgatherBlocks(&factors, width: k) } catch { Distributed.abort("\(error)") }
}

/// k×k Gram matrix YᵀY of a (rows, k) factor matrix through the engine's BLAS seam.
func gram(_ y: [Float], rows: Int, k: Int) -> [Float] {
  var g = [Float](repeating: 0, count: k * k)
  y.withUnsafeBufferPointer { yb in
    g.withUnsafeMutableBufferPointer { gb in
      guard let yp = yb.baseAddress, let gp = gb.baseAddress else { return }
      BLAS.gemm(transA: true, transB: false, m: k, n: k, k: rows, a: yp, lda: k, b: yp, ldb: k, c: gp, ldc: k)
    }
  }
  return g
}

private func alsHalfStep(
  solve x: inout [Float], rows: Int, fixed y: [Float], fixedRows: Int,
  csr: (start: [Int], items: [Int32], ratings: [Float]), config c: TrainConfig
) {
  let k = c.factors
  let yty = gram(y, rows: fixedRows, k: k)
  let (alpha, reg, steps) = (c.alpha, c.regularization, c.cgSteps)
  x.withUnsafeMutableBufferPointer { xb in
    guard let X = xb.baseAddress else { return }
    nonisolated(unsafe) let xp = X
    y.withUnsafeBufferPointer { yb in
      yty.withUnsafeBufferPointer { gb in
        guard let Y = yb.baseAddress, let G = gb.baseAddress else { return }
        nonisolated(unsafe) let (yp, gp) = (Y, G)
        let mine = Distributed.block(of: rows)  // all rows in a single process
        Parallel.forChunks(mine.count, minPerThread: 32) { chunk in
          let range = (mine.lowerBound + chunk.lowerBound)..<(mine.lowerBound + chunk.upperBound)
          var r = [Float](repeating: 0, count: k)
          var p = [Float](repeating: 0, count: k)
          var ap = [Float](repeating: 0, count: k)
          for u in range {
            let (lo, hi) = (csr.start[u], csr.start[u + 1])
            let xu = xp + u * k
            if hi == lo {
              for j in 0..<k { xu[j] = 0 }
              continue
            }
            // A·v = YᵀY v + λv + Σ (c_i − 1)(y_i·v) y_i
            func applyA(_ v: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
              for a in 0..<k { out[a] = rowDot(gp + a * k, v, k) + reg * v[a] }
              for t in lo..<hi {
                let yi = yp + Int(csr.items[t]) * k
                let w = alpha * csr.ratings[t] * rowDot(yi, v, k)
                axpy(w, yi, out, k)
              }
            }
            r.withUnsafeMutableBufferPointer { rb in
              p.withUnsafeMutableBufferPointer { pb in
                ap.withUnsafeMutableBufferPointer { apb in
                  guard let R = rb.baseAddress, let P = pb.baseAddress, let AP = apb.baseAddress else { return }
                  // r = b − A x, b = Σ c_i y_i
                  applyA(xu, AP)
                  for j in 0..<k { R[j] = -AP[j] }
                  for t in lo..<hi {
                    axpy(1 + alpha * csr.ratings[t], yp + Int(csr.items[t]) * k, R, k)
                  }
                  for j in 0..<k { P[j] = R[j] }
                  var rsOld = rowDot(R, R, k)
                  for _ in 0..<steps where rsOld > 1e-20 {
                    applyA(P, AP)
                    let a = rsOld / max(rowDot(P, AP, k), 1e-30)
                    for j in 0..<k {
                      xu[j] += a * P[j]
                      R[j] -= a * AP[j]
                    }
                    let rsNew = rowDot(R, R, k)
                    for j in 0..<k { P[j] = R[j] + (rsNew / rsOld) * P[j] }
                    rsOld = rsNew
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}
