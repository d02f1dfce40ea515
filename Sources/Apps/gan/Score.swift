import AppSupport
import ArgumentParser
import Datasets
import Engine
import Foundation
import GANKit

/// `gan score`: Inception score and FID measured with a trained classifier, beside the same for real images.
struct Score: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Inception score and FID of generated images, beside the scores of real test images.",
    discussion: """
      Both use a shipped classifier instead of Inception-v3: IS on its class probabilities, FID on its \
      256-d penultimate features (the MNIST classifier for MNIST generators, the Fashion-MNIST one for \
      Fashion-MNIST). Generated: N samples vs the N first test images. Real: the test images vs the N \
      first training images. Also prints the class histogram of the samples (mode-collapse check).
      """)
  @OptionGroup var model: ModelOptions
  @Option(help: "Classifier (mnist, fashion-mnist or a classify checkpoint); default: the generator's dataset.")
  var classifier: String?
  @Option(help: "Generated and real images per side.") var n = 10_000
  @Option(help: "Seed of the latent vectors.") var seed: UInt64 = 0
  @Option(help: "Folder with the dataset's IDX files (default: as for `gan train`).") var dataDir: String?
  @Option(help: "Truncation trick: redraw latent components with |z| > T (e.g. 1.0); default: none.")
  var truncation: Float?

  func validate() throws {
    guard n >= 100 else { throw ValidationError("--n must be at least 100 (got \(n))") }
    if let truncation, !(truncation > 0) { throw ValidationError("--truncation must be positive") }
  }

  func run() throws {
    let gan = try model.load()
    let config = gan.pair.config
    guard ["mnist", "fashion-mnist"].contains(config.dataset) || classifier != nil else {
      throw AppError("\(model.model): trained on \(config.dataset); pass --classifier and --data-dir")
    }
    let classifierName = classifier ?? config.dataset
    let loaded: (network: any Layer, config: ClassifierConfig)
    do {
      let path = try ModelRegistry.resolve(classifierName, app: "classify", assets: assetsDirectory())
      loaded = try loadImageClassifier(from: path)
    } catch { throw AppError("\(error)") }
    guard let network = loaded.network as? Sequential, network.layers.count >= 2 else {
      throw AppError("\(classifierName): needs a small sequential classifier (mnist, fashion-mnist, classify train)")
    }
    let dataset = ["mnist", "fashion-mnist"].contains(config.dataset) ? config.dataset : "mnist"
    let set: LabelledImages
    do {
      set = try DataOptions.parse(["--dataset", dataset] + (dataDir.map { ["--data-dir", $0] } ?? [])).load()
    } catch { throw AppError("\(error)") }
    let count = min(n, set.test.count, set.train.count)
    let view = ClassifierView(network)
    let real = view(noGrad { set.test.inputs.slice(axis: 0, 0..<count) * 2 - 1 })
    let train = view(noGrad { set.train.inputs.slice(axis: 0, 0..<count) * 2 - 1 })
    let fake = view(
      generate(gan.pair.generator, latents(count: count, size: config.latent, seed: seed, truncation: truncation)))
    let realStats = FeatureStatistics(real.features)
    let isReal = inceptionScore(real.probabilities)
    let isFake = inceptionScore(fake.probabilities)
    let fidReal = frechetDistance(FeatureStatistics(train.features), realStats)
    let fidFake = frechetDistance(FeatureStatistics(fake.features), realStats)
    printLine(
      "\(model.model) scored with the \(classifierName) classifier (\(count) images per side, \(real.features.shape[1])-d features)"
    )
    printLine("                      IS (10 splits)       FID vs \(count) test images")
    printLine(
      "real (training set)   \(padded("\(fixed(isReal.mean, 3)) ± \(fixed(isReal.std, 3))", 20)) \(fixed(fidReal, 3))"
    )
    let generated = "generated (seed \(seed)\(truncation.map { ", truncation \($0)" } ?? ""))"
    printLine(
      "\(generated + String(repeating: " ", count: max(1, 22 - generated.count)))\(padded("\(fixed(isFake.mean, 3)) ± \(fixed(isFake.std, 3))", 20)) \(fixed(fidFake, 3))"
    )
    printLine("(real IS is of the test images; real FID compares training to test images)")
    let hist = classHistogram(fake.probabilities)
    let shares = hist.map { 100 * Double($0) / Double(count) }
    printLine("class histogram of the generated images:")
    for (i, share) in shares.enumerated() {
      let label = i < loaded.config.labels.count ? loaded.config.labels[i] : "\(i)"
      printLine(
        "  \(padded(label, 12)) \(leftPadded(fixed(share, 1), 5)) %  \(String(repeating: "#", count: Int(share.rounded())))"
      )
    }
    let (minIndex, minShare) = shares.enumerated().min { $0.element < $1.element } ?? (0, 0)
    let minLabel = minIndex < loaded.config.labels.count ? loaded.config.labels[minIndex] : "\(minIndex)"
    printLine(
      "smallest class: \(minLabel) at \(fixed(minShare, 1)) % — \(minShare >= 5 ? "no class below 5 %" : "below 5 %: mode collapse")"
    )
  }
}
