import EngineTesting
import Foundation
import XCTest

@testable import Engine

/// Tier (c): whole models overfit a tiny batch; save → load gives identical outputs; mismatches are named.
final class ModelTests: XCTestCase {
  final class MLP: Module, Layer {
    let fc1 = Linear(8, 32)
    let fc2 = Linear(32, 3)
    func callAsFunction(_ x: Tensor) -> Tensor { fc2(fc1(x).relu()) }
  }

  final class SmallCNN: Module, Layer {
    let conv = Conv2d(1, 4, kernelSize: 3, padding: .symmetric(1, 1))
    let bn = BatchNorm2d(4)
    let head = Linear(4 * 3 * 3, 2)
    func callAsFunction(_ x: Tensor) -> Tensor {
      head(bn(conv(x)).relu().maxPool2d(kernel: (2, 2)).flattened())
    }
  }

  struct Config: Codable, Equatable {
    var hidden = 32
    var name = "mlp"
  }

  /// After recalibration each batch norm holds the plain average of the per-batch means and unbiased
  /// variances of what reached it (here: the input of a Sequential's only layer), the momentum is restored,
  /// and the model is left in evaluation mode.
  func testRecalibrateBatchNormAveragesBatches() {
    let bn = BatchNorm1d(2)
    let model = Sequential([bn])
    var rng = PRNG(seed: 7)
    let batches = (0..<3).map { k in Tensor.randn([5, 2], std: Float(k + 1), generator: &rng) + Float(k) }
    model.recalibrateBatchNorm(batches: 3) { batches[$0] }
    for ch in 0..<2 {
      let columns = batches.map { b in (0..<5).map { Double(b.toArray()[$0 * 2 + ch]) } }
      let means = columns.map { $0.reduce(0, +) / 5 }
      let vars = zip(columns, means).map { col, m in col.reduce(0) { $0 + ($1 - m) * ($1 - m) } / 4 }
      XCTAssertEqual(Double(bn.runningMean.toArray()[ch]), means.reduce(0, +) / 3, accuracy: 1e-5)
      XCTAssertEqual(Double(bn.runningVar.toArray()[ch]), vars.reduce(0, +) / 3, accuracy: 1e-4)
    }
    XCTAssertEqual(bn.momentum, 0.1)
    XCTAssertFalse(model.isTraining || bn.isTraining)
  }

  func testMLPOverfitsTinyBatch() {
    Random.seed(0)
    let model = MLP()
    let x = Tensor.randn([6, 8])
    let y = [0, 1, 2, 0, 1, 2]
    let opt = Adam(model.namedParameters(), learningRate: 1e-2)
    var first: Float = 0
    var last: Float = 0
    for step in 0..<200 {
      opt.zeroGrad()
      let loss = model(x).crossEntropy(targets: y)
      loss.backward()
      opt.step()
      if step == 0 { first = loss.item }
      last = loss.item
    }
    XCTAssertGreaterThan(first, 0.5)
    XCTAssertLessThan(last, 0.01)
    XCTAssertEqual(noGrad { model(x).argmax(axis: -1) }, y)
  }

  func testCNNOverfitsTinyBatch() {
    Random.seed(1)
    let model = SmallCNN()
    let x = Tensor.randn([4, 1, 6, 6])
    let y = [0, 1, 1, 0]
    let opt = SGD(model.namedParameters(), learningRate: 0.1, momentum: 0.9)
    var last: Float = 0
    for _ in 0..<100 {
      opt.zeroGrad()
      let loss = model(x).crossEntropy(targets: y)
      loss.backward()
      opt.step()
      last = loss.item
    }
    XCTAssertLessThan(last, 0.02)
    model.eval()
    XCTAssertEqual(noGrad { model(x).argmax(axis: -1) }, y)
  }

