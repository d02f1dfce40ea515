import CBLAS

/// Keeps large freed blocks in the heap for reuse: glibc otherwise returns every tensor above its mmap threshold to
/// the kernel and the next op pays page faults to get it back (measured: ~14 % of EfficientNet batch-1 time).
private let heapTuning: Bool = {
  kestrel_keep_large_blocks_in_heap()
  return true
}()

/// Owns one contiguous, 64-byte aligned buffer of `Float`s. Tensors share a storage when they are views of each other.
final class Storage: @unchecked Sendable {
  let ptr: UnsafeMutablePointer<Float>
  let count: Int

  /// Allocates `count` floats; the memory is not initialised unless `zeroed` is set.
  init(count: Int, zeroed: Bool = false) {
    _ = heapTuning
    self.count = count
    let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
    ptr = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    if zeroed { ptr.initialize(repeating: 0, count: count) }
  }

  deinit { UnsafeMutableRawPointer(ptr).deallocate() }
}
