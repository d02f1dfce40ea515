import Foundation
import XCTest

@testable import Engine

/// The BLAS seam against its naive reference, the data loader and tensor views.
final class CoreTests: XCTestCase {

  func testGemmSeamMatchesReferenceForAllTransposes() {
    // General shapes, and the matrix-vector paths (m = 1 or n = 1; K = 37 exercises the SIMD tail).
    for (m, n, k) in [(7, 5, 6), (1, 9, 37), (1, 1, 5), (9, 1, 37), (1, 300, 128)] { gemmCase(m, n, k) }
  }

  func gemmCase(_ m: Int, _ n: Int, _ k: Int) {
    var rng = PRNG(seed: 3)
    let a = Tensor.randn([m * k], generator: &rng)
    let b = Tensor.randn([k * n], generator: &rng)
    for ta in [false, true] {
      for tb in [false, true] {
        let c1 = Tensor(zeros: [m, n])
        let c2 = Tensor(zeros: [m, n])
        BLAS.gemm(
          transA: ta, transB: tb, m: m, n: n, k: k, a: a.ptr, lda: ta ? m : k, b: b.ptr, ldb: tb ? k : n, c: c1.ptr,
          ldc: n)
        BLAS.referenceGemm(
          transA: ta, transB: tb, m: m, n: n, k: k, a: a.ptr, lda: ta ? m : k, b: b.ptr, ldb: tb ? k : n, c: c2.ptr,
          ldc: n)
        let d = zip(c1.toArray(), c2.toArray()).map { Swift.abs($0 - $1) }.max() ?? 1
        XCTAssertLessThan(d, 1e-4, "\(m)×\(n)×\(k) transA \(ta) transB \(tb)")
      }
    }
  }

  func testBatchSamplerIsSeededAndCoversEverySample() {
    let s = BatchSampler(count: 10, batchSize: 4, seed: 5)
    XCTAssertEqual(s.batches(epoch: 0), s.batches(epoch: 0))
    XCTAssertNotEqual(s.batches(epoch: 0), s.batches(epoch: 1))
    XCTAssertEqual(s.batches(epoch: 1).flatMap { $0 }.sorted(), Array(0..<10))
    XCTAssertEqual(s.batches(epoch: 0).map(\.count), [4, 4, 2])
    XCTAssertEqual(BatchSampler(count: 10, batchSize: 4, dropLast: true).batchesPerEpoch, 2)
  }

  func testViewsShareStorageAndDescribeShape() {
    let t = Tensor((0..<6).map(Float.init), shape: [2, 3])
    let v = t.transposed()
    XCTAssertFalse(v.isContiguous)
    XCTAssertTrue(v.storage === t.storage)
    XCTAssertEqual(v.toArray(), [0, 3, 1, 4, 2, 5])
    XCTAssertEqual(t.slice(axis: 1, 1..<3).toArray(), [1, 2, 4, 5])
    XCTAssertTrue(t.description.hasPrefix("Tensor[2, 3] [0.0, 1.0"))
  }
}
