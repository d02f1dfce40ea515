// Fused recurrent layers (Elman RNN, GRU, LSTM) over a whole sequence, forward and backward (BPTT) side by
// side, with PyTorch's gate layout and equations. Legend: B = batch, T = time, I = input width, H = hidden
// width, G = gates (RNN 1, GRU 3: r z n, LSTM 4: i f g o).
//   RNN : h' = tanh(Wᵢx + bᵢ + Wₕh + bₕ)
//   GRU : r = σ(·), z = σ(·), n = tanh(Wᵢₙx + bᵢₙ + r ⊙ (Wₕₙh + bₕₙ)), h' = (1 − z) ⊙ n + z ⊙ h
//   LSTM: i, f, o = σ(·), g = tanh(·), c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c')
// The input projections of all steps are one GEMM; each step adds one (B, G·H) = (B, H) @ (H, G·H) GEMM;
// backward mirrors this and finishes with one GEMM each for dWᵢ, dWₕ and dx.

/// The kind of recurrent cell.
public enum RecurrentCell: String, Codable, Sendable, CaseIterable {
  case rnn, gru, lstm

  /// Gates per hidden unit.
  public var gates: Int {
    switch self {
    case .rnn: return 1
    case .gru: return 3
    case .lstm: return 4
    }
  }
}

