import Engine
import Foundation

// The encoder-decoder Transformer translator (Vaswani et al. 2017; workload W6 in its default sizes).
// Legend: B = batch, S = source positions, T = target positions, C = width, H = heads, V = vocabulary.

/// Architecture and tokenizers of a translator: stored as the checkpoint's `kestrel.config`.
public struct TranslatorConfig: Codable, Sendable, Equatable {
  public var width = 128
  public var heads = 4
  public var encoderLayers = 2
  public var decoderLayers = 2
  public var feedForward = 512
  public var dropout: Float = 0.1
  /// Pre-LN (x + f(norm(x))) instead of the original post-LN (norm(x + f(x))).
  public var preNorm = false
  /// Longest source or target in tokens (the position table's size).
  public var maxLength = 256
  public var sourceLanguage = "en"
  public var targetLanguage = "zh"
  public var source = SubwordTokenizer(tokens: [], merges: [])
  public var target = SubwordTokenizer(tokens: [], merges: [])
  public init() {}
}

/// Fixed sinusoidal positions, kept outside the module tree (not a parameter, not saved).
final class PositionTable {
  let table: Tensor  // (maxLength, C)
  init(_ n: Int, _ c: Int) { table = sinusoidalPositions(n, c) }
}

/// Encoder-decoder Transformer: embeddings × √C + sinusoidal positions, encoder and decoder stacks with final
/// LayerNorms (as PyTorch's nn.Transformer), a linear generator over the target vocabulary.
public final class Translator: Module {
  public let config: TranslatorConfig
  let sourceEmbedding: Embedding
  let targetEmbedding: Embedding
  let encoder: [TransformerEncoderLayer]
  let decoder: [TransformerDecoderLayer]
  let encoderNorm: LayerNorm
  let decoderNorm: LayerNorm
  let generator: Linear
  let positions: PositionTable

  public init(_ config: TranslatorConfig) {
    self.config = config
    let c = config.width
    sourceEmbedding = Embedding(config.source.count, c)
    targetEmbedding = Embedding(config.target.count, c)
    encoder = (0..<config.encoderLayers).map { _ in
      TransformerEncoderLayer(
        width: c, heads: config.heads, hidden: config.feedForward, dropout: config.dropout, preNorm: config.preNorm)
    }
    decoder = (0..<config.decoderLayers).map { _ in
      TransformerDecoderLayer(
        width: c, heads: config.heads, hidden: config.feedForward, dropout: config.dropout, preNorm: config.preNorm)
    }
    encoderNorm = LayerNorm(c)
    decoderNorm = LayerNorm(c)
    generator = Linear(c, config.target.count)
    positions = PositionTable(config.maxLength, c)
    super.init()
    // nn.Transformer's init: Xavier-uniform for every matrix inside the encoder/decoder stacks.
    for (name, p) in namedParameters()
    where p.rank == 2 && (name.hasPrefix("encoder.") || name.hasPrefix("decoder.")) {
      let bound = (6 / Float(p.shape[0] + p.shape[1])).squareRoot()
      p.assign(Tensor.uniform(p.shape, low: -bound, high: bound))
    }
  }

  func embed(_ e: Embedding, _ tokens: [Int], batch: Int, steps: Int, start: Int) -> Tensor {
    let x = e(tokens, shape: [batch, steps]) * Float(config.width).squareRoot()  // (B, L, C)
    let pos = positions.table.slice(axis: 0, start..<(start + steps))  // (L, C)
    return (x + pos).dropout(config.dropout, training: isTraining)
  }

  /// Encoder output (B, S, C) for right-padded `tokens` (B rows of S) whose real lengths are `lengths`.
  public func encode(_ tokens: [Int], batch: Int, steps: Int, lengths: [Int]) -> Tensor {
    var x = embed(sourceEmbedding, tokens, batch: batch, steps: steps, start: 0)
    for layer in encoder { x = layer(x, lengths: lengths) }
    return encoderNorm(x)
  }

  /// Each decoder layer's cross-attention keys and values (B, H, S, D) of an encoder output.
  public func memory(_ encoded: Tensor) -> [(keys: Tensor, values: Tensor)] {
    decoder.map { layer in
      let (k, v) = layer.crossAttn.keysValues(encoded)
      return (k, v)
    }
  }

  /// Decoder hidden states (B, T, C) for target inputs (B rows of T) starting at position `start`.
  public func decode(
    _ tokens: [Int], batch: Int, steps: Int, start: Int = 0, memory: [(keys: Tensor, values: Tensor)],
    memoryLengths: [Int]?, caches: [DecoderCache]? = nil
  ) -> Tensor {
    var x = embed(targetEmbedding, tokens, batch: batch, steps: steps, start: start)
    for (i, layer) in decoder.enumerated() {
      x = layer(x, memory: memory[i], memoryLengths: memoryLengths, cache: caches?[i])
    }
    return decoderNorm(x)
  }

  /// Logits (…, V) of decoder states.
  public func logits(_ hidden: Tensor) -> Tensor { generator(hidden) }

  /// Teacher-forced logits (B, T, V) for a padded batch.
  public func callAsFunction(_ batch: TranslationBatch) -> Tensor {
    let enc = encode(batch.source, batch: batch.size, steps: batch.sourceSteps, lengths: batch.sourceLengths)
    let h = decode(
      batch.targetInput, batch: batch.size, steps: batch.targetSteps, memory: memory(enc),
      memoryLengths: batch.sourceLengths)
    return logits(h)  // (B, T, V)
  }
}

/// A right-padded batch: source ids, decoder inputs (<bos> + target) and labels (target + <eos>, pad elsewhere).
public struct TranslationBatch: Sendable {
  public var size: Int
  public var sourceSteps: Int
  public var targetSteps: Int
  public var source: [Int]
  public var sourceLengths: [Int]
  public var targetInput: [Int]
  public var targetOutput: [Int]

  /// Pads encoded pairs (source ids, target ids without specials) into one batch.
  public init(_ pairs: [(source: [Int], target: [Int])]) {
    size = pairs.count
    sourceSteps = max(1, pairs.map(\.source.count).max() ?? 1)
    targetSteps = (pairs.map(\.target.count).max() ?? 0) + 1
    source = []
    sourceLengths = []
    targetInput = []
    targetOutput = []
    let pad = SubwordTokenizer.pad
    for p in pairs {
      let s = p.source.isEmpty ? [SubwordTokenizer.unk] : p.source
      source += s + Array(repeating: pad, count: sourceSteps - s.count)
      sourceLengths.append(s.count)
      let fill = Array(repeating: pad, count: targetSteps - 1 - p.target.count)
      targetInput += [SubwordTokenizer.bos] + p.target + fill
      targetOutput += p.target + [SubwordTokenizer.eos] + fill
    }
  }

  /// Target tokens that count in the loss (not padding).
  public var targetTokens: Int { targetOutput.filter { $0 != SubwordTokenizer.pad }.count }
}
