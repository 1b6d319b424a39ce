import ZunCore

/// Zun's policy rules with their default check strings (reference §2.16).
public struct Policy: Sendable {
    /// The check behind a rule.
    public enum Check: String, Sendable {
        /// `is_admin:True or project_id:%(project_id)s`
        case adminOrOwner = "rule:admin_or_owner"
        /// `rule:context_is_admin`
        case adminAPI = "rule:admin_api"
        /// `role:admin`
        case roleAdmin = "role:admin"
        /// `!`
        case denyAll = "!"
        /// `@` (anyone)
        case allowAll = "@"
    }

    public var rules: [String: Check]

    public init(overrides: [String: Check] = [:]) {
        rules = Self.defaults.merging(overrides) { _, new in new }
    }

    /// Whether `identity` may do `rule` on a resource of `targetProject`. Unknown rules allow (`might_not_exist`).
    public func allows(_ rule: String, _ identity: Identity, targetProject: String? = nil) -> Bool {
        guard let check = rules[rule] else { return true }
        switch check {
        case .adminOrOwner: return identity.isAdmin || identity.projectID == (targetProject ?? identity.projectID)
        case .adminAPI, .roleAdmin: return identity.isAdmin
        case .denyAll: return false
        case .allowAll: return true
        }
    }

    /// Throws 403 `PolicyNotAuthorized` unless allowed.
    public func enforce(_ rule: String, _ identity: Identity, targetProject: String? = nil) throws {
        guard allows(rule, identity, targetProject: targetProject) else { throw ZunError.policyNotAuthorized(rule) }
    }

    static let defaults: [String: Check] = {
        var rules: [String: Check] = [:]
        let ownerRules = [
            "create", "delete", "get_one", "get_all", "update", "start", "stop", "reboot", "pause", "unpause", "logs",
            "execute", "execute_resize", "kill", "rename", "attach", "resize", "top", "get_archive", "put_archive",
            "stats", "commit", "add_security_group", "remove_security_group", "network_detach", "network_attach",
            "rebuild", "resize_container", "actions",
        ]
        for name in ownerRules { rules["container:\(name)"] = .adminOrOwner }
        let adminRules = [
            "create:runtime", "create:requested_destination", "create:image_pull_policy", "delete_all_projects",
            "delete_force", "get_one:host", "get_one:image_pull_policy", "get_one:privileged", "get_one:runtime",
            "get_one_all_projects", "get_all_all_projects", "action:events",
        ]
        for name in adminRules { rules["container:\(name)"] = .adminAPI }
        rules["container:create:privileged"] = .denyAll
        // Networks: Zun's `role:admin` for create/delete and attaching external networks; reads by owner.
        for name in ["create", "delete", "attach_external_network"] { rules["network:\(name)"] = .roleAdmin }
        rules["network:get"] = .adminOrOwner
        rules["network:get_all"] = .adminOrOwner
        rules["network:get_all_all_projects"] = .adminAPI
        // Volumes (ours; Cinder's in Zun): the owner's.
        for name in ["create", "delete", "get", "get_all"] { rules["volume:\(name)"] = .adminOrOwner }
        rules["volume:get_all_all_projects"] = .adminAPI
        for name in ["create", "delete", "get", "get_all"] { rules["port:\(name)"] = .adminOrOwner }
        rules["port:get_all_all_projects"] = .adminAPI
        rules["host:get_all"] = .adminAPI
        rules["host:get"] = .adminAPI
        for name in ["delete", "disable", "enable", "force_down", "get_all"] { rules["zun-service:\(name)"] = .adminAPI }
        return rules
    }()
}
