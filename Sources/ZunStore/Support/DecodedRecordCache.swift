import NIOConcurrencyHelpers

/// Remembers what recently read `data` texts decoded to. Decoding is a pure function of the text, so a hit
/// can never be stale; it saves the JSON decode that was a fifth of the CPU of a container list.
///
/// Two generations bound the memory: when the current one is full it becomes the previous one (what was
/// not read since is dropped), so about `capacity` to 2 × `capacity` records are kept.
final class DecodedRecordCache<Value: Sendable>: Sendable {
    private struct Generations {
        var current: [String: Value] = [:]
        var previous: [String: Value] = [:]
    }

    private let capacity: Int
    private let generations = NIOLockedValueBox(Generations())

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The value `text` decodes to, decoding it (outside the lock) only when it was not seen recently.
    func value(for text: String, decode: (String) throws -> Value) rethrows -> Value {
        let hit = generations.withLockedValue { g -> Value? in
            if let value = g.current[text] { return value }
            guard let value = g.previous[text] else { return nil }
            g.current[text] = value
            return value
        }
        if let hit { return hit }
        let value = try decode(text)
        remember(value, for: text)
        return value
    }

    /// Remembers what `text` decodes to, known without decoding it (the value it was encoded from).
    func remember(_ value: Value, for text: String) {
        generations.withLockedValue { g in
            if g.current.count >= capacity {
                g.previous = g.current
                g.current = [:]
            }
            g.current[text] = value
        }
    }
}
