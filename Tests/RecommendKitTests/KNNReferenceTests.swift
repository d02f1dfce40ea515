import Datasets
import Engine
import EngineTesting
import Foundation
import XCTest

@testable import RecommendKit

/// kNN against scikit-surprise's KNNBaseline (item-based, Pearson-baseline, shrinkage 100, k 40) on a fixture:
/// the same predictions for every test pair (Tests/Fixtures/make_knn_reference.py made them).
final class KNNReferenceTests: XCTestCase {
  func testPredictionsMatchSurprisesKNNBaseline() throws {
    let dir = try TestFiles.tempDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(path: dir + "/r.sqlite")
    _ = try Importer(store: store).importRatings(
      file: TestFiles.fixture("knn-train.tsv", in: .module), separator: "\t", header: false,
      columns: RatingColumns(user: 0, item: 1, rating: 2, timestamp: nil))
    let data = try store.allRatings()
    var config = TrainConfig.defaults(for: .knn)
    config.validation = nil  // Surprise's algorithm as it is, no support chosen on held-out ratings
    let model = train(data, algo: .knn, config: config)
    let csr = data.byUser()
    var compared = 0
    var worst: Float = 0
    for line in try String(contentsOfFile: TestFiles.fixture("knn-reference.tsv", in: .module), encoding: .utf8)
      .split(separator: "\n")
    {
      let f = line.split(separator: "\t").map(String.init)
      let expected = try XCTUnwrap(Float(f[3]))
      guard let u = try store.userID(f[0]), let i = try store.itemID(f[1]) else { continue }
      var ratings: [Int: Float] = [:]
      for t in csr.start[u]..<csr.start[u + 1] { ratings[Int(csr.items[t])] = csr.ratings[t] }
      let got = min(max(model.predict(user: u, item: i, ratings: ratings), 1), 5)
      worst = max(worst, abs(got - expected))
      compared += 1
    }
    XCTAssertGreaterThan(compared, 250)
    XCTAssertLessThan(worst, 2e-4, "largest difference from Surprise over \(compared) pairs")
  }
}
