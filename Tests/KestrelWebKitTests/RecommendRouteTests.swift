import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

@testable import KestrelWebKit

/// The recommend routes over a fixture database: top-N, a rating that folds in at once, every bad input.
final class RecommendRouteTests: XCTestCase {
  func testRatingARecommendedItemChangesTheList() async throws {
    try await withClient { client in
      let first = try await client.send(.get, "/api/recommend?user=u3&n=5")
      XCTAssertEqual(first.status, .ok, first.text)
      let json = try first.json()
      let items = json["items"] as? [[String: Any]] ?? []
      XCTAssertEqual(items.count, 5)
      let ratedBefore = json["rated"] as? Int ?? 0
      let ratings = try await client.send(.get, "/api/ratings?user=u3&n=100")
      let ratedIDs = Set((try ratings.json()["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
      XCTAssertEqual(ratedIDs.count, ratedBefore)
      for item in items {
        let id = item["id"] as? String ?? ""
        XCTAssertFalse(ratedIDs.contains(id), "recommends only unrated items (\(id))")
        XCTAssertTrue((item["title"] as? String ?? "").hasPrefix("Film "))
        XCTAssertFalse((item["reason"] as? String ?? "").isEmpty)
      }
      // Rating the top item folds it in at once: it leaves the list and joins the user's ratings.
      let top = items.first?["id"] as? String ?? ""
      let rate = try await client.post("/api/rate", json: ["user": "u3", "item": top, "rating": 1])
      XCTAssertEqual(rate.status, .ok, rate.text)
      let after = try await client.send(.get, "/api/recommend?user=u3&n=5")
      let afterJSON = try after.json()
      XCTAssertEqual(afterJSON["rated"] as? Int, ratedBefore + 1)
      XCTAssertFalse((afterJSON["items"] as? [[String: Any]] ?? []).contains { $0["id"] as? String == top })
      let newRatings = try await client.send(.get, "/api/ratings?user=u3&n=100")
      XCTAssertTrue((try newRatings.json()["items"] as? [[String: Any]] ?? []).contains { $0["id"] as? String == top })
      // A new user's first rating makes them known; the item id may be a number.
      let fresh = try await client.post("/api/rate", json: ["user": "web-new-user", "item": 2, "rating": 5])
      XCTAssertEqual(fresh.status, .ok, fresh.text)
      let freshList = try await client.send(.get, "/api/recommend?user=web-new-user&n=3")
      XCTAssertEqual(freshList.status, .ok, freshList.text)
      XCTAssertEqual(try freshList.json()["rated"] as? Int, 1)
    }
  }

  func testBadRecommendInputsAreJSONErrors() async throws {
    try await withClient { client in
      let gets: [(String, HTTPResponse.Status, String)] = [
        ("/api/recommend?user=nobody", .notFound, "unknown user 'nobody'"),
        ("/api/recommend", .badRequest, "give ?user=ID"),
        ("/api/recommend?user=u1&n=0", .badRequest, "'n' must be in 1…100 (got 0)"),
        ("/api/recommend?user=u1&n=101", .badRequest, "'n' must be in 1…100"),
        ("/api/ratings?user=nobody", .notFound, "unknown user 'nobody'"),
      ]
      for (uri, status, message) in gets {
        let r = try await client.send(.get, uri)
        XCTAssertEqual(r.status, status, "\(uri): \(r.text.prefix(200))")
        XCTAssertTrue(r.error.contains(message), "\(uri): '\(r.error)' should contain '\(message)'")
      }
      let posts: [([String: Any], HTTPResponse.Status, String)] = [
        (["user": "u1", "item": "999", "rating": 4], .notFound, "unknown item '999'"),
        (["user": "u1", "item": "1", "rating": 9], .badRequest, "'rating' must be in 1.0…5.0"),
        (["user": "u1", "item": "1", "rating": "five"], .badRequest, "field 'rating' has the wrong type"),
        (["user": "", "item": "1", "rating": 3], .badRequest, "'user' must be 1…100 characters"),
        (["user": "u1", "rating": 3], .badRequest, "missing field 'item'"),
      ]
      for (body, status, message) in posts {
        let r = try await client.post("/api/rate", json: body)
        XCTAssertEqual(r.status, status, "\(body): \(r.text.prefix(200))")
        XCTAssertTrue(r.error.contains(message), "\(body): '\(r.error)' should contain '\(message)'")
      }
    }
  }

  func testWithoutADatabaseRecommendAnswers503() async throws {
    try await withClient(database: false) { client in
      let r = try await client.send(.get, "/api/recommend?user=1")
      XCTAssertEqual(r.status, .serviceUnavailable)
      XCTAssertTrue(r.error.contains("--db PATH"), r.error)
      let health = try await client.send(.get, "/api/health")
      XCTAssertEqual(try health.json()["recommend"] as? Bool, false)
    }
  }
}
