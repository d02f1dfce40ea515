import Engine
import EngineTesting
import XCTest

/// The DocC custom-layer article's block, built as the article shows: parameters found by structure, gradients
/// against central differences, and a few steps that lower the loss.
final class CustomLayerTests: XCTestCase {
  /// x + W₂ GELU(W₁ LayerNorm(x)): (B, C) → (B, C).
  final class ResidualMLP: Module, Layer {
    let norm: LayerNorm
    let up: Linear
    let down: Linear

    init(width: Int, hidden: Int) {
      norm = LayerNorm(width)
      up = Linear(width, hidden)
      down = Linear(hidden, width)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
      x + down(up(norm(x)).gelu())  // (B, C)
    }
  }

  func testParametersAreFoundByStructure() {
    Random.seed(0)
    let block = ResidualMLP(width: 8, hidden: 32)
    XCTAssertEqual(
      block.namedParameters().map(\.0),
      ["norm.weight", "norm.bias", "up.weight", "up.bias", "down.weight", "down.bias"]
    )
    XCTAssertEqual(block.parameterCount, 8 + 8 + 8 * 32 + 32 + 32 * 8 + 8)
    XCTAssertEqual(block(Tensor(zeros: [3, 8])).shape, [3, 8])
  }

  func testGradientsMatchCentralDifferencesAndTrainingLowersTheLoss() {
    Random.seed(1)
    let block = ResidualMLP(width: 4, hidden: 8)
    var g = PRNG(seed: 2)
    let x = Tensor.randn([5, 4], generator: &g).requiringGrad()
    let r = gradCheck([x] + block.parameters) { _ in block(x).tanh() }
    XCTAssertLessThan(r.maxError, 1e-2, "\(r)")
    let target = Tensor.randn([5, 4], generator: &g)
    let opt = Adam(block.namedParameters(), learningRate: 1e-2)
    func loss() -> Tensor { ((block(x) - target) * (block(x) - target)).mean() }
    let before = noGrad { loss() }.item
    for _ in 0..<50 {
      opt.zeroGrad()
      let l = loss()
      l.backward()
      opt.step()
    }
    XCTAssertLessThan(noGrad { loss() }.item, before * 0.5)
  }
}
