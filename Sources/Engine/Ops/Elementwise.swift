// Elementwise arithmetic with NumPy broadcasting, forward and backward side by side.
// Shapes broadcast right-aligned: (N, C) + (C) -> (N, C); the backward of a broadcast operand sums its
// gradient back to the operand's shape (`sumTo`).

/// Broadcast result shape of `a` and `b`, or a precondition failure naming the op and both shapes.
func broadcastShape(_ a: [Int], _ b: [Int], op: String) -> [Int] {
  let r = max(a.count, b.count)
  var out = [Int](repeating: 1, count: r)
  for i in 0..<r {
    let da = i < r - a.count ? 1 : a[i - (r - a.count)]
    let db = i < r - b.count ? 1 : b[i - (r - b.count)]
    precondition(da == db || da == 1 || db == 1, "\(op): shapes \(a) and \(b) cannot be broadcast together")
    out[i] = da == 1 ? db : da
  }
  return out
}

extension Tensor {
  /// Strides that view this tensor as `target` (a broadcast of its shape): 0 along broadcast dimensions.
  func broadcastStrides(to target: [Int]) -> [Int] {
    let pad = target.count - rank
    var s = [Int](repeating: 0, count: target.count)
    for i in 0..<rank where shape[i] != 1 { s[i + pad] = strides[i] }
    return s
  }

  /// A view of this tensor broadcast to `target` without copying (stride 0 along broadcast dims).
  public func expanded(to target: [Int]) -> Tensor {
    let s = broadcastShape(shape, target, op: "expanded(to:)")
    precondition(s == target, "expanded(to:): shape \(shape) cannot expand to \(target)")
    let view = Tensor(storage: storage, shape: target, strides: broadcastStrides(to: target), offset: offset)
    return view.recording("expand", [self]) { [shape] g in [g.sumTo(shape)] }
  }
}

/// Applies `f` elementwise to broadcast operands into a new contiguous tensor.
@inline(__always)
func binaryKernel(_ a: Tensor, _ b: Tensor, op: String, _ f: (Float, Float) -> Float) -> Tensor {
  if a.shape == b.shape && a.isContiguous && b.isContiguous {
    let out = Tensor(uninitializedShape: a.shape)
    let pa = a.ptr
    let pb = b.ptr
    let po = out.ptr
    for i in 0..<out.count { po[i] = f(pa[i], pb[i]) }
    return out
  }
  let shape = broadcastShape(a.shape, b.shape, op: op)
  let out = Tensor(uninitializedShape: shape)
  let po = out.ptr
  if b.count == 1 && a.isContiguous && a.shape == shape {
    let pa = a.ptr
    let s = b.ptr[0]
    for i in 0..<out.count { po[i] = f(pa[i], s) }
    return out
  }
  let pa = a.ptr
  let pb = b.ptr
  forEachStridedRow(shape: shape, strides: [a.broadcastStrides(to: shape), b.broadcastStrides(to: shape)]) {
    offs, o, len, inner in
    let x = pa + offs[0]
    let y = pb + offs[1]
    let z = po + o
    let sx = inner[0]
    let sy = inner[1]
    if sx == 1 && sy == 1 {
      for i in 0..<len { z[i] = f(x[i], y[i]) }
    } else if sx == 1 && sy == 0 {
      let v = y[0]
      for i in 0..<len { z[i] = f(x[i], v) }
    } else if sx == 0 && sy == 1 {
      let v = x[0]
      for i in 0..<len { z[i] = f(v, y[i]) }
    } else {
      for i in 0..<len { z[i] = f(x[i &* sx], y[i &* sy]) }
    }
  }
  return out
}

/// Applies `f` elementwise into a new contiguous tensor. Elementwise kernels run on one thread: their closures
/// inline into a vectorised loop here, while a closure captured by a parallel split was called per element
/// (measured 3× slower on W2's ReLU).
@inline(__always)
func unaryKernel(_ a: Tensor, _ f: (Float) -> Float) -> Tensor {
  let src = a.contiguous()
  let out = Tensor(uninitializedShape: a.shape)
  let pa = src.ptr
  let po = out.ptr
  for i in 0..<out.count { po[i] = f(pa[i]) }
  return out
}

extension Tensor {
  /// Elementwise sum, broadcasting.
  public static func + (a: Tensor, b: Tensor) -> Tensor {
    binaryKernel(a, b, op: "add") { $0 + $1 }.recording("add", [a, b]) { g in
      [a.requiresGrad ? g.sumTo(a.shape) : nil, b.requiresGrad ? g.sumTo(b.shape) : nil]
    }
  }

