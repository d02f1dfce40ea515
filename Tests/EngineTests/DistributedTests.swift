import XCTest

@testable import Engine

/// A process not started by an MPI launcher is a world of one: the collectives leave data as it is.
final class DistributedTests: XCTestCase {
  func testAWorldOfOneLeavesEverythingAsItIs() throws {
    guard !Distributed.isLaunched else { throw XCTSkip("running under an MPI launcher") }
    try Distributed.initialize()
    XCTAssertEqual([Distributed.rank, Distributed.worldSize], [0, 1])
    XCTAssertTrue(Distributed.isPrimary)
    var values: [Float] = [1, 2, 3]
    try values.withUnsafeMutableBufferPointer { buf in
      guard let p = buf.baseAddress else { return }
      try Distributed.allreduceAverage(p, count: 3)
      try Distributed.broadcast(p, count: 3)
    }
    XCTAssertEqual(values, [1, 2, 3])
    XCTAssertEqual(Distributed.mean(2.5), 2.5)
    let w = Tensor([1, 2], shape: [2], requiresGrad: true)
    let ddp = DistributedDataParallel([w], bucketBytes: 4)
    ddp.backward((w * w).sum())
    XCTAssertEqual(w.grad?.toArray(), [2, 4])
    ddp.synchronize()
    XCTAssertEqual(w.grad?.toArray(), [2, 4])
  }

  /// The hook DDP starts buckets from fires once per parameter, after its last contribution: a weight used
  /// three times (shared, as tied embeddings are) has its whole gradient by then.
  func testLeafReadyFiresOnceWhenTheGradientIsFinal() {
    let w = Tensor([1, -2, 3], shape: [3], requiresGrad: true)
    let b = Tensor([0.5], shape: [1], requiresGrad: true)
    let x = Tensor([2, 1, -1], shape: [3])
    var seen: [(ObjectIdentifier, [Float])] = []
    GradientHooks.leafReady = { leaf in seen.append((ObjectIdentifier(leaf), leaf.grad?.toArray() ?? [])) }
    defer { GradientHooks.leafReady = nil }
    let y = ((w * x).sum() + (w * w).sum() + b.sum()) * (w.sum() + 1)  // w: 4 uses, b: 1
    y.backward()
    XCTAssertEqual(seen.count, 2)
    XCTAssertEqual(Set(seen.map(\.0)), [ObjectIdentifier(w), ObjectIdentifier(b)])
    for (id, grad) in seen { XCTAssertEqual(grad, (id == ObjectIdentifier(w) ? w : b).grad?.toArray()) }
  }
}

/// Synchronised batch norm on one rank's rows A, with a reducer that adds what a second rank holding rows B
/// would contribute, gives the rows of A exactly what one batch norm over [A; B] gives: outputs, dx, and the
/// running statistics (unbiased with the global count).
final class SyncBatchNormTests: XCTestCase {
  func testReducedStatisticsMatchTheGlobalBatch() throws {
    let (a, b, c) = (2, 3, 2)  // rows on "this rank", rows on the other, channels
    var rng = PRNG(seed: 7)
    let x = Tensor.randn([a + b, c], generator: &rng) * 2 + 0.5  // (A+B, C)
    let r = Tensor.randn([a + b, c], generator: &rng)  // upstream gradient
    let weight = Tensor([1.5, -0.7], shape: [c], requiresGrad: true)
    let bias = Tensor([0.2, 0.1], shape: [c], requiresGrad: true)
    // One process, the global batch.
    let xg = x.detached().requiringGrad()
    let (rm, rv) = (Tensor(zeros: [c]), Tensor(repeating: 1, shape: [c]))
    let yg = xg.batchNorm(runningMean: rm, runningVar: rv, weight: weight, bias: bias, training: true)
    (yg * r).sum().backward()
    // This rank: rows A; the reducer adds rows B's sums, computed here from the global statistics.
    let (xs, rs) = (x.toArray(), r.toArray())
    let m = Double(a + b)
    let mean = (0..<c).map { ch in (0..<(a + b)).reduce(0.0) { $0 + Double(xs[$1 * c + ch]) } / m }
    let variance = (0..<c).map { ch in
      (0..<(a + b)).reduce(0.0) { $0 + pow(Double(xs[$1 * c + ch]) - mean[ch], 2) } / m
    }
    let rowsB = a..<(a + b)
    var calls = 0
    let reducer: (inout [Double]) -> Void = { sums in
      calls += 1
      for ch in 0..<c {
        if calls == 1 {  // forward: Σx, Σx², M
          sums[ch] += rowsB.reduce(0.0) { $0 + Double(xs[$1 * c + ch]) }
          sums[c + ch] += rowsB.reduce(0.0) { $0 + Double(xs[$1 * c + ch] * xs[$1 * c + ch]) }
        } else {  // backward: Σg, Σg·x̂, M
          let inv = 1 / (variance[ch] + 1e-5).squareRoot()
          sums[ch] += rowsB.reduce(0.0) { $0 + Double(rs[$1 * c + ch]) }
          sums[c + ch] += rowsB.reduce(0.0) {
            $0 + Double(rs[$1 * c + ch]) * (Double(xs[$1 * c + ch]) - mean[ch]) * inv
          }
        }
      }
      sums[2 * c] += Double(b)
    }
    let xa = x.slice(axis: 0, 0..<a).contiguous().requiringGrad()
    let (rmA, rvA) = (Tensor(zeros: [c]), Tensor(repeating: 1, shape: [c]))
    let ya = xa.batchNorm(
      runningMean: rmA, runningVar: rvA, weight: weight, bias: bias, training: true, reduce: reducer)
    (ya * r.slice(axis: 0, 0..<a).contiguous()).sum().backward()
    XCTAssertEqual(calls, 2)
    func close(_ p: [Float], _ q: [Float], _ what: String) {
      XCTAssertEqual(p.count, q.count, what)
      for (u, v) in zip(p, q) { XCTAssertEqual(u, v, accuracy: 1e-5, what) }
    }
    close(ya.toArray(), Array(yg.toArray().prefix(a * c)), "y")
    close(xa.grad?.toArray() ?? [], Array(xg.grad?.toArray().prefix(a * c) ?? []), "dx")
    close(rmA.toArray(), rm.toArray(), "running mean")
    close(rvA.toArray(), rv.toArray(), "running variance")
  }
}
