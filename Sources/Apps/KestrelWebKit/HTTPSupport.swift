import Foundation
import Hummingbird

/// The request context of kestrel-web: Hummingbird's core storage and the server's upload limit.
public struct WebContext: RequestContext {
  /// Hummingbird's per-request storage.
  public var coreContext: CoreRequestContextStorage
  /// A context for one request.
  public init(source: ApplicationRequestContextSource) { coreContext = .init(source: source) }
  /// Largest request body read (also enforced by `readBody`).
  public var maxUploadSize: Int { WebLimits.maxUpload }
}

/// Bounds on what a client may ask for.
public enum WebLimits {
  /// Largest request body: 20 MB.
  public static let maxUpload = 20 << 20
  /// Largest JSON body (text, ratings): 64 KB.
  public static let maxJSON = 64 << 10
}

/// An error the client sees as `{"error": message}` with `status`.
public struct APIError: Error, CustomStringConvertible, Sendable {
  /// The HTTP status.
  public let status: HTTPResponse.Status
  /// One line naming the problem.
  public let description: String
  /// An error with a status and a message.
  public init(_ status: HTTPResponse.Status, _ message: String) { (self.status, description) = (status, message) }
  /// 400 Bad Request.
  public static func bad(_ message: String) -> APIError { APIError(.badRequest, message) }
  /// 404 Not Found.
  public static func notFound(_ message: String) -> APIError { APIError(.notFound, message) }
}

/// A JSON response with `status`.
func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
  let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
  var headers = HTTPFields()
  headers[.contentType] = "application/json; charset=utf-8"
  return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

/// The `{"error": "…"}` response every failure becomes.
func errorResponse(_ status: HTTPResponse.Status, _ message: String) -> Response {
  jsonResponse(["error": message], status: status)
}

/// Turns every error below it into a JSON error response, so that nothing a client sends reaches it as a stack
/// trace or an empty reply: API errors keep their status, Hummingbird's own (404 of an unknown route, 413 from
/// its decoders) theirs, anything else is a 500 naming the error.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    do {
      return try await next(request, context)
    } catch let error as APIError {
      return errorResponse(error.status, error.description)
    } catch let error as HTTPError {
      let message =
        error.status == .notFound
        ? "no such route: \(request.method) \(request.uri.path)"
        : error.body ?? "\(error.status.code) \(error.status.reasonPhrase): \(request.method) \(request.uri.path)"
      return errorResponse(error.status, message)
    } catch {
      context.logger.error("\(request.method) \(request.uri.path): \(error)")
      return errorResponse(.internalServerError, "internal error: \(error)")
    }
  }
}

extension Request {
  /// The body, refusing more than `limit` bytes with 413 (by Content-Length first, then while reading).
  func readBody(limit: Int) async throws -> [UInt8] {
    if let length = headers[.contentLength].flatMap({ Int($0) }), length > limit {
      throw APIError(.contentTooLarge, "body of \(length) bytes is over the limit of \(limit) bytes")
    }
    var bytes: [UInt8] = []
    for try await chunk in body {
      guard bytes.count + chunk.readableBytes <= limit else {
        throw APIError(.contentTooLarge, "body is over the limit of \(limit) bytes")
      }
      bytes.append(contentsOf: chunk.readableBytesView)
    }
    return bytes
  }

  /// The JSON body decoded as `T`; malformed JSON or a wrong field is a 400 naming it.
  func decodeJSON<T: Decodable>(_ type: T.Type) async throws -> T {
    let bytes = try await readBody(limit: WebLimits.maxJSON)
    guard !bytes.isEmpty else { throw APIError.bad("empty body; send a JSON object") }
    do {
      return try JSONDecoder().decode(T.self, from: Data(bytes))
    } catch let error as APIError {
      throw error
    } catch let DecodingError.keyNotFound(key, _) {
      throw APIError.bad("bad JSON: missing field '\(key.stringValue)'")
    } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx) {
      let field = ctx.codingPath.map(\.stringValue).joined(separator: ".")
      throw APIError.bad("bad JSON: field '\(field)' has the wrong type")
    } catch {
      throw APIError.bad("bad JSON: the body is not a JSON object of the expected form")
    }
  }

  /// Query parameter `name` as an integer in `range` (default when absent); a 400 naming it otherwise.
  func intQuery(_ name: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
    guard let text = uri.queryParameters[name[...]].map(String.init) else { return value }
    guard let n = Int(text) else { throw APIError.bad("'\(name)' must be an integer (got '\(text.prefix(40))')") }
    return try checked(name, n, in: range)
  }

  /// Query parameter `name` as a string (default when absent).
  func stringQuery(_ name: String, default value: String? = nil) -> String? {
    uri.queryParameters[name[...]].map(String.init) ?? value
  }
}

/// `value` when in `range`, else a 400 naming the parameter and the range.
func checked<T: Comparable>(_ name: String, _ value: T, in range: ClosedRange<T>) throws -> T {
  guard range.contains(value) else {
    throw APIError.bad("'\(name)' must be in \(range.lowerBound)…\(range.upperBound) (got \(value))")
  }
  return value
}

/// `name` when it is one of `known`, else a 404 listing them.
func known(_ kind: String, _ name: String, in known: [String]) throws -> String {
  guard known.contains(name) else {
    throw APIError.notFound("unknown \(kind) '\(name.prefix(60))'; known: \(known.joined(separator: ", "))")
  }
  return name
}
