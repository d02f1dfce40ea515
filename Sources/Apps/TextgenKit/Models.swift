import Engine
import Foundation

// The language models textgen trains: a GPT (nanoGPT layout) and character RNN/GRU/LSTM networks.
// Legend: B = batch, T = positions, C = width, V = vocabulary, L = layers.

/// Which network and how big: stored as the checkpoint's `kestrel.config` together with the vocabulary.
public struct TextModelConfig: Codable, Sendable, Equatable {
  public enum Kind: String, Codable, Sendable, CaseIterable { case gpt, lstm, gru, rnn }
  public var kind: Kind = .gpt
  /// Layers (transformer blocks or recurrent layers).
  public var layers = 4
  /// Width: GPT embedding size, or RNN hidden size.
  public var width = 128
  /// GPT attention heads.
  public var heads = 4
  /// RNN input embedding size.
  public var embedding = 128
  /// Context: GPT block size (positions); RNNs train on windows of this length.
  public var context = 128
  public var dropout: Float = 0
  public var vocabulary = Vocabulary(scalars: [])

  public init() {}
}

/// A character language model: logits for a batch of token windows, and incremental generation.
public protocol LanguageModel: Module {
  var config: TextModelConfig { get }
  /// Logits (B, T, V) for `tokens` laid out as B rows of T.
  func logits(_ tokens: [Int], batch: Int, steps: Int) -> Tensor
  /// A generation session that remembers what it has been fed.
  func session() -> GenerationSession
}

/// Feeds tokens one call at a time and returns the next-token logits (V) after the last one.
public protocol GenerationSession: AnyObject {
  func feed(_ tokens: [Int]) -> [Float]
}

/// Builds the network for `config` (weights from the global generator).
public func makeLanguageModel(_ config: TextModelConfig) -> any LanguageModel {
  switch config.kind {
  case .gpt: return GPT(config)
  case .lstm, .gru, .rnn: return CharRNN(config)
  }
}

/// nanoGPT: token + position embeddings, pre-LN blocks, final LayerNorm, head tied to the token embedding.
public final class GPT: Module, LanguageModel {
  public let config: TextModelConfig
  let wte: Embedding
  let wpe: Embedding
  let blocks: [TransformerBlock]
  let lnF: LayerNorm

  public init(_ config: TextModelConfig) {
    self.config = config
    let c = config.width
    wte = Embedding(config.vocabulary.count, c)
    wpe = Embedding(config.context, c)
    blocks = (0..<config.layers).map { _ in TransformerBlock(width: c, heads: config.heads, dropout: config.dropout) }
    lnF = LayerNorm(c, bias: false)
    super.init()
    // nanoGPT init: N(0, 0.02), residual projections N(0, 0.02/√(2L)).
    for (name, p) in namedParameters() where p.rank == 2 {
      let std: Float =
        name.hasSuffix("proj.weight") || name.hasSuffix("fcProj.weight")
        ? 0.02 / Float(2 * config.layers).squareRoot() : 0.02
      p.assign(Tensor.randn(p.shape, std: std))
    }
  }

  /// Hidden states (B, T, C) → logits (B, T, V) through the final norm and the tied head.
  func head(_ x: Tensor) -> Tensor { lnF(x).matmul(wte.weight.transposed()) }

  /// (B, T) tokens starting at absolute position `start` → (B, T, C), through the blocks.
  func hidden(_ tokens: [Int], batch: Int, steps: Int, start: Int = 0, caches: [KVCache]? = nil) -> Tensor {
    let tok = wte(tokens, shape: [batch, steps])  // (B, T, C)
    let pos = wpe(Array(start..<(start + steps)), shape: [1, steps])  // (1, T, C)
    var x = (tok + pos).dropout(config.dropout, training: isTraining)
    for (i, block) in blocks.enumerated() { x = block(x, cache: caches?[i]) }
    return x
  }

  public func logits(_ tokens: [Int], batch: Int, steps: Int) -> Tensor {
    head(hidden(tokens, batch: batch, steps: steps))
  }

  public func session() -> GenerationSession { GPTSession(self) }
}

/// KV-cached GPT generation. When the context is full, the cache is rebuilt from the last half of the context
/// (positions restart at 0), as nanoGPT's crop-and-recompute does, so positions never exceed the block size.
final class GPTSession: GenerationSession {
  let model: GPT
  var caches: [KVCache]
  var history: [Int] = []

  init(_ model: GPT) {
    self.model = model
    caches = model.blocks.map { _ in KVCache(window: model.config.context) }
    model.eval()
  }

  func feed(_ tokens: [Int]) -> [Float] {
    noGrad {
      let n = model.config.context
      var last: Tensor? = nil
      for chunkStart in stride(from: 0, to: tokens.count, by: n) {
        var chunk = Array(tokens[chunkStart..<min(tokens.count, chunkStart + n)])
        if caches[0].count + chunk.count > n {
          let keep = Array((history + chunk).suffix(n / 2 + chunk.count).prefix(n / 2))
          for c in caches { c.reset() }
          history = []
          if !keep.isEmpty {
            _ = model.hidden(keep, batch: 1, steps: keep.count, start: 0, caches: caches)
            history = keep
          }
          chunk = Array(chunk.suffix(n - history.count))
        }
        let h = model.hidden(chunk, batch: 1, steps: chunk.count, start: history.count, caches: caches)
        history += chunk
        last = h.slice(axis: 1, (chunk.count - 1)..<chunk.count)  // (1, 1, C)
      }
      guard let last else { return [] }
      return model.head(last.contiguous()).toArray()
    }
  }
}

/// Character RNN (char-rnn): embedding → RNN/GRU/LSTM stack → linear head.
public final class CharRNN: Module, LanguageModel {
  public let config: TextModelConfig
  let embedding: Embedding
  let rnn: Recurrent
  let headLayer: Linear

  public init(_ config: TextModelConfig) {
    self.config = config
    let cell: RecurrentCell = config.kind == .gru ? .gru : config.kind == .rnn ? .rnn : .lstm
    embedding = Embedding(config.vocabulary.count, config.embedding)
    rnn = Recurrent(
      cell, inputSize: config.embedding, hiddenSize: config.width, layers: config.layers, dropout: config.dropout)
    headLayer = Linear(config.width, config.vocabulary.count)
  }

  /// Logits (B, T, V) and the final state, from `state` (zeros when nil).
  func run(_ tokens: [Int], batch: Int, steps: Int, state: RecurrentState?) -> (Tensor, RecurrentState) {
    let (h, s) = rnn(tokens: tokens, embedding: embedding, shape: [batch, steps], state: state)  // (B, T, H)
    return (headLayer(h.dropout(config.dropout, training: isTraining)), s)
  }

  public func logits(_ tokens: [Int], batch: Int, steps: Int) -> Tensor {
    run(tokens, batch: batch, steps: steps, state: nil).0
  }

  public func session() -> GenerationSession { RNNSession(self) }
}

/// RNN generation: the recurrent state is carried from call to call.
final class RNNSession: GenerationSession {
  let model: CharRNN
  var state: RecurrentState?

  init(_ model: CharRNN) {
    self.model = model
    model.eval()
  }

  func feed(_ tokens: [Int]) -> [Float] {
    guard !tokens.isEmpty else { return [] }
    return noGrad {
      let (logits, s) = model.run(tokens, batch: 1, steps: tokens.count, state: state)
      state = s
      return logits.slice(axis: 1, (tokens.count - 1)..<tokens.count).contiguous().toArray()
    }
  }
}
