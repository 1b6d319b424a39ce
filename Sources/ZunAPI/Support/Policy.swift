import ZunCore

/// The policy engine: each `PolicyRule` with its check, Zun's defaults unless overridden.
///
/// It fails closed: an override naming a rule the service does not have is an error at start, and a rule
/// missing from the table denies.
public struct Policy: Sendable {
    public private(set) var rules: [PolicyRule: PolicyCheck]

    /// An override for a rule the service does not know (a typo in a policy file, say).
    public struct UnknownRule: Error, CustomStringConvertible {
        public var name: String
        public var description: String { "Unknown policy rule \(name): it is not one of the service's rules." }
    }

    /// Zun's defaults.
    public init() {
        rules = Dictionary(PolicyRule.all.map { ($0, $0.defaultCheck) }, uniquingKeysWith: { a, _ in a })
    }

    /// Zun's defaults with `overrides` (rule name → check) applied; throws `UnknownRule` for a name that is
    /// not a rule.
    public init(overrides: [String: PolicyCheck]) throws {
        self.init()
        for (name, check) in overrides {
            guard let rule = PolicyRule.named(name) else { throw UnknownRule(name: name) }
            rules[rule] = check
        }
    }

    /// Whether `identity` may do `rule` on a resource of `targetProject`.
    public func allows(_ rule: PolicyRule, _ identity: Identity, targetProject: String? = nil) -> Bool {
        guard let check = rules[rule] else { return false }
        switch check {
        case .adminOrOwner: return identity.isAdmin || identity.projectID == (targetProject ?? identity.projectID)
        case .adminAPI, .roleAdmin: return identity.isAdmin
        case .denyAll: return false
        case .allowAll: return true
        }
    }

    /// Throws 403 `PolicyNotAuthorized` unless allowed.
    public func enforce(_ rule: PolicyRule, _ identity: Identity, targetProject: String? = nil) throws {
        guard allows(rule, identity, targetProject: targetProject) else { throw ZunError.policyNotAuthorized(rule.name) }
    }
}
