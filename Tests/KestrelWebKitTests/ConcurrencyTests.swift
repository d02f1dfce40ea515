import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

@testable import KestrelWebKit

/// Concurrent requests share the models: the replies are those of the same requests made one at a time.
final class ConcurrencyTests: XCTestCase {
  func testConcurrentRequestsGetTheirSequentialReplies() async throws {
    try await withClient { client in
      let requests: [(String, [String: Any]?)] = [
        ("/api/gan/sample?n=9&seed=1", nil), ("/api/gan/sample?n=9&seed=2&model=fashion-mnist", nil),
        ("/api/textgen?stream=false", ["prime": "深度学习", "length": 30, "seed": 1]),
        ("/api/textgen?stream=false", ["prime": "KING:", "length": 30, "seed": 2, "model": "shakespeare"]),
        ("/api/textgen", ["prime": "ROMEO:", "length": 20, "seed": 4, "model": "shakespeare"]),
        ("/api/translate", ["text": "In the beginning God created the heaven and the earth.", "beam": 3]),
        ("/api/rl/episode?track=kidney&agent=ppo&seed=1", nil), ("/api/recommend?user=u5&n=5", nil),
      ]
      func send(_ r: (String, [String: Any]?)) async throws -> [UInt8] {
        if let json = r.1 { return try await client.post(r.0, json: json).body }
        return try await client.send(.get, r.0).body
      }
      var sequential: [[UInt8]] = []
      for r in requests { sequential.append(try await send(r)) }
      // Three rounds of every request at once, in shuffled order.
      let concurrent = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
        for _ in 0..<3 {
          for (i, r) in requests.enumerated().shuffled() {
            nonisolated(unsafe) let request = r
            group.addTask { (i, try await send(request)) }
          }
        }
        var out: [(Int, [UInt8])] = []
        for try await reply in group { out.append(reply) }
        return out
      }
      XCTAssertEqual(concurrent.count, 3 * requests.count)
      for (i, body) in concurrent {
        XCTAssertTrue(body == sequential[i], "\(requests[i].0): concurrent reply differs from the sequential one")
      }
    }
  }
}
