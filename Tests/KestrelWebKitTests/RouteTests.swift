import ClassifyKit
import Datasets
import Engine
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

@testable import KestrelWebKit

/// Every route over the shipped models: what a page needs from it, and one JSON error per malformed input.
final class RouteTests: XCTestCase {
  func testIndexPagesHealthAndStatic() async throws {
    try await withClient { client in
      let index = try await client.send(.get, "/")
      XCTAssertEqual(index.status, .ok)
      XCTAssertTrue(index.contentType.hasPrefix("text/html"))
      for page in WebServer.pageRoutes {
        XCTAssertTrue(index.text.contains("href=\"/\(page)\""), "index links /\(page)")
        let reply = try await client.send(.get, "/" + page)
        XCTAssertEqual(reply.status, .ok, page)
        XCTAssertTrue(reply.text.contains("<title>Kestrel · \(page)</title>"), page)
        XCTAssertFalse(reply.text.contains("http://") || reply.text.contains("https://"), "\(page): no external URLs")
      }
      let health = try await client.send(.get, "/api/health")
      XCTAssertEqual(health.status, .ok)
      let json = try health.json()
      XCTAssertEqual(json["status"] as? String, "ok")
      XCTAssertEqual(json["recommend"] as? Bool, true)
      let models = json["models"] as? [String: [String]] ?? [:]
      XCTAssertEqual(models["classify"], ["efficientnet-lite0", "fashion-mnist", "mnist"])
      XCTAssertEqual(models["tracks"], ["clover", "kidney", "oval"])
      let css = try await client.send(.get, "/static/app.css")
      XCTAssertEqual(css.status, .ok)
      XCTAssertTrue(css.text.contains("--accent"))
    }
  }

  func testStaticFilesCannotEscapeTheirFolderAndUnknownRoutesAreJSON() async throws {
    try await withClient { client in
      for uri in [
        "/static/../index.html", "/static/../../Package.swift", "/static/%2e%2e/index.html",
        "/static/..%2f..%2fPackage.swift", "/static/nope.css",
      ] {
        let reply = try await client.send(.get, uri)
        XCTAssertTrue([.badRequest, .notFound].contains(reply.status), "\(uri): \(reply.status)")
        XCTAssertFalse(reply.text.contains("swift-tools-version"), uri)
        XCTAssertFalse(reply.error.isEmpty, "\(uri): JSON error, got \(reply.text.prefix(100))")
      }
      let unknown = try await client.send(.get, "/api/nothing")
      XCTAssertEqual(unknown.status, .notFound)
      XCTAssertEqual(unknown.error, "no such route: GET /api/nothing")
    }
  }

