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

@inline(__always) private func sigm(_ x: Float) -> Float { 1 / (1 + fexp(-x)) }

extension Tensor {
  /// Runs `cell` over `self` (B, T, I) from state `h0` (B, H) (and `c0` for LSTM) with PyTorch-layout
  /// weights `wIH` (G·H, I), `wHH` (G·H, H) and biases (G·H). Returns every step's hidden state (B, T, H),
  /// recorded for backward, and the final states, detached (truncated BPTT: carry them into the next call).
  public func recurrent(
    _ cell: RecurrentCell, h0: Tensor, c0: Tensor? = nil, wIH: Tensor, wHH: Tensor, bIH: Tensor?, bHH: Tensor?
  ) -> (output: Tensor, h: Tensor, c: Tensor?) {
    precondition(rank == 3, "recurrent: input must be (B, T, I), got \(shape)")
    let (b, t, inW) = (shape[0], shape[1], shape[2])
    let hW = wHH.shape[1]
    let g = cell.gates
    let gh = g * hW
    precondition(wIH.shape == [gh, inW] && wHH.shape == [gh, hW], "recurrent: weights \(wIH.shape), \(wHH.shape)")
    precondition(h0.shape == [b, hW], "recurrent: h0 \(h0.shape) should be \([b, hW])")
    precondition(cell != .lstm || c0?.shape == [b, hW], "recurrent: LSTM needs c0 of shape \([b, hW])")
    let x = contiguous()
    let (wi, wh) = (wIH.contiguous(), wHH.contiguous())
    let h0c = h0.contiguous()
    let c0c = c0?.contiguous()
    let xp = Tensor(uninitializedShape: [b, t, gh])  // (B, T, G·H) input projections, then activations
    let hp = Tensor(uninitializedShape: [b, t, gh])  // (B, T, G·H) hidden projections Wₕh + bₕ
    let out = Tensor(uninitializedShape: [b, t, hW])  // (B, T, H)
    let cs = Tensor(uninitializedShape: cell == .lstm ? [b, t, hW] : [0])  // (B, T, H) LSTM cell states
    let (px, pxp, php, po, pc) = (x.ptr, xp.ptr, hp.ptr, out.ptr, cs.ptr)
    let pc0 = c0c?.ptr ?? pc  // only read for LSTM, where c0 is present
    BLAS.gemm(
      transA: false, transB: true, m: b * t, n: gh, k: inW, a: px, lda: inW, b: wi.ptr, ldb: inW, c: pxp, ldc: gh)
    let bi = bIH?.contiguous().toArray() ?? []
    let bh = bHH?.contiguous().toArray() ?? []
    if !bi.isEmpty { for r in 0..<(b * t) { for j in 0..<gh { pxp[r &* gh &+ j] += bi[j] } } }
    let rowX = t &* gh  // stride between batch rows of one step in xp/hp
    let rowH = t &* hW
    for s in 0..<t {
      let hPrev = s == 0 ? h0c.ptr : po + (s - 1) &* hW
      let ldPrev = s == 0 ? hW : rowH
      let hps = php + s &* gh
      BLAS.gemm(
        transA: false, transB: true, m: b, n: gh, k: hW, a: hPrev, lda: ldPrev, b: wh.ptr, ldb: hW, c: hps,
        ldc: rowX)
      for r in 0..<b {
        let a = pxp + (r &* rowX &+ s &* gh)  // this step's gates
        let hr = hps + r &* rowX
        if !bh.isEmpty { for j in 0..<gh { hr[j] += bh[j] } }
        let hOut = po + (r &* rowH &+ s &* hW)
        let hIn = hPrev + r &* ldPrev
        switch cell {
        case .rnn:
          for j in 0..<hW {
            let v = ftanh(a[j] + hr[j])
            a[j] = v
            hOut[j] = v
          }
        case .gru:
          for j in 0..<hW {
            let r_ = sigm(a[j] + hr[j])
            let z = sigm(a[hW &+ j] + hr[hW &+ j])
            let n = ftanh(a[2 &* hW &+ j] + r_ * hr[2 &* hW &+ j])
            a[j] = r_
            a[hW &+ j] = z
            a[2 &* hW &+ j] = n
            hOut[j] = (1 - z) * n + z * hIn[j]
          }
        case .lstm:
          let cPrev = s == 0 ? pc0 + r &* hW : pc + (r &* rowH &+ (s - 1) &* hW)
          let cOut = pc + (r &* rowH &+ s &* hW)
          for j in 0..<hW {
            let i = sigm(a[j] + hr[j])
            let f = sigm(a[hW &+ j] + hr[hW &+ j])
            let gg = ftanh(a[2 &* hW &+ j] + hr[2 &* hW &+ j])
            let o = sigm(a[3 &* hW &+ j] + hr[3 &* hW &+ j])
            a[j] = i
            a[hW &+ j] = f
            a[2 &* hW &+ j] = gg
            a[3 &* hW &+ j] = o
            let c = f * cPrev[j] + i * gg
            cOut[j] = c
            hOut[j] = o * ftanh(c)
          }
        }
      }
    }
    let hLast = out.slice(axis: 1, (t - 1)..<t).reshaped([b, hW]).contiguous().detached()
    let cLast = cell == .lstm ? cs.slice(axis: 1, (t - 1)..<t).reshaped([b, hW]).contiguous().detached() : nil
    var inputs = [self, wIH, wHH, h0]
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
      let dhNext = Tensor(uninitializedShape: [b, hW])
      let (pdx, pdh, pprev, pdhs, pdcs, pnext) = (dXp.ptr, dHp.ptr, hPrevAll.ptr, dh.ptr, dc.ptr, dhNext.ptr)
      for r in 0..<b {
        (pprev + r &* rowH).update(from: h0c.ptr + r &* hW, count: hW)
        if t > 1 { (pprev + (r &* rowH &+ hW)).update(from: po + r &* rowH, count: (t - 1) &* hW) }
      }
      for s in stride(from: t - 1, through: 0, by: -1) {
        for r in 0..<b {
          let a = pxp + (r &* rowX &+ s &* gh)
          let hr = php + (r &* rowX &+ s &* gh)
          let dA = pdx + (r &* rowX &+ s &* gh)
          let dH = pdh + (r &* rowX &+ s &* gh)
          let dhr = pdhs + r &* hW
          let gy = pdy + (r &* rowH &+ s &* hW)
          let hIn = pprev + (r &* rowH &+ s &* hW)
          let dNext = pnext + r &* hW
          switch cell {
          case .rnn:
            for j in 0..<hW {
              let d = (gy[j] + dhr[j]) * (1 - a[j] * a[j])
              dA[j] = d
              dNext[j] = 0
            }
          case .gru:
            for j in 0..<hW {
              let (r_, z, n) = (a[j], a[hW &+ j], a[2 &* hW &+ j])
              let d = gy[j] + dhr[j]
              let dan = d * (1 - z) * (1 - n * n)
              let daz = d * (hIn[j] - n) * z * (1 - z)
              let dar = dan * hr[2 &* hW &+ j] * r_ * (1 - r_)
              (dA[j], dA[hW &+ j], dA[2 &* hW &+ j]) = (dar, daz, dan)
              (dH[j], dH[hW &+ j], dH[2 &* hW &+ j]) = (dar, daz, dan * r_)
              dNext[j] = d * z
            }
          case .lstm:
            let cRow = pc + r &* rowH
            let dcr = pdcs + r &* hW
            for j in 0..<hW {
              let (i, f, gg, o) = (a[j], a[hW &+ j], a[2 &* hW &+ j], a[3 &* hW &+ j])
              let c = cRow[s &* hW &+ j]
              let cPrev = s == 0 ? pc0[r &* hW &+ j] : cRow[(s - 1) &* hW &+ j]
              let tc = ftanh(c)
              let d = gy[j] + dhr[j]
              let dcc = dcr[j] + d * o * (1 - tc * tc)
              dA[j] = dcc * gg * i * (1 - i)
              dA[hW &+ j] = dcc * cPrev * f * (1 - f)
              dA[2 &* hW &+ j] = dcc * i * (1 - gg * gg)
              dA[3 &* hW &+ j] = d * tc * o * (1 - o)
              dcr[j] = dcc * f
              dNext[j] = 0
            }
          }
        }
        // dh (B, H) = dNext + dHp_s (B, G·H) @ Wₕ (G·H, H)
        BLAS.gemm(
          transA: false, transB: false, m: b, n: hW, k: gh, a: pdh + s &* gh, lda: rowX, b: wh.ptr, ldb: hW,
          beta: 0, c: pdhs, ldc: hW)
        for e in 0..<(b * hW) { pdhs[e] += pnext[e] }
      }
      var grads: [Tensor?] = []
      // dx (B·T, I) = dXp @ Wᵢ
      var dx: Tensor? = nil
      if self.requiresGrad {
        let d = Tensor(uninitializedShape: [b, t, inW])
        BLAS.gemm(
          transA: false, transB: false, m: b * t, n: inW, k: gh, a: pdx, lda: gh, b: wi.ptr, ldb: inW, c: d.ptr,
          ldc: inW)
        dx = d
      }
      grads.append(dx)
      // dWᵢ (G·H, I) = dXpᵀ @ x ; dWₕ (G·H, H) = dHpᵀ @ h_prev
      let dwi = Tensor(uninitializedShape: [gh, inW])
      BLAS.gemm(
        transA: true, transB: false, m: gh, n: inW, k: b * t, a: pdx, lda: gh, b: px, ldb: inW, c: dwi.ptr, ldc: inW)
      let dwh = Tensor(uninitializedShape: [gh, hW])
      BLAS.gemm(
        transA: true, transB: false, m: gh, n: hW, k: b * t, a: pdh, lda: gh, b: pprev, ldb: hW, c: dwh.ptr, ldc: hW)
      grads += [dwi, dwh, dh.copy()]
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
