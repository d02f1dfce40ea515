// Batch norm and layer norm, fused forward and backward.
// Batch norm legend: N = batch, C = channels, S = spatial positions (H·W, or 1 for (N, C) input);
// statistics per channel over M = N·S values. Layer norm legend: R = rows, D = normalised (last) dim.

extension Tensor {
  /// Batch normalisation of (N, C) or (N, C, H, W). In training, normalises with the batch statistics and
  /// updates `runningMean`/`runningVar` in place (unbiased variance, PyTorch's convention); in eval, uses them.
  /// `reduce`, when given, sums per-channel statistics over the ranks of a data-parallel job in place (synchronised
  /// batch norm): the forward then normalises by the statistics of the global batch, and the backward reduces
  /// Σg and Σg·x̂ the same way, so dx is that of one process holding the global batch.
  public func batchNorm(
    runningMean: Tensor, runningVar: Tensor, weight: Tensor?, bias: Tensor?, training: Bool,
    momentum: Float = 0.1, eps: Float = 1e-5, reduce: ((inout [Double]) -> Void)? = nil
  ) -> Tensor {
    precondition(rank == 2 || rank == 4, "batchNorm: input must be (N, C) or (N, C, H, W), got \(shape)")
    let n = shape[0]
    let c = shape[1]
    let s = rank == 4 ? shape[2] * shape[3] : 1
    let m = n * s
    precondition(runningMean.shape == [c] && runningVar.shape == [c], "batchNorm: running stats must be [\(c)]")
    precondition(!training || m > 1, "batchNorm: training needs more than one value per channel, got \(shape)")
    let x = contiguous()
    let px = x.ptr
    let (meanV, invStd) =
      training
      ? batchStatistics(
        px, n: n, c: c, s: s, eps: eps, updating: (runningMean, runningVar), momentum: momentum, reduce: reduce)
      : ((0..<c).map { runningMean.ptr[$0] }, (0..<c).map { 1 / (runningVar.ptr[$0] + eps).squareRoot() })
    let pw = weight?.contiguous().ptr
    let pb = bias?.contiguous().ptr
    let out = Tensor(uninitializedShape: shape)
    let po = out.ptr
    for i in 0..<n {
      for ch in 0..<c {
        let scale = invStd[ch] * (pw?[ch] ?? 1)
        let shift = (pb?[ch] ?? 0) - meanV[ch] * scale
        let src = px + (i &* c &+ ch) &* s
        let dst = po + (i &* c &+ ch) &* s
        for j in 0..<s { dst[j] = src[j] * scale + shift }
      }
    }
    return recordingNorm(out, "batch_norm", weight: weight, bias: bias) { [shape] g in
      let (dx, sumG, sumGX) = batchNormBackward(
        x: px, g: g.contiguous().ptr, shape: shape, mean: meanV, invStd: invStd, weight: pw, training: training,
        reduce: reduce)
      return (dx, sumGX, sumG)
    }
  }

  /// Layer normalisation over the last dimension with optional affine `weight`/`bias` (D).
  public func layerNorm(weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
    let d = shape[rank - 1]
    let rows = count / Swift.max(d, 1)
    if let weight {
      precondition(weight.shape == [d], "layerNorm: weight \(weight.shape) does not match last dim \(d)")
    }
    if let bias { precondition(bias.shape == [d], "layerNorm: bias \(bias.shape) does not match last dim \(d)") }
    let x = contiguous()
    let out = Tensor(uninitializedShape: shape)  // (R, D)
    let stats = Tensor(uninitializedShape: [rows, 2])  // (R, 2): mean, 1/std
    let ones = Tensor(repeating: 1, shape: [d])
    let zeros = Tensor(zeros: [d])
    let wt = weight?.contiguous() ?? ones
    let bt = bias?.contiguous() ?? zeros
    nonisolated(unsafe) let (px, po, ps, pw, pb) = (x.ptr, out.ptr, stats.ptr, wt.ptr, bt.ptr)
    let rowsPerThread = Swift.max(1, (1 << 14) / Swift.max(d, 1))
    Parallel.forChunks(rows, minPerThread: rowsPerThread) { range in
      for r in range {
        let src = px + r &* d
        let dst = po + r &* d
        let mu = rowSum(src, d) / Float(d)
        let v = rowSquaredDeviation(src, mu, d)
        let inv = 1 / (v / Float(d) + eps).squareRoot()
        ps[2 &* r] = mu
        ps[2 &* r &+ 1] = inv
        for j in 0..<d { dst[j] = (src[j] - mu) * inv * pw[j] + pb[j] }
      }
    }
    return recordingNorm(out, "layer_norm", weight: weight, bias: bias) { [shape] g in
      layerNormBackward(
        x: x, g: g.contiguous(), stats: stats, weight: wt, shape: shape, rows: rows, d: d, rowsPerThread: rowsPerThread)
    }
  }

