import Engine
import XCTest

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
    w.grad = Tensor([0.5, -1], shape: [2])
    DataParallel.averageGradients([w])
    XCTAssertEqual(w.grad?.toArray(), [0.5, -1])
  }
}
