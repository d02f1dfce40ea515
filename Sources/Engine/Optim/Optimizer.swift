// Optimizers update parameters in place from their accumulated `grad`. Each keeps per-parameter state
// (momentum, moments) keyed by the parameter's dotted name so it can be saved in a checkpoint and restored.

/// A first-order optimizer (PyTorch's `torch.optim.Optimizer`).
public protocol Optimizer: AnyObject {
  /// Current learning rate (schedules set it before each step).
  var learningRate: Float { get set }
  /// Parameters with their dotted names, in a fixed order.
  var namedParameters: [(String, Tensor)] { get }
  /// Number of `step()` calls so far.
  var stepCount: Int { get set }
  /// Applies one update from the parameters' gradients (parameters without a gradient are skipped).
  func step()
  /// Per-parameter state tensors, keyed `"<state>.<parameter>"`.
  func stateTensors() -> [String: Tensor]
  /// Restores state saved by `stateTensors()`; throws naming the first missing or mismatching tensor.
  func loadStateTensors(_ state: [String: Tensor]) throws
}

extension Optimizer {
  /// Clears every parameter's gradient.
  public func zeroGrad() { for (_, p) in namedParameters { p.grad = nil } }
}

/// The storage every optimizer here shares (PyTorch's `Optimizer` base): the parameters, learning rate, weight
/// decay, step count and the named per-parameter state slots that checkpoints save and restore.
public class OptimizerBase {
  /// Current learning rate (schedules set it before each step).
  public var learningRate: Float
  /// Weight decay (L2 or decoupled, by optimizer).
  public let weightDecay: Float
  /// Parameters with their dotted names, in a fixed order.
  public let namedParameters: [(String, Tensor)]
  /// Number of `step()` calls so far.
  public var stepCount = 0
  /// The per-parameter state, one slot per kind (momentum, moments).
  let slots: [StateSlots]

  init(_ parameters: [(String, Tensor)], learningRate: Float, weightDecay: Float, slots: [(String, Float)]) {
    (namedParameters, self.learningRate, self.weightDecay) = (parameters, learningRate, weightDecay)
    self.slots = slots.map { StateSlots($0.0, like: parameters, fill: $0.1) }
  }

  /// Per-parameter state tensors, keyed `"<state>.<parameter>"`.
  public func stateTensors() -> [String: Tensor] { slots.export(namedParameters) }

  /// Restores state saved by `stateTensors()`; throws naming the first missing or mismatching tensor.
  public func loadStateTensors(_ state: [String: Tensor]) throws { try slots.load(namedParameters, from: state) }
}

/// Named state buffers for one kind of per-parameter state (e.g. Adam's first moment).
final class StateSlots {
  let name: String
  var buffers: [Tensor]

  init(_ name: String, like params: [(String, Tensor)], fill: Float = 0) {
    self.name = name
    buffers = params.map { Tensor(repeating: fill, shape: $0.1.shape) }
  }

  func export(_ params: [(String, Tensor)], into dict: inout [String: Tensor]) {
    for (i, (n, _)) in params.enumerated() { dict["\(name).\(n)"] = buffers[i] }
  }

  func load(_ params: [(String, Tensor)], from dict: [String: Tensor]) throws {
    for (i, (n, p)) in params.enumerated() {
      guard let t = dict["\(name).\(n)"] else { throw StateError("optimizer state '\(name).\(n)' is missing") }
      guard t.shape == p.shape else {
        throw StateError("optimizer state '\(name).\(n)' has shape \(t.shape), parameter has \(p.shape)")
      }
      buffers[i].assign(t)
    }
  }
}

extension Array where Element == StateSlots {
  /// Every slot's buffers, keyed `"<state>.<parameter>"` (an optimizer's `stateTensors()`).
  func export(_ params: [(String, Tensor)]) -> [String: Tensor] {
    var dict: [String: Tensor] = [:]
    for slot in self { slot.export(params, into: &dict) }
    return dict
  }

  /// Restores every slot from `dict` (an optimizer's `loadStateTensors(_:)`).
  func load(_ params: [(String, Tensor)], from dict: [String: Tensor]) throws {
    for slot in self { try slot.load(params, from: dict) }
  }
}

/// Visits each parameter that has a gradient with raw pointers to its values, gradient and index.
@inline(__always)
func forEachParameter(
  _ params: [(String, Tensor)],
  _ body: (Int, UnsafeMutablePointer<Float>, UnsafePointer<Float>, Int) -> Void
) {
  for (i, (_, p)) in params.enumerated() {
    guard let g = p.grad else { continue }
    let gc = g.contiguous()
    withExtendedLifetime(gc) { body(i, p.ptr, UnsafePointer(gc.ptr), p.count) }
  }
}
