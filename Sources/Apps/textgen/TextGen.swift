import AppSupport
import ArgumentParser
import Datasets
import Engine
import Foundation
import TextgenKit

/// `textgen`: character-level text generation (GPT, LSTM, GRU, RNN) and training on any UTF-8 text.
@main
struct TextGen: ParsableCommand {
  /// Parses negative values after a space (see `normalizedArguments`).
  static func main() { main(normalizedArguments()) }

  static let configuration = CommandConfiguration(
    commandName: "textgen",
    abstract: "Generates text with character-level language models, and trains them on any UTF-8 corpus.",
    discussion: """
      Examples:
        textgen --prime "深度学习"        # shipped Chinese GPT, 300 characters
        textgen --model shakespeare --prime "ROMEO:" --length 500 --seed 3
        textgen train --data corpus.txt --model gpt --budget 10m --out my.safetensors
        textgen eval --model my.safetensors --data held-out.txt

      Models: chinese (default), shakespeare, or a checkpoint written by `textgen train`. \
      Characters are Unicode scalars: any text round-trips exactly; characters a model has never seen \
      are reported and skipped.
      """,
    subcommands: [Generate.self, Train.self, Eval.self],
    defaultSubcommand: Generate.self)
}

/// Loads a model by name or path with a one-line error.
func loadModel(_ nameOrPath: String) throws -> LoadedTextModel {
  do { return try LoadedTextModel(nameOrPath, assets: assetsDirectory()) } catch { throw AppError("\(error)") }
}

/// Writes `s` to standard output immediately (streaming).
func emit(_ s: String) { writeStdout(s) }

/// `textgen --prime TEXT`: streams a continuation.
struct Generate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Streams a continuation of --prime (the default command).",
    discussion: "The same --seed (and options) always gives the same text.")
  @Option(help: "Shipped model (chinese, shakespeare) or a checkpoint path.") var model = "chinese"
  @Option(help: "Text to continue (required, non-empty).") var prime: String
  @Option(help: "Characters to generate.") var length = 300
  @Option(help: "Sampling temperature (> 0; lower is more conservative).") var temperature: Float = 0.8
  @Option(help: "Sample only from the K most likely characters.") var topK: Int?
  @Option(help: "Nucleus sampling: the smallest set of characters with probability ≥ P (0 < P ≤ 1).")
  var topP: Float = 1
  @Option(help: "Random seed.") var seed: UInt64 = 0

  func validate() throws {
    guard !prime.isEmpty else { throw ValidationError("--prime is empty; give some text to continue") }
    guard temperature > 0, temperature.isFinite else {
      throw ValidationError("--temperature must be > 0 (got \(temperature))")
    }
    guard topP > 0, topP <= 1 else { throw ValidationError("--top-p must be in (0, 1] (got \(topP))") }
    if let topK, topK <= 0 { throw ValidationError("--top-k must be positive (got \(topK))") }
    guard (0...100_000).contains(length) else { throw ValidationError("--length must be in 0…100000 (got \(length))") }
  }

  func run() throws {
    let loaded = try loadModel(model)
    let vocab = loaded.model.config.vocabulary
    let (tokens, unknown) = vocab.encode(prime)
    guard !tokens.isEmpty else {
      let first = unknown.first.map { ", such as \(Vocabulary.describe($0))" } ?? ""
      throw AppError(
        "--prime: none of its characters are in the model's vocabulary (\(vocab.count) characters)\(first)")
    }
    if !unknown.isEmpty {
      let list = unknown.prefix(8).map(Vocabulary.describe).joined(separator: ", ")
      writeStderr(
        "note: \(unknown.count) character\(unknown.count == 1 ? "" : "s") of the prime \(unknown.count == 1 ? "is" : "are") not in the model's vocabulary and \(unknown.count == 1 ? "was" : "were") skipped: \(list)\(unknown.count > 8 ? ", …" : "")\n"
      )
    }
    var options = SamplingOptions()
    (options.temperature, options.topK, options.topP) = (temperature, topK, topP)
    emit(vocab.decode(tokens))
    generateTokens(session: loaded.model.session(), prime: tokens, length: length, options: options, seed: seed) {
      emit(vocab.decode([$0]))
    }
    emit("\n")
  }
}

/// `textgen eval`: loss and bits per character on a text file.
struct Eval: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Prints the model's loss (nats per character) and bits per character on a UTF-8 file.")
  @Option(help: "Shipped model or checkpoint path.") var model = "chinese"
  @Option(help: "UTF-8 text file.") var data: String
  @Option(help: "Windows per batch.") var batchSize = 32

  func validate() throws {
    guard (1...4096).contains(batchSize) else {
      throw ValidationError("--batch-size must be between 1 and 4096 (got \(batchSize))")
    }
  }

  func run() throws {
    let loaded = try loadModel(model)
    let vocab = loaded.model.config.vocabulary
    let text: String
    do { text = try readText(data) } catch { throw AppError("\(error)") }
    let (tokens, unknown) = vocab.encode(text)
    if !unknown.isEmpty {
      writeStderr("note: skipped \(unknown.count) characters the model has never seen\n")
    }
    guard tokens.count >= 2 else { throw AppError("\(data): fewer than 2 known characters") }
    let loss = meanLoss(loaded.model, tokens, batches: nil, batchSize: batchSize)
    printLine(
      "\(data): \(tokens.count) characters, loss \(fixed(loss, 4)) nats/char, \(fixed(loss / log(2), 4)) bits/char (\(model))"
    )
  }
}
