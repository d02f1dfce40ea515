import Engine
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

@testable import KestrelWebKit

/// Mutation fuzzing of every route in process: valid requests with their bodies mutated (bytes flipped, cut,
/// spliced, repeated) and their query values replaced by hostile strings. Nothing may answer 5xx, every error must
/// be a JSON `{"error"}`, and the server must still answer afterwards.
final class HostileRequestTests: XCTestCase {
  static let hostile = [
    "", "-1", "0", "1e309", "NaN", "inf", "-0", "9223372036854775808", "99999999999999999999999", "0x10", "1.5", " 3",
    "%00", "\u{0}", "../../etc/passwd", "😀", String(repeating: "9", count: 500), "true", "[1]", "{\"a\":1}",
  ]

  func testMutatedRequestsNeverAnswer5xx() async throws {
    let photo = Array(try Engine.FileIO.read(WebFixture.assets + "/samples/digit-7.png"))
    try await withClient { client in
      var rng = PRNG(seed: 22)
      func mutate(_ bytes: [UInt8]) -> [UInt8] {
        var b = bytes
        switch Int(rng.next() % 5) {
        case 0 where !b.isEmpty:  // flip a few bytes
          for _ in 0..<(1 + Int(rng.next() % 4)) { b[Int(rng.next() % UInt64(b.count))] = UInt8(rng.next() & 0xFF) }
        case 1 where !b.isEmpty: b = Array(b.prefix(Int(rng.next() % UInt64(b.count))))  // cut
        case 2:  // splice random bytes in
          let at = b.isEmpty ? 0 : Int(rng.next() % UInt64(b.count))
          b.insert(contentsOf: (0..<(1 + Int(rng.next() % 16))).map { _ in UInt8(rng.next() & 0xFF) }, at: at)
        case 3: b += b  // repeat
        default: b = (0..<Int(rng.next() % 64)).map { _ in UInt8(rng.next() & 0xFF) }  // noise
        }
        return b
      }
      let jsonBodies: [(String, String)] = [
        ("/api/textgen?stream=false", #"{"prime":"ROMEO:","length":5,"seed":1,"model":"shakespeare","top_p":0.9}"#),
        ("/api/textgen", #"{"prime":"深度","length":3,"temperature":1.2,"top_k":5}"#),
        ("/api/translate", #"{"text":"Jesus wept.","beam":2,"model":"en-zh"}"#),
        ("/api/rate", #"{"user":"u9","item":"7","rating":4}"#),
      ]
      var checked = 0
      for _ in 0..<40 {
        for (uri, body) in jsonBodies {
          let r = try await client.send(.post, uri, body: mutate(Array(body.utf8)), contentType: "application/json")
          try assertHandled(r, "POST \(uri)")
          checked += 1
        }
        let r = try await client.send(
          .post, "/api/classify?top=3&model=mnist", body: mutate(photo), contentType: "image/png")
        try assertHandled(r, "POST /api/classify (mutated PNG)")
        checked += 1
      }
      let queries: [(String, [String])] = [
        ("/api/classify", ["top", "model"]), ("/api/gan/sample", ["n", "seed", "model", "scale"]),
        ("/api/gan/interpolate", ["from", "to", "steps", "spherical", "scale"]),
        ("/api/recommend", ["user", "n"]), ("/api/ratings", ["user", "n"]),
        ("/api/rl/episode", ["track", "agent", "seed"]), ("/api/rl/gridworld", ["sweeps"]),
      ]
      for (path, names) in queries {
        for value in Self.hostile {
          for name in names {
            let encoded = value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let method: HTTPRequest.Method = path == "/api/classify" ? .post : .get
            let r = try await client.send(
              method, "\(path)?\(name)=\(encoded)", body: method == .post ? photo : nil, contentType: "image/png")
            try assertHandled(r, "\(method) \(path)?\(name)=\(value.prefix(20))")
            checked += 1
          }
        }
      }
      XCTAssertEqual(checked, 40 * 5 + Self.hostile.count * 19, "every request was sent")
      let health = try await client.send(.get, "/api/health")
      XCTAssertEqual(health.status, .ok, "the server still answers")
    }
  }

}

/// A reply to a hostile request: a success, or a 4xx with a JSON error message.
func assertHandled(_ r: Reply, _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
  XCTAssertLessThan(r.status.code, 500, "\(what): \(r.status) \(r.text.prefix(200))", file: file, line: line)
  if r.status.code >= 400 {
    XCTAssertFalse(
      r.error.isEmpty, "\(what): error without a JSON message: \(r.text.prefix(200))", file: file, line: line)
  }
}
