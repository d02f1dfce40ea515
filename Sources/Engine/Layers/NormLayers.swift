/// Batch normalisation over the channel dimension of (N, C) or (N, C, H, W) input.
public class BatchNorm: Module, Layer {
  /// Scale (C), when affine.
  public var weight: Tensor?
  /// Shift (C), when affine.
  public var bias: Tensor?
  /// Running mean (C), updated in training.
  public var runningMean: Tensor
  /// Running (unbiased) variance (C), updated in training.
  public var runningVar: Tensor
  /// Weight of the newest batch in the running statistics (PyTorch's `momentum`).
  public var momentum: Float
  /// Added to the variance.
  public let eps: Float
  /// Sums per-channel statistics over the ranks of a data-parallel job in place, for synchronised batch norm
  /// (`DataParallel.synchronizeBatchNorm`); nil keeps statistics per rank (the default, as in PyTorch DDP).
  public var statisticsReducer: ((inout [Double]) -> Void)?

  /// Batch norm over `features` channels.
  public init(_ features: Int, momentum: Float = 0.1, eps: Float = 1e-5, affine: Bool = true) {
    weight = affine ? Tensor(repeating: 1, shape: [features], requiresGrad: true) : nil
    bias = affine ? Tensor(zeros: [features], requiresGrad: true) : nil
    runningMean = Tensor(zeros: [features])
    runningVar = Tensor(repeating: 1, shape: [features])
    self.momentum = momentum
    self.eps = eps
  }

  /// (N, C) or (N, C, H, W), normalised by batch statistics in training and by the running ones in eval.
  public func callAsFunction(_ input: Tensor) -> Tensor {
    input.batchNorm(
      runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias, training: isTraining,
      momentum: momentum, eps: eps, reduce: statisticsReducer)
  }
}

/// Batch norm for (N, C) input.
public final class BatchNorm1d: BatchNorm {
  public override func callAsFunction(_ input: Tensor) -> Tensor {
    precondition(input.rank == 2, "BatchNorm1d: expected (N, C), got \(input.shape)")
    return super.callAsFunction(input)
  }
}

/// Batch norm for (N, C, H, W) input.
public final class BatchNorm2d: BatchNorm {
  public override func callAsFunction(_ input: Tensor) -> Tensor {
    precondition(input.rank == 4, "BatchNorm2d: expected (N, C, H, W), got \(input.shape)")
    return super.callAsFunction(input)
  }
}

/// Layer normalisation over the last dimension.
public final class LayerNorm: Module, Layer {
  /// Scale (D).
  public var weight: Tensor
  /// Shift (D), when the layer has one.
  public var bias: Tensor?
  /// Added to the variance.
  public let eps: Float

  /// Layer norm over a last dimension of `features`.
  public init(_ features: Int, eps: Float = 1e-5, bias: Bool = true) {
    weight = Tensor(repeating: 1, shape: [features], requiresGrad: true)
    self.bias = bias ? Tensor(zeros: [features], requiresGrad: true) : nil
    self.eps = eps
  }

  /// (…, D) → (…, D), normalised over D.
  public func callAsFunction(_ input: Tensor) -> Tensor { input.layerNorm(weight: weight, bias: bias, eps: eps) }
}

extension Layer {
  /// Recomputes every batch norm's running statistics as the plain average over `batches` forward passes of
  /// `batch(k)` in training mode (no gradients), as SWA's `update_bn` and BigGAN's "standing statistics" do.
  /// Needed when weights change outside training (e.g. a moving average of weights), so that the statistics
  /// gathered during training no longer match them. Leaves the layer in evaluation mode.
  public func recalibrateBatchNorm(batches: Int, _ batch: (Int) -> Tensor) {
    let norms = allModules().compactMap { $0 as? BatchNorm }
    let saved = norms.map(\.momentum)
    for bn in norms {
      bn.runningMean.ptr.update(repeating: 0, count: bn.runningMean.count)
      bn.runningVar.ptr.update(repeating: 0, count: bn.runningVar.count)
    }
    train()
    noGrad {
      for k in 0..<batches {
        for bn in norms { bn.momentum = 1 / Float(k + 1) }  // cumulative average over the k + 1 batches
        _ = self(batch(k))
      }
    }
    for (bn, m) in zip(norms, saved) { bn.momentum = m }
    eval()
  }
}

extension Module {
  /// Every module in this tree (itself first, then its descendants, depth-first).
  public func allModules() -> [Module] { [self] + namedChildren().flatMap { $0.1.allModules() } }
}
