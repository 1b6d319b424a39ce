import Foundation
import Yams
import ZunCore

/// The policy engine: every rule of the service as an oslo.policy check string (`PolicyExpression`), Zun's
/// defaults unless a policy file overrides them (docs/policy.md).
///
/// It fails closed: a rule missing from the table denies, an override naming a rule the service does not
/// have is an error at start, and so is a check string that does not parse.
public struct Policy: Sendable {
    /// Zun's base rules, which the defaults refer to with `rule:`.
    public static let baseRules: [String: String] = [
        "context_is_admin": "role:admin",
        "admin_or_owner": "is_admin:True or project_id:%(project_id)s",
        "admin_api": "rule:context_is_admin",
        "admin_or_user": "is_admin:True or user_id:%(user_id)s",
    ]

    /// Rule name → check string, as given or defaulted.
    public private(set) var checkStrings: [String: String]
    private var expressions: [String: PolicyExpression]

    /// An override for a rule the service does not know (a typo in a policy file, say).
    public struct UnknownRule: Error, CustomStringConvertible {
        public var name: String
        public var description: String { "Unknown policy rule \(name): it is not one of the service's rules." }
    }

    /// Zun's defaults.
    public init() {
        var strings = Self.baseRules
        for rule in PolicyRule.all { strings[rule.name] = rule.defaultCheck.rawValue }
        checkStrings = strings
        // The defaults are the service's own strings: each parses (PolicyTests checks every one).
        expressions = strings.compactMapValues { try? PolicyExpression(parsing: $0) }
    }

    /// Zun's defaults with `overrides` (rule name → check string) applied.
    public init(overrides: [String: String]) throws {
        self.init()
        for (name, text) in overrides {
            guard checkStrings[name] != nil else { throw UnknownRule(name: name) }
            expressions[name] = try PolicyExpression(parsing: text)
            checkStrings[name] = text
        }
    }

    /// The same with the defaults' named checks.
    public init(overrides: [String: PolicyCheck]) throws {
        try self.init(overrides: overrides.mapValues(\.rawValue))
    }

    /// Zun's defaults overridden by a policy file: YAML or JSON, a map of rule names to check strings, as
    /// oslo.policy's `policy.yaml`.
    public init(file path: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw PolicyFileError(path: path, reason: "it cannot be read (\(error.localizedDescription))")
        }
        let parsed: Any?
        do {
            parsed = try Yams.load(yaml: text)  // JSON is YAML too
        } catch {
            throw PolicyFileError(path: path, reason: "it is not YAML or JSON (\(error))")
        }
        guard let map = parsed as? [String: Any] else {
            if parsed == nil { self.init(); return }
            throw PolicyFileError(path: path, reason: "it must map rule names to check strings")
        }
        var overrides: [String: String] = [:]
        for (name, value) in map {
            guard let text = value as? String else {
                throw PolicyFileError(path: path, reason: "the check of \(name) must be a string")
            }
            overrides[name] = text
        }
        try self.init(overrides: overrides)
    }

    /// A policy file that cannot be used.
    public struct PolicyFileError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "Policy file \(path): \(reason)." }
    }

    /// The check string in force for `rule`.
    public func checkString(for rule: PolicyRule) -> String? { checkStrings[rule.name] }

    /// Whether `identity` may do `rule` on a resource of `targetProject` (the caller's own when nil).
    public func allows(_ rule: PolicyRule, _ identity: Identity, targetProject: String? = nil) -> Bool {
        allows(named: rule.name, identity, targetProject: targetProject)
    }

    /// The same by rule name (the `zun policy check` command); a name that is not a rule denies.
    public func allows(named name: String, _ identity: Identity, targetProject: String? = nil) -> Bool {
        guard let expression = expressions[name] else { return false }
        let credentials = identity
        let target = ["project_id": targetProject ?? identity.projectID, "user_id": identity.userID]
        let resolve: (String) -> PolicyExpression? = { expressions[$0] }
        // oslo.policy's `is_admin` credential is the outcome of `context_is_admin`.
        let isAdmin = expressions["context_is_admin"]?.allows(credentials, target: target, isAdmin: false, resolve: resolve) ?? false
        return expression.allows(credentials, target: target, isAdmin: isAdmin, resolve: resolve)
    }

    /// Throws 403 `PolicyNotAuthorized` unless allowed.
    public func enforce(_ rule: PolicyRule, _ identity: Identity, targetProject: String? = nil) throws {
        guard allows(rule, identity, targetProject: targetProject) else { throw ZunError.policyNotAuthorized(rule.name) }
    }
}
