import AppSupport
import ArgumentParser
import Foundation
import Hummingbird
import KestrelWebKit
import Logging

/// `kestrel-web`: every app in the browser, over the shipped models.
@main
struct KestrelWeb: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "kestrel-web",
    abstract: "Serves a page per app and a JSON API over the shipped models (Hummingbird 2).",
    discussion: """
      Open http://127.0.0.1:8080/ after start. Pages: /classify (drop a photo), /textgen (streamed text),
      /translate (attention heat map), /gan (sample grid, interpolation), /recommend (needs --db),
      /rl-drive (the car on a track, gridworld value iteration).

      API (errors are {"error": "..."} with a 4xx/5xx status; bodies above 20 MB are refused with 413):
        GET  /api/health                          {"status":"ok", ...} once every model is loaded
        POST /api/classify?top=5&model=NAME       body: PNG/JPEG bytes or a multipart form
        POST /api/textgen[?stream=false]          {"prime","length","temperature","top_p","top_k","seed","model"}
        POST /api/translate                       {"text","beam","model"}
        GET  /api/gan/sample?n=64&seed=1&model=mnist          PNG grid
        GET  /api/gan/interpolate?from=3&to=8&steps=10        PNG strip
        GET  /api/recommend?user=42&n=10          GET /api/ratings?user=42; POST /api/rate {"user","item","rating"}
        GET  /api/rl/episode?track=oval&agent=dqn&seed=0      NDJSON states; GET /api/rl/gridworld

      Models load once; engine work runs on one queue, so concurrent requests are served safely in turn.
      """)

  @Option(help: "Address to listen on (0.0.0.0 exposes the server to the network).") var host = "127.0.0.1"
  @Option(help: "Port (1-65535; 0 picks a free one).") var port = 8080
  @Option(
    help: ArgumentHelp("Ratings database for the recommend page (made by `recommend import`).", valueName: "path"))
  var db: String?
  @Flag(help: "Show the server framework's info messages too (warnings and errors are always shown).")
  var verbose = false

  func validate() throws {
    guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535 (got \(port))") }
    guard !host.isEmpty else { throw ValidationError("--host is empty") }
  }

  func run() async throws {
    if let db, !FileManager.default.fileExists(atPath: db) {
      throw AppError("\(db): no such database (make one with `recommend import movielens DIR --db \(db)`)")
    }
    let assets = assetsDirectory()
    printLine("kestrel-web: loading models from \(assets) …")
    let started = Date()
    let models = try WebModels(assets: assets, database: db) { printLine("kestrel-web: \($0)") }
    let server = try WebServer(models: models, assets: assets)
    var logger = Logger(label: "kestrel-web")
    logger.logLevel = verbose ? .info : .warning
    let app = Application(
      router: server.router(logger: logger),
      configuration: .init(address: .hostname(host, port: port), serverName: "kestrel-web"),
      onServerRunning: { channel in
        let port = channel.localAddress?.port ?? port
        printLine(
          "kestrel-web: models loaded in \(fixed(Date().timeIntervalSince(started), 1)) s; listening on http://\(host):\(port)/"
        )
      }, logger: logger)
    try await app.runService()
  }
}
