// Module: the base of every layer and model. Parameters are found by structure: stored `Tensor` properties
// with `requiresGrad` are parameters, other stored tensors are buffers (e.g. batch-norm running stats), and
// stored modules (or arrays of modules) are children. Dotted names (`blocks.0.conv.weight`) are the
// checkpoint keys.

/// Errors from loading state into a module.
public struct StateError: Error, CustomStringConvertible {
  /// What went wrong.
  public let description: String
  /// An error with its message.
  public init(_ description: String) { self.description = description }
}

/// Base class of layers and models (PyTorch's `nn.Module`).
open class Module {
  /// True in training mode (dropout active, batch norm uses batch statistics).
  public private(set) var isTraining = true

  /// A module with no parameters yet.
  public init() {}

  /// Child modules with their property names; arrays of modules are numbered (`layers.0`).
  public func namedChildren() -> [(String, Module)] {
    var result: [(String, Module)] = []
    visitProperties { name, value in
      if let m = value as? Module {
        result.append((name, m))
      } else if let ms = value as? [Module] {
        for (i, m) in ms.enumerated() { result.append(("\(name).\(i)", m)) }
      }
    }
    return result
  }

  /// Tensors stored directly on this module (not in children), parameters and buffers.
  private func ownTensors() -> [(String, Tensor)] {
    var result: [(String, Tensor)] = []
    visitProperties { name, value in
      if let t = value as? Tensor { result.append((name, t)) }
    }
    return result
  }

  private func visitProperties(_ body: (String, Any) -> Void) {
    var mirror: Mirror? = Mirror(reflecting: self)
    while let m = mirror {
      for child in m.children {
        guard let label = child.label else { continue }
        body(label.hasPrefix("_") ? String(label.dropFirst()) : label, child.value)
      }
      mirror = m.superclassMirror
    }
  }

  /// Every tensor in this module and its descendants with its dotted path (parameters and buffers).
  public func namedTensors(prefix: String = "") -> [(String, Tensor)] {
    var result = ownTensors().map { (prefix + $0.0, $0.1) }
    for (name, child) in namedChildren() { result += child.namedTensors(prefix: prefix + name + ".") }
    return result
  }

  /// Trainable parameters with their dotted paths.
  public func namedParameters() -> [(String, Tensor)] { namedTensors().filter { $0.1.requiresGrad } }

  /// Trainable parameters.
  public var parameters: [Tensor] { namedParameters().map(\.1) }

  /// Number of trainable scalars.
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

  /// Switches this module and its descendants to training (`true`) or evaluation mode.
  public func train(_ on: Bool = true) {
    isTraining = on
    for (_, c) in namedChildren() { c.train(on) }
  }

  /// Switches to evaluation mode.
  public func eval() { train(false) }

  /// Parameters and buffers by dotted name (the checkpoint contents).
  public func stateDict() -> [String: Tensor] {
    Dictionary(namedTensors(), uniquingKeysWith: { a, _ in a })
  }

  /// Copies tensors from `state` into this module. With `strict`, every tensor must be present and no
  /// extra ones may exist; shapes must match. The error names the first mismatching tensor.
  public func loadStateDict(_ state: [String: Tensor], strict: Bool = true) throws {
    let own = namedTensors()
    for (name, t) in own {
      guard let src = state[name] else {
        if strict { throw StateError("missing tensor '\(name)' (expected shape \(t.shape))") }
        continue
      }
      guard src.shape == t.shape else {
        throw StateError("tensor '\(name)' has shape \(src.shape) in the checkpoint but \(t.shape) in the model")
      }
    }
    if strict {
      let names = Set(own.map(\.0))
      if let extra = state.keys.sorted().first(where: { !names.contains($0) }) {
        throw StateError("unexpected tensor '\(extra)' (not part of this model)")
      }
    }
    for (name, t) in own { if let src = state[name] { t.assign(src) } }
  }

  /// Sets every parameter's gradient to nil.
  public func zeroGrad() { for p in parameters { p.grad = nil } }
}

/// A module mapping one tensor to one tensor.
public protocol Layer: Module {
  /// Applies the layer.
  func callAsFunction(_ input: Tensor) -> Tensor
}

/// Layers applied in order.
public final class Sequential: Module, Layer {
  /// The layers, in order.
  public let layers: [Module]
  private let calls: [(Tensor) -> Tensor]

  /// A chain of layers; `layers` become children `0`, `1`, ….
  public init(_ layers: [any Layer]) {
    self.layers = layers
    self.calls = layers.map { layer in { layer($0) } }
  }

  /// A chain of the given layers (variadic form).
  public convenience init(_ layers: any Layer...) { self.init(layers) }

  /// Applies the layers in order.
  public func callAsFunction(_ input: Tensor) -> Tensor { calls.reduce(input) { $1($0) } }

  /// Applies only the first `count` layers (e.g. all but the classifier head, for features).
  public func callAsFunction(_ input: Tensor, through count: Int) -> Tensor {
    calls.prefix(count).reduce(input) { $1($0) }
  }
}

/// A parameter-free layer from a function, e.g. `Function { $0.relu() }`.
public final class Function: Module, Layer {
  private let body: (Tensor) -> Tensor
  /// A layer applying `body`.
  public init(_ body: @escaping (Tensor) -> Tensor) { self.body = body }
  /// `body(input)`.
  public func callAsFunction(_ input: Tensor) -> Tensor { body(input) }
}

/// ReLU as a layer.
public func ReLU() -> Function { Function { $0.relu() } }
/// Flattens all but the batch dimension.
public func Flatten() -> Function { Function { $0.flattened() } }
/// Max pooling as a layer.
public func MaxPool2d(_ k: Int, stride: Int? = nil) -> Function {
  Function { $0.maxPool2d(kernel: (k, k), stride: stride.map { ($0, $0) }) }
}