extension Tensor {
  /// Runs `cell` over `self` (B, T, I) from state `h0` (B, H) (and `c0` for LSTM) with PyTorch-layout
  /// weights `wIH` (G·H, I), `wHH` (G·H, H) and biases (G·H). Returns every step's hidden state (B, T, H),
  /// recorded for backward, and the final states, detached (truncated BPTT: carry them into the next call).
  /// With `wIH` nil, `self` is already the input projection x Wᵢᵀ (B, T, G·H) (e.g. rows gathered from a
  /// precomputed embedding × Wᵢᵀ table), and its gradient is that of the projection.
  public func recurrent(
    _ cell: RecurrentCell, h0: Tensor, c0: Tensor? = nil, wIH: Tensor?, wHH: Tensor, bIH: Tensor?, bHH: Tensor?
  ) -> (output: Tensor, h: Tensor, c: Tensor?) {
    precondition(rank == 3, "recurrent: input must be (B, T, I), got \(shape)")
    let (b, t, inW) = (shape[0], shape[1], shape[2])
    let hW = wHH.shape[1]
    let g = cell.gates
    let gh = g * hW
    precondition(
      (wIH.map { $0.shape == [gh, inW] } ?? (inW == gh)) && wHH.shape == [gh, hW],
      "recurrent: input \(shape), weights \(wIH?.shape ?? []), \(wHH.shape)")
    precondition(h0.shape == [b, hW], "recurrent: h0 \(h0.shape) should be \([b, hW])")
    precondition(cell != .lstm || c0?.shape == [b, hW], "recurrent: LSTM needs c0 of shape \([b, hW])")
    let x = contiguous()
    let (wi, wh) = (wIH?.contiguous(), wHH.contiguous())
    let h0c = h0.contiguous()
    let c0c = c0?.contiguous()
    let xp = Tensor(uninitializedShape: [b, t, gh])  // (B, T, G·H) input projections, then activations
    // GRU: (B, T, H) Wₕₙh + bₕₙ of every step, for backward (r multiplies it).
    let hp = Tensor(uninitializedShape: cell == .gru ? [b, t, hW] : [0])
    // Contiguous per-step operands of the recurrent GEMM (rows of xp and out are T·G·H and T·H floats apart);
    // measured 3–5 % faster W4 training on 2 threads than reading and writing those strided rows.
    let gbuf = Tensor(uninitializedShape: [b, gh])  // (B, G·H) this step's Wₕh
    let hbuf = Tensor(uninitializedShape: [2, b, hW])  // (2, B, H) the state entering / leaving the step
    let (pgb, phb) = (gbuf.ptr, hbuf.ptr)
    let out = Tensor(uninitializedShape: [b, t, hW])  // (B, T, H)
    let cs = Tensor(uninitializedShape: cell == .lstm ? [b, t, hW] : [0])  // (B, T, H) LSTM cell states
    let (px, pxp, php, po, pc) = (x.ptr, xp.ptr, hp.ptr, out.ptr, cs.ptr)
    let pc0 = c0c?.ptr ?? pc  // only read for LSTM, where c0 is present
    // Biases: bᵢ and bₕ both go into the input projections, except GRU's bₕₙ, which r multiplies.
    let bi = bIH?.contiguous().toArray() ?? [Float](repeating: 0, count: gh)
    let bh = bHH?.contiguous().toArray() ?? [Float](repeating: 0, count: gh)
    let split = cell == .gru ? 2 * hW : gh  // bₕ[split...] stays with the hidden projection
    let biasX = (0..<gh).map { $0 < split ? bi[$0] + bh[$0] : bi[$0] }
    let hiddenBias = Tensor(bh, shape: [gh])
    let pbn = hiddenBias.ptr + split  // GRU: bₕₙ (H)
    let hasBias = bIH != nil || bHH != nil
    biasX.withUnsafeBufferPointer { bx in
      guard let pb = bx.baseAddress else { return }
      if let wi {
        // xp = bias rows, then += x Wᵢᵀ (beta 1: one pass over xp instead of zeroing it and adding the bias after)
        if hasBias { for r in 0..<(b * t) { (pxp + r &* gh).update(from: pb, count: gh) } }
        BLAS.gemm(
          transA: false, transB: true, m: b * t, n: gh, k: inW, a: px, lda: inW, b: wi.ptr, ldb: inW,
          beta: hasBias ? 1 : 0, c: pxp, ldc: gh)
      } else if hasBias {
        for r in 0..<(b * t) {
          let (src, dst) = (px + r &* gh, pxp + r &* gh)
          for j in 0..<gh { dst[j] = src[j] + pb[j] }
        }
      } else {
        pxp.update(from: px, count: b * t * gh)
      }
    }
    let rowX = t &* gh  // stride between batch rows of one step in xp
    let rowH = t &* hW
    // Batch rows never interact, so each thread runs its own rows through every step: no barrier per step.
    Parallel.forChunks(b, minPerThread: 8) { rows in
      let r0 = rows.lowerBound
      for s in 0..<t {
        let hPrev = s == 0 ? h0c.ptr : phb + ((s &- 1) & 1) &* b &* hW  // (B, H)
        let hNext = phb + (s & 1) &* b &* hW
        BLAS.gemm(
          transA: false, transB: true, m: rows.count, n: gh, k: hW, a: hPrev + r0 &* hW, lda: hW, b: wh.ptr,
          ldb: hW, c: pgb + r0 &* gh, ldc: gh)
        for r in rows {
          let a = pxp + (r &* rowX &+ s &* gh)  // this step's gates
          let hr = pgb + r &* gh
          let hOut = po + (r &* rowH &+ s &* hW)
          let hNew = hNext + r &* hW
          let hIn = hPrev + r &* hW
          switch cell {
          case .rnn:
            for j in stride(from: 0, to: hW, by: 8) {
              let n = min(8, hW &- j)
              let v = ftanh((a + j).load8(n) + (hr + j).load8(n))
              (a + j).store8(v, n)
              (hOut + j).store8(v, n)
              (hNew + j).store8(v, n)
            }
          case .gru:
            for j in stride(from: 0, to: hW, by: 8) {
              let n = min(8, hW &- j)
              let (aR, aZ, aN) = (a + j, a + (hW &+ j), a + (2 &* hW &+ j))
              let (hR, hZ, hN) = (hr + j, hr + (hW &+ j), hr + (2 &* hW &+ j))
              let hn = hN.load8(n) + (pbn + j).load8(n)
              (php + (r &* rowH &+ s &* hW &+ j)).store8(hn, n)  // kept with its bias for backward
              let r_ = fsigmoid(aR.load8(n) + hR.load8(n))
              let z = fsigmoid(aZ.load8(n) + hZ.load8(n))
              let nn = ftanh(aN.load8(n) + r_ * hn)
              aR.store8(r_, n)
              aZ.store8(z, n)
              aN.store8(nn, n)
              let hv = (1 - z) * nn + z * UnsafePointer(hIn + j).load8(n)
              (hOut + j).store8(hv, n)
              (hNew + j).store8(hv, n)
            }
          case .lstm:
            let cPrev = s == 0 ? pc0 + r &* hW : pc + (r &* rowH &+ (s - 1) &* hW)
            let cOut = pc + (r &* rowH &+ s &* hW)
            for j in stride(from: 0, to: hW, by: 8) {
              let n = min(8, hW &- j)
              let (aI, aF, aG, aO) = (a + j, a + (hW &+ j), a + (2 &* hW &+ j), a + (3 &* hW &+ j))
              let i = fsigmoid(aI.load8(n) + (hr + j).load8(n))
              let f = fsigmoid(aF.load8(n) + (hr + (hW &+ j)).load8(n))
              let gg = ftanh(aG.load8(n) + (hr + (2 &* hW &+ j)).load8(n))
              let o = fsigmoid(aO.load8(n) + (hr + (3 &* hW &+ j)).load8(n))
              aI.store8(i, n)
              aF.store8(f, n)
              aG.store8(gg, n)
              aO.store8(o, n)
              let c = f * (cPrev + j).load8(n) + i * gg
              (cOut + j).store8(c, n)
              let hv = o * ftanh(c)
              (hOut + j).store8(hv, n)
              (hNew + j).store8(hv, n)
            }
          }
        }
      }
    }
    let hLast = out.slice(axis: 1, (t - 1)..<t).reshaped([b, hW]).contiguous().detached()
    let cLast = cell == .lstm ? cs.slice(axis: 1, (t - 1)..<t).reshaped([b, hW]).contiguous().detached() : nil
    var inputs = [self] + (wIH.map { [$0] } ?? []) + [wHH, h0]
    if let c0 { inputs.append(c0) }
    if let bIH { inputs.append(bIH) }
    if let bHH { inputs.append(bHH) }
    let output = out.recording("\(cell.rawValue)", inputs) { gOut in
      // Re-derive the pointers from the tensors the closure keeps alive.
      let (px, pxp, php, po, pc) = (x.ptr, xp.ptr, hp.ptr, out.ptr, cs.ptr)
      let pc0 = c0c?.ptr ?? pc
      let dy = gOut.contiguous()
      let pdy = dy.ptr
      let dXp = Tensor(uninitializedShape: [b, t, gh])  // (B, T, G·H) grads of the input pre-activations
      let dHp = cell == .gru ? Tensor(uninitializedShape: [b, t, gh]) : dXp  // … of the hidden pre-activations
      let hPrevAll = Tensor(uninitializedShape: [b, t, hW])  // (B, T, H) state entering each step
      let dh = Tensor(zeros: [b, hW])  // (B, H) gradient flowing into the previous state
      let dc = Tensor(zeros: [b, hW])  // (B, H) LSTM cell-state gradient
      let dbuf = Tensor(uninitializedShape: [b, gh])  // (B, G·H) this step's dHp rows, contiguous for sgemm
      let (pdx, pdh, pprev, pdhs, pdcs, pdb) = (dXp.ptr, dHp.ptr, hPrevAll.ptr, dh.ptr, dc.ptr, dbuf.ptr)
      for r in 0..<b {
        (pprev + r &* rowH).update(from: h0c.ptr + r &* hW, count: hW)
        if t > 1 { (pprev + (r &* rowH &+ hW)).update(from: po + r &* rowH, count: (t - 1) &* hW) }
      }
      Parallel.forChunks(b, minPerThread: 8) { rows in
        let r0 = rows.lowerBound
        for s in stride(from: t - 1, through: 0, by: -1) {
          for r in rows {
            let a = pxp + (r &* rowX &+ s &* gh)
            let dA = pdx + (r &* rowX &+ s &* gh)
            let dH = pdh + (r &* rowX &+ s &* gh)
            let dB = pdb + r &* gh
            let dhr = pdhs + r &* hW  // in: ∂L/∂h_s from later steps; out (GRU): the direct part of ∂L/∂h_{s−1}
            let gy = pdy + (r &* rowH &+ s &* hW)
            let hIn = pprev + (r &* rowH &+ s &* hW)
            switch cell {
            case .rnn:
              for j in stride(from: 0, to: hW, by: 8) {
                let n = min(8, hW &- j)
                let v = (a + j).load8(n)
                let da = ((gy + j).load8(n) + (dhr + j).load8(n)) * (1 - v * v)
                (dA + j).store8(da, n)
                (dB + j).store8(da, n)
              }
            case .gru:
              for j in stride(from: 0, to: hW, by: 8) {
                let n = min(8, hW &- j)
                let (r_, z, nn) = ((a + j).load8(n), (a + (hW &+ j)).load8(n), (a + (2 &* hW &+ j)).load8(n))
                let d = (gy + j).load8(n) + (dhr + j).load8(n)
                let dan = d * (1 - z) * (1 - nn * nn)
                let daz = d * ((hIn + j).load8(n) - nn) * z * (1 - z)
                let dar = dan * (php + (r &* rowH &+ s &* hW &+ j)).load8(n) * r_ * (1 - r_)
                (dA + j).store8(dar, n)
                (dA + (hW &+ j)).store8(daz, n)
                (dA + (2 &* hW &+ j)).store8(dan, n)
                (dH + j).store8(dar, n)
                (dH + (hW &+ j)).store8(daz, n)
                (dH + (2 &* hW &+ j)).store8(dan * r_, n)
                (dB + j).store8(dar, n)
                (dB + (hW &+ j)).store8(daz, n)
                (dB + (2 &* hW &+ j)).store8(dan * r_, n)
                (dhr + j).store8(d * z, n)
              }
            case .lstm:
              let cRow = pc + r &* rowH
              let dcr = pdcs + r &* hW
              let cPrevRow = s == 0 ? pc0 + r &* hW : cRow + (s - 1) &* hW
              for j in stride(from: 0, to: hW, by: 8) {
                let n = min(8, hW &- j)
                let i = (a + j).load8(n)
                let f = (a + (hW &+ j)).load8(n)
                let gg = (a + (2 &* hW &+ j)).load8(n)
                let o = (a + (3 &* hW &+ j)).load8(n)
                let tc = ftanh((cRow + (s &* hW &+ j)).load8(n))
                let d = (gy + j).load8(n) + (dhr + j).load8(n)
                let dcc = (dcr + j).load8(n) + d * o * (1 - tc * tc)
                let di = dcc * gg * i * (1 - i)
                let df = dcc * (cPrevRow + j).load8(n) * f * (1 - f)
                let dg = dcc * i * (1 - gg * gg)
                let dO = d * tc * o * (1 - o)
                (dA + j).store8(di, n)
                (dA + (hW &+ j)).store8(df, n)
                (dA + (2 &* hW &+ j)).store8(dg, n)
                (dA + (3 &* hW &+ j)).store8(dO, n)
                (dB + j).store8(di, n)
                (dB + (hW &+ j)).store8(df, n)
                (dB + (2 &* hW &+ j)).store8(dg, n)
                (dB + (3 &* hW &+ j)).store8(dO, n)
                (dcr + j).store8(dcc * f, n)
              }
            }
          }
          // dh (rows, H) = [GRU: d ⊙ z] + dHp_s (rows, G·H) @ Wₕ (G·H, H)
          BLAS.gemm(
            transA: false, transB: false, m: rows.count, n: hW, k: gh, a: pdb + r0 &* gh, lda: gh, b: wh.ptr, ldb: hW,
            beta: cell == .gru ? 1 : 0, c: pdhs + r0 &* hW, ldc: hW)
        }
      }
      var grads: [Tensor?] = []
      if let wi {
        // dx (B·T, I) = dXp @ Wᵢ ; dWᵢ (G·H, I) = dXpᵀ @ x
        var dx: Tensor? = nil
        if self.requiresGrad {
          let d = Tensor(uninitializedShape: [b, t, inW])
          BLAS.gemm(
            transA: false, transB: false, m: b * t, n: inW, k: gh, a: pdx, lda: gh, b: wi.ptr, ldb: inW, c: d.ptr,
            ldc: inW)
          dx = d
        }
        let dwi = Tensor(uninitializedShape: [gh, inW])
        BLAS.gemm(
          transA: true, transB: false, m: gh, n: inW, k: b * t, a: pdx, lda: gh, b: px, ldb: inW, c: dwi.ptr,
          ldc: inW)
        grads += [dx, dwi]
      } else {
        grads.append(self.requiresGrad ? dXp : nil)  // the projection's gradient is dXp itself
      }
      // dWₕ (G·H, H) = dHpᵀ @ h_prev
      let dwh = Tensor(uninitializedShape: [gh, hW])
      BLAS.gemm(
        transA: true, transB: false, m: gh, n: hW, k: b * t, a: pdh, lda: gh, b: pprev, ldb: hW, c: dwh.ptr, ldc: hW)
      grads += [dwh, dh.copy()]
      if cell == .lstm { grads.append(dc.copy()) }
      func columnSums(_ p: UnsafeMutablePointer<Float>) -> Tensor {
        var sums = [Float](repeating: 0, count: gh)
        for r in 0..<(b * t) { for j in 0..<gh { sums[j] += p[r &* gh &+ j] } }
        return Tensor(sums, shape: [gh])
      }
      if bIH != nil { grads.append(columnSums(pdx)) }
      if bHH != nil { grads.append(columnSums(pdh)) }
      return grads
    }
    return (output, hLast, cLast)
  }
}
