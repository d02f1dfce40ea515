// Activation functions; each backward reuses the forward's input or output.

extension Tensor {
  /// Hyperbolic tangent.
  public func tanh() -> Tensor {
    let out = unaryKernel(self) { ftanh($0) }
    return out.recording("tanh", [self]) { g in
      [binaryKernel(g, out, op: "tanh_backward") { $0 * (1 - $1 * $1) }]
    }
  }

  /// Logistic sigmoid 1 / (1 + e^-x).
  public func sigmoid() -> Tensor {
    let out = unaryKernel(self) { $0 >= 0 ? 1 / (1 + fexp(-$0)) : fexp($0) / (1 + fexp($0)) }
    return out.recording("sigmoid", [self]) { g in
      [binaryKernel(g, out, op: "sigmoid_backward") { $0 * $1 * (1 - $1) }]
    }
  }

  /// max(x, 0).
  public func relu() -> Tensor {
    let out = unaryKernel(self) { $0 > 0 ? $0 : 0 }
    return out.recording("relu", [self]) { g in
      [binaryKernel(g, out, op: "relu_backward") { $1 > 0 ? $0 : 0 }]
    }
  }

  /// min(max(x, 0), 6) (MobileNet / EfficientNet-Lite).
  public func relu6() -> Tensor {
    unaryKernel(self) { Swift.min(Swift.max($0, 0), 6) }.recording("relu6", [self]) { g in
      [binaryKernel(g, self, op: "relu6_backward") { ($1 > 0 && $1 < 6) ? $0 : 0 }]
    }
  }

  /// x for x > 0, `slope`·x otherwise.
  public func leakyRelu(_ slope: Float = 0.01) -> Tensor {
    unaryKernel(self) { $0 > 0 ? $0 : slope * $0 }.recording("leaky_relu", [self]) { g in
      [binaryKernel(g, self, op: "leaky_relu_backward") { $1 > 0 ? $0 : slope * $0 }]
    }
  }

  /// GELU. `approximate: false` is the exact x·Φ(x) (PyTorch's default); `true` the tanh approximation.
  public func gelu(approximate: Bool = false) -> Tensor {
    let c: Float = 0.797_884_56  // sqrt(2/pi)
    if approximate {
      return unaryKernel(self) { x in 0.5 * x * (1 + ftanh(c * (x + 0.044715 * x * x * x))) }
        .recording("gelu_tanh", [self]) { g in
          [
            binaryKernel(g, self, op: "gelu_backward") { gv, x in
              let u = c * (x + 0.044715 * x * x * x)
              let t = ftanh(u)
              let du = c * (1 + 3 * 0.044715 * x * x)
              return gv * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
            }
          ]
        }
    }
    // Exact GELU costs ~20 cycles per element (a rational erf), so large tensors are split across threads;
    // each chunk runs an inlined loop.
    let x = contiguous()
    let n = count
    let out = Tensor(uninitializedShape: shape)
    nonisolated(unsafe) let (px, po) = (x.ptr, out.ptr)
    Parallel.forChunks(n, minPerThread: 1 << 15) { r in
      for i in stride(from: r.lowerBound, to: r.upperBound, by: 8) {
        let n = Swift.min(8, r.upperBound &- i)
        let v = (px + i).load8(n)
        (po + i).store8(0.5 * v * (1 + ferf(v * 0.707_106_78)), n)
      }
    }
    return out.recording("gelu", [self]) { g in
      let gc = g.contiguous()
      let dx = Tensor(uninitializedShape: x.shape)
      nonisolated(unsafe) let (pg, pd, px) = (gc.ptr, dx.ptr, x.ptr)
      Parallel.forChunks(n, minPerThread: 1 << 15) { r in
        for i in stride(from: r.lowerBound, to: r.upperBound, by: 8) {
          let n = Swift.min(8, r.upperBound &- i)
          let v = (px + i).load8(n)
          let cdf = 0.5 * (1 + ferf(v * 0.707_106_78))
          let pdf = fexp(-0.5 * v * v) * 0.398_942_28  // 1/sqrt(2pi)
          (pd + i).store8((pg + i).load8(n) * (cdf + v * pdf), n)
        }
      }
      return [dx]
    }
  }
}
