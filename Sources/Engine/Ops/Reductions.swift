// Reductions over axes: sum, mean, max (with argmax), and `sumTo` for broadcasting backward.
// A single-axis reduction views the contiguous input as (outer, n, inner) and produces (outer, inner).

extension Tensor {
  /// Sum over one axis of a contiguous tensor viewed as (outer, n, inner) → (outer, inner).
  private func sumAxisKernel(_ ax: Int) -> Tensor {
    let src = contiguous()
    let n = shape[ax]
    let outer = shape[..<ax].reduce(1, *)
    let inner = shape[(ax + 1)...].reduce(1, *)
    var outShape = shape
    outShape[ax] = 1
    let out = Tensor(zeros: outShape)
    let ps = src.ptr
    let po = out.ptr
    if inner == 1 {
      for o in 0..<outer {
        let row = ps + o &* n
        var acc: Float = 0
        for k in 0..<n { acc += row[k] }
        po[o] = acc
      }
    } else {
      for o in 0..<outer {
        let dst = po + o &* inner
        for k in 0..<n {
          let row = ps + (o &* n &+ k) &* inner
          for i in 0..<inner { dst[i] += row[i] }
        }
      }
    }
    return out
  }

  /// Sum over `axes` (negative axes count from the end). Reduced axes are kept as size 1 when `keepDims`.
  public func sum(axes: [Int], keepDims: Bool = false) -> Tensor {
    let ax = Set(axes.map { axis($0, op: "sum") })
    var result = self.detached()
    for a in ax.sorted(by: >) where shape[a] != 1 { result = result.sumAxisKernel(a) }
    if result === self || result.storage === storage { result = copy() }
    let keptShape = shape.enumerated().map { ax.contains($0.offset) ? 1 : $0.element }
    let outShape = keepDims ? keptShape : shape.enumerated().filter { !ax.contains($0.offset) }.map(\.element)
    let out = Tensor(storage: result.storage, shape: outShape, strides: Tensor.contiguousStrides(outShape))
    return out.recording("sum", [self]) { [shape] g in
      [g.reshaped(keptShape).expanded(to: shape).contiguous()]
    }
  }

  /// Sum over one axis.
  public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

  /// Sum of all elements (a 0-d tensor).
  public func sum() -> Tensor {
    let src = contiguous()
    var acc: Float = 0
    let p = src.ptr
    for i in 0..<count { acc += p[i] }
    return Tensor(scalar: acc).recording("sum_all", [self]) { [shape] g in
      [Tensor(repeating: g.item, shape: shape)]
    }
  }

  /// Mean of all elements.
  public func mean() -> Tensor { sum() * (1 / Float(Swift.max(count, 1))) }

  /// Mean over `axes`.
  public func mean(axes: [Int], keepDims: Bool = false) -> Tensor {
    let n = axes.map { shape[axis($0, op: "mean")] }.reduce(1, *)
    return sum(axes: axes, keepDims: keepDims) * (1 / Float(Swift.max(n, 1)))
  }

  /// Mean over one axis.
  public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }

  /// Sums a broadcast gradient back to `target` (the shape of the operand that was broadcast).
  public func sumTo(_ target: [Int]) -> Tensor {
    if shape == target { return self }
    let lead = rank - target.count
    precondition(lead >= 0, "sumTo: cannot reduce shape \(shape) to \(target)")
    var axes = Array(0..<lead)
    for i in 0..<target.count where target[i] == 1 && shape[i + lead] != 1 { axes.append(i + lead) }
    return sum(axes: axes, keepDims: true).reshaped(target)
  }

  /// Maximum and its index over `axis`; both have the axis removed (or kept as 1 when `keepDims`).
  public func max(axis a: Int, keepDims: Bool = false) -> (values: Tensor, indices: [Int]) {
    let ax = axis(a, op: "max")
    let src = contiguous()
    let n = shape[ax]
    precondition(n > 0, "max: axis \(a) of shape \(shape) is empty")
    let outer = shape[..<ax].reduce(1, *)
    let inner = shape[(ax + 1)...].reduce(1, *)
    var keptShape = shape
    keptShape[ax] = 1
    var outShape = shape
    if keepDims { outShape[ax] = 1 } else { outShape.remove(at: ax) }
    let out = Tensor(uninitializedShape: outShape)
    var idx = [Int](repeating: 0, count: outer * inner)
    let ps = src.ptr
    let po = out.ptr
    for o in 0..<outer {
      for i in 0..<inner {
        var best = -Float.infinity
        var bi = 0
        for k in 0..<n {
          let v = ps[(o &* n &+ k) &* inner &+ i]
          if v > best || (k == 0) {
            best = v
            bi = k
          }
        }
        po[o &* inner &+ i] = best
        idx[o &* inner &+ i] = bi
      }
    }
    let values = out.recording("max", [self]) { [shape] g in
      let dx = Tensor(zeros: shape)
      let gc = g.contiguous()
      for o in 0..<outer {
        for i in 0..<inner {
          dx.ptr[(o &* n &+ idx[o &* inner &+ i]) &* inner &+ i] = gc.ptr[o &* inner &+ i]
        }
      }
      return [dx]
    }
    return (values, idx)
  }

  /// Index of the maximum along `axis` (first one on ties), as a flat array in row-major order of the rest.
  public func argmax(axis a: Int = -1) -> [Int] { noGrad { max(axis: a).indices } }

  /// Largest element.
  public func max() -> Float { toArray().max() ?? -.infinity }
}
