// Reverse-mode autograd: each op that sees an input with `requiresGrad` attaches a `GradFn` to its result,
// holding the inputs and a closure that maps the output's gradient to the inputs' gradients. `backward()`
// orders the graph topologically, sweeps it in reverse, accumulates leaf gradients into `grad`, and frees
// every visited node so intermediates are released as soon as backward is done.

/// The recorded operation behind a non-leaf tensor.
final class GradFn {
  let name: String
  var inputs: [Tensor]
  var backward: ((Tensor) -> [Tensor?])?

  init(name: String, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) {
    self.name = name
    self.inputs = inputs
    self.backward = backward
  }
}

/// Called with each leaf (parameter) whose gradient a running `backward()` has finished: every use of the leaf
/// in the graph has added its share. Data-parallel training starts reducing a bucket of gradients from here
/// while backward goes on (`DistributedDataParallel`). One observer at a time; nil when unused.
enum GradientHooks {
  nonisolated(unsafe) static var leafReady: ((Tensor) -> Void)?
}

/// Global switch for graph recording; see `noGrad(_:)`. Kestrel runs a graph on one thread at a time.
public enum GradMode {
  nonisolated(unsafe) static var enabled = true
  /// True while operations record a graph for `backward()`.
  public static var isEnabled: Bool { enabled }
}

/// Runs `body` without recording a graph (inference, optimizer updates, metrics).
@discardableResult
public func noGrad<R>(_ body: () throws -> R) rethrows -> R {
  let previous = GradMode.enabled
  GradMode.enabled = false
  defer { GradMode.enabled = previous }
  return try body()
}

extension Tensor {
  /// Attaches a backward closure to `self` (an op result) when grad mode is on and an input needs a gradient.
  /// The closure receives dL/d(self) and returns dL/d(input) for each input (nil where not needed).
  @discardableResult
  func recording(_ name: String, _ inputs: [Tensor], _ backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
    guard GradMode.enabled, inputs.contains(where: { $0.requiresGrad }) else { return self }
    requiresGrad = true
    gradFn = GradFn(name: name, inputs: inputs, backward: backward)
    return self
  }

  /// A tensor sharing this one's data but cut from the graph.
  public func detached() -> Tensor {
    Tensor(storage: storage, shape: shape, strides: strides, offset: offset)
  }

  /// Marks a leaf tensor as a parameter-like tensor whose gradient is accumulated.
  @discardableResult
  public func requiringGrad(_ flag: Bool = true) -> Tensor {
    requiresGrad = flag
    return self
  }

  /// Name of the op that produced this tensor, if it is still part of a graph.
  public var gradFnName: String? { gradFn?.name }

  /// Back-propagates from this tensor. A scalar needs no `gradient`; other shapes need dL/d(self).
  /// Gradients accumulate into the `grad` of every leaf with `requiresGrad`; the graph is freed afterwards.
  public func backward(_ gradient: Tensor? = nil) {
    precondition(requiresGrad, "backward: tensor of shape \(shape) does not require grad (is it under noGrad?)")
    let seed: Tensor
    if let g = gradient {
      precondition(g.shape == shape, "backward: gradient shape \(g.shape) does not match tensor shape \(shape)")
      seed = g
    } else {
      precondition(count == 1, "backward: tensor of shape \(shape) is not a scalar; pass a gradient")
      seed = Tensor(repeating: 1, shape: shape)
    }
    noGrad {
      let order = topologicalOrder()
      var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
      if gradFn == nil {  // backward on a leaf
        accumulateLeafGrad(seed)
        GradientHooks.leafReady?(self)
        return
      }
      let ready = GradientHooks.leafReady
      var uses = ready == nil ? [:] : Self.leafUses(order)
      for node in order.reversed() {
        guard let fn = node.gradFn else { continue }
        node.gradFn = nil  // free the graph as we go
        guard let g = grads.removeValue(forKey: ObjectIdentifier(node)), let bw = fn.backward else { continue }
        let inputGrads = bw(g)
        for (input, ig) in zip(fn.inputs, inputGrads) {
          guard let ig, input.requiresGrad else { continue }
          precondition(
            ig.shape == input.shape,
            "backward of \(fn.name): gradient shape \(ig.shape) does not match input shape \(input.shape)")
          if input.gradFn == nil {
            input.accumulateLeafGrad(ig)
            if let ready, let left = uses[ObjectIdentifier(input)] {
              if left == 1 { ready(input) }
              uses[ObjectIdentifier(input)] = left - 1
            }
          } else if let existing = grads[ObjectIdentifier(input)] {
            grads[ObjectIdentifier(input)] = existing + ig
          } else {
            grads[ObjectIdentifier(input)] = ig
          }
        }
        fn.inputs = []
        fn.backward = nil
      }
    }
  }

  /// How many times each leaf that needs a gradient is an input of a node in `order` (its gradient is final
  /// when that many contributions have been added).
  private static func leafUses(_ order: [Tensor]) -> [ObjectIdentifier: Int] {
    var uses: [ObjectIdentifier: Int] = [:]
    for node in order {
      for input in node.gradFn?.inputs ?? [] where input.requiresGrad && input.gradFn == nil {
        uses[ObjectIdentifier(input), default: 0] += 1
      }
    }
    return uses
  }

  /// Adds `g` into `grad`, allocating an owned buffer on first use.
  func accumulateLeafGrad(_ g: Tensor) {
    if let existing = grad {
      let n = count
      let src = g.contiguous()
      let d = existing.ptr
      let s = src.ptr
      for i in 0..<n { d[i] += s[i] }
    } else {
      grad = g.copy()
    }
  }

  /// Nodes reachable from `self` through `gradFn`, inputs before outputs.
  private func topologicalOrder() -> [Tensor] {
    var order: [Tensor] = []
    var visited = Set<ObjectIdentifier>()
    var stack: [(Tensor, Bool)] = [(self, false)]
    while let (t, expanded) = stack.popLast() {
      if expanded {
        order.append(t)
        continue
      }
      guard visited.insert(ObjectIdentifier(t)).inserted else { continue }
      stack.append((t, true))
      for input in t.gradFn?.inputs ?? [] where input.gradFn != nil && !visited.contains(ObjectIdentifier(input)) {
        stack.append((input, false))
      }
    }
    return order
  }
}
