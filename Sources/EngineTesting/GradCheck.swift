import Engine

/// Result of comparing autograd gradients with central differences.
public struct GradCheckResult: CustomStringConvertible {
  /// Largest |analytic − numeric| / max(1, |numeric|) over all checked elements.
  public let maxError: Double
  /// Where it happened: input index and element index.
  public let worst: (input: Int, element: Int)
  public var description: String { "max error \(maxError) at input \(worst.input) element \(worst.element)" }
}

/// Compares the gradients `backward()` gives for `inputs` with central differences of the scalar
/// L = Σ f(inputs) ⊙ R, where R is a fixed random projection (so every output element matters).
///
/// Float32 tolerance: with `eps` 1e-2 the central difference of a smooth op is accurate to ~1e-3 relative,
/// so `tolerance` 1e-2 passes correct backwards; tests show a backward that is wrong by 5 % fails it.
public func gradCheck(
  _ inputs: [Tensor], eps: Float = 1e-2, maxElements: Int = 64, seed: UInt64 = 7, _ f: ([Tensor]) -> Tensor
) -> GradCheckResult {
  var rng = PRNG(seed: seed)
  let probe = f(inputs)
  let projection = Tensor.randn(probe.shape, generator: &rng)
  func loss() -> Double {
    let out = noGrad { f(inputs) }.toArray()
    let r = projection.toArray()
    var acc = 0.0
    for i in 0..<out.count { acc += Double(out[i]) * Double(r[i]) }
    return acc
  }
  for t in inputs { t.grad = nil }
  (probe * projection).sum().backward()
  var worst = 0.0
  var at = (0, 0)
  for (k, t) in inputs.enumerated() where t.requiresGrad {
    let analytic = t.grad?.toArray() ?? [Float](repeating: 0, count: t.count)
    let step = Swift.max(1, t.count / maxElements)
    for i in stride(from: 0, to: t.count, by: step) {
      let original = t.withUnsafeMutableBufferPointer { $0[i] }
      t.withUnsafeMutableBufferPointer { $0[i] = original + eps }
      let plus = loss()
      t.withUnsafeMutableBufferPointer { $0[i] = original - eps }
      let minus = loss()
      t.withUnsafeMutableBufferPointer { $0[i] = original }
      let numeric = (plus - minus) / (2 * Double(eps))
      let err = Swift.abs(Double(analytic[i]) - numeric) / Swift.max(1, Swift.abs(numeric))
      if err > worst {
        worst = err
        at = (k, i)
      }
    }
  }
  return GradCheckResult(maxError: worst, worst: at)
}

/// Max |a − b| / (atol + rtol·|b|) over two equal-length arrays; ≤ 1 means "close".
public func closeness(_ a: [Float], _ b: [Float], rtol: Float = 1e-4, atol: Float = 1e-5) -> Float {
  precondition(a.count == b.count, "closeness: \(a.count) vs \(b.count) values")
  var worst: Float = 0
  for i in 0..<a.count { worst = Swift.max(worst, Swift.abs(a[i] - b[i]) / (atol + rtol * Swift.abs(b[i]))) }
  return worst
}
