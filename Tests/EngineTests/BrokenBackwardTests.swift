import EngineTesting
import XCTest

@testable import Engine

/// Shows that the gradient check's Float32 tolerance (1e-2) catches wrong backwards.
final class BrokenBackwardTests: XCTestCase {
  /// tanh whose backward is off by 5 %.
  func brokenTanh(_ x: Tensor) -> Tensor {
    let out = unaryKernel(x) { ftanh($0) }
    return out.recording("broken_tanh", [x]) { g in [g * (1 - out * out) * 1.05] }
  }

  /// matmul whose dA forgets to transpose B (correct only for square symmetric B).
  func brokenMatmul(_ a: Tensor, _ b: Tensor) -> Tensor {
    let out = noGrad { a.matmul(b) }
    return out.recording("broken_matmul", [a, b]) { g in [g.matmul(b), a.transposed().matmul(g)] }
  }

  /// relu whose backward uses the wrong side of the kink.
  func brokenRelu(_ x: Tensor) -> Tensor {
    let out = noGrad { x.relu() }
    return out.recording("broken_relu", [x]) { g in [binaryKernel(g, x, op: "x") { $1 >= 0 ? 0 : $0 }] }
  }

  func testGradCheckFailsBrokenBackwards() {
    var rng = PRNG(seed: 1)
    let x = Tensor.randn([3, 4], generator: &rng).requiringGrad()
    XCTAssertGreaterThan(gradCheck([x]) { brokenTanh($0[0]) }.maxError, 1e-2)
    XCTAssertLessThan(gradCheck([x]) { $0[0].tanh() }.maxError, 1e-2)

    let a = Tensor.randn([3, 3], generator: &rng).requiringGrad()
    let b = Tensor.randn([3, 3], generator: &rng).requiringGrad()
    XCTAssertGreaterThan(gradCheck([a, b]) { brokenMatmul($0[0], $0[1]) }.maxError, 1e-2)

    let k = Tensor([0.5, -0.7, 1.2, -0.3], shape: [4], requiresGrad: true)
    XCTAssertGreaterThan(gradCheck([k]) { brokenRelu($0[0]) }.maxError, 1e-2)
  }
}
