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
