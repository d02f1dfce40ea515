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
  let (y, shifted) = expReduced(clamp(v, -87.336_54, 88))
  let n = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000  // k as integers
  let scale = unsafeBitCast((n &+ 127) &<< 23, to: Float8.self)
  var e = y * scale
  e.replace(with: 0, where: v .< -87.336_54)
  e.replace(with: .infinity, where: v .> 88)
  e.replace(with: v, where: v .!= v)
  return e
}

/// `ftanh` on each lane.
@inline(__always) func ftanh(_ v: Float8) -> Float8 {
  var t = tanhRational(clamp(v, -7.998_811_7, 7.998_811_7))
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

// Row kernels over `n` contiguous floats: eight lanes at a time, then a scalar tail.

/// The largest of `p[0..<n]` (−∞ when n = 0).
@inline(__always) func rowMax(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
  var m = Float8(repeating: -.infinity)
  var j = 0
  while j &+ 8 <= n {
    let v = (p + j).load8()
    m.replace(with: v, where: v .> m)
    j &+= 8
  }
  var mx = m[0]
  for l in 1..<8 { mx = Swift.max(mx, m[l]) }
  while j < n {
    mx = Swift.max(mx, p[j])
    j &+= 1
  }
  return mx
}

/// Σ a[j]·b[j] over j < n, eight lanes at a time: the one dot-product kernel for attention rows here and for
/// factor rows in the apps (inlinable, so callers in other modules get it inlined into their loops).
@inlinable @inline(__always)
public func rowDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
  let ra = UnsafeRawPointer(a)
  let rb = UnsafeRawPointer(b)
  var acc = SIMD8<Float>()
  var j = 0
  while j &+ 8 <= n {
    acc +=
      ra.loadUnaligned(fromByteOffset: j &* 4, as: SIMD8<Float>.self)
      * rb.loadUnaligned(fromByteOffset: j &* 4, as: SIMD8<Float>.self)
    j &+= 8
  }
  var s = acc.sum()
  while j < n {
    s += a[j] * b[j]
    j &+= 1
  }
  return s
}

/// Softmax of `p[0..<n]` in place (n ≥ 1): p ← e^(p − max) / Σ e^(p − max). Returns the max and the sum, so
/// callers get log Σ e^p = max + log sum. The one row-softmax kernel: softmax, logSoftmax, cross-entropy, attention.
@discardableResult
@inline(__always) func softmaxRow(_ p: UnsafeMutablePointer<Float>, _ n: Int) -> (max: Float, sum: Float) {
  let mx = rowMax(p, n)
  let shift = Float8(repeating: mx)
  var acc = Float8()
  var j = 0
  while j &+ 8 <= n {
    let e = fexp((p + j).load8() - shift)
    (p + j).store8(e)
    acc += e
    j &+= 8
  }
  var sum = acc.sum()
  while j < n {
    let e = fexp(p[j] - mx)
    p[j] = e
    sum += e
    j &+= 1
  }
  let inv = Float8(repeating: 1 / sum)
  j = 0
  while j &+ 8 <= n {
    (p + j).store8((p + j).load8() * inv)
    j &+= 8
  }
  while j < n {
    p[j] *= inv[0]
    j &+= 1
  }
  return (mx, sum)
}

/// Σ p[j] over j < n.
@inline(__always) func rowSum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
  var acc = Float8()
  var j = 0
  while j &+ 8 <= n {
    acc += (p + j).load8()
    j &+= 8
  }
  var s = acc.sum()
  while j < n {
    s += p[j]
    j &+= 1
  }
  return s
}

/// Σ (p[j] − mean)² over j < n.
@inline(__always) func rowSquaredDeviation(_ p: UnsafePointer<Float>, _ mean: Float, _ n: Int) -> Float {
  let m = Float8(repeating: mean)
  var acc = Float8()
  var j = 0
  while j &+ 8 <= n {
    let v = (p + j).load8() - m
    acc += v * v
    j &+= 8
  }
  var s = acc.sum()
  while j < n {
    s += (p[j] - mean) * (p[j] - mean)
    j &+= 1
  }
  return s
}

/// `ferf` on each lane.
@inline(__always) func ferf(_ v: Float8) -> Float8 { erfRational(clamp(v, -4, 4)) }
