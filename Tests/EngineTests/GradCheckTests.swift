import EngineTesting
import XCTest

@testable import Engine

/// Tier (a): every op's backward against central differences (Float32, eps 1e-2, tolerance 1e-2;
/// `BrokenBackwardTests` shows a backward wrong by 5 % fails this tolerance).
final class GradCheckTests: XCTestCase {
  let tolerance = 1e-2

  func randn(_ shape: [Int], seed: UInt64) -> Tensor {
    var g = PRNG(seed: seed)
    return Tensor.randn(shape, generator: &g).requiringGrad()
  }

  /// Values at least 0.1 away from 0 (kinks of relu-like ops) with random signs.
  func awayFromZero(_ shape: [Int], seed: UInt64) -> Tensor {
    var g = PRNG(seed: seed)
    let v = (0..<shape.reduce(1, *)).map { _ -> Float in
      let m = 0.1 + g.nextUniform() * 2
      return g.nextUniform() < 0.5 ? -m : m
    }
    return Tensor(v, shape: shape, requiresGrad: true)
  }

  /// Distinct values spaced 0.05 apart in random order (no ties for max).
  func distinct(_ shape: [Int], seed: UInt64) -> Tensor {
    var g = PRNG(seed: seed)
    var v = (0..<shape.reduce(1, *)).map { Float($0) * 0.05 - 1 }
    v.shuffle(using: &g)
    return Tensor(v, shape: shape, requiresGrad: true)
  }

  func check(
    _ name: String, _ inputs: [Tensor], file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor
  ) {
    let r = gradCheck(inputs, f)
    XCTAssertLessThan(r.maxError, tolerance, "\(name): \(r)", file: file, line: line)
  }

  func testBroadcastArithmetic() {
    let a = randn([3, 4], seed: 1)
    let b = randn([4], seed: 2)
    let c = randn([3, 1], seed: 3)
    let d = Tensor((0..<4).map { 1.5 + Float($0) * 0.1 }, shape: [4], requiresGrad: true)
    check("add", [a, b]) { $0[0] + $0[1] }
    check("sub", [a, c]) { $0[0] - $0[1] }
    check("mul", [a, c, b]) { $0[0] * $0[1] * $0[2] }
    check("div", [a, d]) { $0[0] / $0[1] }
    check("scalars", [a]) { 2 - (($0[0] * 3 + 1) / 2) }
    check("neg", [a]) { -$0[0] }
  }

  func testUnaryMath() {
    let a = randn([2, 5], seed: 4)
    let pos = Tensor((0..<10).map { 0.5 + Float($0) * 0.2 }, shape: [2, 5], requiresGrad: true)
    check("exp", [a]) { $0[0].exp() }
    check("log", [pos]) { $0[0].log() }
    check("sqrt", [pos]) { $0[0].sqrt() }
    check("pow", [pos]) { $0[0].pow(2.5) }
    check("squared", [a]) { $0[0].squared() }
    check("abs", [awayFromZero([6], seed: 5)]) { $0[0].abs() }
  }

  func testActivations() {
    let a = randn([3, 4], seed: 6)
    let k = awayFromZero([3, 4], seed: 7)
    check("tanh", [a]) { $0[0].tanh() }
    check("sigmoid", [a]) { $0[0].sigmoid() }
    check("relu", [k]) { $0[0].relu() }
    let r6 = Tensor([-1, 0.5, 2, 5.5, 6.5, 8, -0.3, 3], shape: [2, 4], requiresGrad: true)
    check("relu6", [r6]) { $0[0].relu6() }
    check("leakyRelu", [k]) { $0[0].leakyRelu(0.2) }
    check("gelu", [a]) { $0[0].gelu() }
    check("gelu tanh", [a]) { $0[0].gelu(approximate: true) }
    check("gelu, 8 lanes + tail", [randn([19], seed: 61)]) { $0[0].gelu() }
  }

  func testReductions() {
    let a = randn([2, 3, 4], seed: 8)
    check("sum axis", [a]) { $0[0].sum(axis: 1) }
    check("sum axes keepDims", [a]) { $0[0].sum(axes: [0, 2], keepDims: true) }
    check("sum all", [a]) { $0[0].sum() }
    check("mean axis", [a]) { $0[0].mean(axis: -1) }
    check("mean all", [a]) { $0[0].mean() }
    check("max axis", [distinct([2, 3, 4], seed: 9)]) { $0[0].max(axis: 1).values }
  }

