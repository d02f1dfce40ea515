// Eight-lane versions of the scalar kernels in Math.swift, for loops the compiler cannot vectorise by itself
// (several pointers that might alias, as in the recurrent cells). Each lane computes exactly what the scalar
// function computes (same operations in the same order), so results do not depend on which path ran.

/// Eight floats.
public typealias Float8 = SIMD8<Float>

/// Each lane limited to [lo, hi] (the standard library's `clamped` is a generic call per use here).
@inline(__always) func clamp(_ v: Float8, _ lo: Float, _ hi: Float) -> Float8 {
  var x = v
  x.replace(with: lo, where: x .< lo)
  x.replace(with: hi, where: x .> hi)
  return x
}

/// `fexp` on each lane.
@inline(__always) func fexp(_ v: Float8) -> Float8 {
  let x = clamp(v, -87.336_54, 88)
  let shifted = x * 1.442_695_04 + 12_582_912
  let k = shifted - 12_582_912
  let r = x - k * 0.693_359_375 + k * 2.121_944_4e-4
  var p = Float8(repeating: 1.987_569_1e-4)
  p = p * r + 1.398_199_9e-3
  p = p * r + 8.333_452e-3
  p = p * r + 4.166_579_6e-2
  p = p * r + 1.666_666_5e-1
  p = p * r + 5.000_000_1e-1
  let y = p * (r * r) + r + 1
  let n = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
  let scale = unsafeBitCast((n &+ 127) &<< 23, to: Float8.self)
  var e = y * scale
  e.replace(with: 0, where: v .< -87.336_54)
  e.replace(with: .infinity, where: v .> 88)
  e.replace(with: v, where: v .!= v)
  return e
}

/// `ftanh` on each lane.
@inline(__always) func ftanh(_ v: Float8) -> Float8 {
  let x = clamp(v, -7.998_811_7, 7.998_811_7)
  let x2 = x * x
  var p = Float8(repeating: -2.760_768_5e-16)
  p = p * x2 + 2.000_187_9e-13
  p = p * x2 - 8.604_671_5e-11
  p = p * x2 + 5.122_297_1e-08
  p = p * x2 + 1.485_722_4e-05
  p = p * x2 + 6.372_619_3e-04
  p = p * x2 + 4.893_524_6e-03
  var q = Float8(repeating: 1.198_258_4e-06)
  q = q * x2 + 1.185_347_1e-04
  q = q * x2 + 2.268_434_6e-03
  q = q * x2 + 4.893_525_2e-03
  var t = x * p / q
  let absV = unsafeBitCast(unsafeBitCast(v, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: Float8.self)
  t.replace(with: v, where: absV .< 0.0004)
  return t
}

/// The logistic function 1 / (1 + e^−x) on each lane.
@inline(__always) func fsigmoid(_ v: Float8) -> Float8 { 1 / (1 + fexp(-v)) }

extension UnsafePointer where Pointee == Float {
  /// Lanes from `self[0..<count]` (count ≤ 8 is a tail: the missing lanes are 0).
  @inline(__always) func load8(_ count: Int = 8) -> Float8 {
    if count >= 8 { return UnsafeRawPointer(self).loadUnaligned(as: Float8.self) }
    var v = Float8()
    for i in 0..<count { v[i] = self[i] }
    return v
  }
}

extension UnsafeMutablePointer where Pointee == Float {
  /// Lanes from `self[0..<count]` (missing lanes are 0).
  @inline(__always) func load8(_ count: Int = 8) -> Float8 { UnsafePointer(self).load8(count) }

  /// Writes the first `count` (≤ 8) lanes of `v` to `self[0..<count]`.
  @inline(__always) func store8(_ v: Float8, _ count: Int = 8) {
    if count >= 8 {
      UnsafeMutableRawPointer(self).storeBytes(of: v, as: Float8.self)
    } else {
      for i in 0..<count { self[i] = v[i] }
    }
  }
}
