import ClassifyKit
import Datasets
import Engine
import Foundation
import Hummingbird
import MultipartKit

/// `POST /api/classify?top=K&model=NAME`: the body is a PNG or JPEG (raw, or the first file of a multipart form).
struct ClassifyResponse: Encodable, Sendable {
  struct Prediction: Encodable, Sendable {
    let label: String
    let probability: Float
  }
  let model: String
  let predictions: [Prediction]
}

extension WebServer {
  func addClassifyRoutes(_ router: Router<WebContext>) {
    router.post("/api/classify") { request, _ -> Response in
      let name = try known(
        "model", request.stringQuery("model") ?? "efficientnet-lite0", in: self.catalogue.classifiers)
      let top = try request.intQuery("top", default: 5, in: 1...1000)
      var bytes = try await request.readBody(limit: WebLimits.maxUpload)
      if let type = request.headers[.contentType], type.lowercased().hasPrefix("multipart/form-data") {
        bytes = try firstFile(inMultipart: bytes, contentType: type)
      }
      guard !bytes.isEmpty else { throw APIError.bad("empty body; send the bytes of a PNG or JPEG image") }
      // Decoding runs on the request's task (in parallel with other requests); only the model is serialised.
      let image: Image
      do { image = try decodeImage(bytes, source: "the request body") } catch {
        throw APIError(.unsupportedMediaType, "\(error)")  // "the request body: not a PNG or JPEG image", …
      }
      let response = try await self.withModels { models -> ClassifyResponse in
        guard let classifier = models.classifiers[name] else { throw APIError.notFound("unknown model '\(name)'") }
        let probs = classifier.probabilities(classifier.input(image).unsqueezed(0)).toArray()  // (1, classes)
        let order = probs.indices.sorted { probs[$0] > probs[$1] }.prefix(top)
        return ClassifyResponse(
          model: name,
          predictions: order.map { .init(label: classifier.labels[safe: $0] ?? "class \($0)", probability: probs[$0]) })
      }
      return jsonResponse(response)
    }
  }
}

/// The body of the first part of a multipart form that carries a file (or the first part), as browsers send
/// `<input type=file>` uploads.
func firstFile(inMultipart body: [UInt8], contentType: String) throws -> [UInt8] {
  guard
    let boundary = contentType.split(separator: ";").lazy.map({ $0.trimmingCharacters(in: .whitespaces) })
      .first(where: { $0.lowercased().hasPrefix("boundary=") })?.dropFirst("boundary=".count)
      .trimmingCharacters(in: CharacterSet(charactersIn: "\"")), !boundary.isEmpty, boundary.count <= 200
  else { throw APIError.bad("multipart body without a boundary in its Content-Type") }
  final class Parts {
    var parts: [(headers: [String], body: [UInt8])] = []
    var current: (headers: [String], body: [UInt8]) = ([], [])
  }
  let parts = Parts()
  let parser = MultipartParser(boundary: boundary)
  parser.onHeader = { name, value in parts.current.headers.append("\(name.lowercased()): \(value)") }
  parser.onBody = { buffer in parts.current.body.append(contentsOf: buffer.readableBytesView) }
  parser.onPartComplete = {
    parts.parts.append(parts.current)
    parts.current = ([], [])
  }
  do { try parser.execute(body) } catch { throw APIError.bad("malformed multipart body: \(error)") }
  guard
    let part = parts.parts.first(where: { $0.headers.contains { $0.contains("filename=") } }) ?? parts.parts.first
  else { throw APIError.bad("multipart body has no parts") }
  return part.body
}

extension Array {
  /// The element at `i`, or nil outside the array.
  subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
