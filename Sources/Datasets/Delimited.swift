import Engine

/// One line of a text file with its 1-based number.
public struct NumberedLine: Sendable {
  /// 1-based line number.
  public let number: Int
  /// The line without its end-of-line.
  public let text: String
}

/// The file's lines (UTF-8, or Latin-1 when `latin1`); invalid UTF-8 is an error naming the line.
public func lines(_ path: String, latin1: Bool = false) throws -> [NumberedLine] {
  let bytes = try FileIO.read(path)
  var out: [NumberedLine] = []
  var start = 0
  var number = 1
  func add(_ end: Int) throws {
    var slice = bytes[start..<end]
    if slice.last == 0x0D { slice = slice.dropLast() }
    let text: String
    if latin1 {
      text = String(String.UnicodeScalarView(slice.map { Unicode.Scalar($0) }))
    } else {
      guard let s = String(validating: slice, as: UTF8.self) else {
        throw FileError(path, "line \(number) is not valid UTF-8")
      }
      text = s
    }
    out.append(NumberedLine(number: number, text: text))
  }
  for (k, b) in bytes.enumerated() where b == 0x0A {
    try add(k)
    start = k + 1
    number += 1
  }
  if start < bytes.count { try add(bytes.count) }
  return out
}

/// A parsed CSV record with the line it started on.
public struct CSVRow {
  /// 1-based line number.
  public let line: Int
  /// The fields.
  public let fields: [String]
}

/// Splits delimited text into fields, honouring double quotes ("a, b" and "" escapes) as RFC 4180 does.
public func csvRows(_ path: String, separator: Character) throws -> [CSVRow] {
  var rows: [CSVRow] = []
  for line in try lines(path) {
    if line.text.isEmpty { continue }
    rows.append(CSVRow(line: line.number, fields: splitCSV(line.text, separator: separator)))
  }
  return rows
}

/// One delimited line split into fields (RFC 4180 quoting).
public func splitCSV(_ text: String, separator: Character) -> [String] {
  guard text.contains("\"") else {
    return text.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
  }
  var fields: [String] = []
  var current = ""
  var quoted = false
  var chars = Array(text)
  chars.append(separator)
  var k = 0
  while k < chars.count {
    let c = chars[k]
    if quoted {
      if c == "\"" {
        if k + 1 < chars.count && chars[k + 1] == "\"" {
          current.append("\"")
          k += 1
        } else {
          quoted = false
        }
      } else {
        current.append(c)
      }
    } else if c == "\"" && current.isEmpty {
      quoted = true
    } else if c == separator {
      fields.append(current)
      current = ""
    } else {
      current.append(c)
    }
    k += 1
  }
  return fields
}

extension String {
  /// The string without leading and trailing spaces and tabs.
  public var trimmingSpaces: String {
    var s = Substring(self)
    while s.first == " " || s.first == "\t" { s = s.dropFirst() }
    while s.last == " " || s.last == "\t" { s = s.dropLast() }
    return String(s)
  }
}
