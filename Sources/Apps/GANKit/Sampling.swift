import Datasets
import Engine
import Foundation

// Sampling, latent interpolation and image grids. Legend: N = images, Z = latent size, C/S = channels/side.

/// Latent vectors (N, Z) ~ N(0, 1) from `seed`: the same seed always gives the same vectors. With a
/// `truncation` t, components with |z| > t are redrawn (the truncation trick: typical, cleaner samples at
/// some cost in variety).
public func latents(count: Int, size: Int, seed: UInt64, truncation: Float? = nil) -> Tensor {
  var rng = PRNG(seed: seed)
  guard let t = truncation else { return Tensor.randn([count, size], generator: &rng) }
  var v = [Float](repeating: 0, count: count * size)
  for i in v.indices {
    var z = rng.nextNormal()
    while abs(z) > t { z = rng.nextNormal() }
    v[i] = z
  }
  return Tensor(v, shape: [count, size])
}

/// The generator's images for `z` (N, Z), in evaluation mode (batch norm uses running statistics).
public func generate(_ g: Generator, _ z: Tensor, batchSize: Int = 256) -> Tensor {
  g.eval()
  return noGrad {
    var parts: [Tensor] = []
    var i = 0
    while i < z.shape[0] {
      let j = min(i + batchSize, z.shape[0])
      parts.append(g(z.slice(axis: 0, i..<j)))  // (n, C, S, S)
      i = j
    }
    return parts.count == 1 ? parts[0] : Tensor.concat(parts, axis: 0)
  }
}

/// `steps` latent vectors from `a` to `b` (both (Z)), linear or spherical (slerp, which keeps the norm
/// typical of Gaussian samples).
public func interpolate(_ a: [Float], _ b: [Float], steps: Int, spherical: Bool) -> Tensor {
  precondition(a.count == b.count && steps >= 2)
  var out: [Float] = []
  let dot = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
  let na = sqrt(a.reduce(0.0) { $0 + Double($1) * Double($1) })
  let nb = sqrt(b.reduce(0.0) { $0 + Double($1) * Double($1) })
  let omega = acos(max(-1, min(1, dot / max(na * nb, 1e-12))))
  for s in 0..<steps {
    let t = Double(s) / Double(steps - 1)
    var wa = 1 - t
    var wb = t
    if spherical && omega > 1e-6 {
      wa = sin((1 - t) * omega) / sin(omega)
      wb = sin(t * omega) / sin(omega)
    }
    for k in 0..<a.count { out.append(Float(wa * Double(a[k]) + wb * Double(b[k]))) }
  }
  return Tensor(out, shape: [steps, a.count])  // (steps, Z)
}

/// Tiles images (N, C, S, S) in [-1, 1] into one image with `columns` columns and a `gap`-pixel border.
public func imageGrid(_ images: Tensor, columns: Int, gap: Int = 2, scale: Int = 1) -> Image {
  let (n, c, s) = (images.shape[0], images.shape[1], images.shape[2])
  let cols = max(1, min(columns, n))
  let rows = (n + cols - 1) / cols
  let cell = s * scale
  let width = cols * cell + (cols + 1) * gap
  let height = rows * cell + (rows + 1) * gap
  let channels = c == 1 ? 1 : 3
  var pixels = [UInt8](repeating: 40, count: width * height * channels)
  let data = images.contiguous().toArray()
  for i in 0..<n {
    let (r, col) = (i / cols, i % cols)
    let x0 = gap + col * (cell + gap)
    let y0 = gap + r * (cell + gap)
    for y in 0..<cell {
      for x in 0..<cell {
        for ch in 0..<channels {
          let v = data[((i * c + ch) * s + y / scale) * s + x / scale]
          let byte = UInt8(max(0, min(255, ((v + 1) * 127.5).rounded())))
          pixels[((y0 + y) * width + x0 + x) * channels + ch] = byte
        }
      }
    }
  }
  return Image(width: width, height: height, channels: channels, pixels: pixels)
}