  /// Records a normalisation's backward on `out` with inputs self, `weight` and `bias` (when present);
  /// `backward(g)` gives dx and the per-feature weight and bias gradients.
  fileprivate func recordingNorm(
    _ out: Tensor, _ name: String, weight: Tensor?, bias: Tensor?,
    _ backward: @escaping (Tensor) -> (Tensor, [Float], [Float])
  ) -> Tensor {
    var inputs = [self]
    if let weight { inputs.append(weight) }
    if let bias { inputs.append(bias) }
    return out.recording(name, inputs) { g in
      let (dx, dw, db) = backward(g)
      var result: [Tensor?] = [dx]
      if let weight { result.append(weight.requiresGrad ? Tensor(dw, shape: [dw.count]) : nil) }
      if let bias { result.append(bias.requiresGrad ? Tensor(db, shape: [db.count]) : nil) }
      return result
    }
  }
}

/// Batch statistics per channel of (N, C, S) at `px`: mean and 1/√(var + ε) (biased variance, accumulated in
/// Double per channel); updates the running statistics (unbiased variance) with `momentum`. `reduce` sums the
/// per-channel sums, sums of squares and the count over ranks (synchronised batch norm).
private func batchStatistics(
  _ px: UnsafeMutablePointer<Float>, n: Int, c: Int, s: Int, eps: Float,
  updating running: (mean: Tensor, variance: Tensor),
  momentum: Float, reduce: ((inout [Double]) -> Void)?
) -> ([Float], [Float]) {
  var sums = [Double](repeating: 0, count: 2 * c + 1)  // Σx per channel, Σx² per channel, M
  for ch in 0..<c {
    for i in 0..<n {
      let p = px + (i &* c &+ ch) &* s
      var a: Float = 0
      var b: Float = 0
      for j in 0..<s {
        a += p[j]
        b += p[j] * p[j]
      }
      sums[ch] += Double(a)
      sums[c + ch] += Double(b)
    }
  }
  sums[2 * c] = Double(n * s)
  reduce?(&sums)
  let m = Int(sums[2 * c])
  var meanV = [Float](repeating: 0, count: c)
  var invStd = [Float](repeating: 0, count: c)
  for ch in 0..<c {
    let (sum, sq) = (sums[ch], sums[c + ch])
    let mu = sum / Double(m)
    let variance = Swift.max(sq / Double(m) - mu * mu, 0)
    meanV[ch] = Float(mu)
    invStd[ch] = Float(1 / (variance + Double(eps)).squareRoot())
    running.mean.ptr[ch] = (1 - momentum) * running.mean.ptr[ch] + momentum * Float(mu)
    running.variance.ptr[ch] =
      (1 - momentum) * running.variance.ptr[ch] + momentum * Float(variance * Double(m) / Double(m - 1))
  }
  return (meanV, invStd)
}

