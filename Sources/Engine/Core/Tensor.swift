// Tensor: n-d Float32 array with reverse-mode autograd.
//
// Storage is shared between views: `reshaped`, `transposed`, `permuted` and `slice` return views when the
// layout allows and copy otherwise. Kernels read contiguous memory; `contiguous()` copies a view into a fresh
// row-major buffer when needed.

/// An n-dimensional array of `Float` that records the operations applied to it for `backward()`.
public final class Tensor {
  /// Size of each dimension, outermost first.
  public let shape: [Int]
  /// Elements to skip to advance one step along each dimension.
  public let strides: [Int]
  /// Index of the first element inside `storage`.
  let offset: Int
  let storage: Storage

  /// When true, `backward()` accumulates this tensor's gradient into `grad` (leaves) or propagates through it.
  public var requiresGrad: Bool = false
  /// Accumulated gradient of a leaf tensor after `backward()`; same shape as the tensor.
  public var grad: Tensor?
  /// The operation that produced this tensor (nil for leaves and after `backward()` freed the graph).
  var gradFn: GradFn?

  init(storage: Storage, shape: [Int], strides: [Int], offset: Int = 0) {
    self.storage = storage
    self.shape = shape
    self.strides = strides
    self.offset = offset
  }

  /// A new contiguous tensor with uninitialised contents (kernels fill it).
  init(uninitializedShape shape: [Int]) {
    let n = shape.reduce(1, *)
    self.storage = Storage(count: n)
    self.shape = shape
    self.strides = Tensor.contiguousStrides(shape)
    self.offset = 0
  }

  /// A tensor of zeros.
  public convenience init(zeros shape: [Int], requiresGrad: Bool = false) {
    let n = shape.reduce(1, *)
    self.init(storage: Storage(count: n, zeroed: true), shape: shape, strides: Tensor.contiguousStrides(shape))
    self.requiresGrad = requiresGrad
  }

  /// A tensor filled with `value`.
  public convenience init(repeating value: Float, shape: [Int], requiresGrad: Bool = false) {
    self.init(uninitializedShape: shape)
    storage.ptr.update(repeating: value, count: storage.count)
    self.requiresGrad = requiresGrad
  }

  /// A tensor holding `array` in row-major order; `array.count` must equal the product of `shape`.
  public convenience init(_ array: [Float], shape: [Int], requiresGrad: Bool = false) {
    precondition(
      array.count == shape.reduce(1, *),
      "Tensor(_:shape:): \(array.count) values do not fill shape \(shape)")
    self.init(uninitializedShape: shape)
    array.withUnsafeBufferPointer { src in
      if let base = src.baseAddress { storage.ptr.update(from: base, count: array.count) }
    }
    self.requiresGrad = requiresGrad
  }

  /// A 1-d tensor holding `array`.
  public convenience init(_ array: [Float]) { self.init(array, shape: [array.count]) }

  /// A 0-d tensor holding one value.
  public convenience init(scalar: Float) { self.init([scalar], shape: []) }

  /// Number of dimensions.
  public var rank: Int { shape.count }
  /// Number of elements.
  public var count: Int { shape.reduce(1, *) }

