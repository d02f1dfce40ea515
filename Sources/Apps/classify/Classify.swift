import AppSupport
import ArgumentParser
import ClassifyKit
import Datasets
import Engine
import Foundation

/// `classify`: image classification with shipped models, and training of small CNNs.
@main
struct Classify: ParsableCommand {
  /// Parses negative values after a space (see `normalizedArguments`).
  static func main() { main(normalizedArguments()) }

  static let configuration = CommandConfiguration(
    commandName: "classify",
    abstract: "Classifies images (top-K labels) and trains image classifiers.",
    discussion: """
      Examples:
        classify photo.png                # ImageNet top-5 with EfficientNet-Lite0
        classify --model mnist digit.png  # a photo of a handwritten digit
        classify --json --top 3 a.png b.png

      Models: efficientnet-lite0 (default), mnist, fashion-mnist, or a checkpoint from `classify train`.
      """,
    subcommands: [Predict.self, Train.self, Eval.self],
    defaultSubcommand: Predict.self)
}

/// `classify FILE…`: top-K labels per file.
struct Predict: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "predict", abstract: "Top-K labels for each image (the default command).")

  @Argument(help: "PNG or JPEG images.") var files: [String] = []
  @Option(help: "Model name (efficientnet-lite0, mnist, fashion-mnist) or checkpoint path.")
  var model = "efficientnet-lite0"
  @Option(help: "How many labels per image.") var top = 5
  @Flag(help: "Print JSON instead of text.") var json = false

  func validate() throws {
    guard !files.isEmpty else { throw ValidationError("give at least one image file") }
    guard top > 0 else { throw ValidationError("--top must be positive (got \(top))") }
  }

  func run() throws {
    let classifier: LoadedClassifier
    do { classifier = try loadClassifier(model, assets: assetsDirectory()) } catch { throw AppError("\(error)") }
    var failures = 0
    var records: [[String: Any]] = []
    for file in files {
      do {
        let x = try classifier.input(loadImage(file)).unsqueezed(0)  // (1, C, H, W)
        let probs = classifier.probabilities(x).toArray()
        let best = probs.enumerated().sorted { $0.element > $1.element }.prefix(min(top, probs.count))
        if json {
          records.append([
            "file": file,
            "top": best.map { ["label": classifier.labels[$0.offset], "probability": Double($0.element)] },
          ])
        } else {
          printLine(file)
          for (i, p) in best { printLine("  \(fixed(Double(p), 3))  \(classifier.labels[i])") }
        }
      } catch {
        failures += 1
        writeStderr("Error: \(error)\n")
        if json { records.append(["file": file, "error": "\(error)"]) }
      }
    }
    if json {
      let data = try JSONSerialization.data(
        withJSONObject: records, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
      printLine(String(decoding: data, as: UTF8.self))
    }
    if failures > 0 { throw ExitCode(1) }
  }
}

/// `classify eval`: accuracy, per-class accuracy and a confusion-matrix PNG on a dataset's test split.
struct Eval: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Accuracy, per-class accuracy and a confusion matrix.")
  @OptionGroup var data: DataOptions
  @Option(help: "Model name or checkpoint path.") var model = "mnist"
  @Option(help: "Confusion-matrix PNG to write.") var confusion = "confusion.png"

  func run() throws {
    let classifier: LoadedClassifier
    do { classifier = try loadClassifier(model, assets: assetsDirectory()) } catch { throw AppError("\(error)") }
    let set = try data.load()
    guard set.labels.count == classifier.labels.count else {
      throw AppError(
        "model '\(model)' has \(classifier.labels.count) classes, dataset \(data.dataset) has \(set.labels.count)")
    }
    let (accuracy, counts) = evaluate(classifier.network, set.test, classes: set.labels.count)
    printLine(
      "\(model) on \(data.dataset) test split (\(set.test.count) images): accuracy \(fixed(100 * accuracy, 2))%")
    for (i, label) in set.labels.enumerated() {
      let total = max(counts[i].reduce(0, +), 1)
      printLine(
        "  \(padded(label, 14)) \(fixed(100 * Double(counts[i][i]) / Double(total), 2))%  (\(counts[i][i])/\(total))")
    }
    try confusionMatrixImage(counts, labels: set.labels).writePNG(to: confusion)
    printLine("Confusion matrix → \(confusion)")
  }
}
