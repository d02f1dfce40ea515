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
    let (b, inW, hW) = (shape[0], shape[2], wHH.shape[1])
    let gh = cell.gates * hW
    precondition(
      (wIH.map { $0.shape == [gh, inW] } ?? (inW == gh)) && wHH.shape == [gh, hW],
      "recurrent: input \(shape), weights \(wIH?.shape ?? []), \(wHH.shape)")
    precondition(h0.shape == [b, hW], "recurrent: h0 \(h0.shape) should be \([b, hW])")
    precondition(cell != .lstm || c0?.shape == [b, hW], "recurrent: LSTM needs c0 of shape \([b, hW])")
    let pass = RecurrentPass(cell, x: self, h0: h0, c0: c0, wIH: wIH, wHH: wHH)
    let hiddenBias = pass.projectInputs(bIH: bIH, bHH: bHH)
    pass.forward(hiddenBias: hiddenBias)
    let (out, t) = (pass.out, pass.t)
    let hLast = out.slice(axis: 1, (t - 1)..<t).reshaped([b, hW]).contiguous().detached()
    let cLast = cell == .lstm ? pass.cs.slice(axis: 1, (t - 1)..<t).reshaped([b, hW]).contiguous().detached() : nil
    var inputs = [self] + (wIH.map { [$0] } ?? []) + [wHH, h0]
    if let c0 { inputs.append(c0) }
    if let bIH { inputs.append(bIH) }
    if let bHH { inputs.append(bHH) }
    let output = out.recording("\(cell.rawValue)", inputs) { gOut in
      pass.backward(gOut, inputGrad: self.requiresGrad, biases: (bIH != nil, bHH != nil))
    }
    return (output, hLast, cLast)
  }
}

/// The tensors and sizes one recurrent call shares between its forward and its backward pass.
private struct RecurrentPass {
  let cell: RecurrentCell
  let (b, t, inW, hW, gh): (Int, Int, Int, Int, Int)
  /// The input (B, T, I), or the input projections (B, T, G·H) when `wi` is nil.
  let x: Tensor
  let wi: Tensor?, wh: Tensor, h0: Tensor, c0: Tensor?
  /// (B, T, G·H) input projections, then the gate activations.
  let xp: Tensor
  /// GRU: (B, T, H) Wₕₙh + bₕₙ of every step, for backward (r multiplies it).
  let hp: Tensor
  /// (B, T, H) every step's hidden state; LSTM: `cs` (B, T, H) the cell states.
  let out: Tensor, cs: Tensor
  /// Strides between batch rows of one step in `xp` and in `out`.
  var rowX: Int { t &* gh }
  var rowH: Int { t &* hW }

  init(_ cell: RecurrentCell, x: Tensor, h0: Tensor, c0: Tensor?, wIH: Tensor?, wHH: Tensor) {
    let (b, t, inW, hW) = (x.shape[0], x.shape[1], x.shape[2], wHH.shape[1])
    (self.cell, self.b, self.t, self.inW, self.hW, gh) = (cell, b, t, inW, hW, cell.gates * hW)
    (self.x, wi, wh, self.h0, self.c0) = (
      x.contiguous(), wIH?.contiguous(), wHH.contiguous(), h0.contiguous(), c0?.contiguous()
    )
    xp = Tensor(uninitializedShape: [b, t, gh])
    hp = Tensor(uninitializedShape: cell == .gru ? [b, t, hW] : [0])
    out = Tensor(uninitializedShape: [b, t, hW])
    cs = Tensor(uninitializedShape: cell == .lstm ? [b, t, hW] : [0])
  }

