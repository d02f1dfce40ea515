// Multi-layer recurrent networks (RNN, GRU, LSTM), batch-first, with state carried across calls.
// Legend: B = batch, T = time, I = input width, H = hidden width, L = layers, G = gates.

/// Weights of one recurrent layer in PyTorch's layout (`weight_ih_l{k}` … become `layers.k.weightIH` …).
public final class RecurrentWeights: Module {
  /// Input weights (G·H, I).
  public var weightIH: Tensor  // (G·H, I)
  /// Hidden weights (G·H, H).
  public var weightHH: Tensor  // (G·H, H)
  /// Input bias (G·H).
  public var biasIH: Tensor?  // (G·H)
  /// Hidden bias (G·H).
  public var biasHH: Tensor?  // (G·H)

  /// PyTorch's init: every tensor uniform in ±1/√H.
  init(_ cell: RecurrentCell, input: Int, hidden: Int, bias: Bool) {
    let gh = cell.gates * hidden
    func u(_ shape: [Int]) -> Tensor {
      Init.torchDefault(shape, fanIn: hidden, generator: &Random.global).requiringGrad()
    }
    weightIH = u([gh, input])
    weightHH = u([gh, hidden])
    biasIH = bias ? u([gh]) : nil
    biasHH = bias ? u([gh]) : nil
  }
}

/// Hidden (and, for LSTM, cell) state of every layer: h[l], c[l] are (B, H).
public struct RecurrentState {
  /// Hidden state (B, H) per layer.
  public var h: [Tensor]
  /// LSTM cell state (B, H) per layer.
  public var c: [Tensor]?

  /// A state from per-layer tensors.
  public init(h: [Tensor], c: [Tensor]?) {
    self.h = h
    self.c = c
  }

  /// All-zero state for `layers` layers, batch `batch`, width `hidden`.
  public static func zeros(_ cell: RecurrentCell, layers: Int, batch: Int, hidden: Int) -> RecurrentState {
    let z = (0..<layers).map { _ in Tensor(zeros: [batch, hidden]) }
    return RecurrentState(h: z, c: cell == .lstm ? (0..<layers).map { _ in Tensor(zeros: [batch, hidden]) } : nil)
  }
}

/// A stack of recurrent layers (PyTorch's `nn.RNN` / `nn.GRU` / `nn.LSTM` with `batch_first=True`), with
/// dropout between layers in training mode.
public final class Recurrent: Module {
  /// The cell kind.
  public let cell: RecurrentCell
  /// Hidden units per layer.
  public let hiddenSize: Int
  /// The weights of each layer.
  public let layers: [RecurrentWeights]
  /// Dropout between layers (training only).
  public let dropout: Float

  /// A stack of `layers` recurrent layers.
  public init(
    _ cell: RecurrentCell, inputSize: Int, hiddenSize: Int, layers: Int = 1, bias: Bool = true,
    dropout: Float = 0
  ) {
    self.cell = cell
    self.hiddenSize = hiddenSize
    self.layers = (0..<layers).map {
      RecurrentWeights(cell, input: $0 == 0 ? inputSize : hiddenSize, hidden: hiddenSize, bias: bias)
    }
    self.dropout = dropout
  }

  /// Runs the stack over `input` (B, T, I) from `state` (zeros when nil). Returns the last layer's outputs
  /// (B, T, H) and the final state of every layer (detached, ready to be carried into the next call).
  public func callAsFunction(_ input: Tensor, state: RecurrentState? = nil) -> (Tensor, RecurrentState) {
    run(input, projected: false, state: state)
  }

  /// The stack over `embedding(tokens, shape: [B, T])`: the same values and gradients. When the vocabulary
  /// is small against the batch (V ≤ B·T / 2, as in character models), the first layer's input projections
  /// are rows of a (V, G·H) table, embedding × Wᵢᵀ, instead of a (B·T, E) × (E, G·H) product per batch.
  public func callAsFunction(
    tokens: [Int], embedding: Embedding, shape: [Int], state: RecurrentState? = nil
  ) -> (Tensor, RecurrentState) {
    let vocabulary = embedding.weight.shape[0]
    guard let first = layers.first, 2 * vocabulary <= tokens.count else {
      return run(embedding(tokens, shape: shape), projected: false, state: state)
    }
    // The biases join the table too (GRU's bₕ stays in the cell, which multiplies its n part by r).
    var table = embedding.weight.matmul(first.weightIH.transposed())  // (V, G·H)
    if let b = first.biasIH { table = table + b }
    if cell != .gru, let b = first.biasHH { table = table + b }
    return run(table.indexSelect(rows: tokens).reshaped(shape + [table.shape[1]]), projected: true, state: state)
  }

  /// `input` is (B, T, I), or with `projected` the first layer's input projections (B, T, G·H).
  func run(_ input: Tensor, projected: Bool, state: RecurrentState?) -> (Tensor, RecurrentState) {
    let start =
      state ?? .zeros(cell, layers: layers.count, batch: input.shape[0], hidden: hiddenSize)
    var x = input
    var hs: [Tensor] = []
    var cs: [Tensor] = []
    for (l, w) in layers.enumerated() {
      if l > 0 { x = x.dropout(dropout, training: isTraining) }
      let fromTable = projected && l == 0  // the table already holds Wᵢ and the biases it could take
      let r = x.recurrent(
        cell, h0: start.h[l], c0: start.c?[l], wIH: fromTable ? nil : w.weightIH, wHH: w.weightHH,
        bIH: fromTable ? nil : w.biasIH, bHH: fromTable && cell != .gru ? nil : w.biasHH)
      x = r.output  // (B, T, H)
      hs.append(r.h)
      if let c = r.c { cs.append(c) }
    }
    return (x, RecurrentState(h: hs, c: cell == .lstm ? cs : nil))
  }
}
