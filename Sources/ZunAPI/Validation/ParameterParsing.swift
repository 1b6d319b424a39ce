import Hummingbird
import ZunCore

/// Zun's boolean spellings (oslo `bool_from_string(strict=True)`).
enum StrictBool {
    static let trueValues: Set<String> = ["1", "t", "true", "on", "y", "yes"]
    static let falseValues: Set<String> = ["0", "f", "false", "off", "n", "no"]

    /// Parses a query/body boolean; anything else is a 400 naming the parameter.
    static func parse(_ value: String, name: String) throws -> Bool {
        let lowered = value.lowercased()
        if trueValues.contains(lowered) { return true }
        if falseValues.contains(lowered) { return false }
        throw ZunError.invalidValue(
            "Invalid value for \(name): Unrecognized value '\(value)', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'"
        )
    }
}

/// The parameters of an action: the query string, merged with a JSON object body when there is one
/// (Zun accepts either, docs/zun-compatibility.md, "Lists and lookups").
struct ActionParameters {
    var values: [String: String]

    static func read(_ request: Request, context: ZunRequestContext, bodyLimit: Int = RequestBodyLimits.json) async throws -> ActionParameters {
        var values = queryValues(request)
        if request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true {
            let buffer = try await request.collectBody(upTo: bodyLimit)
            if buffer.readableBytes > 0 {
                guard let json = try? JSONResponse.decoder.decode(JSONValue.self, from: buffer),
                      case .object(let object) = json
                else { throw ZunError.invalidValue("The request body is not a JSON object.") }
                for (key, value) in object {
                    switch value {
                    case .string(let s): values[key] = s
                    case .int(let i): values[key] = String(i)
                    case .double(let d): values[key] = String(d)
                    case .bool(let b): values[key] = b ? "true" : "false"
                    case .null: continue
                    default: throw ZunError.invalidValue("Invalid value for \(key).")
                    }
                }
            }
        }
        return ActionParameters(values: values)
    }

    /// The query string as form data: `+` is a space (python-zunclient sends `command=echo+hi`), `%2B` a plus.
    static func queryValues(_ request: Request) -> [String: String] {
        var values: [String: String] = [:]
        for pair in (request.uri.query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            // Most values have neither `+` nor `%`: they skip Foundation's replacing, which was a percent of
            // the accept path's time (every create carries `?run=true`).
            func decode(_ part: Substring) -> String {
                guard part.utf8.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) else { return String(part) }
                let spaced = part.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            values[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return values
    }

    /// Rejects parameters outside `allowed` with Zun's `Unknown parameters: ...` (400).
    func requireOnly(_ allowed: Set<String>) throws {
        let unknown = values.keys.filter { !allowed.contains($0) }.sorted()
        if !unknown.isEmpty { throw ZunError.invalidValue("Unknown parameters: \(unknown.joined(separator: ", "))") }
    }

    func bool(_ name: String, default value: Bool = false) throws -> Bool {
        guard let raw = values[name] else { return value }
        return try StrictBool.parse(raw, name: name)
    }

    /// A non-negative integer such as a stop `timeout`, no larger than `maximum`. Zun's schema says only
    /// `^[0-9]+$`; the upper bound is ours, so that no request-derived number can overflow later arithmetic.
    func nonNegativeInt(_ name: String, maximum: Int) throws -> Int? {
        guard let raw = values[name] else { return nil }
        guard Pattern.digits.matches(raw) else {
            throw ZunError.schemaValidation(
                "Invalid input for query parameters '\(name)'. Value: '\(raw)'. '\(raw)' does not match '^[0-9]+$'"
            )
        }
        guard let value = Int(raw), value <= maximum else {
            throw ZunError.schemaValidation(
                "Invalid input for query parameters '\(name)'. Value: '\(raw)'. \(raw) is greater than the maximum of \(maximum)"
            )
        }
        return value
    }
}

extension JSONResponse {
    static let decoder = JSONDecoder()
}

import Foundation

extension ActionParameters {
    /// The project a list of networks, ports or volumes shows: the caller's, or every project (nil) when
    /// `all_projects` is set and `allProjectsRule` allows it. No other parameter is accepted.
    static func listScope(
        _ request: Request, _ context: ZunRequestContext, policy: Policy, allProjectsRule: PolicyRule
    ) async throws -> String? {
        let params = try await read(request, context: context)
        try params.requireOnly(["all_projects"])
        guard try params.bool("all_projects") else { return try context.caller.projectID }
        try policy.enforce(allProjectsRule, context.caller)
        return nil
    }
}
