import Engine
import Foundation
import Hummingbird
import TextgenKit

/// `POST /api/textgen` body.
struct TextgenRequest: Decodable, Sendable {
  var prime: String
  var length: Int?
  var temperature: Float?
  var topP: Float?
  var topK: Int?
  var seed: UInt64?
  var model: String?

  enum CodingKeys: String, CodingKey {
    case prime, length, temperature, seed, model
    case topP = "top_p"
    case topK = "top_k"
  }
}

/// A validated generation job.
struct TextgenJob: Sendable {
  let model: String
  let length: Int
  let options: SamplingOptions
  let seed: UInt64
  let prime: String

  static let maxLength = 2000
  static let maxPrime = 2000

  init(_ r: TextgenRequest, models: [String]) throws {
    model = try known("model", r.model ?? "chinese", in: models)
    guard !r.prime.isEmpty else { throw APIError.bad("'prime' is empty; give some text to continue") }
    guard r.prime.unicodeScalars.count <= Self.maxPrime else {
      throw APIError.bad("'prime' is \(r.prime.unicodeScalars.count) characters; at most \(Self.maxPrime)")
    }
    prime = r.prime
    length = try checked("length", r.length ?? 300, in: 0...Self.maxLength)
    var o = SamplingOptions()
    o.temperature = try checked("temperature", r.temperature ?? 0.8, in: 0.01...5)
    o.topP = try checked("top_p", r.topP ?? 1, in: 0.01...1)
    if let k = r.topK { o.topK = try checked("top_k", k, in: 1...100_000) }
    options = o
    seed = r.seed ?? 0
  }
}

/// Server-sent events: `start` (the prime as the model reads it and the characters it skipped), one `token` event
/// per character, `done` with the whole text. Each `data:` is one JSON object.
enum SSE {
  static func event(_ name: String, _ value: some Encodable) -> ByteBuffer {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let json = (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    return ByteBuffer(string: "event: \(name)\ndata: \(json)\n\n")
  }
}

extension WebServer {
  func addTextgenRoutes(_ router: Router<WebContext>) {
    router.post("/api/textgen") { request, _ -> Response in
      let job = try TextgenJob(try await request.decodeJSON(TextgenRequest.self), models: self.catalogue.textModels)
      let stream = request.uri.queryParameters["stream"].map { $0 != "false" && $0 != "0" } ?? true
      // Prime and session are made on the engine queue; tokens follow in slices so other requests interleave.
      let start = try await self.withModels { models -> (EngineBound<TextState>, String, [String]) in
        guard let loaded = models.textModels[job.model] else { throw APIError.notFound("unknown model") }
        let vocab = loaded.model.config.vocabulary
        let (tokens, unknown) = vocab.encode(job.prime)
        guard !tokens.isEmpty else {
          throw APIError.bad("'prime': none of its characters are in the \(job.model) model's vocabulary")
        }
        let session = loaded.model.session()
        let state = TextState(session: session, vocabulary: vocab, logits: session.feed(tokens), seed: job.seed)
        return (EngineBound(state), vocab.decode(tokens), unknown.map { String($0) })
      }
      let (state, prime, skipped) = start
      if !stream {
        let text = try await self.engine.run { state.value.next(job.length, job.options) }
        return jsonResponse(["text": prime + text])
      }
      let (events, continuation) = AsyncStream<ByteBuffer>.makeStream()
      let cancelled = CancelFlag()
      continuation.onTermination = { _ in cancelled.raise() }
      continuation.yield(SSE.event("start", ["prime": prime, "skipped": skipped.joined()]))
      Task {
        var text = prime
        var left = job.length
        while left > 0, !cancelled.isRaised {
          let n = min(left, 16)
          guard let piece = try? await self.engine.run({ state.value.next(n, job.options) }) else { break }
          for ch in piece.unicodeScalars { continuation.yield(SSE.event("token", ["token": String(ch)])) }
          text += piece
          left -= n
        }
        continuation.yield(SSE.event("done", ["text": text]))
        continuation.finish()
      }
      var headers = HTTPFields()
      headers[.contentType] = "text/event-stream; charset=utf-8"
      headers[.cacheControl] = "no-cache"
      return Response(status: .ok, headers: headers, body: ResponseBody(asyncSequence: events))
    }
  }
}

/// A generation in progress: the model's session (its cache), the logits of the next character, the sampler.
final class TextState {
  let session: any GenerationSession
  let vocabulary: Vocabulary
  var logits: [Float]
  var rng: PRNG

  init(session: any GenerationSession, vocabulary: Vocabulary, logits: [Float], seed: UInt64) {
    (self.session, self.vocabulary, self.logits, rng) = (session, vocabulary, logits, PRNG(seed: seed))
  }

  /// The next `n` characters (run on the engine queue); the same seed gives `textgen`'s text for the same prime.
  func next(_ n: Int, _ options: SamplingOptions) -> String {
    var tokens: [Int] = []
    for _ in 0..<n {
      let t = sampleToken(logits, options, rng: &rng)
      tokens.append(t)
      logits = session.feed([t])
    }
    return vocabulary.decode(tokens)
  }
}
