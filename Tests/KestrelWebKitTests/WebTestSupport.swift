import Datasets
import Engine
import Foundation
import Hummingbird
import HummingbirdTesting
import KestrelWebKit
import RecommendKit
import XCTest

/// One server for all route tests: the shipped models load once (as in `kestrel-web`), with a small ratings
/// database made from synthetic ratings so the recommend routes have something to serve.
enum WebFixture {
  /// The repository root, from this file's place in the tree.
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..")
    .standardized.path
  static let assets = root + "/assets"
  static let photos = root + "/Tests/ClassifyKitTests/Fixtures/efficientnet"

  /// 30 users × 40 items in two taste groups (odd users like odd items), ratings 1…5, an SVD model trained.
  static func makeDatabase(at path: String, algo: Algorithm = .svd) throws {
    let dir = (path as NSString).deletingLastPathComponent
    var ratings = "user,item,rating,timestamp\n"
    var rng = PRNG(seed: 7)
    for u in 1...30 {
      for i in 1...40 where rng.nextUniform() < 0.5 {
        let liked = (u % 2) == (i % 2)
        let r = min(5, max(1, (liked ? 4.4 : 1.6) + 1.2 * (Double(rng.nextUniform()) - 0.5)))
        ratings += "u\(u),\(i),\(Int(r.rounded())),\(1000 + u * 100 + i)\n"
      }
    }
    var items = "item,title,genres\n"
    for i in 1...40 { items += "\(i),Film \(i) (\(1980 + i)),Drama\n" }
    try ratings.write(toFile: dir + "/ratings.csv", atomically: true, encoding: .utf8)
    try items.write(toFile: dir + "/items.csv", atomically: true, encoding: .utf8)
    let store = try Store(path: path)
    let importer = Importer(store: store)
    _ = try importer.importItems(
      file: dir + "/items.csv", separator: ",", header: true, columns: ItemColumns(id: 0, title: 1, genres: 2))
    _ = try importer.importRatings(
      file: dir + "/ratings.csv", separator: ",", header: true, columns: RatingColumns())
    let data = try store.allRatings()
    let config = TrainConfig()
    let model = RecommendKit.train(data, algo: algo, config: config)
    let json = String(decoding: try JSONEncoder().encode(model.config), as: UTF8.self)
    try store.saveModel(algo: algo.rawValue, config: json, ratings: data.count, factors: try model.encoded())
  }

  /// The shared server with the ratings database (made once per test run).
  static let server: Result<WebServer, Error> = Result {
    let dir = NSTemporaryDirectory() + "kestrel-web-tests-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try makeDatabase(at: dir + "/r.sqlite")
    return try WebServer(models: WebModels(assets: assets, database: dir + "/r.sqlite"), assets: assets)
  }

  /// A server without a database (recommend routes answer 503).
  static let plainServer: Result<WebServer, Error> = Result {
    try WebServer(models: WebModels(assets: assets, database: nil), assets: assets)
  }
}

/// A response read whole: status, content type and body bytes.
struct Reply: Sendable {
  let status: HTTPResponse.Status
  let contentType: String
  let body: [UInt8]

  var text: String { String(decoding: body, as: UTF8.self) }

  /// The body as a JSON object.
  func json(file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data(body))
    guard let object = value as? [String: Any] else {
      XCTFail("not a JSON object: \(text.prefix(200))", file: file, line: line)
      return [:]
    }
    return object
  }

  /// The `error` message of an error reply.
  var error: String {
    ((try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any])?["error"] as? String ?? ""
  }
}

extension XCTestCase {
  /// Runs `body` with a client of the router (no socket), on the shared server.
  func withClient(
    database: Bool = true, _ body: @Sendable (any TestClientProtocol) async throws -> Void
  ) async throws {
    let server = try (database ? WebFixture.server : WebFixture.plainServer).get()
    let app = Application(router: server.router())
    try await app.test(.router) { client in try await body(client) }
  }
}

extension TestClientProtocol {
  /// Sends one request and reads the whole reply.
  func send(
    _ method: HTTPRequest.Method, _ uri: String, body: [UInt8]? = nil, contentType: String? = nil
  ) async throws -> Reply {
    var headers = HTTPFields()
    if let contentType { headers[.contentType] = contentType }
    return try await execute(
      uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) }
    ) { response in
      Reply(
        status: response.status, contentType: response.headers[.contentType] ?? "",
        body: Array(response.body.readableBytesView))
    }
  }

  /// POSTs a JSON value.
  func post(_ uri: String, json: [String: Any]) async throws -> Reply {
    let data = try JSONSerialization.data(withJSONObject: json)
    return try await send(.post, uri, body: Array(data), contentType: "application/json")
  }
}
