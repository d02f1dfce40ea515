import Datasets
import Engine
import EngineTesting
import Foundation
import XCTest

@testable import RecommendKit

/// The streaming ratings import: ids as written ("42" and "042" are different users), quoted lines, CRLF, a last
/// line without newline, repeated pairs (the later line wins), files larger than one read buffer.
final class ImportStreamTests: XCTestCase {
  func testIdsQuotesLineEndsAndRepeatedPairs() throws {
    let dir = try TestFiles.tempDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/r.csv"
    let text = "user,item,rating\r\n42,7,4\r\n042,7,2\n\"a, b\",7,5\n42,7,1\n42, 8 ,3.5\n7,x,abc\n9,7,2"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    let store = try Store(path: dir + "/r.sqlite")
    let report = try Importer(store: store).importRatings(
      file: path, separator: ",", header: true, columns: RatingColumns(timestamp: nil))
    XCTAssertEqual(report.ratings, 6)  // 6 good lines (one pair twice), one malformed
    XCTAssertEqual(report.users, 4)  // 42, 042, "a, b", 9
    XCTAssertEqual(report.skippedCount, 1)
    XCTAssertEqual(report.skipped.first?.line, 7)
    let u42 = try XCTUnwrap(store.userID("42"))
    let u042 = try XCTUnwrap(store.userID("042"))
    XCTAssertNotEqual(u42, u042)
    XCTAssertNotNil(try store.userID("a, b"))
    let item7 = try XCTUnwrap(store.itemID("7"))
    let item8 = try XCTUnwrap(store.itemID("8"))
    let ratings = Dictionary(try store.ratings(ofUser: u42).map { ($0.item, $0.value) }) { a, _ in a }
    XCTAssertEqual(ratings, [item7: 1, item8: 3.5])  // the later line of (42, 7) won
    XCTAssertEqual(try store.ratings(ofUser: u042).map(\.value), [2])
    XCTAssertEqual(try store.counts().ratings, 5)
  }

  func testAFileLargerThanTheReadBufferKeepsEveryLine() throws {
    let dir = try TestFiles.tempDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/big.tsv"
    var text = ""
    let n = 300_000  // ~4.6 MB: more than one 4 MB read, so lines straddle the buffer boundary
    text.reserveCapacity(n * 16)
    for t in 0..<n { text += "user\(t % 997)\titem\(t % 1009)\t\(1 + t % 5)\n" }
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    var count = 0
    var last = ""
    try forEachLine(path) { line, number in
      count += 1
      XCTAssertEqual(number, count)
      last = String(decoding: line, as: UTF8.self)
    }
    XCTAssertEqual(count, n)
    XCTAssertEqual(last, "user\((n - 1) % 997)\titem\((n - 1) % 1009)\t\(1 + (n - 1) % 5)")
    let store = try Store(path: dir + "/r.sqlite")
    let report = try Importer(store: store).importRatings(
      file: path, separator: "\t", header: false, columns: RatingColumns(timestamp: nil))
    // 997 × 1009 are coprime: every line is a distinct (user, item) pair.
    XCTAssertEqual(report.ratings, n)
    XCTAssertEqual(try store.counts().ratings, n)
    XCTAssertEqual(try store.allRatings().count, n)
  }

  func testPrimaryKeyOrderIsStableByUserThenItem() {
    let users: [Int32] = [2, 1, 2, 1, 2]
    let items: [Int32] = [5, 3, 1, 3, 5]
    XCTAssertEqual(primaryKeyOrder(users: users, items: items, userCount: 3), [1, 3, 2, 0, 4])
  }
}

/// A server reads only the prefix of a stored model it needs (no trained users' factors) and ranks the same.
final class ServingModelTests: XCTestCase {
  func testThePrefixWithoutUserFactorsScoresAsTheWholeModel() throws {
    let dir = try TestFiles.tempDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(path: dir + "/r.sqlite")
    _ = try Importer(store: store).importRatings(
      file: TestFiles.fixture("knn-train.tsv", in: .module), separator: "\t", header: false,
      columns: RatingColumns(timestamp: nil))
    let data = try store.allRatings()
    for algo in [Algorithm.svdpp, .als, .bpr] {
      var config = TrainConfig.defaults(for: algo)
      config.factors = 6
      config.validation = nil
      let model = train(data, algo: algo, config: config)
      let whole = try model.encoded()
      try store.saveModel(algo: algo.rawValue, config: "{}", ratings: data.count, factors: whole)
      let prefix = try XCTUnwrap(try store.loadModelPrefix(algo: algo.rawValue, skipping: TrainedModel.userSideTensors))
      XCTAssertLessThan(prefix.count, whole.count, "\(algo): the user-side tensors are left unread")
      let served = try TrainedModel(encoded: prefix, source: "prefix", servingOnly: true)
      XCTAssertTrue(served.userFactors.isEmpty)
      let ratings: [(item: Int, value: Float)] = [(1, 5), (3, 2), (7, 4)]
      XCTAssertEqual(served.scores(for: served.foldIn(ratings)), model.scores(for: model.foldIn(ratings)))
      // The truncated prefix is not a whole file: read without skipping it is an error, not garbage.
      XCTAssertThrowsError(try TrainedModel(encoded: prefix, source: "prefix"))
    }
  }
}