  /// Elementwise difference, broadcasting.
  public static func - (a: Tensor, b: Tensor) -> Tensor {
    binaryKernel(a, b, op: "sub") { $0 - $1 }.recording("sub", [a, b]) { g in
      [a.requiresGrad ? g.sumTo(a.shape) : nil, b.requiresGrad ? (-g).sumTo(b.shape) : nil]
    }
  }

  /// Elementwise product, broadcasting.
  public static func * (a: Tensor, b: Tensor) -> Tensor {
    binaryKernel(a, b, op: "mul") { $0 * $1 }.recording("mul", [a, b]) { g in
      [a.requiresGrad ? (g * b).sumTo(a.shape) : nil, b.requiresGrad ? (g * a).sumTo(b.shape) : nil]
    }
  }

  /// Elementwise quotient, broadcasting.
  public static func / (a: Tensor, b: Tensor) -> Tensor {
    binaryKernel(a, b, op: "div") { $0 / $1 }.recording("div", [a, b]) { g in
      [
        a.requiresGrad ? (g / b).sumTo(a.shape) : nil,
        b.requiresGrad ? (-(g * a) / (b * b)).sumTo(b.shape) : nil,
      ]
    }
  }

  /// Negation.
  public static prefix func - (a: Tensor) -> Tensor {
    unaryKernel(a) { -$0 }.recording("neg", [a]) { g in [-g] }
  }

  /// Adds a scalar to every element.
  public static func + (a: Tensor, s: Float) -> Tensor {
    unaryKernel(a) { $0 + s }.recording("add_scalar", [a]) { g in [g] }
  }
  /// Adds a scalar to every element.
  public static func + (s: Float, a: Tensor) -> Tensor { a + s }
  /// Subtracts a scalar from every element.
  public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }
  /// The scalar minus every element.
  public static func - (s: Float, a: Tensor) -> Tensor {
    unaryKernel(a) { s - $0 }.recording("rsub_scalar", [a]) { g in [-g] }
  }
  /// Multiplies every element by a scalar.
  public static func * (a: Tensor, s: Float) -> Tensor {
    unaryKernel(a) { $0 * s }.recording("mul_scalar", [a]) { g in [g * s] }
  }
  /// Multiplies every element by a scalar.
  public static func * (s: Float, a: Tensor) -> Tensor { a * s }
  /// Divides every element by a scalar.
  public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }

  /// e^x.
  public func exp() -> Tensor {
    let out = unaryKernel(self) { fexp($0) }
    return out.recording("exp", [self]) { g in [g * out] }
  }

  /// Natural logarithm.
  public func log() -> Tensor {
    unaryKernel(self) { flog($0) }.recording("log", [self]) { g in [g / self] }
  }

  /// Square root.
  public func sqrt() -> Tensor {
    let out = unaryKernel(self) { $0.squareRoot() }
    return out.recording("sqrt", [self]) { g in [binaryKernel(g, out, op: "sqrt_backward") { $0 * 0.5 / $1 }] }
  }

  /// x^p for a scalar exponent.
  public func pow(_ p: Float) -> Tensor {
    unaryKernel(self) { fpow($0, p) }.recording("pow", [self]) { g in
      [binaryKernel(g, self, op: "pow_backward") { $0 * p * fpow($1, p - 1) }]
    }
  }

  /// x².
  public func squared() -> Tensor {
    unaryKernel(self) { $0 * $0 }.recording("square", [self]) { g in
      [binaryKernel(g, self, op: "square_backward") { 2 * $0 * $1 }]
    }
  }

  /// |x| (gradient 0 at 0).
  public func abs() -> Tensor {
    unaryKernel(self) { Swift.abs($0) }.recording("abs", [self]) { g in
      [binaryKernel(g, self, op: "abs_backward") { $1 > 0 ? $0 : ($1 < 0 ? -$0 : 0) }]
    }
  }

  /// Values limited to [lo, hi] (gradient passes only inside the range).
  public func clamped(min lo: Float, max hi: Float) -> Tensor {
    unaryKernel(self) { Swift.min(Swift.max($0, lo), hi) }.recording("clamp", [self]) { g in
      [binaryKernel(g, self, op: "clamp_backward") { ($1 >= lo && $1 <= hi) ? $0 : 0 }]
    }
  }
}