  func testParameterNamesAreDottedPaths() {
    let names = SmallCNN().namedTensors().map(\.0).sorted()
    XCTAssertEqual(
      names,
      [
        "bn.bias", "bn.runningMean", "bn.runningVar", "bn.weight", "conv.bias", "conv.weight", "head.bias",
        "head.weight",
      ])
    XCTAssertEqual(SmallCNN().namedParameters().count, 6)
    let seq = Sequential(Linear(2, 3), ReLU(), Linear(3, 1))
    XCTAssertEqual(
      seq.namedParameters().map(\.0), ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"])
  }

  func testCheckpointRoundTripRestoresOutputsAndOptimizer() throws {
    Random.seed(2)
    let model = SmallCNN()
    let opt = Adam(model.namedParameters(), learningRate: 1e-3)
    let x = Tensor.randn([2, 1, 6, 6])
    for _ in 0..<3 {
      opt.zeroGrad()
      model(x).crossEntropy(targets: [0, 1]).backward()
      opt.step()
    }
    model.eval()
    let before = noGrad { model(x) }.toArray()
    let path = NSTemporaryDirectory() + "kestrel-ckpt-\(getpid()).safetensors"
    defer { unlink(path) }
    try Checkpoint(model: model, optimizer: opt, config: Config(), metadata: ["kestrel.step": "3"]).save(to: path)

    Random.seed(99)
    let fresh = SmallCNN()
    fresh.eval()
    let freshOpt = Adam(fresh.namedParameters(), learningRate: 1e-3)
    XCTAssertNotEqual(noGrad { fresh(x) }.toArray(), before)
    let ckpt = try Checkpoint.load(from: path)
    try ckpt.restore(into: fresh, optimizer: freshOpt)
    XCTAssertEqual(noGrad { fresh(x) }.toArray(), before)
    XCTAssertEqual(freshOpt.stepCount, 3)
    XCTAssertEqual(try ckpt.config(Config.self), Config())
    XCTAssertEqual(ckpt.metadata["kestrel.step"], "3")
    // The optimizer continues identically.
    for (m, o) in [(model, opt), (fresh, freshOpt)] {
      m.train()
      o.zeroGrad()
      m(x).crossEntropy(targets: [0, 1]).backward()
      o.step()
    }
    XCTAssertEqual(model.parameters.map { $0.toArray() }, fresh.parameters.map { $0.toArray() })
  }

  func testMismatchedArchitectureNamesTheTensor() throws {
    let path = NSTemporaryDirectory() + "kestrel-mlp-\(getpid()).safetensors"
    defer { unlink(path) }
    try Checkpoint(model: MLP(), config: Config()).save(to: path)
    let other = Sequential(Linear(8, 32))
    XCTAssertThrowsError(try Checkpoint.load(from: path).restore(into: other)) { error in
      XCTAssertEqual("\(error)", "missing tensor 'layers.0.weight' (expected shape [32, 8])")
    }
    final class Wider: Module, Layer {
      let fc1 = Linear(8, 16)
      let fc2 = Linear(16, 3)
      func callAsFunction(_ x: Tensor) -> Tensor { fc2(fc1(x)) }
    }
    XCTAssertThrowsError(try Checkpoint.load(from: path).restore(into: Wider())) { error in
      XCTAssertTrue("\(error)".contains("has shape [32, 8] in the checkpoint but [16, 8] in the model"), "\(error)")
    }
  }

  func testTruncatedCheckpointIsAOneLineError() throws {
    let path = NSTemporaryDirectory() + "kestrel-trunc-\(getpid()).safetensors"
    defer { unlink(path) }
    let bytes = try SafeTensors.encode(MLP().stateDict())
    try FileIO.writeAtomically(Array(bytes.prefix(bytes.count - 100)), to: path)
    XCTAssertThrowsError(try Checkpoint.load(from: path)) { error in
      let text = "\(error)"
      XCTAssertTrue(text.hasPrefix(path + ": not a valid safetensors file:"), text)
      XCTAssertTrue(text.contains("truncated"), text)
      XCTAssertFalse(text.contains("\n"))
    }
    try FileIO.writeAtomically([1, 2, 3], to: path)
    XCTAssertThrowsError(try Checkpoint.load(from: path))
    XCTAssertThrowsError(try Checkpoint.load(from: path + ".missing")) { error in
      XCTAssertEqual("\(error)", "\(path).missing: No such file or directory")
    }
  }
}
