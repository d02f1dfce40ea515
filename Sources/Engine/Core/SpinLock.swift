import Synchronization

/// A tiny mutual-exclusion lock for merging per-thread partial results.
final class SpinLock: @unchecked Sendable {
  private let mutex = Mutex<Void>(())
  /// Runs `body` while holding the lock.
  func withLock<R>(_ body: () -> R) -> R { mutex.withLock { _ in body() } }
}