  /// Fills `xp` with x Wᵢᵀ plus the biases: bᵢ and bₕ both, except GRU's bₕₙ, which r multiplies and which is
  /// returned (with the rest of bₕ) for the steps.
  func projectInputs(bIH: Tensor?, bHH: Tensor?) -> Tensor {
    let bi = bIH?.contiguous().toArray() ?? [Float](repeating: 0, count: gh)
    let bh = bHH?.contiguous().toArray() ?? [Float](repeating: 0, count: gh)
    let split = cell == .gru ? 2 * hW : gh  // bₕ[split...] stays with the hidden projection
    let biasX = (0..<gh).map { $0 < split ? bi[$0] + bh[$0] : bi[$0] }
    let hasBias = bIH != nil || bHH != nil
    let (px, pxp, rows) = (x.ptr, xp.ptr, b * t)
    biasX.withUnsafeBufferPointer { bx in
      guard let pb = bx.baseAddress else { return }
      if let wi {
        // xp = bias rows, then += x Wᵢᵀ (beta 1: one pass over xp instead of zeroing it and adding the bias after)
        if hasBias { for r in 0..<rows { (pxp + r &* gh).update(from: pb, count: gh) } }
        BLAS.gemm(
          transA: false, transB: true, m: rows, n: gh, k: inW, a: px, lda: inW, b: wi.ptr, ldb: inW,
          beta: hasBias ? 1 : 0, c: pxp, ldc: gh)
      } else if hasBias {
        for r in 0..<rows {
          let (src, dst) = (px + r &* gh, pxp + r &* gh)
          for j in 0..<gh { dst[j] = src[j] + pb[j] }
        }
      } else {
        pxp.update(from: px, count: rows * gh)
      }
    }
    return Tensor(bh, shape: [gh])
  }

  /// Every step: one (rows, H) @ (H, G·H) GEMM for Wₕh, then the cell on each row. Batch rows never interact,
  /// so each thread runs its own rows through every step: no barrier per step.
  func forward(hiddenBias: Tensor) {
    // Contiguous per-step operands of the recurrent GEMM (rows of xp and out are T·G·H and T·H floats apart);
    // measured 3–5 % faster W4 training on 2 threads than reading and writing those strided rows.
    let gbuf = Tensor(uninitializedShape: [b, gh])  // (B, G·H) this step's Wₕh
    let hbuf = Tensor(uninitializedShape: [2, b, hW])  // (2, B, H) the state entering / leaving the step
    let (pgb, phb, pxp, php, po, pc) = (gbuf.ptr, hbuf.ptr, xp.ptr, hp.ptr, out.ptr, cs.ptr)
    let pc0 = c0?.ptr ?? pc  // only read for LSTM, where c0 is present
    let pbn = hiddenBias.ptr + 2 * hW  // GRU: bₕₙ (H)
    let (hW, gh, rowX, rowH) = (hW, gh, rowX, rowH)
    Parallel.forChunks(b, minPerThread: 8) { rows in
      for s in 0..<t {
        let hPrev = s == 0 ? h0.ptr : phb + ((s &- 1) & 1) &* b &* hW  // (B, H)
        let hNext = phb + (s & 1) &* b &* hW
        BLAS.gemm(
          transA: false, transB: true, m: rows.count, n: gh, k: hW, a: hPrev + rows.lowerBound &* hW, lda: hW,
          b: wh.ptr, ldb: hW, c: pgb + rows.lowerBound &* gh, ldc: gh)
        for r in rows {
          let a = pxp + (r &* rowX &+ s &* gh)  // this step's gates
          let (hr, hOut, hNew) = (pgb + r &* gh, po + (r &* rowH &+ s &* hW), hNext + r &* hW)
          switch cell {
          case .rnn: rnnForward(a, hr, hOut, hNew, hW)
          case .gru: gruForward(a, hr, pbn, php + (r &* rowH &+ s &* hW), hPrev + r &* hW, hOut, hNew, hW)
          case .lstm:
            let cPrev = s == 0 ? pc0 + r &* hW : pc + (r &* rowH &+ (s - 1) &* hW)
            lstmForward(a, hr, cPrev, pc + (r &* rowH &+ s &* hW), hOut, hNew, hW)
          }
        }
      }
    }
  }

