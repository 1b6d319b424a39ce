import Foundation
import Testing
import ZunCore

/// The hand-written serializer must write exactly what `JSONEncoder` writes, for any value.
struct JSONValueSerializationTests {
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state ^ (state >> 29)
        }
    }

    static func value(_ g: inout Generator, depth: Int) -> JSONValue {
        switch Int.random(in: 0..<(depth > 0 ? 7 : 5), using: &g) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &g))
        case 2: return .int([0, -1, 1, .max, .min, Int.random(in: -1_000_000...1_000_000, using: &g)].randomElement(using: &g)!)
        case 3:
            return .double([0.1, 1.0, 16.0, -0.0, 1e20, 1e21, 1e-7, 2.5e-5, 1e300, 3.0000000000000004, 0.5, 123456789.123,
                            Double.random(in: -1e6...1e6, using: &g), Double(Int.random(in: -100...100, using: &g))].randomElement(using: &g)!)
        case 4:
            let pieces = ["a", "é", "😀", "\u{0}", "\u{1f}", "\"", "\\", "/", "\n", "\r", "\t", "\u{8}", "\u{c}", "\u{7f}", "\u{2028}", "漢", " "]
            return .string((0..<Int.random(in: 0..<8, using: &g)).map { _ in pieces.randomElement(using: &g)! }.joined())
        case 5: return .array((0..<Int.random(in: 0..<4, using: &g)).map { _ in value(&g, depth: depth - 1) })
        default:
            var object: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0..<5, using: &g) {
                object[["a", "B", "aa", "a_", "a-", "é", "z", "", "\n"].randomElement(using: &g)! + String(Int.random(in: 0..<3, using: &g))] = value(&g, depth: depth - 1)
            }
            return .object(object)
        }
    }

    @Test func writesWhatJSONEncoderWrites() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var g = Generator(state: 42)
        for _ in 0..<3000 {
            let value = Self.value(&g, depth: 4)
            let expected = try encoder.encode(value)
            #expect(String(decoding: value.serializedJSON(), as: UTF8.self) == String(decoding: expected, as: UTF8.self))
        }
    }
}
