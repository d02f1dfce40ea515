import RecommendKit
import XCTest

/// Top-N asks for support: an item rated 5★ by two users must not outrank well-rated popular items by default.
final class SupportTests: XCTestCase {
  /// 200 items (ids 1…199 used; 0 is the database's unused slot): 1…198 rated 3–4★ by 30 users each, item 199
  /// rated 5★ by two users only.
  func syntheticData() -> RatingData {
    var (users, items, ratings): ([Int32], [Int32], [Float]) = ([], [], [])
    for i in 1...198 {
      for u in 0..<30 {
        users.append(Int32((i * 7 + u) % 60 + 1))
        items.append(Int32(i))
        ratings.append(Float(3 + (i + u) % 2))
      }
    }
    for u in [1, 2] {
      users.append(Int32(u))
      items.append(199)
      ratings.append(5)
    }
    return RatingData(userCount: 61, itemCount: 200, users: users, items: items, ratings: ratings)
  }

  func testLowSupportItemsAreLeftOutOfTheDefaultTopN() {
    let data = syntheticData()
    let model = train(data, algo: .baseline, config: TrainConfig.defaults(for: .baseline))
    XCTAssertEqual(model.defaultMinRatings(n: 10), 20)
    let profile = model.foldIn([(item: 1, value: 4)])
    let scores = model.scores(for: profile)
    // Without a support threshold the two-rating item wins on its mean alone…
    let everything = model.rankingCandidates(excluding: profile.ratings, minRatings: 1)
    XCTAssertEqual(topN(everything.map { ($0, scores[$0]) }, 10).first?.0, 199)
    // …with the default it is not eligible, and every listed item has at least 20 ratings.
    let eligible = model.rankingCandidates(excluding: profile.ratings, minRatings: model.defaultMinRatings(n: 10))
    let top = topN(eligible.map { ($0, scores[$0]) }, 10).map(\.0)
    XCTAssertEqual(top.count, 10)
    XCTAssertFalse(top.contains(199))
    XCTAssertFalse(top.contains(1), "the user's own item")
    XCTAssertTrue(top.allSatisfy { model.itemCounts[$0] >= 20 })
  }

  func testSmallCataloguesLowerTheThresholdSoItemsRemain() {
    // 8 items with 3–6 ratings each: the threshold drops so every rated item stays eligible.
    var (users, items, ratings): ([Int32], [Int32], [Float]) = ([], [], [])
    for i in 1...8 {
      for u in 0..<(3 + i % 4) {
        users.append(Int32(u))
        items.append(Int32(i))
        ratings.append(Float(1 + (i + u) % 5))
      }
    }
    let data = RatingData(userCount: 8, itemCount: 9, users: users, items: items, ratings: ratings)
    let model = train(data, algo: .baseline, config: TrainConfig.defaults(for: .baseline))
    XCTAssertEqual(model.defaultMinRatings(n: 10), 3)
    XCTAssertEqual(model.rankingCandidates(excluding: [:], minRatings: model.defaultMinRatings(n: 10)).count, 8)
  }
}