  /// BPTT: the steps backwards (each row's gate gradients, then one GEMM for the gradient into the previous
  /// state), then one GEMM each for dx, dWᵢ and dWₕ. Returns the gradients in the order of the recorded inputs.
  func backward(_ gOut: Tensor, inputGrad: Bool, biases: (ih: Bool, hh: Bool)) -> [Tensor?] {
    let dy = gOut.contiguous()
    let dXp = Tensor(uninitializedShape: [b, t, gh])  // (B, T, G·H) grads of the input pre-activations
    let dHp = cell == .gru ? Tensor(uninitializedShape: [b, t, gh]) : dXp  // … of the hidden pre-activations
    let hPrevAll = Tensor(uninitializedShape: [b, t, hW])  // (B, T, H) state entering each step
    let dh = Tensor(zeros: [b, hW])  // (B, H) gradient flowing into the previous state
    let dc = Tensor(zeros: [b, hW])  // (B, H) LSTM cell-state gradient
    let pprev = hPrevAll.ptr
    for r in 0..<b {
      (pprev + r &* rowH).update(from: h0.ptr + r &* hW, count: hW)
      if t > 1 { (pprev + (r &* rowH &+ hW)).update(from: out.ptr + r &* rowH, count: (t - 1) &* hW) }
    }
    stepsBackward(dy: dy.ptr, dXp: dXp.ptr, dHp: dHp.ptr, hPrev: pprev, dh: dh.ptr, dc: dc.ptr)
    var grads: [Tensor?] = []
    if let wi {
      // dx (B·T, I) = dXp @ Wᵢ ; dWᵢ (G·H, I) = dXpᵀ @ x
      var dx: Tensor? = nil
      if inputGrad {
        let d = Tensor(uninitializedShape: [b, t, inW])
        BLAS.gemm(
          transA: false, transB: false, m: b * t, n: inW, k: gh, a: dXp.ptr, lda: gh, b: wi.ptr, ldb: inW, c: d.ptr,
          ldc: inW)
        dx = d
      }
      let dwi = Tensor(uninitializedShape: [gh, inW])
      BLAS.gemm(
        transA: true, transB: false, m: gh, n: inW, k: b * t, a: dXp.ptr, lda: gh, b: x.ptr, ldb: inW, c: dwi.ptr,
        ldc: inW)
      grads += [dx, dwi]
    } else {
      grads.append(inputGrad ? dXp : nil)  // the projection's gradient is dXp itself
    }
    // dWₕ (G·H, H) = dHpᵀ @ h_prev
    let dwh = Tensor(uninitializedShape: [gh, hW])
    BLAS.gemm(
      transA: true, transB: false, m: gh, n: hW, k: b * t, a: dHp.ptr, lda: gh, b: pprev, ldb: hW, c: dwh.ptr, ldc: hW)
    grads += [dwh, dh.copy()]
    if cell == .lstm { grads.append(dc.copy()) }
    if biases.ih { grads.append(columnSums(dXp.ptr)) }
    if biases.hh { grads.append(columnSums(dHp.ptr)) }
    return grads
  }

  /// Σ over the B·T rows of a (B·T, G·H) buffer: a bias gradient.
  private func columnSums(_ p: UnsafeMutablePointer<Float>) -> Tensor {
    var sums = [Float](repeating: 0, count: gh)
    for r in 0..<(b * t) { for j in 0..<gh { sums[j] += p[r &* gh &+ j] } }
    return Tensor(sums, shape: [gh])
  }

  /// The backward steps, last to first, each thread over its own batch rows.
  private func stepsBackward(
    dy pdy: UnsafeMutablePointer<Float>, dXp pdx: UnsafeMutablePointer<Float>, dHp pdh: UnsafeMutablePointer<Float>,
    hPrev pprev: UnsafeMutablePointer<Float>, dh pdhs: UnsafeMutablePointer<Float>, dc pdcs: UnsafeMutablePointer<Float>
  ) {
    let dbuf = Tensor(uninitializedShape: [b, gh])  // (B, G·H) this step's dHp rows, contiguous for sgemm
    let (pdb, pxp, php, pc) = (dbuf.ptr, xp.ptr, hp.ptr, cs.ptr)
    let pc0 = c0?.ptr ?? pc
    let (hW, gh, rowX, rowH) = (hW, gh, rowX, rowH)
    Parallel.forChunks(b, minPerThread: 8) { rows in
      for s in stride(from: t - 1, through: 0, by: -1) {
        for r in rows {
          let (at, dB) = (r &* rowX &+ s &* gh, pdb + r &* gh)
          let dhr = pdhs + r &* hW  // in: ∂L/∂h_s from later steps; out (GRU): the direct part of ∂L/∂h_{s−1}
          let gy = pdy + (r &* rowH &+ s &* hW)
          switch cell {
          case .rnn: rnnBackward(pxp + at, gy, dhr, pdx + at, dB, hW)
          case .gru:
            let hn = php + (r &* rowH &+ s &* hW)
            gruBackward(pxp + at, gy, dhr, pprev + (r &* rowH &+ s &* hW), hn, pdx + at, pdh + at, dB, hW)
          case .lstm:
            let cRow = pc + r &* rowH
            let cPrev = s == 0 ? pc0 + r &* hW : cRow + (s - 1) &* hW
            lstmBackward(pxp + at, gy, dhr, cell: (cRow + s &* hW, cPrev, pdcs + r &* hW), pdx + at, dB, hW)
          }
        }
        // dh (rows, H) = [GRU: d ⊙ z] + dHp_s (rows, G·H) @ Wₕ (G·H, H)
        BLAS.gemm(
          transA: false, transB: false, m: rows.count, n: hW, k: gh, a: pdb + rows.lowerBound &* gh, lda: gh,
          b: wh.ptr, ldb: hW, beta: cell == .gru ? 1 : 0, c: pdhs + rows.lowerBound &* hW, ldc: hW)
      }
    }
  }
}

