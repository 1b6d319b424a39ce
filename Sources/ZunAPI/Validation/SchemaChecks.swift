import ZunCore

/// Small JSON-schema checks that speak jsonschema's messages (docs/zun-compatibility.md, "Errors"), so a 400 names the field
/// and the rule it broke.
struct SchemaChecks {
    /// `Invalid input for field '<field>'. Value: '<value>'. <message>`
    static func fieldError(_ field: String, _ value: JSONValue, _ message: String) -> ZunError {
        ZunError.schemaValidation("Invalid input for field '\(field)'. Value: '\(plain(value))'. \(message)")
    }

    /// Zun's `image` rule, then Docker's reference grammar: a string `docker pull` would refuse is a 400 now,
    /// not an `Error` container later.
    static func dockerImage(_ value: JSONValue) throws -> String {
        let image = try string("image", value, nullable: false, minLength: 2, maxLength: 255, pattern: .image) ?? ""
        guard ProjectImages.isValidReference(image) else {
            throw fieldError("image", value, "It is not a Docker image reference ([registry/]name[:tag][@digest], name in lowercase).")
        }
        return image
    }

    static func plain(_ value: JSONValue) -> String {
        if case .string(let s) = value { return s }
        return value.pythonRepr
    }

    static func typeError(_ field: String, _ value: JSONValue, _ types: [String]) -> ZunError {
        fieldError(field, value, "\(value.pythonRepr) is not of type \(types.map { "'\($0)'" }.joined(separator: ", "))")
    }

    /// A string with length bounds and an optional pattern check.
    static func string(
        _ field: String, _ value: JSONValue, nullable: Bool = true, minLength: Int? = nil, maxLength: Int? = nil,
        pattern: Pattern? = nil
    ) throws -> String? {
        switch value {
        case .null where nullable: return nil
        case .string(let s):
            if let minLength, s.count < minLength { throw fieldError(field, value, "\(value.pythonRepr) is too short") }
            if let maxLength, s.count > maxLength { throw fieldError(field, value, "\(value.pythonRepr) is too long") }
            if let pattern, !pattern.matches(s) {
                throw fieldError(field, value, "\(value.pythonRepr) does not match '\(pattern.text)'")
            }
            return s
        default:
            throw typeError(field, value, nullable ? ["string", "null"] : ["string"])
        }
    }

    /// A number given as a JSON number or a numeric string, within bounds (jsonschema converts numeric
    /// strings before comparing).
    static func number(
        _ field: String, _ value: JSONValue, types: [String], integerOnly: Bool, minimum: Bound, maximum: Bound,
        pattern: Pattern
    ) throws -> Double? {
        let number: Double
        switch value {
        case .null: return nil
        case .int(let i): number = Double(i)
        case .double(let d) where !integerOnly: number = d
        case .string(let s):
            guard !s.isEmpty else { throw fieldError(field, value, "\(value.pythonRepr) is too short") }
            guard pattern.matches(s), let parsed = Double(s.isEmpty || s.hasPrefix(".") ? "0" + s : s) else {
                throw fieldError(field, value, "\(value.pythonRepr) does not match '\(pattern.text)'")
            }
            number = parsed
        default:
            throw typeError(field, value, types)
        }
        let shown = value.stringValue ?? plain(value)
        if number < minimum.value { throw fieldError(field, value, "\(shown) is less than the minimum of \(minimum.text)") }
        if number > maximum.value { throw fieldError(field, value, "\(shown) is greater than the maximum of \(maximum.text)") }
        return number
    }

    /// A schema bound and how Python prints it (`16.0`, `8192`).
    struct Bound {
        var value: Double
        var text: String
    }

    /// Zun's loose boolean: a JSON bool or one of `True`/`true`/`False`/`false`.
    static func looseBool(_ field: String, _ value: JSONValue) throws -> Bool? {
        switch value {
        case .null: return nil
        case .bool(let b): return b
        case .string("True"), .string("true"): return true
        case .string("False"), .string("false"): return false
        default:
            throw fieldError(field, value, "\(value.pythonRepr) is not valid under any of the given schemas")
        }
    }

    /// An object whose values must all be strings (labels, environment).
    static func stringMap(_ field: String, _ value: JSONValue) throws -> [String: String]? {
        switch value {
        case .null: return nil
        case .object(let object):
            var result: [String: String] = [:]
            for (key, item) in object {
                guard case .string(let s) = item else {
                    throw fieldError(field, value, "\(item.pythonRepr) is not of type 'string'")
                }
                result[key] = s
            }
            return result
        default:
            throw typeError(field, value, ["object", "null"])
        }
    }

    /// A list of strings (command, entrypoint).
    static func stringList(_ field: String, _ value: JSONValue) throws -> [String]? {
        switch value {
        case .null: return nil
        case .array(let items):
            return try items.map { item in
                guard case .string(let s) = item else {
                    throw fieldError(field, value, "\(item.pythonRepr) is not of type 'string'")
                }
                return s
            }
        default:
            throw typeError(field, value, ["array", "null"])
        }
    }

    static func enumValue(_ field: String, _ value: JSONValue, _ allowed: [String?]) throws -> String? {
        if case .null = value, allowed.contains(nil) { return nil }
        if case .string(let s) = value, allowed.contains(s) { return s }
        let shown = allowed.map { $0.map { "'\($0)'" } ?? "None" }.joined(separator: ", ")
        throw fieldError(field, value, "\(value.pythonRepr) is not one of [\(shown)]")
    }
}

/// A regular-expression check written as a predicate, with the pattern text for messages.
struct Pattern: Sendable {
    let text: String
    let matches: @Sendable (String) -> Bool

    private static func isAlnum(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber) }

    /// `^[a-zA-Z0-9][a-zA-Z0-9_.-]+$` (container names).
    static let name = Pattern(text: "^[a-zA-Z0-9][a-zA-Z0-9_.-]+$") { s in
        guard let first = s.first, isAlnum(first), s.count >= 2 else { return false }
        return s.dropFirst().allSatisfy { isAlnum($0) || "_.-".contains($0) }
    }

    /// `[a-zA-Z0-9][a-zA-Z0-9_.-]`, unanchored (image references).
    static let image = Pattern(text: "[a-zA-Z0-9][a-zA-Z0-9_.-]") { s in
        let chars = Array(s)
        return chars.indices.dropLast().contains { i in
            isAlnum(chars[i]) && (isAlnum(chars[i + 1]) || "_.-".contains(chars[i + 1]))
        }
    }

    /// `^[a-zA-Z0-9-._]*$` (hostnames, hosts).
    static let hostname = Pattern(text: "^[a-zA-Z0-9-._]*$") { s in
        s.allSatisfy { isAlnum($0) || "-._".contains($0) }
    }

    /// `^[0-9]+$`
    static let digits = Pattern(text: "^[0-9]+$") { s in !s.isEmpty && s.allSatisfy { $0.isASCII && $0.isNumber } }

    /// `^[0-9]*(\.([0-9]+))?$` (cpu strings)
    static let decimal = Pattern(text: "^[0-9]*(\\.([0-9]+))?$") { s in
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        let isDigits = { (p: Substring) in p.allSatisfy { $0.isASCII && $0.isNumber } }
        switch parts.count {
        case 1: return isDigits(parts[0])
        case 2: return isDigits(parts[0]) && !parts[1].isEmpty && isDigits(parts[1])
        default: return false
        }
    }
}
