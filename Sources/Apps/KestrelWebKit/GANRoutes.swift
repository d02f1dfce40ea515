import Datasets
import Engine
import GANKit
import Hummingbird

extension WebServer {
  func addGANRoutes(_ router: Router<WebContext>) {
    // `GET /api/gan/sample?n=&seed=&model=&scale=`: a PNG grid of n samples (same seed, same grid as `gan sample`).
    router.get("/api/gan/sample") { request, _ -> Response in
      let name = try known("model", request.stringQuery("model") ?? "mnist", in: self.catalogue.gans)
      let n = try request.intQuery("n", default: 64, in: 1...256)
      let seed = try request.seedQuery("seed", default: 1)
      let scale = try request.intQuery("scale", default: 2, in: 1...8)
      let png = try await self.withModels { models -> [UInt8] in
        guard let gan = models.gans[name] else { throw APIError.notFound("unknown model '\(name)'") }
        let images = generate(gan.pair.generator, latents(count: n, size: gan.pair.config.latent, seed: seed))
        let columns = Int(Double(n).squareRoot().rounded(.up))
        return try imageGrid(images, columns: columns, scale: scale).pngData()
      }
      return pngResponse(png)
    }
    // `GET /api/gan/interpolate?from=&to=&steps=&spherical=&model=`: a strip walking the latent space.
    router.get("/api/gan/interpolate") { request, _ -> Response in
      let name = try known("model", request.stringQuery("model") ?? "mnist", in: self.catalogue.gans)
      let from = try request.seedQuery("from", default: 3)
      let to = try request.seedQuery("to", default: 8)
      let steps = try request.intQuery("steps", default: 10, in: 2...64)
      let scale = try request.intQuery("scale", default: 2, in: 1...8)
      let spherical = request.stringQuery("spherical").map { $0 != "false" && $0 != "0" } ?? true
      let png = try await self.withModels { models -> [UInt8] in
        guard let gan = models.gans[name] else { throw APIError.notFound("unknown model '\(name)'") }
        let size = gan.pair.config.latent
        let a = latents(count: 1, size: size, seed: from).toArray()
        let b = latents(count: 1, size: size, seed: to).toArray()
        let images = generate(gan.pair.generator, interpolate(a, b, steps: steps, spherical: spherical))
        return try imageGrid(images, columns: steps, scale: scale).pngData()
      }
      return pngResponse(png)
    }
  }
}

/// An `image/png` response.
func pngResponse(_ png: [UInt8]) -> Response {
  var headers = HTTPFields()
  headers[.contentType] = "image/png"
  return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: png)))
}

extension Request {
  /// A seed: a non-negative integer below 2^53 (so a browser's number round-trips).
  func seedQuery(_ name: String, default value: UInt64) throws -> UInt64 {
    guard let text = stringQuery(name) else { return value }
    guard let n = UInt64(text), n < 1 << 53 else {
      throw APIError.bad("'\(name)' must be an integer seed in 0…\((1 << 53) - 1) (got '\(text.prefix(40))')")
    }
    return n
  }
}