// One row of one step of each cell, eight lanes at a time. `a`: the step's gate pre-activations (G·H), replaced
// by the activations; `hr`: Wₕh (G·H); `hOut`/`hNew`: where the new state goes (the output and the next step).

typealias FloatPointer = UnsafeMutablePointer<Float>

/// RNN: h' = tanh(a + hr).
@inline(__always)
private func rnnForward(_ a: FloatPointer, _ hr: FloatPointer, _ hOut: FloatPointer, _ hNew: FloatPointer, _ hW: Int) {
  for j in stride(from: 0, to: hW, by: 8) {
    let n = min(8, hW &- j)
    let v = ftanh((a + j).load8(n) + (hr + j).load8(n))
    (a + j).store8(v, n)
    (hOut + j).store8(v, n)
    (hNew + j).store8(v, n)
  }
}

/// GRU: r, z, n from the gates; `hn` keeps Wₕₙh + bₕₙ for backward; h' = (1 − z) ⊙ n + z ⊙ h.
@inline(__always)
private func gruForward(
  _ a: FloatPointer, _ hr: FloatPointer, _ bn: FloatPointer, _ hn: FloatPointer, _ hIn: FloatPointer,
  _ hOut: FloatPointer, _ hNew: FloatPointer, _ hW: Int
) {
  for j in stride(from: 0, to: hW, by: 8) {
    let n = min(8, hW &- j)
    let (aR, aZ, aN) = (a + j, a + (hW &+ j), a + (2 &* hW &+ j))
    let hnj = (hr + (2 &* hW &+ j)).load8(n) + (bn + j).load8(n)
    (hn + j).store8(hnj, n)  // kept with its bias for backward
    let r = fsigmoid(aR.load8(n) + (hr + j).load8(n))
    let z = fsigmoid(aZ.load8(n) + (hr + (hW &+ j)).load8(n))
    let nn = ftanh(aN.load8(n) + r * hnj)
    aR.store8(r, n)
    aZ.store8(z, n)
    aN.store8(nn, n)
    let hv = (1 - z) * nn + z * (hIn + j).load8(n)
    (hOut + j).store8(hv, n)
    (hNew + j).store8(hv, n)
  }
}

/// LSTM: i, f, g, o from the gates; c' = f ⊙ c + i ⊙ g into `cOut`; h' = o ⊙ tanh(c').
@inline(__always)
private func lstmForward(
  _ a: FloatPointer, _ hr: FloatPointer, _ cPrev: FloatPointer, _ cOut: FloatPointer, _ hOut: FloatPointer,
  _ hNew: FloatPointer, _ hW: Int
) {
  for j in stride(from: 0, to: hW, by: 8) {
    let n = min(8, hW &- j)
    let (aI, aF, aG, aO) = (a + j, a + (hW &+ j), a + (2 &* hW &+ j), a + (3 &* hW &+ j))
    let i = fsigmoid(aI.load8(n) + (hr + j).load8(n))
    let f = fsigmoid(aF.load8(n) + (hr + (hW &+ j)).load8(n))
    let gg = ftanh(aG.load8(n) + (hr + (2 &* hW &+ j)).load8(n))
    let o = fsigmoid(aO.load8(n) + (hr + (3 &* hW &+ j)).load8(n))
    storeGates(aI, hW, n, i, f, gg, o)
    let c = f * (cPrev + j).load8(n) + i * gg
    (cOut + j).store8(c, n)
    let hv = o * ftanh(c)
    (hOut + j).store8(hv, n)
    (hNew + j).store8(hv, n)
  }
}

