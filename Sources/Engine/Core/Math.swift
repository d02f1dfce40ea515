#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

// Scalar math used by kernels, in one place so that kernels do not each import the C library.
/// e^x without a libm call, so loops over it vectorise (Cephes expf: round x/ln 2 to k by the 1.5·2²³ trick,
/// Cody-Waite reduction, a degree-6 polynomial on [-ln2/2, ln2/2], 2^k from the exponent bits): within 2 ulp
/// of expf; 0 below -87.3 (expf gives denormals there), +inf above 88, NaN stays NaN.
@inline(__always) func fexp(_ v: Float) -> Float {
  let x = Swift.min(Swift.max(v, -87.336_54), 88)
  let (y, shifted) = expReduced(x)
  let n = Int32(bitPattern: shifted.bitPattern) &- 0x4B40_0000  // k as an integer
  let scale = Float(bitPattern: UInt32(bitPattern: (n &+ 127) << 23))
  let e = y * scale
  return v < -87.336_54 ? 0 : v > 88 ? .infinity : v.isNaN ? v : e
}
/// libm's expf, the reference `fexp` is tested against.
func referenceExp(_ x: Float) -> Float { expf(x) }
@inline(__always) func flog(_ x: Float) -> Float { logf(x) }
/// tanh as a rational function (the float32 approximation Eigen uses; a few ulp on [-9, 9], ±1 beyond). libm's
/// tanhf (via expm1f) was ~18 % of a char-LSTM training step.
@inline(__always) func ftanh(_ v: Float) -> Float {
  let x = Swift.min(Swift.max(v, -7.998_811_7), 7.998_811_7)
  return Swift.abs(v) < 0.0004 ? v : tanhRational(x)
}

/// libm's tanhf, for tests of `ftanh`.
func referenceTanh(_ x: Float) -> Float { tanhf(x) }
/// erf as a rational function of x (the approximation XLA and Eigen use for float32; max error ~1e-7 on
/// [-4, 4], exactly ±1 beyond in float32). No library call, so loops over it vectorize; libm's erff made GELU
/// ~15 % of a GPT training step.
@inline(__always) func ferf(_ v: Float) -> Float { erfRational(Swift.min(Swift.max(v, -4), 4)) }

/// libm's erff, for tests of `ferf`.
func referenceErf(_ x: Float) -> Float { erff(x) }
@inline(__always) func fpow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
@inline(__always) func flog1p(_ x: Float) -> Float { log1pf(x) }
@inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }

// The polynomial cores, shared by the scalar kernels above and the eight-lane ones in VectorMath.swift, so both
// evaluate the same operations in the same order.

/// A `Float` or eight of them: what the polynomial cores need. `@usableFromInline` because its operators are the
/// ones Swift picks for `SIMD8<Float>` arithmetic inside the public inlinable `rowDot`.
@usableFromInline protocol FloatLanes {
  init(splat: Float)
  static func + (a: Self, b: Self) -> Self
  static func - (a: Self, b: Self) -> Self
  static func * (a: Self, b: Self) -> Self
  static func / (a: Self, b: Self) -> Self
}

extension Float: FloatLanes {
  @usableFromInline @inline(__always) init(splat: Float) { self = splat }
}

extension SIMD8: FloatLanes where Scalar == Float {
  @usableFromInline @inline(__always) init(splat: Float) { self.init(repeating: splat) }
}

/// For x in [-87.3, 88]: y = e^r with r = x − k·ln 2 (Cody-Waite), and `shifted`, whose low mantissa bits hold k
/// (x / ln 2 + 1.5·2²³, Cephes expf); e^x = y · 2^k.
@inline(__always) func expReduced<V: FloatLanes>(_ x: V) -> (y: V, shifted: V) {
  let shifted = x * V(splat: 1.442_695_04) + V(splat: 12_582_912)
  let k = shifted - V(splat: 12_582_912)
  let r = x - k * V(splat: 0.693_359_375) + k * V(splat: 2.121_944_4e-4)
  var p = V(splat: 1.987_569_1e-4)
  p = p * r + V(splat: 1.398_199_9e-3)
  p = p * r + V(splat: 8.333_452e-3)
  p = p * r + V(splat: 4.166_579_6e-2)
  p = p * r + V(splat: 1.666_666_5e-1)
  p = p * r + V(splat: 5.000_000_1e-1)
  return (p * (r * r) + r + V(splat: 1), shifted)
}

/// tanh(x) for x in [-8, 8] as Eigen's float32 rational function.
@inline(__always) func tanhRational<V: FloatLanes>(_ x: V) -> V {
  let x2 = x * x
  var p = V(splat: -2.760_768_5e-16)
  p = p * x2 + V(splat: 2.000_187_9e-13)
  p = p * x2 - V(splat: 8.604_671_5e-11)
  p = p * x2 + V(splat: 5.122_297_1e-08)
  p = p * x2 + V(splat: 1.485_722_4e-05)
  p = p * x2 + V(splat: 6.372_619_3e-04)
  p = p * x2 + V(splat: 4.893_524_6e-03)
  var q = V(splat: 1.198_258_4e-06)
  q = q * x2 + V(splat: 1.185_347_1e-04)
  q = q * x2 + V(splat: 2.268_434_6e-03)
  q = q * x2 + V(splat: 4.893_525_2e-03)
  return x * p / q
}

/// erf(x) for x in [-4, 4] as the XLA / Eigen float32 rational function.
@inline(__always) func erfRational<V: FloatLanes>(_ x: V) -> V {
  let x2 = x * x
  var p = V(splat: -2.726_142_3e-10)
  p = p * x2 + V(splat: 2.770_681_4e-08)
  p = p * x2 - V(splat: 2.101_024e-06)
  p = p * x2 - V(splat: 5.692_506_4e-05)
  p = p * x2 - V(splat: 7.349_906_3e-04)
  p = p * x2 - V(splat: 2.954_600_0e-03)
  p = p * x2 - V(splat: 1.609_603_3e-02)
  var q = V(splat: -1.456_607_2e-05)
  q = q * x2 - V(splat: 2.133_740_6e-04)
  q = q * x2 - V(splat: 1.682_827e-03)
  q = q * x2 - V(splat: 7.373_329_2e-03)
  q = q * x2 - V(splat: 1.426_473_9e-02)
  return x * p / q
}
