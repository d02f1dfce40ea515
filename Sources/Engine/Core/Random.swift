// Seeded random numbers: xoshiro256** seeded through SplitMix64. Every random op in the engine takes a
// generator or uses `Random.global`, which `Random.seed(_:)` resets, so runs are reproducible.

/// A fast, seedable pseudo-random generator (xoshiro256**).
public struct PRNG: RandomNumberGenerator, Sendable {
  private var s0, s1, s2, s3: UInt64

  /// A generator whose whole sequence is determined by `seed`.
  public init(seed: UInt64) {
    var x = seed
    func splitmix() -> UInt64 {
      x &+= 0x9E37_79B9_7F4A_7C15
      var z = x
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    s0 = splitmix()
    s1 = splitmix()
    s2 = splitmix()
    s3 = splitmix()
  }

  /// The next 64 random bits.
  public mutating func next() -> UInt64 {
    let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << 45) | (s3 >> 19)
    return result
  }

  /// Uniform in [0, 1).
  @inline(__always)
  public mutating func nextUniform() -> Float {
    Float(next() >> 40) * (1.0 / 16_777_216.0)
  }

  /// Standard normal (Box–Muller).
  public mutating func nextNormal() -> Float {
    var u1 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    if u1 < 1e-300 { u1 = 1e-300 }
    let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    return Float((-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
  }

  /// Uniform integer in 0..<n.
  public mutating func nextInt(_ n: Int) -> Int { Int.random(in: 0..<n, using: &self) }
}

/// The engine's default generator, used when an op is not given one.
public enum Random {
  nonisolated(unsafe) static var global = PRNG(seed: 0)
  /// Resets the default generator (weight init, dropout, shuffling) to a fixed seed.
  public static func seed(_ seed: UInt64) { global = PRNG(seed: seed) }
}

extension Tensor {
  /// Standard-normal values scaled by `std`, from `generator` (or the global one).
  public static func randn(_ shape: [Int], std: Float = 1, generator: inout PRNG) -> Tensor {
    let t = Tensor(uninitializedShape: shape)
    let p = t.ptr
    for i in 0..<t.count { p[i] = generator.nextNormal() * std }
    return t
  }

  /// Standard-normal values from the global generator.
  public static func randn(_ shape: [Int], std: Float = 1) -> Tensor {
    randn(shape, std: std, generator: &Random.global)
  }

  /// Uniform values in [low, high).
  public static func uniform(_ shape: [Int], low: Float, high: Float, generator: inout PRNG) -> Tensor {
    let t = Tensor(uninitializedShape: shape)
    let p = t.ptr
    for i in 0..<t.count { p[i] = low + (high - low) * generator.nextUniform() }
    return t
  }

  /// Uniform values in [low, high) from the global generator.
  public static func uniform(_ shape: [Int], low: Float, high: Float) -> Tensor {
    uniform(shape, low: low, high: high, generator: &Random.global)
  }
}
