import Datasets
import Engine
import EngineTesting
import Foundation
import XCTest

/// The image and IDX readers against Pillow's and numpy's samples, and their errors.
final class ImageAndIDXTests: XCTestCase {
  func fixture(_ name: String) throws -> String {
    guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
      throw FileError(name, "fixture missing")
    }
    return url.path
  }

  func testPNGVariantsDecodeToPillowsSamples() throws {
    let cases: [(String, String, Int)] = [
      ("palette.png", "palette.rgb", 3), ("rgb_interlaced.png", "rgb_interlaced.rgb", 3),
      ("gray16.png", "gray16.gray", 1), ("gray_alpha.png", "gray_alpha.ga", 2),
    ]
    for (png, raw, channels) in cases {
      let image = try Image(pngFile: try fixture(png))
      XCTAssertEqual(image.channels, channels, png)
      XCTAssertEqual(image.pixels, try FileIO.read(try fixture(raw)), png)
    }
  }

  func testPNGRoundTripAllChannelCounts() throws {
    for c in 1...4 {
      let px = (0..<(5 * 3 * c)).map { UInt8(($0 * 37) % 256) }
      let image = Image(width: 5, height: 3, channels: c, pixels: px)
      XCTAssertEqual(try Image(pngData: try image.pngData(), source: "mem"), image)
    }
  }

  func testCorruptAndTruncatedPNGAreErrorsNotCrashes() throws {
    let good = try FileIO.read(try fixture("rgb_interlaced.png"))
    XCTAssertThrowsError(try Image(pngData: Array(good.prefix(60)), source: "cut.png")) { error in
      XCTAssertTrue("\(error)".hasPrefix("cut.png: corrupt"), "\(error)")
    }
    XCTAssertThrowsError(try Image(pngData: Array("hello".utf8), source: "text.png")) { error in
      XCTAssertEqual("\(error)", "text.png: not a PNG file (bad signature)")
    }
    var flipped = good
    for i in 40..<good.count - 12 { flipped[i] ^= 0x5A }
    XCTAssertThrowsError(try Image(pngData: flipped, source: "flipped.png"))
  }

  func testResizeMatchesPillowOnAConstantAndARamp() {
    let flat = Image(width: 7, height: 5, channels: 1, pixels: Array(repeating: 77, count: 35))
    XCTAssertEqual(flat.resized(width: 3, height: 2, filter: .bicubic).pixels, Array(repeating: 77, count: 6))
    // Pillow: Image.fromarray([[0, 100, 200, 250]]).resize((2, 1), BILINEAR) == [[71, 207]] (antialiased).
    let ramp = Image(width: 4, height: 1, channels: 1, pixels: [0, 100, 200, 250])
    XCTAssertEqual(ramp.resized(width: 2, height: 1, filter: .bilinear).pixels, [71, 207])
  }

  func testBicubicResizeWithinOneOfPillow() throws {
    let src = Image(width: 11, height: 9, channels: 3, pixels: try FileIO.read(try fixture("resize_src.rgb")))
    let expected = try FileIO.read(try fixture("resize_bicubic_5x4.rgb"))
    let got = src.resized(width: 5, height: 4, filter: .bicubic).pixels
    XCTAssertEqual(got.count, expected.count)
    let worst = zip(got, expected).map { Swift.abs(Int($0) - Int($1)) }.max() ?? 99
    XCTAssertLessThanOrEqual(worst, 1)  // Pillow uses fixed-point coefficients
  }

  func testIDXGzipAndTruncation() throws {
    let a = try IDXArray(contentsOf: try fixture("tiny-images-idx3-ubyte.gz"))
    XCTAssertEqual(a.shape, [3, 2, 4])
    XCTAssertEqual(a.bytes, Array(0..<24))
    XCTAssertThrowsError(try IDXArray(contentsOf: try fixture("truncated-idx3-ubyte.gz"))) { error in
      XCTAssertTrue("\(error)".contains("needs 24 bytes of data, file has 19 (truncated?)"), "\(error)")
    }
    XCTAssertThrowsError(try IDXArray(contentsOf: "/nonexistent/x.gz")) { error in
      XCTAssertEqual("\(error)", "/nonexistent/x.gz: no such file")
    }
  }
}

extension ImageAndIDXTests {
  /// Regression: libpng reads the encoded stream until finish_read; it was freed after begin_read, so large
  /// photos failed at random with "IDAT: unknown compression method". Decoding repeatedly must be stable.
  func testRepeatedDecodeOfALargerImageIsStable() throws {
    var rng = PRNG(seed: 9)
    let px = (0..<(300 * 200 * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    let image = Image(width: 300, height: 200, channels: 3, pixels: px)
    let data = try image.pngData()
    for _ in 0..<20 { XCTAssertEqual(try Image(pngData: data, source: "mem"), image) }
  }
}
