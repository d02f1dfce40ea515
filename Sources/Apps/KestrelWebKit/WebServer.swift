import Engine
import Foundation
import Hummingbird
import Logging

/// The kestrel-web application: the JSON API over every app's shipped models and the pages that use it.
///
/// Routes (all errors are `{"error": "…"}` with a 4xx/5xx status):
/// `GET /` and one page per app, `GET /static/*`, `GET /api/health`, `POST /api/classify`, `POST /api/textgen`,
/// `POST /api/translate`, `GET /api/gan/sample`, `GET /api/gan/interpolate`, `GET /api/recommend`,
/// `GET /api/ratings`, `POST /api/rate`, `GET /api/rl/episode`, `GET /api/rl/gridworld`.
public struct WebServer: Sendable {
  /// Runs all engine work, one job at a time.
  let engine = EngineQueue()
  /// The loaded models, touched only on `engine`.
  let models: EngineBound<WebModels>
  /// Names of what is loaded (readable from any task).
  let catalogue: Catalogue
  /// The folder of the pages (`assets/web`).
  let pages: String
  /// The page files by route, read at start.
  let pageBodies: [String: ByteBuffer]

  /// The app pages, in the order the index lists them.
  public static let pageRoutes = ["classify", "textgen", "translate", "gan", "recommend", "rl-drive"]

  /// A server over `models`, with its pages from `assets/web`.
  public init(models: WebModels, assets: String) throws {
    catalogue = Catalogue(models)
    self.models = EngineBound(models)
    pages = assets + "/web"
    var bodies: [String: ByteBuffer] = [:]
    for name in ["index"] + Self.pageRoutes {
      let path = pages + "/\(name).html"
      bodies[name] = ByteBuffer(bytes: try Engine.FileIO.read(path))
    }
    pageBodies = bodies
  }

  /// The router with every route, the JSON error middleware first and the static files of `assets/web/static`
  /// (the file middleware logs to `logger`).
  public func router(logger: Logger = Logger(label: "kestrel-web")) -> Router<WebContext> {
    let router = Router(context: WebContext.self)
    router.add(middleware: JSONErrorMiddleware())
    router.add(
      middleware: FileMiddleware(pages + "/static", urlBasePath: "/static", searchForIndexHtml: false, logger: logger))
    router.get("/") { _, _ in self.page("index") }
    for name in Self.pageRoutes {
      router.get(RouterPath(stringLiteral: "/" + name)) { _, _ in self.page(name) }
    }
    router.get("/api/health") { _, _ in jsonResponse(self.catalogue.health) }
    addClassifyRoutes(router)
    addTextgenRoutes(router)
    addTranslateRoutes(router)
    addGANRoutes(router)
    addRecommendRoutes(router)
    addRLRoutes(router)
    return router
  }

  /// An HTML page read at start.
  func page(_ name: String) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "text/html; charset=utf-8"
    return Response(status: .ok, headers: headers, body: .init(byteBuffer: pageBodies[name] ?? ByteBuffer()))
  }

  /// Runs `body` with the models on the engine queue.
  func withModels<T: Sendable>(_ body: @escaping @Sendable (inout WebModels) throws -> T) async throws -> T {
    let box = models
    return try await engine.run { try body(&box.value) }
  }
}

/// The names of what the server has loaded, for validation outside the engine queue and for /api/health.
struct Catalogue: Sendable {
  let classifiers: [String]
  let textModels: [String]
  let translators: [String]
  let gans: [String]
  let agents: [String]
  let tracks: [String]
  let recommender: Bool

  init(_ m: WebModels) {
    classifiers = WebModels.names(m.classifiers)
    textModels = WebModels.names(m.textModels)
    translators = WebModels.names(m.translators)
    gans = WebModels.names(m.gans)
    agents = WebModels.names(m.agents)
    tracks = WebModels.names(m.tracks)
    recommender = m.recommender != nil
  }

  /// `/api/health`: ok (the server listens only once every model is loaded) and what is loaded.
  struct Health: Encodable {
    let status = "ok"
    let models: [String: [String]]
    let recommend: Bool
  }

  var health: Health {
    Health(
      models: [
        "classify": classifiers, "textgen": textModels, "translate": translators, "gan": gans, "rl-drive": agents,
        "tracks": tracks,
      ], recommend: recommender)
  }
}
