import Foundation
import Hummingbird
import RecommendKit

/// One listed item.
struct ItemJSON: Encodable, Sendable {
  let id: String
  let title: String
  let score: Float
  let reason: String
}

/// `GET /api/recommend`: the user's top-N (or the most popular items for a user without ratings).
struct RecommendResponse: Encodable, Sendable {
  let user: String
  let algo: String
  let rated: Int
  let items: [ItemJSON]
}

/// `POST /api/rate` body: user and item ids as in the imported data (strings or numbers).
struct RateRequest: Decodable, Sendable {
  let user: String
  let item: String
  let rating: Double

  enum CodingKeys: String, CodingKey { case user, item, rating }

  init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    func id(_ key: CodingKeys) throws -> String {
      guard c.contains(key) else { throw APIError.bad("bad JSON: missing field '\(key.stringValue)'") }
      if let s = try? c.decode(String.self, forKey: key) { return s }
      if let n = try? c.decode(Int.self, forKey: key) { return String(n) }
      throw APIError.bad("'\(key.stringValue)' must be an id (a string or an integer)")
    }
    (user, item) = (try id(.user), try id(.item))
    rating = try c.decode(Double.self, forKey: .rating)
  }
}

extension WebServer {
  func addRecommendRoutes(_ router: Router<WebContext>) {
    router.get("/api/recommend") { request, _ -> Response in
      guard let user = request.stringQuery("user"), !user.isEmpty else { throw APIError.bad("give ?user=ID") }
      let n = try request.intQuery("n", default: 10, in: 1...100)
      return jsonResponse(
        try await self.withRecommender { store, model in
          guard let uid = try store.userID(user) else {
            throw APIError.notFound("unknown user '\(user.prefix(60))'; rate an item first (POST /api/rate)")
          }
          if try store.ratings(ofUser: uid).isEmpty { return try popular(store, user: user, n: n) }
          let (items, rated) = try recommendations(store, model: model, user: user, n: n)
          return RecommendResponse(
            user: user, algo: model.algo.rawValue, rated: rated,
            items: items.map {
              ItemJSON(id: $0.externalID, title: $0.title, score: $0.score, reason: reason($0.reason))
            })
        })
    }
    // `GET /api/ratings?user=&n=`: what the user has rated, highest first (for the page's list).
    router.get("/api/ratings") { request, _ -> Response in
      guard let user = request.stringQuery("user"), !user.isEmpty else { throw APIError.bad("give ?user=ID") }
      let n = try request.intQuery("n", default: 20, in: 1...1000)
      return jsonResponse(
        try await self.withRecommender { store, _ in
          guard let uid = try store.userID(user) else { throw APIError.notFound("unknown user '\(user.prefix(60))'") }
          let rated = try store.ratings(ofUser: uid)
          let top = Array(rated.prefix(n))
          let titles = try store.titles(top.map(\.item))
          let items = try top.map {
            ItemJSON(
              id: try store.externalItemID($0.item) ?? "\($0.item)", title: titles[$0.item] ?? "item \($0.item)",
              score: $0.value, reason: "your rating")
          }
          return RecommendResponse(user: user, algo: "ratings", rated: rated.count, items: items)
        })
    }
    router.post("/api/rate") { request, _ -> Response in
      let r = try await request.decodeJSON(RateRequest.self)
      guard !r.user.isEmpty, r.user.count <= 100 else { throw APIError.bad("'user' must be 1…100 characters") }
      guard r.rating.isFinite else { throw APIError.bad("'rating' must be a number") }
      return jsonResponse(
        try await self.withRecommender { store, _ in
          guard try store.itemID(r.item) != nil else { throw APIError.notFound("unknown item '\(r.item.prefix(60))'") }
          let (lo, hi) = try store.ratingScale()
          guard r.rating >= lo, r.rating <= hi else { throw APIError.bad("'rating' must be in \(lo)…\(hi)") }
          let iid = try store.rateChecked(user: r.user, item: r.item, value: r.rating, scale: (lo, hi))
          let title = try store.titles([iid])[iid] ?? "item \(iid)"
          return ItemJSON(id: r.item, title: title, score: Float(r.rating), reason: "rated by \(r.user)")
        })
    }
  }

  /// Runs `body` with the database and its model on the engine queue; 503 when the server has none.
  func withRecommender<T: Sendable>(_ body: @escaping @Sendable (Store, TrainedModel) throws -> T) async throws -> T {
    try await withModels { models in
      guard let (store, model) = models.recommender else {
        throw APIError(.serviceUnavailable, models.recommenderProblem)
      }
      do { return try body(store, model) } catch let e as DatabaseError { throw APIError.bad(e.description) }
    }
  }
}

/// The most popular items, for a user who has no ratings yet.
private func popular(_ store: Store, user: String, n: Int) throws -> RecommendResponse {
  let top = try store.popularItems(limit: n)
  let titles = try store.titles(top.map(\.item))
  let items = try top.map {
    ItemJSON(
      id: try store.externalItemID($0.item) ?? "\($0.item)", title: titles[$0.item] ?? "item \($0.item)",
      score: Float($0.score), reason: "popular: \($0.count) ratings")
  }
  return RecommendResponse(user: user, algo: "popular", rated: 0, items: items)
}

/// The reason line `recommend --user` prints.
private func reason(_ r: Reason?) -> String {
  switch r {
  case .similarTo(_, let title, let rating)?: return "because you rated \(title) \(Int(rating.rounded()))★"
  case .overall(let mean, let count)?: return "rated \(String(format: "%.1f", mean))★ on average by \(count) users"
  case nil: return ""
  }
}
