/// A parsed oslo.policy check string, the language of Zun's `policy.yaml`:
///
/// - `@` (anyone) and `!` (nobody); an empty string is `@`, as in oslo.policy;
/// - `role:<name>` (case-insensitive), `rule:<name>` (another rule);
/// - `<credential>:<value>`, where the value is a literal (`is_admin:True`) or a target field
///   (`project_id:%(project_id)s`, `user_id:%(user_id)s`);
/// - `not`, `and`, `or` (binding in that order) and parentheses.
public indirect enum PolicyExpression: Sendable, Equatable, CustomStringConvertible {
    case always
    case never
    case role(String)
    case rule(String)
    /// `credential:value`; `value` may hold `%(field)s` references to the target.
    case generic(credential: String, value: String)
    case not(PolicyExpression)
    case and([PolicyExpression])
    case or([PolicyExpression])

    public var description: String {
        switch self {
        case .always: "@"
        case .never: "!"
        case .role(let name): "role:\(name)"
        case .rule(let name): "rule:\(name)"
        case .generic(let credential, let value): "\(credential):\(value)"
        case .not(let inner): "not \(inner.parenthesized)"
        case .and(let parts): parts.map(\.parenthesized).joined(separator: " and ")
        case .or(let parts): parts.map(\.parenthesized).joined(separator: " or ")
        }
    }

    private var parenthesized: String {
        switch self {
        case .and, .or: "(\(description))"
        default: description
        }
    }

    /// A check string that does not parse.
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public var text: String
        public var reason: String
        public var description: String { "Invalid policy check string \"\(text)\": \(reason)." }
    }

    /// Parses a check string.
    public init(parsing text: String) throws {
        var parser = Parser(text: text, tokens: Self.tokens(text))
        if parser.tokens.isEmpty {
            self = .always
            return
        }
        self = try parser.parseOr()
        if parser.position < parser.tokens.count {
            throw ParseError(text: text, reason: "unexpected \"\(parser.tokens[parser.position])\"")
        }
    }

    /// oslo.policy's tokens: words split on whitespace, with parentheses peeled off their ends only, so that
    /// `%(project_id)s` stays whole.
    static func tokens(_ text: String) -> [String] {
        var tokens: [String] = []
        for word in text.split(whereSeparator: \.isWhitespace) {
            var rest = Substring(word)
            while rest.first == "(" {
                tokens.append("(")
                rest = rest.dropFirst()
            }
            var closing = 0
            while rest.last == ")" {
                closing += 1
                rest = rest.dropLast()
            }
            if !rest.isEmpty { tokens.append(String(rest)) }
            tokens.append(contentsOf: Array(repeating: ")", count: closing))
        }
        return tokens
    }

    /// Recursive descent: or := and ("or" and)*; and := unary ("and" unary)*; unary := "not" unary | atom.
    private struct Parser {
        let text: String
        let tokens: [String]
        var position = 0

        init(text: String, tokens: [String]) {
            self.text = text
            self.tokens = tokens
        }

        mutating func parseOr() throws -> PolicyExpression {
            var parts = [try parseAnd()]
            while peek()?.lowercased() == "or" {
                position += 1
                parts.append(try parseAnd())
            }
            return parts.count == 1 ? parts[0] : .or(parts)
        }

        mutating func parseAnd() throws -> PolicyExpression {
            var parts = [try parseUnary()]
            while peek()?.lowercased() == "and" {
                position += 1
                parts.append(try parseUnary())
            }
            return parts.count == 1 ? parts[0] : .and(parts)
        }

        mutating func parseUnary() throws -> PolicyExpression {
            if peek()?.lowercased() == "not" {
                position += 1
                return .not(try parseUnary())
            }
            return try parseAtom()
        }

        mutating func parseAtom() throws -> PolicyExpression {
            guard let token = peek() else { throw ParseError(text: text, reason: "it ends where a check was expected") }
            position += 1
            if token == "(" {
                let inner = try parseOr()
                guard peek() == ")" else { throw ParseError(text: text, reason: "a \"(\" is not closed") }
                position += 1
                return inner
            }
            switch token.lowercased() {
            case ")", "and", "or": throw ParseError(text: text, reason: "unexpected \"\(token)\"")
            default: break
            }
            if token == "@" { return .always }
            if token == "!" { return .never }
            guard let colon = token.firstIndex(of: ":") else {
                throw ParseError(text: text, reason: "\"\(token)\" is not a check (kind:value, @ or !)")
            }
            let kind = String(token[..<colon])
            let value = String(token[token.index(after: colon)...])
            guard !kind.isEmpty, !value.isEmpty else { throw ParseError(text: text, reason: "\"\(token)\" is not a check") }
            switch kind {
            case "role": return .role(value)
            case "rule": return .rule(value)
            default: return .generic(credential: kind, value: value)
            }
        }

        func peek() -> String? { position < tokens.count ? tokens[position] : nil }
    }
}

extension Identity {
    /// A credential's value as a generic check compares it.
    func policyValue(of credential: String, isAdmin: Bool) -> String? {
        switch credential {
        case "user_id": userID
        case "project_id", "tenant": projectID
        case "is_admin": isAdmin ? "True" : "False"
        default: nil
        }
    }
}

extension PolicyExpression {
    /// Evaluates the expression for `credentials` on `target` (`project_id`, `user_id` of the resource).
    /// `rule:` references are looked up with `resolve`; an unknown reference, credential or target field
    /// denies, and so does a chain of references deeper than 16 (a loop).
    public func allows(
        _ credentials: Identity, target: [String: String], isAdmin: Bool,
        resolve: (String) -> PolicyExpression?, depth: Int = 0
    ) -> Bool {
        guard depth < 16 else { return false }
        switch self {
        case .always: return true
        case .never: return false
        case .role(let name): return credentials.roles.contains { $0.lowercased() == name.lowercased() }
        case .rule(let name):
            guard let referenced = resolve(name) else { return false }
            return referenced.allows(credentials, target: target, isAdmin: isAdmin, resolve: resolve, depth: depth + 1)
        case .generic(let credential, let value):
            guard let expected = Self.substitute(value, target), let actual = credentials.policyValue(of: credential, isAdmin: isAdmin) else {
                return false
            }
            return actual.lowercased() == expected.lowercased() && (credential == "is_admin" || actual == expected)
        case .not(let inner):
            return !inner.allows(credentials, target: target, isAdmin: isAdmin, resolve: resolve, depth: depth)
        case .and(let parts):
            return parts.allSatisfy { $0.allows(credentials, target: target, isAdmin: isAdmin, resolve: resolve, depth: depth) }
        case .or(let parts):
            return parts.contains { $0.allows(credentials, target: target, isAdmin: isAdmin, resolve: resolve, depth: depth) }
        }
    }

    /// `%(field)s` replaced by the target's field; nil when the target has no such field.
    static func substitute(_ value: String, _ target: [String: String]) -> String? {
        var result = ""
        var rest = Substring(value)
        while let start = rest.range(of: "%(") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].range(of: ")s") else { return nil }
            guard let field = target[String(rest[start.upperBound..<end.lowerBound])] else { return nil }
            result += field
            rest = rest[end.upperBound...]
        }
        return result + rest
    }
}