  func testClassifyMatchesTheKitAndRejectsBadUploads() async throws {
    let photo = try Engine.FileIO.read(WebFixture.photos + "/dog.png")
    let direct = try loadClassifier("efficientnet-lite0", assets: WebFixture.assets)
    let image = try decodeImage(photo, source: "dog.png")
    let probs = direct.probabilities(direct.input(image).unsqueezed(0)).toArray()
    let best = probs.indices.max { probs[$0] < probs[$1] } ?? 0
    let bestLabel = direct.labels[best]
    let bestProbability = probs[best]
    try await withClient { client in
      let reply = try await client.send(.post, "/api/classify?top=5", body: photo, contentType: "image/png")
      XCTAssertEqual(reply.status, .ok, reply.text)
      let predictions = try reply.json()["predictions"] as? [[String: Any]] ?? []
      XCTAssertEqual(predictions.count, 5)
      XCTAssertEqual(predictions.first?["label"] as? String, bestLabel)
      let p = predictions.compactMap { ($0["probability"] as? NSNumber)?.floatValue }
      XCTAssertEqual(p.first ?? 0, bestProbability, accuracy: 1e-5)
      XCTAssertEqual(p, p.sorted(by: >))
      // The same photo as the first file of a multipart form.
      let boundary = "kestrel-boundary-42"
      var form = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"dog.png\"\r\n".utf8)
      form += Array("Content-Type: image/png\r\n\r\n".utf8) + photo + Array("\r\n--\(boundary)--\r\n".utf8)
      let multipart = try await client.send(
        .post, "/api/classify?top=1&model=efficientnet-lite0", body: form,
        contentType: "multipart/form-data; boundary=\(boundary)")
      XCTAssertEqual(multipart.status, .ok, multipart.text)
      XCTAssertEqual((try multipart.json()["predictions"] as? [[String: Any]])?.first?["label"] as? String, bestLabel)
      // Malformed input: one JSON error each, naming the problem.
      let cases: [(String, [UInt8], String?, HTTPResponse.Status, String)] = [
        (
          "/api/classify", Array("hello, not an image".utf8), "image/png", .unsupportedMediaType,
          "the request body: not a PNG or JPEG image"
        ),
        (
          "/api/classify", Array(photo.prefix(5000)), "image/png", .unsupportedMediaType,
          "the request body: corrupt or truncated PNG"
        ),
        ("/api/classify", [], nil, .badRequest, "empty body"),
        ("/api/classify?top=0", photo, nil, .badRequest, "'top' must be in 1…1000 (got 0)"),
        ("/api/classify?top=five", photo, nil, .badRequest, "'top' must be an integer"),
        ("/api/classify?model=resnet", photo, nil, .notFound, "unknown model 'resnet'; known: efficientnet-lite0"),
        ("/api/classify", Array("--x\r\n\r\n".utf8), "multipart/form-data; boundary=x", .badRequest, "multipart"),
        (
          "/api/classify", Array(repeating: 0, count: WebLimits.maxUpload + 1), "image/png", .contentTooLarge,
          "over the limit of 20971520 bytes"
        ),
      ]
      for (uri, body, type, status, message) in cases {
        let r = try await client.send(.post, uri, body: body, contentType: type)
        XCTAssertEqual(r.status, status, "\(uri): \(r.text.prefix(200))")
        XCTAssertTrue(r.error.contains(message), "\(uri): '\(r.error)' should contain '\(message)'")
      }
    }
  }

  func testTextgenStreamsTheSameTextAsTheWholeReply() async throws {
    try await withClient { client in
      let job: [String: Any] = ["prime": "ROMEO:", "length": 40, "seed": 3, "model": "shakespeare", "temperature": 0.8]
      let whole = try await client.post("/api/textgen?stream=false", json: job)
      XCTAssertEqual(whole.status, .ok, whole.text)
      let text = try whole.json()["text"] as? String ?? ""
      XCTAssertTrue(text.hasPrefix("ROMEO:"))
      XCTAssertEqual(text.count, "ROMEO:".count + 40)
      let again = try await client.post("/api/textgen?stream=false", json: job)
      XCTAssertEqual(try again.json()["text"] as? String, text, "same seed, same text")
      let streamed = try await client.post("/api/textgen", json: job)
      XCTAssertEqual(streamed.status, .ok)
      XCTAssertTrue(streamed.contentType.hasPrefix("text/event-stream"))
      let events = streamed.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
      XCTAssertEqual(events.first?.hasPrefix("event: start\ndata: "), true)
      XCTAssertEqual(events.filter { $0.hasPrefix("event: token\n") }.count, 40)
      let tokens = events.filter { $0.hasPrefix("event: token\n") }.compactMap { event -> String? in
        let data = Data(event.dropFirst("event: token\ndata: ".count).utf8)
        return (try? JSONSerialization.jsonObject(with: data) as? [String: String])?["token"]
      }
      XCTAssertEqual("ROMEO:" + tokens.joined(), text, "the stream's tokens are the whole reply's text")
      XCTAssertEqual(events.last?.hasPrefix("event: done\ndata: "), true)
      let cases: [([String: Any], HTTPResponse.Status, String)] = [
        (["prime": "hi", "length": 5000], .badRequest, "'length' must be in 0…2000 (got 5000)"),
        (["prime": "hi", "temperature": 0], .badRequest, "'temperature' must be in 0.01…5.0"),
        (["prime": "hi", "top_p": 2], .badRequest, "'top_p' must be in 0.01…1.0"),
        (["prime": ""], .badRequest, "'prime' is empty"),
        (["length": 10], .badRequest, "missing field 'prime'"),
        (["prime": 12], .badRequest, "field 'prime' has the wrong type"),
        (["prime": "hi", "model": "gpt-9"], .notFound, "unknown model 'gpt-9'; known: chinese, shakespeare"),
        (["prime": "😀😀", "model": "shakespeare"], .badRequest, "none of its characters are in the shakespeare"),
      ]
      for (body, status, message) in cases {
        let r = try await client.post("/api/textgen?stream=false", json: body)
        XCTAssertEqual(r.status, status, "\(body): \(r.text.prefix(200))")
        XCTAssertTrue(r.error.contains(message), "\(body): '\(r.error)' should contain '\(message)'")
      }
      for raw in ["{", "[1,2]", "null", String(repeating: "x", count: WebLimits.maxJSON + 1)] {
        let r = try await client.send(.post, "/api/textgen", body: Array(raw.utf8), contentType: "application/json")
        XCTAssertTrue([.badRequest, .contentTooLarge].contains(r.status), "\(raw.prefix(20)): \(r.status)")
        XCTAssertFalse(r.error.isEmpty)
      }
    }
  }

  func testTranslateGivesAttentionOfTheRightShape() async throws {
    try await withClient { client in
      let reply = try await client.post("/api/translate", json: ["text": "Jesus wept.", "beam": 2])
      XCTAssertEqual(reply.status, .ok, reply.text)
      let json = try reply.json()
      let translation = json["translation"] as? String ?? ""
      XCTAssertFalse(translation.isEmpty)
      XCTAssertTrue(translation.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) }, translation)
      let attention = json["attention"] as? [[Double]] ?? []
      let source = json["source_tokens"] as? [String] ?? []
      let target = json["target_tokens"] as? [String] ?? []
      XCTAssertEqual(attention.count, target.count)
      XCTAssertEqual(target.last, "■")
      for row in attention {
        XCTAssertEqual(row.count, source.count)
        XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-3, "each row is a distribution over the source")
      }
      let cases: [([String: Any], HTTPResponse.Status, String)] = [
        (["text": "  "], .badRequest, "'text' is empty"),
        (["text": "hi", "beam": 0], .badRequest, "'beam' must be in 1…16 (got 0)"),
        (["text": String(repeating: "a ", count: 600)], .badRequest, "at most 1000"),
        (["text": "hi", "model": "en-fr"], .notFound, "unknown model 'en-fr'"),
        (["beam": 2], .badRequest, "missing field 'text'"),
      ]
      for (body, status, message) in cases {
        let r = try await client.post("/api/translate", json: body)
        XCTAssertEqual(r.status, status, "\(body): \(r.text.prefix(200))")
        XCTAssertTrue(r.error.contains(message), "\(body): '\(r.error)' should contain '\(message)'")
      }
    }
  }

  func testGANGridsArePNGsOfTheAskedSize() async throws {
    try await withClient { client in
      let grid = try await client.send(.get, "/api/gan/sample?n=4&seed=5&scale=1")
      XCTAssertEqual(grid.status, .ok, grid.text)
      XCTAssertEqual(grid.contentType, "image/png")
      let image = try decodeImage(grid.body, source: "grid")
      XCTAssertEqual([image.width, image.height], [2 * 28 + 3 * 2, 2 * 28 + 3 * 2], "2×2 grid of 28-pixel images")
      let same = try await client.send(.get, "/api/gan/sample?n=4&seed=5&scale=1")
      XCTAssertEqual(same.body, grid.body, "a seed gives the same grid")
      let other = try await client.send(.get, "/api/gan/sample?n=4&seed=6&scale=1")
      XCTAssertNotEqual(other.body, grid.body)
      let strip = try await client.send(.get, "/api/gan/interpolate?from=1&to=2&steps=5&scale=1&model=fashion-mnist")
      XCTAssertEqual(strip.status, .ok, strip.text)
      let s = try decodeImage(strip.body, source: "strip")
      XCTAssertEqual([s.width, s.height], [5 * 28 + 6 * 2, 28 + 2 * 2])
      let cases: [(String, HTTPResponse.Status, String)] = [
        ("/api/gan/sample?n=0", .badRequest, "'n' must be in 1…256 (got 0)"),
        ("/api/gan/sample?n=100000", .badRequest, "'n' must be in 1…256"),
        ("/api/gan/sample?seed=-1", .badRequest, "'seed' must be an integer seed"),
        ("/api/gan/sample?seed=99999999999999999999", .badRequest, "'seed' must be an integer seed"),
        ("/api/gan/sample?model=cifar", .notFound, "unknown model 'cifar'; known: fashion-mnist, mnist"),
        ("/api/gan/interpolate?steps=1", .badRequest, "'steps' must be in 2…64 (got 1)"),
        ("/api/gan/interpolate?steps=65", .badRequest, "'steps' must be in 2…64"),
        ("/api/gan/interpolate?scale=9", .badRequest, "'scale' must be in 1…8"),
      ]
      for (uri, status, message) in cases {
        let r = try await client.send(.get, uri)
        XCTAssertEqual(r.status, status, "\(uri): \(r.text.prefix(200))")
        XCTAssertTrue(r.error.contains(message), "\(uri): '\(r.error)' should contain '\(message)'")
      }
    }
  }

  func testEpisodeStreamsTrackStepsAndResult() async throws {
    try await withClient { client in
      let reply = try await client.send(.get, "/api/rl/episode?track=oval&agent=dqn&seed=0")
      XCTAssertEqual(reply.status, .ok, reply.text)
      XCTAssertEqual(reply.contentType, "application/x-ndjson")
      let lines = reply.text.split(separator: "\n").compactMap {
        try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
      }
      XCTAssertEqual(lines.first?["type"] as? String, "track")
      XCTAssertEqual(lines.first?["name"] as? String, "oval")
      XCTAssertEqual((lines.first?["centre"] as? [[Double]])?.isEmpty, false)
      let steps = lines.filter { $0["type"] as? String == "step" }
      let done = lines.last ?? [:]
      XCTAssertEqual(done["type"] as? String, "done")
      XCTAssertEqual(done["steps"] as? Int, steps.count)
      XCTAssertEqual(steps.map { $0["step"] as? Int ?? 0 }, Array(1...steps.count))
      XCTAssertEqual((steps.first?["rays"] as? [Double])?.count, lines.first?["rays"] as? Int)
      let total = steps.reduce(0.0) { $0 + ($1["reward"] as? Double ?? 0) }
      XCTAssertEqual(done["return"] as? Double ?? .nan, (total * 10).rounded() / 10, accuracy: 0.051)
      XCTAssertGreaterThanOrEqual(done["laps"] as? Int ?? 0, 1, "the shipped agent drives the oval")
      for (uri, status, message) in [
        (
          "/api/rl/episode?track=moon", HTTPResponse.Status.notFound,
          "unknown track 'moon'; known: clover, kidney, oval"
        ),
        ("/api/rl/episode?agent=sac", .notFound, "unknown agent 'sac'; known: dqn, ppo"),
        ("/api/rl/episode?seed=x", .badRequest, "'seed' must be an integer seed"),
        ("/api/rl/gridworld?sweeps=0", .badRequest, "'sweeps' must be in 1…100 (got 0)"),
      ] {
        let r = try await client.send(.get, uri)
        XCTAssertEqual(r.status, status, "\(uri): \(r.text.prefix(200))")
        XCTAssertTrue(r.error.contains(message), "\(uri): '\(r.error)' should contain '\(message)'")
      }
    }
  }

  func testGridworldSweepsApproachTheFixedPoint() async throws {
    try await withClient { client in
      let reply = try await client.send(.get, "/api/rl/gridworld?sweeps=30")
      let json = try reply.json()
      let sweeps = json["sweeps"] as? [[Double]] ?? []
      let cells = Array(json["cells"] as? String ?? "")
      XCTAssertEqual(sweeps.count, 30)
      XCTAssertEqual(cells.count, (json["width"] as? Int ?? 0) * (json["height"] as? Int ?? 0))
      XCTAssertEqual(sweeps.first?.count, cells.count)
      // The largest change between sweeps shrinks (a γ-contraction) and vanishes by convergence.
      func change(_ k: Int) -> Double { zip(sweeps[k], sweeps[k - 1]).map { abs($0 - $1) }.max() ?? 0 }
      XCTAssertGreaterThan(change(1), change(25))
      XCTAssertLessThanOrEqual(json["converged"] as? Int ?? 0, 100)
      XCTAssertEqual((json["policies"] as? [[Int]])?.last?.allSatisfy { (0..<4).contains($0) }, true)
    }
  }
}
