import Engine

#if canImport(Glibc)
  import Glibc
#endif

/// Calls `body` with each line of the file at `path` (without its newline or a trailing CR) and its 1-based
/// number, reading 4 MB at a time, so memory stays bounded whatever the file's size (a 20M-line ratings file).
/// Lines are bytes; the caller decides about encodings. A line longer than `maxLine` bytes is an error naming it.
public func forEachLine(
  _ path: String, maxLine: Int = 1 << 20, _ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void
) throws {
  let fd = open(path, O_RDONLY)
  guard fd >= 0 else { throw FileError(path, String(cString: strerror(errno))) }
  defer { close(fd) }
  var st = stat()
  if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { throw FileError(path, "is a directory, not a file") }
  let chunk = 4 << 20
  var buffer = [UInt8](repeating: 0, count: chunk + maxLine)
  var pending = 0  // bytes of an unfinished line at the buffer's start
  var number = 1
  try buffer.withUnsafeMutableBufferPointer { buf in
    guard let base = buf.baseAddress else { return }
    while true {
      var n = 0
      repeat { n = read(fd, base + pending, chunk) } while n < 0 && errno == EINTR
      guard n >= 0 else { throw FileError(path, String(cString: strerror(errno))) }
      let end = pending + n
      var start = 0
      while start < end, let hit = memchr(base + start, 0x0A, end - start) {
        let k = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        var stop = k
        if stop > start && base[stop - 1] == 0x0D { stop -= 1 }
        try body(UnsafeBufferPointer(start: base + start, count: stop - start), number)
        number += 1
        start = k + 1
      }
      if n == 0 {  // end of file: the last line may lack a newline
        if start < end {
          var stop = end
          if base[stop - 1] == 0x0D { stop -= 1 }
          try body(UnsafeBufferPointer(start: base + start, count: stop - start), number)
        }
        return
      }
      pending = end - start
      guard pending <= maxLine else { throw FileError(path, "line \(number) is longer than \(maxLine) bytes") }
      if pending > 0 && start > 0 { memmove(base, base + start, pending) }
    }
  }
}
