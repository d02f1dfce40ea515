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
  let shifted = x * 1.442_695_04 + 12_582_912  // 1.5·2²³: the low mantissa bits now hold round(x / ln 2)
  let k = shifted - 12_582_912
  let r = x - k * 0.693_359_375 + k * 2.121_944_4e-4
  var p: Float = 1.987_569_1e-4
  p = p * r + 1.398_199_9e-3
  p = p * r + 8.333_452e-3
  p = p * r + 4.166_579_6e-2
  p = p * r + 1.666_666_5e-1
  p = p * r + 5.000_000_1e-1
  let y = p * (r * r) + r + 1
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
  let x2 = x * x
  var p: Float = -2.760_768_5e-16
  p = p * x2 + 2.000_187_9e-13
  p = p * x2 - 8.604_671_5e-11
  p = p * x2 + 5.122_297_1e-08
  p = p * x2 + 1.485_722_4e-05
  p = p * x2 + 6.372_619_3e-04
  p = p * x2 + 4.893_524_6e-03
  var q: Float = 1.198_258_4e-06
  q = q * x2 + 1.185_347_1e-04
  q = q * x2 + 2.268_434_6e-03
  q = q * x2 + 4.893_525_2e-03
  return Swift.abs(v) < 0.0004 ? v : x * p / q
}

/// libm's tanhf, for tests of `ftanh`.
func referenceTanh(_ x: Float) -> Float { tanhf(x) }
/// erf as a rational function of x (the approximation XLA and Eigen use for float32; max error ~1e-7 on
/// [-4, 4], exactly ±1 beyond in float32). No library call, so loops over it vectorize; libm's erff made GELU
/// ~15 % of a GPT training step.
@inline(__always) func ferf(_ v: Float) -> Float {
  let x = Swift.min(Swift.max(v, -4), 4)
  let x2 = x * x
  var p: Float = -2.726_142_3e-10
  p = p * x2 + 2.770_681_4e-08
  p = p * x2 - 2.101_024e-06
  p = p * x2 - 5.692_506_4e-05
  p = p * x2 - 7.349_906_3e-04
  p = p * x2 - 2.954_600_0e-03
  p = p * x2 - 1.609_603_3e-02
  var q: Float = -1.456_607_2e-05
  q = q * x2 - 2.133_740_6e-04
  q = q * x2 - 1.682_827e-03
  q = q * x2 - 7.373_329_2e-03
  q = q * x2 - 1.426_473_9e-02
  return x * p / q
}

/// libm's erff, for tests of `ferf`.
func referenceErf(_ x: Float) -> Float { erff(x) }
@inline(__always) func fpow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
@inline(__always) func flog1p(_ x: Float) -> Float { log1pf(x) }
@inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
