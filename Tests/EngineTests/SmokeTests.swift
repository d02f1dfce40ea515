import XCTest
@testable import Engine
final class SmokeTests: XCTestCase { func testAdd() { XCTAssertEqual((Tensor([1,2]) + Tensor([3,4])).toArray(), [4,6]) } }
