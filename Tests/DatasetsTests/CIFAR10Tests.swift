import Datasets
import Engine
import EngineTesting
import Foundation
import XCTest

/// The CIFAR-10 binary reader on a fixture in that layout (written by the test).
final class CIFAR10Tests: XCTestCase {
  var dir = ""
  override func setUpWithError() throws { dir = try TestFiles.tempDirectory() }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

  func testLoadsEveryBatchWithPlanesInCHWOrder() throws {
    try writeCIFARFixture(to: dir, perBatch: 12)
    let set = try CIFAR10.load(directory: dir)
    XCTAssertEqual(set.train.inputs.shape, [60, 3, 32, 32])
    XCTAssertEqual(set.test.inputs.shape, [12, 3, 32, 32])
    XCTAssertEqual(set.labels, CIFAR10.standardLabels)
    XCTAssertEqual([set.channels, set.size], [3, 32])
    XCTAssertEqual(Array(set.train.labels.prefix(12)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1])
    // Record 3 (label 3): pixel p = (75 + p) mod 256; the green plane starts at p = 1024, row 1 at +32.
    let x = set.train.inputs.toArray()
    let record = 3 * 3072
    for (p, where_) in [(0, "red (0, 0)"), (33, "red (1, 1)"), (1024, "green (0, 0)"), (2048 + 31, "blue (0, 31)")] {
      XCTAssertEqual(x[record + p], Float((75 + p) % 256) / 255, accuracy: 1e-7, where_)
    }
  }

  func testMalformedFilesAreOneLineErrors() throws {
    XCTAssertThrowsError(try CIFAR10.decode([0, 1, 2], classes: 10, source: "short.bin")) {
      XCTAssertEqual(
        "\($0)", "short.bin: 3 bytes is not a whole number of 3073-byte CIFAR-10 records (label + 32×32×3)")
    }
    var bad = [UInt8](repeating: 0, count: 2 * CIFAR10.recordSize)
    bad[CIFAR10.recordSize] = 10
    XCTAssertThrowsError(try CIFAR10.decode(bad, classes: 10, source: "b.bin")) {
      XCTAssertEqual("\($0)", "b.bin: record 2 has label 10; the dataset has 10 classes")
    }
    XCTAssertThrowsError(try CIFAR10.decode([], classes: 10, source: "e.bin")) {
      XCTAssertEqual("\($0)", "e.bin: empty file, expected CIFAR-10 records")
    }
    try writeCIFARFixture(to: dir, perBatch: 2)
    try FileManager.default.removeItem(atPath: dir + "/data_batch_4.bin")
    XCTAssertThrowsError(try CIFAR10.load(directory: dir)) {
      XCTAssertTrue("\($0)".contains("data_batch_4.bin"), "\($0)")
    }
  }
}