  /// Row-major strides for `shape`.
  static func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var s = 1
    for i in Swift.stride(from: shape.count - 1, through: 0, by: -1) {
      strides[i] = s
      s *= shape[i]
    }
    return strides
  }

  /// True when the elements are laid out row-major without gaps.
  public var isContiguous: Bool {
    var expected = 1
    for i in Swift.stride(from: shape.count - 1, through: 0, by: -1) where shape[i] != 1 {
      if strides[i] != expected { return false }
      expected *= shape[i]
    }
    return true
  }

  /// Pointer to the first element. Valid while the tensor is alive; for contiguous tensors covers `count` floats.
  var ptr: UnsafeMutablePointer<Float> { storage.ptr + offset }

  /// Resolves a possibly negative axis (`-1` is the last) and checks its range.
  func axis(_ a: Int, op: String) -> Int {
    let r = a < 0 ? a + rank : a
    precondition(r >= 0 && r < Swift.max(rank, 1), "\(op): axis \(a) is out of range for shape \(shape)")
    return r
  }

  /// The elements in row-major order.
  public func toArray() -> [Float] {
    let c = contiguous()
    return Array(UnsafeBufferPointer(start: c.ptr, count: c.count))
  }

  /// The single element of a tensor with one element.
  public var item: Float {
    precondition(count == 1, "item: tensor of shape \(shape) has \(count) elements, not 1")
    return contiguous().ptr[0]
  }

  /// Calls `body` with the contiguous elements (copying first when the tensor is a non-contiguous view).
  public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
    let c = contiguous()
    return try withExtendedLifetime(c) { try body(UnsafeBufferPointer(start: c.ptr, count: c.count)) }
  }

  /// Calls `body` with the tensor's own mutable elements; the tensor must be contiguous (parameters are).
  public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
    precondition(isContiguous, "withUnsafeMutableBufferPointer: tensor of shape \(shape) is a non-contiguous view")
    return try withExtendedLifetime(self) { try body(UnsafeMutableBufferPointer(start: ptr, count: count)) }
  }

  /// A contiguous copy detached from the graph.
  public func copy() -> Tensor {
    let out = Tensor(uninitializedShape: shape)
    copyStrided(into: out.ptr)
    return out
  }

  /// Overwrites this tensor's elements with those of `other` (same shape), outside autograd.
  public func assign(_ other: Tensor) {
    precondition(other.shape == shape, "assign: shape \(other.shape) does not match \(shape)")
    precondition(isContiguous, "assign: destination of shape \(shape) is a non-contiguous view")
    other.copyStrided(into: ptr)
  }

  /// Writes the elements in row-major order into `dst` (which holds `count` floats).
  func copyStrided(into dst: UnsafeMutablePointer<Float>) {
    let n = count
    if isContiguous {
      dst.update(from: ptr, count: n)
      return
    }
    forEachStridedRow(shape: shape, strides: [strides]) { offsets, outBase, len, inner in
      let src = self.ptr + offsets[0]
      let s = inner[0]
      let d = dst + outBase
      if s == 1 {
        d.update(from: src, count: len)
      } else {
        for i in 0..<len { d[i] = src[i &* s] }
      }
    }
  }
}

extension Tensor: CustomStringConvertible {
  /// Shape plus up to the first elements, e.g. `Tensor[2, 3] [0.1, 0.2, …]`.
  public var description: String {
    let values = toArray()
    let shown = values.prefix(8).map { v -> String in
      let r = (v * 10000).rounded() / 10000
      return "\(r)"
    }
    let more = values.count > 8 ? ", … (\(values.count) values)" : ""
    let g = requiresGrad ? ", requiresGrad" : ""
    return "Tensor\(shape)\(g) [\(shown.joined(separator: ", "))\(more)]"
  }
}

/// Visits a strided n-d layout row by row: `body(offsets, outOffset, innerCount, innerStrides)` once per
/// innermost row, where `offsets[k]` is the element offset in operand k and `outOffset` the row-major offset.
/// Adjacent dimensions that are contiguous in every operand are merged first.
@inline(__always)
func forEachStridedRow(
  shape: [Int], strides: [[Int]], _ body: ([Int], Int, Int, [Int]) -> Void
) {
  // Merge dims: drop size-1 dims, merge i into i+1 when stride[i] == stride[i+1]*shape[i+1] for all operands.
  var dims: [Int] = []
  var st: [[Int]] = Array(repeating: [], count: strides.count)
  for i in 0..<shape.count where shape[i] != 1 {
    if let last = dims.last,
      (0..<strides.count).allSatisfy({ st[$0].last! == strides[$0][i] * shape[i] })
    {
      dims[dims.count - 1] = last * shape[i]
      for k in 0..<strides.count { st[k][st[k].count - 1] = strides[k][i] }
    } else {
      dims.append(shape[i])
      for k in 0..<strides.count { st[k].append(strides[k][i]) }
    }
  }
  if dims.isEmpty {
    body(
      [Int](repeating: 0, count: strides.count), 0, shape.contains(0) ? 0 : 1, [Int](repeating: 1, count: strides.count)
    )
    return
  }
  let r = dims.count
  let len = dims[r - 1]
  let inner = st.map { $0[r - 1] }
  let rows = dims.dropLast().reduce(1, *)
  if rows == 0 || len == 0 { return }
  var idx = [Int](repeating: 0, count: r - 1)
  var offs = [Int](repeating: 0, count: strides.count)
  var out = 0
  for _ in 0..<rows {
    body(offs, out, len, inner)
    out += len
    // Increment the multi-index over the outer dims.
    var d = r - 2
    while d >= 0 {
      idx[d] += 1
      for k in 0..<offs.count { offs[k] += st[k][d] }
      if idx[d] < dims[d] { break }
      for k in 0..<offs.count { offs[k] -= st[k][d] * dims[d] }
      idx[d] = 0
      d -= 1
    }
  }
}
