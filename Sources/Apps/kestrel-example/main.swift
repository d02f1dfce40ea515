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

let path = "/tmp/kestrel-spirals.safetensors"
do {
  try Checkpoint(model: model, optimizer: optimizer, config: ["hidden": 64]).save(to: path)
  print("checkpoint written to \(path)")
} catch {
  writeStderr("kestrel-example: \(error)\n")
  exit(1)
}
