import Engine

/// Writes a tiny dataset in the CIFAR-10 binary layout to `directory`: `perBatch` records in each of
/// `data_batch_1.bin` … `data_batch_5.bin` and `test_batch.bin`, and `batches.meta.txt`. Record `i` of a file has
/// label `i % 10` and pixel `p` = (label · 25 + p) mod 256, so readers can be checked value by value.
public func writeCIFARFixture(to directory: String, perBatch: Int) throws {
  let names = (1...5).map { "data_batch_\($0).bin" } + ["test_batch.bin"]
  for name in names {
    var bytes: [UInt8] = []
    for i in 0..<perBatch {
      let label = i % 10
      bytes.append(UInt8(label))
      for p in 0..<3072 { bytes.append(UInt8((label * 25 + p) % 256)) }
    }
    try FileIO.writeAtomically(bytes, to: directory + "/" + name)
  }
  let meta = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n"
  try FileIO.writeAtomically(Array(meta.utf8), to: directory + "/batches.meta.txt")
}
