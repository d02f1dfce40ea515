import EngineTesting
import Foundation
import XCTest

@testable import Engine

/// Tier (b): outputs and gradients against PyTorch (Tests/Fixtures/make_engine_fixtures.py wrote the file).
final class GoldenTests: XCTestCase {
  nonisolated(unsafe) static let golden = fixtureTensors("golden")

  /// The tensors of `Fixtures/<name>.safetensors` in this test bundle (empty when missing: tests then fail by name).
  static func fixtureTensors(_ name: String) -> [String: Tensor] {
    guard let url = Bundle.module.url(forResource: name, withExtension: "safetensors", subdirectory: "Fixtures"),
      let file = try? SafeTensors.read(url.path)
    else { return [:] }
    return file.tensors
  }

  func t(_ name: String) throws -> Tensor {
    guard let v = Self.golden[name] else { throw StateError("fixture tensor \(name) missing") }
    return v.copy()
  }

  func assertClose(
    _ a: Tensor, _ b: Tensor, rtol: Float = 1e-4, atol: Float = 1e-4, _ what: String, file: StaticString = #filePath,
    line: UInt = #line
  ) {
    XCTAssertEqual(a.shape, b.shape, "\(what): shape", file: file, line: line)
    guard a.shape == b.shape else { return }
    XCTAssertLessThanOrEqual(
      closeness(a.toArray(), b.toArray(), rtol: rtol, atol: atol), 1, what, file: file, line: line)
  }

  /// Runs out = f(inputs), backprops the fixture's projection, compares output and gradients.
  func checkCase(_ name: String, inputs: [String], _ f: ([Tensor]) -> Tensor) throws {
    let xs = try inputs.map { try t("\(name).\($0)").requiringGrad() }
    let y = f(xs)
    assertClose(y, try t("\(name).y"), "\(name) forward")
    (y * (try t("\(name).proj"))).sum().backward()
    for (x, n) in zip(xs, inputs) {
      guard let g = x.grad else { return XCTFail("\(name): no gradient for \(n)") }
      assertClose(g, try t("\(name).grad_\(n)"), rtol: 1e-3, atol: 1e-3, "\(name) grad \(n)")
    }
  }

  func testFixtureLoaded() { XCTAssertGreaterThan(Self.golden.count, 100) }

  func testConv2d() throws {
    try checkCase("conv_basic", inputs: ["x", "w", "b"]) { $0[0].conv2d($0[1], bias: $0[2], padding: .symmetric(1, 1)) }
    try checkCase("conv_same_s2", inputs: ["x", "w", "b"]) {
      $0[0].conv2d($0[1], bias: $0[2], stride: (2, 2), padding: .same)
    }
    try checkCase("conv_same_k5_s2", inputs: ["x", "w", "b"]) {
      $0[0].conv2d($0[1], bias: $0[2], stride: (2, 2), padding: .same)
    }
    try checkCase("conv_dilated", inputs: ["x", "w", "b"]) {
      $0[0].conv2d($0[1], bias: $0[2], padding: .symmetric(2, 2), dilation: (2, 2))
    }
    try checkCase("conv_groups", inputs: ["x", "w", "b"]) {
      $0[0].conv2d($0[1], bias: $0[2], padding: .symmetric(1, 1), groups: 2)
    }
    try checkCase("conv_depthwise_same", inputs: ["x", "w", "b"]) {
      $0[0].conv2d($0[1], bias: $0[2], stride: (2, 2), padding: .same, groups: 4)
    }
    try checkCase("conv_1x1", inputs: ["x", "w", "b"]) { $0[0].conv2d($0[1], bias: $0[2]) }
  }

  func testConvTranspose2d() throws {
    try checkCase("convt_4_2_1", inputs: ["x", "w", "b"]) {
      $0[0].convTranspose2d($0[1], bias: $0[2], stride: (2, 2), padding: (1, 1))
    }
    try checkCase("convt_3_2_1_op1", inputs: ["x", "w", "b"]) {
      $0[0].convTranspose2d($0[1], bias: $0[2], stride: (2, 2), padding: (1, 1), outputPadding: (1, 1))
    }
  }

  func testBatchNorm() throws {
    let rm = try t("bn.running_mean_in")
    let rv = try t("bn.running_var_in")
    try checkCase("bn", inputs: ["x", "w", "b"]) {
      $0[0].batchNorm(runningMean: rm, runningVar: rv, weight: $0[1], bias: $0[2], training: true)
    }
    assertClose(rm, try t("bn.running_mean_out"), "running mean")
    assertClose(rv, try t("bn.running_var_out"), "running var")
    let y = try t("bn_eval.x").batchNorm(
      runningMean: rm, runningVar: rv, weight: try t("bn.w"), bias: try t("bn.b"), training: false, eps: 1e-3)
    assertClose(y, try t("bn_eval.y"), "batch norm eval")
  }

  func testLayerNorm() throws {
    try checkCase("ln", inputs: ["x", "w", "b"]) { $0[0].layerNorm(weight: $0[1], bias: $0[2]) }
  }

  func testCrossEntropy() throws {
    let logits = try t("ce.logits").requiringGrad()
    let target = try t("ce.target").toArray().map { Int($0) }
    let loss = logits.crossEntropy(targets: target)
    assertClose(loss, try t("ce.loss"), "ce loss")
    loss.backward()
    assertClose(logits.grad ?? Tensor(scalar: 0), try t("ce.grad"), "ce grad")

    logits.grad = nil
    let t2 = try t("ce_ignore_smooth.target").toArray().map { Int($0) }
    let loss2 = logits.crossEntropy(targets: t2, ignoreIndex: -100, labelSmoothing: 0.1)
    assertClose(loss2, try t("ce_ignore_smooth.loss"), "ce smoothed loss")
    loss2.backward()
    assertClose(logits.grad ?? Tensor(scalar: 0), try t("ce_ignore_smooth.grad"), "ce smoothed grad")
  }

  func testPointwiseLosses() throws {
    let cases: [(String, (Tensor) throws -> Tensor)] = [
      ("bce", { try $0.binaryCrossEntropyWithLogits(targets: self.t("bce.t")) }),
      ("mse", { try $0.mseLoss(targets: self.t("pointwise.t")) }),
      ("huber", { try $0.huberLoss(targets: self.t("pointwise.t"), delta: 1) }),
    ]
    for (name, f) in cases {
      let x = try t("pointwise.x").requiringGrad()
      let loss = try f(x)
      assertClose(loss, try t("\(name).loss"), "\(name) loss")
      loss.backward()
      assertClose(x.grad ?? Tensor(scalar: 0), try t("\(name).grad"), "\(name) grad")
    }
  }

  func testOptimizerSteps() throws {
    let grads = try (0..<3).map { try t("optim.g\($0)") }
    let makers: [(String, ([(String, Tensor)]) -> Optimizer)] = [
      ("adam", { Adam($0, learningRate: 1e-2, weightDecay: 0.1) }),
      ("adamw", { AdamW($0, learningRate: 1e-2, beta2: 0.95, weightDecay: 0.1) }),
      ("sgd_nesterov", { SGD($0, learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01) }),
      ("rmsprop", { RMSprop($0, learningRate: 1e-2) }),
      ("adagrad", { Adagrad($0, learningRate: 0.1) }),
    ]
    for (name, make) in makers {
      let p = try t("optim.p0").requiringGrad()
      let opt = make([("p", p)])
      for g in grads {
        p.grad = g
        opt.step()
      }
      assertClose(p, try t("optim.\(name)"), rtol: 1e-5, atol: 1e-6, "\(name) after 3 steps")
    }
  }
}