/// Batch norm's backward: dx, Σg and Σ g·x̂ per channel (the bias and weight gradients). With `reduce`
/// (synchronised batch norm) dx uses Σg, Σg·x̂ and M summed over the ranks; the weight and bias gradients stay
/// this rank's sums (data-parallel averaging combines them).
private func batchNormBackward(
  x px: UnsafeMutablePointer<Float>, g pg: UnsafeMutablePointer<Float>, shape: [Int], mean meanV: [Float],
  invStd: [Float], weight pw: UnsafeMutablePointer<Float>?, training: Bool, reduce: ((inout [Double]) -> Void)?
) -> (Tensor, [Float], [Float]) {
  let (n, c) = (shape[0], shape[1])
  let s = shape.count == 4 ? shape[2] * shape[3] : 1
  var m = n * s
  var sumG = [Float](repeating: 0, count: c)
  var sumGX = [Float](repeating: 0, count: c)  // Σ g·x̂
  for i in 0..<n {
    for ch in 0..<c {
      let src = px + (i &* c &+ ch) &* s
      let gs = pg + (i &* c &+ ch) &* s
      let (mu, inv) = (meanV[ch], invStd[ch])
      var a: Float = 0
      var b: Float = 0
      for j in 0..<s {
        a += gs[j]
        b += gs[j] * (src[j] - mu) * inv
      }
      sumG[ch] += a
      sumGX[ch] += b
    }
  }
  var (globalG, globalGX) = (sumG, sumGX)
  if training, let reduce {
    var sums = sumG.map(Double.init) + sumGX.map(Double.init) + [Double(m)]  // Σg, Σg·x̂, M
    reduce(&sums)
    globalG = sums[0..<c].map { Float($0) }
    globalGX = sums[c..<(2 * c)].map { Float($0) }
    m = Int(sums[2 * c])
  }
  let dx = Tensor(uninitializedShape: shape)
  for i in 0..<n {
    for ch in 0..<c {
      let src = px + (i &* c &+ ch) &* s
      let gs = pg + (i &* c &+ ch) &* s
      let d = dx.ptr + (i &* c &+ ch) &* s
      let w = pw?[ch] ?? 1
      let (mu, inv) = (meanV[ch], invStd[ch])
      if training {
        // dx = w·inv/M · (M·g − Σg − x̂·Σ(g·x̂))
        let k = w * inv / Float(m)
        let (a, b) = (globalG[ch], globalGX[ch])
        for j in 0..<s { d[j] = k * (Float(m) * gs[j] - a - (src[j] - mu) * inv * b) }
      } else {
        let k = w * inv
        for j in 0..<s { d[j] = k * gs[j] }
      }
    }
  }
  return (dx, sumG, sumGX)
}

/// Layer norm's backward over (R, D) from the saved (mean, 1/std) per row: dx, dW and dB, rows split across
/// threads with per-chunk partial sums of dW and dB.
private func layerNormBackward(
  x: Tensor, g gc: Tensor, stats: Tensor, weight wt: Tensor, shape: [Int], rows: Int, d: Int, rowsPerThread: Int
) -> (Tensor, [Float], [Float]) {
  let dx = Tensor(uninitializedShape: shape)
  var dw = [Float](repeating: 0, count: d)
  var db = [Float](repeating: 0, count: d)
  nonisolated(unsafe) let (pg, pd, px, ps, pw) = (gc.ptr, dx.ptr, x.ptr, stats.ptr, wt.ptr)
  let lock = SpinLock()
  Parallel.forChunks(rows, minPerThread: rowsPerThread) { range in
    // Per-chunk partial sums of dW and dB, added under the lock at the end.
    let partial = Tensor(zeros: [2, d])
    let (lw, lb) = (partial.ptr, partial.ptr + d)
    for r in range {
      let src = px + r &* d
      let gs = pg + r &* d
      let dd = pd + r &* d
      let mu = ps[2 &* r]
      let inv = ps[2 &* r &+ 1]
      // a = Σ dx̂, b = Σ dx̂·x̂ (dx̂ = g·w); dW += g·x̂, dB += g
      var a8 = Float8()
      var b8 = Float8()
      let (mu8, inv8) = (Float8(repeating: mu), Float8(repeating: inv))
      for j in stride(from: 0, to: d, by: 8) {
        let n = Swift.min(8, d &- j)
        let g = (gs + j).load8(n)
        let xh = ((src + j).load8(n) - mu8) * inv8
        let dxh = g * (pw + j).load8(n)
        a8 += dxh
        b8 += dxh * xh  // tail lanes: g = 0, so dxh = 0
        (lw + j).store8((lw + j).load8(n) + g * xh, n)
        (lb + j).store8((lb + j).load8(n) + g, n)
      }
      let (a, b) = (a8.sum(), b8.sum())
      let k = inv / Float(d)
      for j in 0..<d {
        let xh = (src[j] - mu) * inv
        dd[j] = k * (Float(d) * gs[j] * pw[j] - a - xh * b)
      }
    }
    lock.withLock {
      for j in 0..<d {
        dw[j] += lw[j]
        db[j] += lb[j]
      }
    }
  }
  return (dx, dw, db)
}