  func testMatmul() {
    check("2d", [randn([3, 4], seed: 10), randn([4, 5], seed: 11)]) { $0[0].matmul($0[1]) }
    check("batched", [randn([2, 3, 4], seed: 12), randn([2, 4, 5], seed: 13)]) { $0[0].matmul($0[1]) }
    check("batched @ 2d", [randn([2, 3, 4], seed: 14), randn([4, 5], seed: 15)]) { $0[0].matmul($0[1]) }
    check("transposed views", [randn([4, 3], seed: 16), randn([5, 4], seed: 17)]) {
      $0[0].transposed().matmul($0[1].transposed())
    }
    check("broadcast batch", [randn([3, 4], seed: 18), randn([2, 4, 5], seed: 19)]) { $0[0].matmul($0[1]) }
  }

  func testShapeOps() {
    let a = randn([2, 3, 4], seed: 20)
    check("reshape", [a]) { $0[0].reshaped([6, -1]) }
    check("permute", [a]) { $0[0].permuted([2, 0, 1]) * 1 }
    check("transpose+contiguous", [a]) { $0[0].transposed(0, 2).contiguous() }
    check("slice", [a]) { $0[0].slice(axis: 2, 1..<3) * 1 }
    check("concat", [a, randn([2, 2, 4], seed: 21)]) { Tensor.concat([$0[0], $0[1]], axis: 1) }
    check("stack", [randn([3], seed: 22), randn([3], seed: 23)]) { Tensor.stack([$0[0], $0[1]], axis: 1) }
    check("pad", [a]) { $0[0].padded([(0, 0), (1, 2), (2, 0)], value: 0.5) }
    check("expand", [randn([3, 1], seed: 24)]) { $0[0].expanded(to: [2, 3, 4]) * 1 }
  }

  func testIndexing() {
    check("indexSelect", [randn([5, 3], seed: 25)]) { $0[0].indexSelect(rows: [4, 0, 4, 2]) }
    check("gather", [randn([3, 4], seed: 26)]) { $0[0].gather(columns: [3, 0, 1]) }
  }

  func testSoftmax() {
    let a = randn([3, 5], seed: 27)
    check("softmax", [a]) { $0[0].softmax() }
    check("logSoftmax", [a]) { $0[0].logSoftmax() }
  }

  func testConvolutions() {
    check("conv2d", [randn([2, 3, 6, 5], seed: 28), randn([4, 3, 3, 3], seed: 29), randn([4], seed: 30)]) {
      $0[0].conv2d($0[1], bias: $0[2], padding: .symmetric(1, 1))
    }
    check("conv2d SAME stride 2", [randn([1, 2, 7, 6], seed: 31), randn([3, 2, 3, 3], seed: 32)]) {
      $0[0].conv2d($0[1], stride: (2, 2), padding: .same)
    }
    check("conv2d dilation", [randn([1, 2, 7, 7], seed: 33), randn([2, 2, 3, 3], seed: 34)]) {
      $0[0].conv2d($0[1], padding: .symmetric(2, 2), dilation: (2, 2))
    }
    check("conv2d depthwise", [randn([2, 4, 5, 5], seed: 35), randn([4, 1, 3, 3], seed: 36)]) {
      $0[0].conv2d($0[1], padding: .same, groups: 4)
    }
    check("conv2d 1x1", [randn([2, 3, 4, 4], seed: 37), randn([5, 3, 1, 1], seed: 38)]) { $0[0].conv2d($0[1]) }
    check("convTranspose2d", [randn([2, 3, 3, 4], seed: 39), randn([3, 2, 4, 4], seed: 40), randn([2], seed: 41)]) {
      $0[0].convTranspose2d($0[1], bias: $0[2], stride: (2, 2), padding: (1, 1))
    }
    check("convTranspose2d groups", [randn([1, 4, 3, 3], seed: 42), randn([4, 1, 3, 3], seed: 43)]) {
      $0[0].convTranspose2d($0[1], stride: (2, 2), padding: (1, 1), outputPadding: (1, 1), groups: 2)
    }
  }

