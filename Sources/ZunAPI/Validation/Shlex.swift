import ZunCore

/// Splits a command string the way Python's `shlex.split` does (POSIX mode), for `command` below 1.20.
enum Shlex {
    static func split(_ input: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var iterator = Array(input).makeIterator()
        while let char = iterator.next() {
            switch char {
            case " ", "\t", "\n", "\r":
                if inWord {
                    words.append(current)
                    current = ""
                    inWord = false
                }
            case "'":
                inWord = true
                var closed = false
                while let c = iterator.next() {
                    if c == "'" { closed = true; break }
                    current.append(c)
                }
                if !closed { throw ZunError.invalidValue("Invalid command: No closing quotation") }
            case "\"":
                inWord = true
                var closed = false
                while let c = iterator.next() {
                    if c == "\"" { closed = true; break }
                    if c == "\\" {
                        guard let next = iterator.next() else { break }
                        if next == "\"" || next == "\\" || next == "$" || next == "`" {
                            current.append(next)
                        } else if next != "\n" {
                            current.append(c)
                            current.append(next)
                        }
                        continue
                    }
                    current.append(c)
                }
                if !closed { throw ZunError.invalidValue("Invalid command: No closing quotation") }
            case "\\":
                inWord = true
                guard let next = iterator.next() else {
                    throw ZunError.invalidValue("Invalid command: No escaped character")
                }
                if next != "\n" { current.append(next) }
            default:
                inWord = true
                current.append(char)
            }
        }
        if inWord { words.append(current) }
        return words
    }
}
