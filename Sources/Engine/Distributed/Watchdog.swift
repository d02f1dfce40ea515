import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Ends a data-parallel job whose collective has waited too long: a peer that died without MPI noticing, hangs,
/// or runs other code (mismatched flags) would otherwise leave every rank waiting forever. A background thread
/// checks the MPI call in progress once a second; past `seconds` it prints one line naming the rank and the call
/// and exits the process non-zero, which makes `mpirun` end the others. Checkpoints already written stay.
final class CollectiveWatchdog: @unchecked Sendable {
  static let shared = CollectiveWatchdog()

  private let lock = NSLock()
  private var call: String?
  private var since = 0.0
  private var started = false

  /// Starts the checking thread (once).
  func start(rank: Int, seconds: Double) {
    lock.lock()
    defer { lock.unlock() }
    guard !started else { return }
    started = true
    let thread = Thread { [self] in
      while true {
        Thread.sleep(forTimeInterval: Swift.min(1, seconds / 4))
        guard let (name, waited) = current(), waited > seconds else { continue }
        let line =
          "rank \(rank): \(name) did not complete in \(Int(waited)) s (KESTREL_COLLECTIVE_TIMEOUT=\(seconds.formatted())): "
          + "another rank stopped, hangs or runs different settings; ending the job\n"
        line.withCString { _ = write(2, $0, strlen($0)) }
        _exit(1)
      }
    }
    thread.name = "kestrel-collective-watchdog"
    thread.start()
  }

  /// The MPI call in progress and how long it has been waiting.
  private func current() -> (String, Double)? {
    lock.lock()
    defer { lock.unlock() }
    return call.map { ($0, monotonicSeconds() - since) }
  }

  /// An MPI call begins.
  func enter(_ name: String) {
    lock.lock()
    (call, since) = (name, monotonicSeconds())
    lock.unlock()
  }

  /// The MPI call returned.
  func leave() {
    lock.lock()
    call = nil
    lock.unlock()
  }
}

extension Double {
  /// "600" for whole numbers, "2.5" otherwise.
  fileprivate func formatted() -> String { self == rounded() ? String(Int(self)) : String(self) }
}
