import Foundation
import Hummingbird
import TranslateKit

/// `POST /api/translate` body.
struct TranslateRequest: Decodable, Sendable {
  var text: String
  var beam: Int?
  var model: String?
}

/// The translation, the last decoder layer's cross-attention (one row per output token and the end mark, one
/// column per source token) and the tokens that label its rows and columns.
struct TranslateResponse: Encodable, Sendable {
  let translation: String
  let attention: [[Float]]
  let sourceTokens: [String]
  let targetTokens: [String]
  let warnings: [String]

  enum CodingKeys: String, CodingKey {
    case translation, attention, warnings
    case sourceTokens = "source_tokens"
    case targetTokens = "target_tokens"
  }
}

extension WebServer {
  func addTranslateRoutes(_ router: Router<WebContext>) {
    router.post("/api/translate") { request, _ -> Response in
      let r = try await request.decodeJSON(TranslateRequest.self)
      let name = try known("model", r.model ?? "en-zh", in: self.catalogue.translators)
      let text = r.text.trimmingCharacters(in: .whitespacesAndNewlines)
      guard !text.isEmpty else { throw APIError.bad("'text' is empty; give a sentence to translate") }
      guard text.count <= 1000 else { throw APIError.bad("'text' is \(text.count) characters; at most 1000") }
      let beam = try checked("beam", r.beam ?? 4, in: 1...16)
      let response = try await self.withModels { models -> TranslateResponse in
        guard let t = models.translators[name] else { throw APIError.notFound("unknown model '\(name)'") }
        var warnings: [String] = []
        let (out, translation, ids) = t.translate(text, beams: beam, attention: true) { warnings.append($0) }
        return TranslateResponse(
          translation: out, attention: translation.attention ?? [], sourceTokens: ids.map(t.sourceCodec.piece),
          targetTokens: translation.tokens.map(t.targetCodec.piece) + ["■"], warnings: warnings)
      }
      return jsonResponse(response)
    }
  }
}
