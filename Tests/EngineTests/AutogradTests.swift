import Foundation
import XCTest

@testable import Engine

/// Graph bookkeeping: recording only when needed, freeing after backward, detach, progress and metrics output.
final class AutogradTests: XCTestCase {
  func testNoGradRecordsNothingAndDetachCutsTheGraph() {
    let w = Tensor([1, 2], shape: [2], requiresGrad: true)
    let y = noGrad { w * 3 }
    XCTAssertFalse(y.requiresGrad)
    XCTAssertNil(y.gradFnName)
    let z = (w * 3).detached() * w
    z.sum().backward()
    XCTAssertEqual(w.grad?.toArray(), [3, 6])  // only the second factor carries gradient
  }

  func testBackwardFreesTheGraph() {
    let w = Tensor([1, 2], shape: [2], requiresGrad: true)
    let h = (w * w).exp()
    let loss = h.sum()
    XCTAssertEqual(h.gradFnName, "exp")
    loss.backward()
    XCTAssertNil(h.gradFnName)
    XCTAssertNil(loss.gradFnName)
  }

  func testIntermediatesAreReleasedAfterBackward() {
    weak var intermediate: Tensor?
    let w = Tensor([1, 2, 3], shape: [3], requiresGrad: true)
    var loss: Tensor? = nil
    do {
      let h = w.tanh()
      intermediate = h
      loss = (h * 2).sum()
    }
    XCTAssertNotNil(intermediate)  // held by the graph
    loss?.backward()
    XCTAssertNil(intermediate)  // freed with the graph
  }

  func testClipGradNormScalesToMaxNorm() {
    let p = Tensor([0, 0], shape: [2], requiresGrad: true)
    p.grad = Tensor([3, 4], shape: [2])
    let norm = clipGradNorm([p], maxNorm: 1)
    XCTAssertEqual(norm, 5, accuracy: 1e-5)
    let g = p.grad?.toArray() ?? []
    XCTAssertEqual(g[0], 0.6, accuracy: 1e-4)
    XCTAssertEqual(g[1], 0.8, accuracy: 1e-4)
  }

  func testSchedules() {
    XCTAssertEqual(StepLR(base: 1, stepSize: 10, gamma: 0.5).learningRate(at: 25), 0.25)
    XCTAssertEqual(CosineLR(base: 1, totalSteps: 100).learningRate(at: 50), 0.5, accuracy: 1e-6)
    XCTAssertEqual(CosineLR(base: 1, totalSteps: 100, minimum: 0.1).learningRate(at: 100), 0.1)
    let decay = LinearDecayLR(base: 2, holdSteps: 10, totalSteps: 30)
    XCTAssertEqual([0, 10, 20, 29, 30, 40].map { decay.learningRate(at: $0) }, [2, 2, 1, 0.1, 0, 0])
    let warm = WarmupLR(warmupSteps: 4, then: ConstantLR(2))
    XCTAssertEqual((0..<6).map { warm.learningRate(at: $0) }, [0.5, 1, 1.5, 2, 2, 2])
  }

  func testProgressLineShowsCountRateAndETA() {
    let bar = ProgressBar(total: 10, label: "epoch 1/3", unit: "img")
    bar.advance(4, units: 256)
    let line = bar.line(now: monotonicSeconds() + 2, status: "loss 0.5")
    XCTAssertTrue(line.hasPrefix("epoch 1/3 [#########...............] 4/10  "), line)
    XCTAssertTrue(line.contains(" img/s  ETA "), line)
    XCTAssertTrue(line.hasSuffix("loss 0.5"), line)
    XCTAssertEqual(formatDuration(75), "1m15s")
    XCTAssertEqual(formatDuration(3725), "1h02m")
  }

  func testMetricsLoggerWritesCSVAndJSONL() throws {
    let dir = NSTemporaryDirectory()
    let csv = dir + "kestrel-metrics-\(getpid()).csv"
    let jsonl = dir + "kestrel-metrics-\(getpid()).jsonl"
    defer {
      unlink(csv)
      unlink(jsonl)
    }
    do {
      let a = try MetricsLogger(path: csv)
      a.log(["epoch": 1, "loss": 0.5])
      a.log(["epoch": 2, "loss": 0.25])
      let b = try MetricsLogger(path: jsonl)
      b.log(["step": 3, "acc": 0.75])
    }
    XCTAssertEqual(String(decoding: try FileIO.read(csv), as: UTF8.self), "epoch,loss\n1.0,0.5\n2.0,0.25\n")
    XCTAssertEqual(String(decoding: try FileIO.read(jsonl), as: UTF8.self), "{\"step\": 3.0, \"acc\": 0.75}\n")
    XCTAssertThrowsError(try MetricsLogger(path: "/nonexistent-dir/m.csv"))
  }

  func testSafeTensorsReadsHalfAndBFloat16() throws {
    // Header for one F16 tensor [2] = [1.0, -2.0] and one BF16 tensor [1] = [0.5].
    let header =
      #"{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]}}"#
    var json = Array(header.utf8)
    while json.count % 8 != 0 { json.append(0x20) }
    var bytes: [UInt8] = []
    var n = UInt64(json.count)
    for _ in 0..<8 {
      bytes.append(UInt8(n & 0xFF))
      n >>= 8
    }
    bytes += json
    bytes += [0x00, 0x3C, 0x00, 0xC0]  // F16 1.0, -2.0
    bytes += [0x00, 0x3F]  // BF16 0.5
    let (t, _) = try SafeTensors.decode(bytes, source: "mem")
    XCTAssertEqual(t["a"]?.toArray(), [1, -2])
    XCTAssertEqual(t["b"]?.toArray(), [0.5])
  }
}
