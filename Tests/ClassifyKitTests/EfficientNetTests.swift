import Datasets
import Engine
import EngineTesting
import Foundation
import XCTest

@testable import ClassifyKit

/// EfficientNet-Lite0 against the numpy reference: logits from its exact inputs, and top-5 from the PNGs.
final class EfficientNetTests: XCTestCase {
  static let images = ["dog", "eagle", "giraffe", "horses", "kite", "person", "scream"]
  nonisolated(unsafe) static var shared: LoadedClassifier?

  func classifier() throws -> LoadedClassifier {
    if let c = Self.shared { return c }
    let c = try loadClassifier("efficientnet-lite0", assets: TestFiles.assets)
    Self.shared = c
    return c
  }

  func floats(_ name: String, _ count: Int) throws -> [Float] {
    let bytes = try FileIO.read(TestFiles.fixture("efficientnet/" + name, in: .module))
    XCTAssertEqual(bytes.count, count * 4)
    return bytes.withUnsafeBytes { raw in (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) }
    }
  }

  func testLogitsMatchTheReferenceWithin1e3Relative() throws {
    let net = try classifier()
    let inputs = try Self.images.map { try floats("\($0).input_3x224x224_f32le.bin", 3 * 224 * 224) }
    let batch = Tensor(inputs.flatMap { $0 }, shape: [Self.images.count, 3, 224, 224])
    net.network.eval()
    let logits = noGrad { net.network(batch) }.toArray()
    for (k, name) in Self.images.enumerated() {
      let ref = try floats("\(name).logits_1000_f32le.bin", 1000)
      let ours = Array(logits[(k * 1000)..<((k + 1) * 1000)])
      let maxRef = ref.map { abs($0) }.max() ?? 1
      let maxDiff = zip(ours, ref).map { abs($0 - $1) }.max() ?? 1
      XCTAssertLessThanOrEqual(maxDiff / maxRef, 1e-3, "\(name): max |Δ| \(maxDiff) vs max |logit| \(maxRef)")
    }
  }

  func testTop5FromThePNGsMatchesTheReference() throws {
    let net = try classifier()
    let text = String(decoding: try FileIO.read(TestFiles.fixture("efficientnet/top5.txt", in: .module)), as: UTF8.self)
    for line in text.split(separator: "\n") {
      let name = String(line.split(separator: ".").first ?? "")
      let expected =
        line.split(separator: ")", maxSplits: 1).last.map {
          $0.split(separator: "|").map { part in
            String(part.trimmingCharacters(in: .whitespaces).split(separator: " ").dropLast().joined(separator: " "))
          }
        } ?? []
      let x = net.input(try loadImage(TestFiles.fixture("efficientnet/\(name).png", in: .module))).unsqueezed(0)
      let probs = net.probabilities(x).toArray()
      let top = probs.enumerated().sorted { $0.element > $1.element }.prefix(5).map { net.labels[$0.offset] }
      XCTAssertEqual(top, expected, name)
    }
  }

  func testTorchKeyMapping() {
    XCTAssertEqual(EfficientNetLite0.torchKey("convStem.weight"), "_conv_stem.weight")
    XCTAssertEqual(EfficientNetLite0.torchKey("blocks.3.bn1.runningMean"), "_blocks.3._bn1.running_mean")
    XCTAssertEqual(EfficientNetLite0.torchKey("fc.bias"), "_fc.bias")
  }
}

/// MNIST-convention preprocessing of digit photos.
final class DigitPreprocessingTests: XCTestCase {
  func testADarkDigitOnALightPhotoIsInvertedCroppedAndCentred() {
    // A 120×90 light-grey "photo" with a dark 30×50 bar (the "ink") off-centre at (70, 20).
    var px = [UInt8](repeating: 220, count: 120 * 90 * 3)
    for y in 20..<70 { for x in 70..<100 { for c in 0..<3 { px[(y * 120 + x) * 3 + c] = 30 } } }
    let t = mnistInput(Image(width: 120, height: 90, channels: 3, pixels: px)).toArray()  // (1, 28, 28)
    var (mx, my, mass, inked) = (0.0, 0.0, 0.0, 0)
    var (x0, y0, x1, y1) = (28, 28, -1, -1)
    for y in 0..<28 {
      for x in 0..<28 where t[y * 28 + x] > 0.5 {
        let v = Double(t[y * 28 + x])
        (mx, my, mass, inked) = (mx + v * Double(x), my + v * Double(y), mass + v, inked + 1)
        (x0, y0, x1, y1) = (min(x0, x), min(y0, y), max(x1, x), max(y1, y))
      }
    }
    XCTAssertGreaterThan(inked, 50)  // the ink is bright after inversion
    XCTAssertEqual(y1 - y0 + 1, 20, accuracy: 1)  // the longer side is scaled to 20 px
    XCTAssertEqual(x1 - x0 + 1, 12, accuracy: 1)  // aspect ratio kept (30:50 → 12:20)
    XCTAssertEqual(mx / mass, 14, accuracy: 1)  // centre of mass at the centre
    XCTAssertEqual(my / mass, 14, accuracy: 1)
    XCTAssertEqual(t[0], 0)  // background is black
  }
}
