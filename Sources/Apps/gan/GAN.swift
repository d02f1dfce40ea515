import AppSupport
import ArgumentParser
import Engine
import Foundation
import GANKit

/// `gan`: DCGAN image generation — train, sample grids, interpolate, score.
@main
struct GAN: ParsableCommand {
  /// Parses negative values after a space (see `normalizedArguments`).
  static func main() { main(normalizedArguments()) }

  static let configuration = CommandConfiguration(
    commandName: "gan",
    abstract: "Trains DCGAN image generators and samples, interpolates and scores them.",
    discussion: """
      Examples:
        gan sample --n 64 --seed 1 --out grid.png     # shipped MNIST generator
        gan sample --model fashion-mnist --out-dir shots/   # one PNG each
        gan interpolate --from-seed 3 --to-seed 8 --spherical --out strip.png
        gan score --model mnist               # IS / FID on the MNIST classifier
        gan train --dataset fashion-mnist --epochs 20 --out fashion.safetensors

      Models: mnist (default), fashion-mnist, or a checkpoint written by `gan train`.
      """,
    subcommands: [Sample.self, Interpolate.self, Score.self, Train.self],
    defaultSubcommand: Sample.self)
}

/// Which generator to use.
struct ModelOptions: ParsableArguments {
  @Option(help: "Shipped generator (mnist, fashion-mnist) or a checkpoint path from `gan train`.")
  var model = "mnist"

  func load() throws -> LoadedGAN {
    do { return try LoadedGAN(model, assets: assetsDirectory()) } catch {
      throw AppError("\(error)")
    }
  }
}

/// `gan sample`: a grid of generated images (or one PNG each).
struct Sample: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Writes generated images as one grid PNG (--out) or single PNGs (--out-dir).",
    discussion: "The same --seed always gives the same images.")
  @OptionGroup var model: ModelOptions
  @Option(help: "Number of images.") var n = 64
  @Option(help: "Random seed of the latent vectors.") var seed: UInt64 = 0
  @Option(help: "Grid PNG to write.") var out = "samples.png"
  @Option(help: "Write each image as DIR/sample-NNNN.png instead of a grid.") var outDir: String?
  @Option(help: "Grid columns (default: √n rounded up).") var columns: Int?
  @Option(help: "Pixel scale of the grid.") var scale = 2

  func validate() throws {
    guard n > 0 else { throw ValidationError("--n must be positive (got \(n))") }
    let limit = outDir == nil ? 10_000 : 100_000  // a grid of 10,000 is already ~30 megapixels
    guard n <= limit else {
      throw ValidationError(
        "--n must be at most \(limit)\(outDir == nil ? " for a grid (use --out-dir for more)" : "") (got \(n))")
    }
    guard (1...16).contains(scale) else { throw ValidationError("--scale must be between 1 and 16") }
    if let columns, columns <= 0 { throw ValidationError("--columns must be positive") }
  }

  func run() throws {
    if outDir == nil { try checkWritable(out) }
    let gan = try model.load()
    let config = gan.pair.config
    let images = generate(gan.pair.generator, latents(count: n, size: config.latent, seed: seed))
    if let outDir {
      var isDir: ObjCBool = false
      if !FileManager.default.fileExists(atPath: outDir, isDirectory: &isDir) {
        do { try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true) } catch {
          throw AppError("\(outDir): cannot create folder (\(error.localizedDescription))")
        }
      } else if !isDir.boolValue {
        throw AppError("\(outDir): exists and is not a folder")
      }
      for i in 0..<n {
        let path = outDir + "/sample-" + String(format: "%04d", i) + ".png"
        try imageGrid(images.slice(axis: 0, i..<(i + 1)), columns: 1, gap: 0, scale: 1).writePNG(to: path)
      }
      printLine("wrote \(n) images to \(outDir)/ (\(config.size)×\(config.size), seed \(seed))")
      return
    }
    let cols = columns ?? Int(Double(n).squareRoot().rounded(.up))
    try imageGrid(images, columns: cols, scale: scale).writePNG(to: out)
    printLine("wrote \(out): \(n) samples from \(model.model) (seed \(seed))")
  }
}

/// `gan interpolate`: a strip walking the latent space from one seed's vector to another's.
struct Interpolate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Writes a strip of images interpolating between two latent vectors (given by seeds).")
  @OptionGroup var model: ModelOptions
  @Option(help: "Seed of the start vector.") var fromSeed: UInt64 = 0
  @Option(help: "Seed of the end vector.") var toSeed: UInt64 = 1
  @Option(help: "Images in the strip, ends included.") var steps = 10
  @Flag(help: "Spherical interpolation (slerp) instead of linear.") var spherical = false
  @Option(help: "PNG to write.") var out = "interpolation.png"
  @Option(help: "Pixel scale.") var scale = 2

  func validate() throws {
    guard (2...200).contains(steps) else { throw ValidationError("--steps must be between 2 and 200 (got \(steps))") }
    guard (1...16).contains(scale) else { throw ValidationError("--scale must be between 1 and 16") }
  }

  func run() throws {
    try checkWritable(out)
    let gan = try model.load()
    let size = gan.pair.config.latent
    let a = latents(count: 1, size: size, seed: fromSeed).toArray()
    let b = latents(count: 1, size: size, seed: toSeed).toArray()
    let images = generate(gan.pair.generator, interpolate(a, b, steps: steps, spherical: spherical))
    try imageGrid(images, columns: steps, scale: scale).writePNG(to: out)
    printLine(
      "wrote \(out): \(steps) steps from seed \(fromSeed) to seed \(toSeed) (\(spherical ? "spherical" : "linear"))")
  }
}
