import XCTest

@testable import Engine

final class SymmetricEigenTests: XCTestCase {
  /// A = Q diag(λ) Qᵀ with a random orthogonal Q (Gram–Schmidt) and known λ: the solver recovers λ, and
  /// V diag(λ) Vᵀ rebuilds A.
  func testRecoversKnownSpectrum() {
    let n = 12
    var rng = PRNG(seed: 11)
    var q = (0..<(n * n)).map { _ in Double(rng.nextNormal()) }
    for j in 0..<n {  // orthonormalise columns
      for k in 0..<j {
        let dot = (0..<n).reduce(0.0) { $0 + q[$1 * n + j] * q[$1 * n + k] }
        for i in 0..<n { q[i * n + j] -= dot * q[i * n + k] }
      }
      let norm = (0..<n).reduce(0.0) { $0 + q[$1 * n + j] * q[$1 * n + j] }.squareRoot()
      for i in 0..<n { q[i * n + j] /= norm }
    }
    let lambda = (0..<n).map { Double($0) - 4.5 }  // includes negative values
    var a = [Double](repeating: 0, count: n * n)
    for i in 0..<n { for j in 0..<n { for k in 0..<n { a[i * n + j] += q[i * n + k] * lambda[k] * q[j * n + k] } } }
    let e = SymmetricEigen(a, n: n)
    for (x, y) in zip(e.values, lambda) { XCTAssertEqual(x, y, accuracy: 1e-9) }
    let rebuilt = e.apply { $0 }
    for (x, y) in zip(rebuilt, a) { XCTAssertEqual(x, y, accuracy: 1e-9) }
    // Square root of a PSD matrix: (A + 5I)^½ squared is A + 5I.
    var shifted = a
    for i in 0..<n { shifted[i * n + i] += 5 }
    let root = SymmetricEigen(shifted, n: n).apply { $0.squareRoot() }
    for i in 0..<n {
      for j in 0..<n {
        let s = (0..<n).reduce(0.0) { $0 + root[i * n + $1] * root[$1 * n + j] }
        XCTAssertEqual(s, shifted[i * n + j], accuracy: 1e-8)
      }
    }
  }
}

/// The fast erf behind GELU against libm's erff.
final class FastErfTests: XCTestCase {
  func testMatchesLibm() {
    var worst: Float = 0
    for i in -6000...6000 {
      let x = Float(i) / 1000
      worst = max(worst, abs(ferf(x) - referenceErf(x)))
    }
    XCTAssertLessThan(worst, 1e-6)
  }

  /// The eight-lane kernels return, lane for lane, exactly the scalar kernels' values (edges included).
  func testEightLaneKernelsMatchScalar() {
    var values: [Float] = [.infinity, -.infinity, .nan, -100, 100, 89, -88, 0, -0.0, 1e-5, -0.0003, 4.5, -9, 7.99]
    for i in -400...400 { values.append(Float(i) / 37) }
    while values.count % 8 != 0 { values.append(0.5) }
    func same(_ a: Float, _ b: Float) -> Bool { a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }
    for start in stride(from: 0, to: values.count, by: 8) {
      let v = Float8(values[start..<(start + 8)])
      let (e, t, r, s) = (fexp(v), ftanh(v), ferf(v), fsigmoid(v))
      for l in 0..<8 {
        let x = v[l]
        XCTAssertTrue(same(e[l], fexp(x)), "exp(\(x))")
        XCTAssertTrue(same(t[l], ftanh(x)), "tanh(\(x))")
        XCTAssertTrue(same(r[l], ferf(x)), "erf(\(x))")
        XCTAssertTrue(same(s[l], 1 / (1 + fexp(-x))), "sigmoid(\(x))")
      }
    }
  }

  func testFastExpMatchesLibm() {
    var worst: Float = 0
    for i in -87_000...88_000 {
      let x = Float(i) / 1000
      let ref = referenceExp(x)
      worst = max(worst, abs(fexp(x) - ref) / ref)
    }
    XCTAssertLessThan(worst, 3e-7)
    XCTAssertEqual(fexp(0), 1)
    XCTAssertEqual(fexp(-Float.infinity), 0)
    XCTAssertEqual(fexp(-100), 0)
    XCTAssertEqual(fexp(Float.infinity), .infinity)
    XCTAssertTrue(fexp(.nan).isNaN)
  }

  func testFastTanhMatchesLibm() {
    var worst: Float = 0
    for i in -12000...12000 {
      let x = Float(i) / 1000
      worst = max(worst, abs(ftanh(x) - referenceTanh(x)))
    }
    XCTAssertLessThan(worst, 1e-6)
    XCTAssertEqual(ftanh(50), 1, accuracy: 1e-6)
    XCTAssertEqual(ftanh(-50), -1, accuracy: 1e-6)
  }
}
