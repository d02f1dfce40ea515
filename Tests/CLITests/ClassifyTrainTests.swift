import Datasets
import Engine
import EngineTesting
import Foundation
import XCTest

/// `classify train` / `eval` end to end on the small fashion5 folder dataset (lenet, gray 28×28).
final class ClassifyTrainTests: XCTestCase {
  var dir = ""
  override func setUpWithError() throws { dir = try CLI.tempDirectory() }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

  var assets: String { CLI.assets }

  func classify(_ args: [String]) throws -> CLIResult {
    try CLI.run("classify", args, environment: ["KESTREL_ASSETS": assets])
  }

  func testTrainResumeEvaluateAndPredict() throws {
    let out = dir + "/f5.safetensors"
    let common = [
      "--dataset", "folder:\(assets)/datasets/fashion5", "--size", "28", "--channels", "1", "--arch", "lenet",
      "--batch-size", "16", "--out", out,
    ]
    let first = try classify(["train", "--epochs", "1"] + common)
    XCTAssertEqual(first.status, 0, first.stderr)
    XCTAssertTrue(first.stdout.contains("160 training, 40 test images"), first.stdout)
    XCTAssertTrue(first.stdout.contains("epoch 1: train loss"), first.stdout)
    // Resume to 3 epochs: continues at epoch 2 from the last checkpoint.
    let resumed = try classify(["train", "--epochs", "3", "--resume"] + common)
    XCTAssertEqual(resumed.status, 0, resumed.stderr)
    XCTAssertTrue(resumed.stdout.contains("(after epoch 1) from"), resumed.stdout)
    XCTAssertFalse(resumed.stdout.contains("epoch 1: train loss"), resumed.stdout)
    XCTAssertTrue(resumed.stdout.contains("epoch 3: train loss"), resumed.stdout)
    let metrics = String(decoding: try FileIO.read(out + ".metrics.csv"), as: UTF8.self)
    XCTAssertEqual(metrics.split(separator: "\n").count, 4, metrics)  // header + 3 epochs
    let curve = try Image(pngFile: out + ".curve.png")
    XCTAssertEqual(curve.width, 640)
    // Accuracy well above chance (20 %) after 3 epochs.
    let eval = try classify([
      "eval", "--model", out, "--dataset", "folder:\(assets)/datasets/fashion5", "--size", "28", "--channels", "1",
      "--confusion", dir + "/cm.png",
    ])
    XCTAssertEqual(eval.status, 0, eval.stderr)
    let accuracy =
      eval.stdout.split(separator: "accuracy ").last.flatMap { Double($0.prefix(while: { $0 != "%" })) } ?? 0
    XCTAssertGreaterThan(accuracy, 50, eval.stdout)
    XCTAssertTrue(FileIO.exists(dir + "/cm.png"))
    let predict = try classify(["--model", out, "--top", "1", "\(assets)/datasets/fashion5/trouser/00002.png"])
    XCTAssertEqual(predict.status, 0, predict.stderr)
  }
}

extension ClassifyTrainTests {
  /// `--dataset cifar10` reads the cifar-10-batches-bin layout (a tiny fixture written here): trains, evaluates,
  /// and names a missing folder in a one-line error.
  func testCIFAR10BinaryLayoutTrainsAndEvaluates() throws {
    let data = dir + "/cifar-10-batches-bin"
    try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
    try writeCIFARFixture(to: data, perBatch: 8)
    let out = dir + "/c10.safetensors"
    let train = try classify([
      "train", "--dataset", "cifar10", "--data-dir", dir, "--arch", "lenet", "--epochs", "1", "--batch-size", "8",
      "--out", out,
    ])
    XCTAssertEqual(train.status, 0, train.stderr)
    XCTAssertTrue(train.stdout.contains("lenet: 83126 parameters; 40 training, 8 test images"), train.stdout)
    XCTAssertTrue(train.stdout.contains("epoch 1: train loss"), train.stdout)
    let eval = try classify(["eval", "--model", out, "--dataset", "cifar10", "--data-dir", data])
    XCTAssertEqual(eval.status, 0, eval.stderr)
    XCTAssertTrue(eval.stdout.contains("airplane"), eval.stdout)
    let missing = try classify(["train", "--dataset", "cifar10", "--data-dir", dir + "/none", "--out", out])
    XCTAssertEqual(missing.status, 1)
    XCTAssertTrue(missing.stderr.hasPrefix("Error: cifar10: no data_batch_1.bin in \(dir)/none"), missing.stderr)
    XCTAssertEqual(missing.stderr.split(separator: "\n").count, 1, missing.stderr)
  }
}

extension ClassifyTrainTests {
  /// An `--eval-every` longer than the run (even Int.max epochs) evaluates once, at the end; it does not overflow.
  func testEvalEveryLongerThanTheRunEvaluatesAtTheEnd() throws {
    let r = try classify([
      "train", "--dataset", "folder:\(assets)/datasets/fashion5", "--size", "28", "--channels", "1", "--arch",
      "lenet", "--epochs", "2", "--eval-every", "\(Int.max)", "--out", dir + "/e.safetensors",
    ])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(r.stdout.split(separator: "\n").filter { $0.hasPrefix("epoch ") }.count, 1, r.stdout)
    XCTAssertTrue(r.stdout.contains("epoch 2: train loss"), r.stdout)
  }
}
