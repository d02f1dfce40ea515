import Engine
import Foundation

/// How the next token is drawn from the logits.
public struct SamplingOptions: Sendable {
  /// Divides the logits; < 1 sharpens, > 1 flattens. Must be > 0.
  public var temperature: Float = 0.8
  /// Keep only the K most likely tokens (nil: all).
  public var topK: Int? = nil
  /// Keep the smallest set of tokens whose probability reaches P (nucleus sampling; 1: all).
  public var topP: Float = 1
  public init() {}
}

/// Draws a token index from `logits` with `options`, using `rng` (same seed → same draws).
public func sampleToken(_ logits: [Float], _ options: SamplingOptions, rng: inout PRNG) -> Int {
  let t = options.temperature
  var order = Array(logits.indices)
  let scaled = logits.map { $0 / t }
  let mx = scaled.max() ?? 0
  var probs = scaled.map { Double(expf($0 - mx)) }
  if options.topK != nil || options.topP < 1 {
    order.sort { probs[$0] > probs[$1] }
    var keep = order.count
    if let k = options.topK { keep = min(keep, max(1, k)) }
    if options.topP < 1 {
      let total = probs.reduce(0, +)
      var acc = 0.0
      for (rank, i) in order.prefix(keep).enumerated() {
        acc += probs[i] / total
        if acc >= Double(options.topP) {
          keep = rank + 1
          break
        }
      }
    }
    for i in order[keep...] { probs[i] = 0 }
  }
  let total = probs.reduce(0, +)
  var u = Double(rng.nextUniform()) * total
  for (i, p) in probs.enumerated() where p > 0 {
    u -= p
    if u < 0 { return i }
  }
  return probs.lastIndex { $0 > 0 } ?? 0
}

/// Streams `length` sampled tokens after feeding `prime` to `session`, calling `emit` with each token.
public func generateTokens(
  session: GenerationSession, prime: [Int], length: Int, options: SamplingOptions, seed: UInt64,
  emit: (Int) -> Void
) {
  var rng = PRNG(seed: seed)
  var logits = session.feed(prime)
  for _ in 0..<length {
    let next = sampleToken(logits, options, rng: &rng)
    emit(next)
    logits = session.feed([next])
  }
}