// Backward of one row of one step. `a`: the activations; `gy`: ∂L/∂output of the step; `dhr`: ∂L/∂h from later
// steps; `dA`: the input pre-activation gradients; `dB`: the hidden ones, contiguous for the dh GEMM.

/// RNN: da = (gy + dh) ⊙ (1 − h²).
@inline(__always)
private func rnnBackward(
  _ a: FloatPointer, _ gy: FloatPointer, _ dhr: FloatPointer, _ dA: FloatPointer, _ dB: FloatPointer, _ hW: Int
) {
  for j in stride(from: 0, to: hW, by: 8) {
    let n = min(8, hW &- j)
    let v = (a + j).load8(n)
    let da = ((gy + j).load8(n) + (dhr + j).load8(n)) * (1 - v * v)
    (dA + j).store8(da, n)
    (dB + j).store8(da, n)
  }
}

/// GRU: the r, z, n gradients; `dH` (and `dB`) get r ⊙ dn for the hidden n part; `dhr` becomes d ⊙ z.
@inline(__always)
private func gruBackward(
  _ a: FloatPointer, _ gy: FloatPointer, _ dhr: FloatPointer, _ hIn: FloatPointer, _ hn: FloatPointer,
  _ dA: FloatPointer, _ dH: FloatPointer, _ dB: FloatPointer, _ hW: Int
) {
  for j in stride(from: 0, to: hW, by: 8) {
    let n = min(8, hW &- j)
    let (r, z, nn) = ((a + j).load8(n), (a + (hW &+ j)).load8(n), (a + (2 &* hW &+ j)).load8(n))
    let d = (gy + j).load8(n) + (dhr + j).load8(n)
    let dan = d * (1 - z) * (1 - nn * nn)
    let daz = d * ((hIn + j).load8(n) - nn) * z * (1 - z)
    let dar = dan * (hn + j).load8(n) * r * (1 - r)
    storeGates(dA + j, hW, n, dar, daz, dan)
    storeGates(dH + j, hW, n, dar, daz, dan * r)
    storeGates(dB + j, hW, n, dar, daz, dan * r)
    (dhr + j).store8(d * z, n)
  }
}

/// LSTM: the i, f, g, o gradients from ∂L/∂h and the running cell gradient `dcr`, which becomes dc ⊙ f.
@inline(__always)
private func lstmBackward(
  _ a: FloatPointer, _ gy: FloatPointer, _ dhr: FloatPointer,
  cell: (state: FloatPointer, previous: FloatPointer, gradient: FloatPointer), _ dA: FloatPointer, _ dB: FloatPointer,
  _ hW: Int
) {
  let (c, cPrev, dcr) = cell
  for j in stride(from: 0, to: hW, by: 8) {
    let n = min(8, hW &- j)
    let (i, f, gg, o) = (
      (a + j).load8(n), (a + (hW &+ j)).load8(n), (a + (2 &* hW &+ j)).load8(n), (a + (3 &* hW &+ j)).load8(n)
    )
    let tc = ftanh((c + j).load8(n))
    let d = (gy + j).load8(n) + (dhr + j).load8(n)
    let dcc = (dcr + j).load8(n) + d * o * (1 - tc * tc)
    let di = dcc * gg * i * (1 - i)
    let df = dcc * (cPrev + j).load8(n) * f * (1 - f)
    let dg = dcc * i * (1 - gg * gg)
    let dO = d * tc * o * (1 - o)
    storeGates(dA + j, hW, n, di, df, dg, dO)
    storeGates(dB + j, hW, n, di, df, dg, dO)
    (dcr + j).store8(dcc * f, n)
  }
}

/// Stores three gates' lanes at `p`, `p + H`, `p + 2H` (GRU's r, z, n).
@inline(__always)
private func storeGates(_ p: FloatPointer, _ hW: Int, _ n: Int, _ g0: Float8, _ g1: Float8, _ g2: Float8) {
  p.store8(g0, n)
  (p + hW).store8(g1, n)
  (p + 2 &* hW).store8(g2, n)
}

/// Stores four gates' lanes at `p`, `p + H`, `p + 2H`, `p + 3H` (LSTM's i, f, g, o).
@inline(__always)
private func storeGates(_ p: FloatPointer, _ hW: Int, _ n: Int, _ g0: Float8, _ g1: Float8, _ g2: Float8, _ g3: Float8)
{
  storeGates(p, hW, n, g0, g1, g2)
  (p + 3 &* hW).store8(g3, n)
}
