import Datasets
import Engine
import Foundation
import XCTest

/// `gan` end to end: train/resume on a small folder, sample/interpolate determinism, scores, bad input.
final class GANCLITests: XCTestCase {
  var dir = ""
  override func setUpWithError() throws { dir = try CLI.tempDirectory() }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

  func gan(_ args: [String]) throws -> CLIResult {
    try CLI.run("gan", args, environment: ["KESTREL_ASSETS": CLI.assets])
  }

  func testTrainResumeSampleInterpolate() throws {
    let out = dir + "/f5.safetensors"
    let common = [
      "--dataset", "folder:\(CLI.assets)/datasets/fashion5", "--size", "28", "--channels", "1", "--width", "8",
      "--batch-size", "16", "--max-steps", "3", "--out", out,
    ]
    let first = try gan(["train", "--epochs", "1"] + common)
    XCTAssertEqual(first.status, 0, first.stderr)
    XCTAssertTrue(first.stdout.contains("160 images 1×28×28"), first.stdout)
    XCTAssertTrue(first.stdout.contains("epoch 1/1  loss_D "), first.stdout)
    let resumed = try gan(["train", "--epochs", "2", "--resume"] + common)
    XCTAssertEqual(resumed.status, 0, resumed.stderr)
    XCTAssertTrue(resumed.stdout.contains("(after epoch 1) from \(out).last.safetensors"), resumed.stdout)
    XCTAssertFalse(resumed.stdout.contains("epoch 1/2"), resumed.stdout)
    XCTAssertTrue(resumed.stdout.contains("epoch 2/2  loss_D "), resumed.stdout)
    let metrics = String(decoding: try FileIO.read(out + ".metrics.csv"), as: UTF8.self)
    XCTAssertEqual(metrics.split(separator: "\n").count, 3, metrics)
    XCTAssertTrue(metrics.hasPrefix("epoch,loss_D,loss_G,D_x,D_G_z,seconds"), metrics)
    XCTAssertEqual(try Image(pngFile: out + ".epoch-002.png").width, 8 * 56 + 9 * 2)

    let a = try gan(["sample", "--model", out, "--n", "6", "--seed", "4", "--columns", "3", "--out", dir + "/a.png"])
    XCTAssertEqual(a.status, 0, a.stderr)
    XCTAssertEqual(a.stdout, "wrote \(dir)/a.png: 6 samples from \(out) (seed 4)\n")
    let grid = try Image(pngFile: dir + "/a.png")
    XCTAssertEqual([grid.width, grid.height], [3 * 56 + 4 * 2, 2 * 56 + 3 * 2])
    _ = try gan(["sample", "--model", out, "--n", "6", "--seed", "4", "--columns", "3", "--out", dir + "/b.png"])
    XCTAssertEqual(try FileIO.read(dir + "/a.png"), try FileIO.read(dir + "/b.png"), "same seed → same images")
    _ = try gan(["sample", "--model", out, "--n", "6", "--seed", "5", "--columns", "3", "--out", dir + "/c.png"])
    XCTAssertNotEqual(try FileIO.read(dir + "/a.png"), try FileIO.read(dir + "/c.png"))

    let singles = try gan(["sample", "--model", out, "--n", "3", "--out-dir", dir + "/singles"])
    XCTAssertEqual(singles.status, 0, singles.stderr)
    XCTAssertEqual(try Image(pngFile: dir + "/singles/sample-0002.png").width, 28)

    let strip = try gan([
      "interpolate", "--model", out, "--from-seed", "1", "--to-seed", "2", "--steps", "5", "--spherical",
      "--scale", "1", "--out", dir + "/strip.png",
    ])
    XCTAssertEqual(strip.status, 0, strip.stderr)
    XCTAssertEqual(strip.stdout, "wrote \(dir)/strip.png: 5 steps from seed 1 to seed 2 (spherical)\n")
    XCTAssertEqual(try Image(pngFile: dir + "/strip.png").width, 5 * 28 + 6 * 2)
  }

  func testScoreShippedGeneratorOnFixture() throws {
    let r = try gan(["score", "--model", "mnist", "--n", "200", "--data-dir", CLI.fixture("mnist-tiny")])
    XCTAssertEqual(r.status, 0, r.stderr)
    let lines = r.stdout.split(separator: "\n").map(String.init)
    XCTAssertTrue(
      try XCTUnwrap(lines.first).hasPrefix(
        "mnist scored with the mnist classifier (200 images per side, 256-d features)"))
    func isValue(_ prefix: String) -> Double? {
      lines.first { $0.hasPrefix(prefix) }.flatMap { line in
        line.dropFirst(prefix.count).split(separator: " ").first.flatMap { Double($0) }
      }
    }
    // 10 splits of 20 real digits: the classifier is confident and classes are mixed, so IS is well above 5.
    XCTAssertGreaterThan(try XCTUnwrap(isValue("real (training set)")), 5, r.stdout)
    XCTAssertGreaterThan(try XCTUnwrap(isValue("generated (seed 0)")), 5, r.stdout)
    XCTAssertEqual(lines.filter { $0.hasSuffix("#") || $0.contains(" %  ") }.count, 10, r.stdout)
    XCTAssertTrue(r.stdout.contains("smallest class: "), r.stdout)
  }

  func testBadInput() throws {
    let cases: [([String], String)] = [
      (["sample", "--n", "0"], "--n must be positive"),
      (["sample", "--model", dir + "/missing.safetensors"], "missing.safetensors"),
      (["sample", "--model", "nope"], "unknown model; available: mnist, fashion-mnist"),
      (["sample", "--out", "/nonexistent-dir/x.png"], "folder '/nonexistent-dir' does not exist"),
      (["interpolate", "--steps", "1"], "--steps must be between 2 and 200"),
      (["train", "--dataset", "folder:\(dir)/none", "--out", dir + "/x.safetensors"], "none"),
      (["train", "--dataset", "cifar"], "--dataset must be mnist, fashion-mnist, cifar10 or folder:PATH"),
    ]
    for (args, expected) in cases {
      let r = try gan(args)
      XCTAssertNotEqual(r.status, 0, "\(args)")
      XCTAssertTrue(r.stderr.contains(expected), "\(args): \(r.stderr)")
      XCTAssertEqual(r.stderr.split(separator: "\n").filter { $0.hasPrefix("Error") }.count, 1, r.stderr)
      XCTAssertFalse(r.stderr.contains("Backtrace") || r.stderr.contains("Fatal"), r.stderr)
    }
    // A checkpoint of another kind (a classifier) is refused.
    let r = try gan(["sample", "--model", CLI.assets + "/mnist/mnist.safetensors"])
    XCTAssertNotEqual(r.status, 0)
    XCTAssertTrue(r.stderr.contains("not a gan checkpoint"), r.stderr)
  }
}
