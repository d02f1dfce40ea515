// Layout ops: reshape, permute/transpose, slice (views when possible), contiguous, concat, stack, pad.

extension Tensor {
  /// This tensor in row-major layout: `self` when already contiguous, otherwise a copy.
  public func contiguous() -> Tensor {
    if isContiguous { return self }
    return copy().recording("contiguous", [self]) { g in [g] }
  }

  /// The same elements in a new shape (one dimension may be -1). A view when the tensor is contiguous.
  public func reshaped(_ newShape: [Int]) -> Tensor {
    var target = newShape
    let known = newShape.filter { $0 != -1 }.reduce(1, *)
    if let i = newShape.firstIndex(of: -1) {
      precondition(known > 0 && count % known == 0, "reshaped: cannot reshape \(shape) to \(newShape)")
      target[i] = count / known
    }
    precondition(target.reduce(1, *) == count, "reshaped: cannot reshape \(shape) (\(count) elements) to \(newShape)")
    if target == shape { return self }
    let src = contiguous()
    let view = Tensor(
      storage: src.storage, shape: target, strides: Tensor.contiguousStrides(target), offset: src.offset)
    return view.recording("reshape", [src]) { [shape] g in [g.reshaped(shape)] }
  }

  /// Flattens dimensions `from...` into one.
  public func flattened(from start: Int = 1) -> Tensor {
    let s = axis(start, op: "flattened")
    return reshaped(Array(shape[..<s]) + [-1])
  }

  /// Inserts a size-1 dimension at `axis`.
  public func unsqueezed(_ a: Int) -> Tensor {
    var s = shape
    s.insert(1, at: a < 0 ? a + rank + 1 : a)
    return reshaped(s)
  }

  /// Removes the size-1 dimension at `axis`.
  public func squeezed(_ a: Int) -> Tensor {
    let ax = axis(a, op: "squeezed")
    precondition(shape[ax] == 1, "squeezed: axis \(a) of shape \(shape) is not 1")
    var s = shape
    s.remove(at: ax)
    return reshaped(s)
  }

  /// Reorders dimensions (a view): `permuted([0, 2, 1])` swaps the last two of a 3-d tensor.
  public func permuted(_ dims: [Int]) -> Tensor {
    precondition(
      dims.count == rank && Set(dims) == Set(0..<rank), "permuted: \(dims) is not a permutation for shape \(shape)")
    let view = Tensor(
      storage: storage, shape: dims.map { shape[$0] }, strides: dims.map { strides[$0] }, offset: offset)
    var inverse = [Int](repeating: 0, count: rank)
    for (i, d) in dims.enumerated() { inverse[d] = i }
    return view.recording("permute", [self]) { g in [g.permuted(inverse)] }
  }

  /// Swaps two dimensions (a view). Defaults to the last two.
  public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
    var dims = Array(0..<rank)
    dims.swapAt(axis(a, op: "transposed"), axis(b, op: "transposed"))
    return permuted(dims)
  }

  /// Elements `range` along `axis` (a view).
  public func slice(axis a: Int, _ range: Range<Int>) -> Tensor {
    let ax = axis(a, op: "slice")
    precondition(
      range.lowerBound >= 0 && range.upperBound <= shape[ax],
      "slice: \(range) is out of bounds for axis \(a) of shape \(shape)")
    var s = shape
    s[ax] = range.count
    let view = Tensor(storage: storage, shape: s, strides: strides, offset: offset + range.lowerBound * strides[ax])
    return view.recording("slice", [self]) { [shape] g in
      let dx = Tensor(zeros: shape)
      dx.slice(axis: ax, range).write(g)
      return [dx]
    }
  }

  /// Copies `src` (same shape) into this tensor's (possibly strided) view, outside autograd.
  func write(_ src: Tensor) {
    precondition(src.shape == shape, "write: shape \(src.shape) does not match \(shape)")
    let pd = ptr
    let ps = src.ptr
    forEachStridedRow(shape: shape, strides: [strides, src.strides]) { offs, _, len, inner in
      let d = pd + offs[0]
      let s = ps + offs[1]
      let sd = inner[0]
      let ss = inner[1]
      if sd == 1 && ss == 1 {
        d.update(from: s, count: len)
      } else {
        for i in 0..<len { d[i &* sd] = s[i &* ss] }
      }
    }
  }

  /// Joins tensors along `axis`; all other dimensions must match.
  public static func concat(_ tensors: [Tensor], axis a: Int = 0) -> Tensor {
    precondition(!tensors.isEmpty, "concat: no tensors")
    let first = tensors[0]
    let ax = first.axis(a, op: "concat")
    var outShape = first.shape
    outShape[ax] = 0
    for t in tensors {
      var s = t.shape
      s[ax] = first.shape[ax]
      precondition(s == first.shape, "concat: shapes \(first.shape) and \(t.shape) differ outside axis \(a)")
      outShape[ax] += t.shape[ax]
    }
    let out = Tensor(uninitializedShape: outShape)
    var start = 0
    var ranges: [Range<Int>] = []
    for t in tensors {
      let r = start..<(start + t.shape[ax])
      noGrad { out.slice(axis: ax, r).write(t) }
      ranges.append(r)
      start = r.upperBound
    }
    return out.recording("concat", tensors) { g in
      zip(tensors, ranges).map { t, r in t.requiresGrad ? g.slice(axis: ax, r).contiguous() : nil }
    }
  }

  /// Stacks same-shaped tensors along a new dimension `axis`.
  public static func stack(_ tensors: [Tensor], axis a: Int = 0) -> Tensor {
    concat(tensors.map { $0.unsqueezed(a) }, axis: a)
  }

  /// Pads with `value`: `padding[i] = (before, after)` for dimension i (missing trailing entries mean none).
  public func padded(_ padding: [(Int, Int)], value: Float = 0) -> Tensor {
    precondition(padding.count <= rank, "padded: \(padding.count) paddings for shape \(shape)")
    let pads = padding + Array(repeating: (0, 0), count: rank - padding.count)
    let outShape = zip(shape, pads).map { $0 + $1.0 + $1.1 }
    let out = Tensor(repeating: value, shape: outShape)
    var interior = out
    for (i, p) in pads.enumerated() { interior = noGrad { interior.slice(axis: i, p.0..<(p.0 + shape[i])) } }
    interior.write(self)
    return out.recording("pad", [self]) { [shape] g in
      var v = g
      for (i, p) in pads.enumerated() { v = v.slice(axis: i, p.0..<(p.0 + shape[i])) }
      return [v.contiguous()]
    }
  }
}