  func testPooling() {
    check("maxPool", [distinct([2, 2, 6, 6], seed: 44)]) { $0[0].maxPool2d(kernel: (2, 2)) }
    check("maxPool overlap pad", [distinct([1, 2, 5, 5], seed: 45)]) {
      $0[0].maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
    }
    check("avgPool", [randn([2, 2, 5, 5], seed: 46)]) {
      $0[0].avgPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
    }
    check("globalAveragePool", [randn([2, 3, 4, 4], seed: 47)]) { $0[0].globalAveragePool() }
  }

  func testNormalization() {
    let rm = Tensor(zeros: [3])
    let rv = Tensor(repeating: 1, shape: [3])
    check("batchNorm train 4d", [randn([4, 3, 3, 3], seed: 48), randn([3], seed: 49), randn([3], seed: 50)]) {
      $0[0].batchNorm(runningMean: rm, runningVar: rv, weight: $0[1], bias: $0[2], training: true)
    }
    check("batchNorm train 2d", [randn([5, 3], seed: 51), randn([3], seed: 52), randn([3], seed: 53)]) {
      $0[0].batchNorm(runningMean: rm, runningVar: rv, weight: $0[1], bias: $0[2], training: true)
    }
    check("batchNorm eval", [randn([2, 3, 2, 2], seed: 54), randn([3], seed: 55), randn([3], seed: 56)]) {
      $0[0].batchNorm(runningMean: rm, runningVar: rv, weight: $0[1], bias: $0[2], training: false, eps: 1e-3)
    }
    check("layerNorm", [randn([2, 3, 6], seed: 57), randn([6], seed: 58), randn([6], seed: 59)]) {
      $0[0].layerNorm(weight: $0[1], bias: $0[2])
    }
    check("layerNorm no affine", [randn([4, 5], seed: 60)]) { $0[0].layerNorm(weight: nil, bias: nil) }
    check("layerNorm, 8 lanes + tail", [randn([3, 11], seed: 62), randn([11], seed: 63), randn([11], seed: 64)]) {
      $0[0].layerNorm(weight: $0[1], bias: $0[2])
    }
  }

  func testLosses() {
    let logits = randn([5, 4], seed: 61)
    check("crossEntropy", [logits]) { $0[0].crossEntropy(targets: [0, 3, 1, 1, 2]) }
    check("crossEntropy ignore+smooth", [logits]) {
      $0[0].crossEntropy(targets: [0, -1, 1, 3, -1], ignoreIndex: -1, labelSmoothing: 0.2)
    }
    let t = Tensor((0..<6).map { Float($0) / 6 }, shape: [2, 3])
    check("bce", [randn([2, 3], seed: 62)]) { $0[0].binaryCrossEntropyWithLogits(targets: t) }
    check("mse", [randn([2, 3], seed: 63)]) { $0[0].mseLoss(targets: t) }
    let far = Tensor([3, -2.5, 0.3, -0.2, 1.6, 0.1], shape: [2, 3], requiresGrad: true)
    check("huber", [far]) { $0[0].huberLoss(targets: t) }
  }

  func testDropoutWithFixedMask() {
    check("dropout", [randn([4, 5], seed: 64)]) { x in
      var g = PRNG(seed: 3)
      return x[0].dropout(0.3, training: true, generator: &g)
    }
  }

  func testLayers() {
    Random.seed(1)
    let lin = Linear(4, 3)
    let x = randn([2, 5, 4], seed: 65)
    check("Linear 3d input", [x, lin.weight, lin.bias!]) { _ in lin(x) }
    let conv = Conv2d(2, 3, kernelSize: 3, stride: 2, padding: .same)
    let xi = randn([2, 2, 5, 5], seed: 66)
    check("Conv2d", [xi, conv.weight, conv.bias!]) { _ in conv(xi) }
    let emb = Embedding(6, 3)
    check("Embedding", [emb.weight]) { _ in emb([1, 5, 1, 0], shape: [2, 2]) }
  }

  func testGraphReuseAccumulates() {
    // y = x·x + x uses x twice; dy/dx = 2x + 1.
    let x = Tensor([1, -2, 3], shape: [3], requiresGrad: true)
    (x * x + x).sum().backward()
    XCTAssertEqual(x.grad?.toArray(), [3, -3, 7])
    // A second backward accumulates.
    (x * 2).sum().backward()
    XCTAssertEqual(x.grad?.toArray(), [5, -1, 9])
  }
}
