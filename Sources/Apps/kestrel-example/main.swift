// The README's library example: a small MLP learns two interleaved spirals with the public Engine API only.
import Engine

#if canImport(Glibc)
  import Glibc
#endif

/// Two spirals of `n` points each, with labels 0 and 1.
func spirals(n: Int, generator: inout PRNG) -> (Tensor, [Int]) {
  var points: [Float] = []
  var labels: [Int] = []
  for label in 0..<2 {
    for i in 0..<n {
      let r = Float(i) / Float(n) * 5
      let angle = Float(i) / Float(n) * 3 * Float.pi + Float(label) * Float.pi + generator.nextNormal() * 0.1
      points += [r * cosf(angle), r * sinf(angle)]
      labels.append(label)
    }
  }
  return (Tensor(points, shape: [2 * n, 2]), labels)
}

var rng = PRNG(seed: 0)
let (x, y) = spirals(n: 200, generator: &rng)

// --- the README's ~15 lines start here ---
Random.seed(0)
let model = Sequential(Linear(2, 64), ReLU(), Linear(64, 64), ReLU(), Linear(64, 2))
let optimizer = Adam(model.namedParameters(), learningRate: 1e-2)
let schedule = CosineLR(base: 1e-2, totalSteps: 300)
for step in 1...300 {
  schedule.apply(to: optimizer)
  optimizer.zeroGrad()
  let loss = model(x).crossEntropy(targets: y)
  loss.backward()
  optimizer.step()
  if step % 60 == 0 { print("step \(step)  loss \(loss.item)") }
}
let predictions = noGrad { model(x) }.argmax(axis: -1)
let correct = zip(predictions, y).filter { $0 == $1 }.count
print("train accuracy \(correct)/\(y.count)")
// --- end of the README's lines ---

// The checkpoint goes to the path given as the first argument, else into a fresh private temporary folder (a fixed
// name in /tmp could be a symlink another user planted).
let tmp = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
var template = Array((tmp + "/kestrel-example-XXXXXX").utf8CString)
let folder = template.withUnsafeMutableBufferPointer { buf in
  buf.baseAddress.flatMap { mkdtemp($0) }.map { String(cString: $0) }
}
guard let path = CommandLine.arguments.dropFirst().first ?? folder.map({ $0 + "/spirals.safetensors" }) else {
  writeStderr("kestrel-example: cannot make a temporary folder: \(String(cString: strerror(errno)))\n")
  exit(1)
}
do {
  try Checkpoint(model: model, optimizer: optimizer, config: ["hidden": 64]).save(to: path)
  print("checkpoint written to \(path)")
} catch {
  writeStderr("kestrel-example: \(error)\n")
  exit(1)
}
