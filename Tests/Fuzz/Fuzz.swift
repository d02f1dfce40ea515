// libFuzzer targets for every parser of untrusted input. Built by `make fuzz` with
// `-sanitize=fuzzer,address`; the target is chosen by KESTREL_FUZZ_TARGET. A parser may throw (that is its
// answer to bad input); it must never crash, trap, hang or touch memory it does not own.
import Datasets
import Engine
import Environments
import Foundation
import GANKit
import RecommendKit
import TextgenKit
import TranslateKit

/// The targets, by name.
let targets: [String: @Sendable ([UInt8]) -> Void] = [
  "safetensors": { _ = try? SafeTensors.decode($0, source: "fuzz") },
  "idx": { _ = try? IDXArray(bytes: $0, source: "fuzz") },
  "image": { _ = try? decodeImage($0, source: "fuzz") },
  "cifar": { _ = try? CIFAR10.decode($0, classes: 10, source: "fuzz") },
  "track": { _ = try? Track(text: String(decoding: $0, as: UTF8.self), source: "fuzz") },
  "gridworld": { _ = try? GridWorld(map: String(decoding: $0, as: UTF8.self), source: "fuzz") },
  "csv": { bytes in
    for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
      _ = splitCSV(String(line), separator: ",")
    }
  },
  "config": { bytes in
    // A checkpoint's kestrel.config as each app reads it: decoded, then validated before a model is built.
    let decoder = JSONDecoder()
    let data = Data(bytes)
    if let c = try? decoder.decode(TextModelConfig.self, from: data) { _ = try? c.validate() }
    if let c = try? decoder.decode(TranslatorConfig.self, from: data) { _ = try? c.validate() }
    if let c = try? decoder.decode(GANConfig.self, from: data) { _ = try? c.validate() }
    if let c = try? decoder.decode(ClassifierConfig.self, from: data) { _ = try? c.validate() }
  },
  "recommend-model": { _ = try? TrainedModel(encoded: $0, source: "fuzz") },
]

let selected: @Sendable ([UInt8]) -> Void = {
  let name = ProcessInfo.processInfo.environment["KESTREL_FUZZ_TARGET"] ?? ""
  guard let target = targets[name] else {
    let names = targets.keys.sorted().joined(separator: ", ")
    FileHandle.standardError.write(Data("set KESTREL_FUZZ_TARGET to one of: \(names)\n".utf8))
    exit(2)
  }
  return target
}()

/// One input: libFuzzer's callback.
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  selected(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
  return 0
}

#if KESTREL_FUZZ
  /// SwiftPM links an executable's entry point as `main`, so libFuzzer's own main is not used: this one hands
  /// the command line and the callback to libFuzzer's driver (LLVMFuzzerRunDriver, looked up at run time).
  @main
  enum Fuzzer {
    typealias Callback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    typealias Driver =
      @convention(c) (
        UnsafeMutablePointer<CInt>, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>, Callback
      ) -> CInt

    static func main() {
      guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "LLVMFuzzerRunDriver") else {
        FileHandle.standardError.write(Data("kestrel-fuzz: not linked with libFuzzer (-sanitize=fuzzer)\n".utf8))
        exit(2)
      }
      let driver = unsafeBitCast(symbol, to: Driver.self)
      var argc = CommandLine.argc
      var argv = CommandLine.unsafeArgv
      exit(driver(&argc, &argv) { fuzzOne($0, $1) })
    }
  }
#endif

#if !KESTREL_FUZZ
  /// Without `make fuzz` (no libFuzzer) the binary replays inputs: `kestrel-fuzz TARGET FILE|DIR…` runs the
  /// target on each file (a crash is a failing replay). `make test` replays the committed corpus this way.
  @main
  enum Replay {
    static func main() {
      let args = Array(CommandLine.arguments.dropFirst())
      guard let name = args.first, let target = targets[name] else {
        let names = targets.keys.sorted().joined(separator: ", ")
        FileHandle.standardError.write(
          Data("usage: kestrel-fuzz TARGET FILE|DIR… (targets: \(names)); make fuzz builds the fuzzer\n".utf8))
        exit(2)
      }
      var count = 0
      for path in args.dropFirst() {
        let files =
          isDirectory(path)
          ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
          : [path]
        for file in files {
          guard let bytes = try? FileIO.read(file) else { continue }
          target(bytes)
          count += 1
        }
      }
      print("\(name): replayed \(count) inputs")
    }
  }
#endif
