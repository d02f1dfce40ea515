// Inverted dropout: in training, zero each element with probability p and scale survivors by 1/(1−p).

extension Tensor {
  /// Dropout with drop probability `p`; identity when not `training` or p == 0.
  public func dropout(_ p: Float, training: Bool, generator: inout PRNG) -> Tensor {
    precondition(p >= 0 && p < 1, "dropout: probability \(p) must be in [0, 1)")
    guard training && p > 0 else { return self }
    let mask = Tensor(uninitializedShape: shape)
    let scale = 1 / (1 - p)
    for i in 0..<count { mask.ptr[i] = generator.nextUniform() < p ? 0 : scale }
    let x = contiguous()
    return binaryKernel(x, mask, op: "dropout") { $0 * $1 }.recording("dropout", [self]) { g in [g * mask] }
  }

  /// Dropout using the global generator.
  public func dropout(_ p: Float, training: Bool) -> Tensor {
    dropout(p, training: training, generator: &Random.global)
  }
}
