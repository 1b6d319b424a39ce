/// The caller, as Zun's request context sees it.
public struct Identity: Sendable, Equatable {
    public var userID: String
    public var projectID: String
    public var roles: [String]
    /// The domain of the project (Keystone tokens carry it; noauth callers have none).
    public var domainID: String?

    public init(userID: String, projectID: String, roles: [String], domainID: String? = nil) {
        self.userID = userID
        self.projectID = projectID
        self.roles = roles
        self.domainID = domainID
    }

    /// Zun's `context_is_admin`: `role:admin`.
    public var isAdmin: Bool { roles.contains { $0.lowercased() == "admin" } }

    /// A request without identity headers in noauth mode: the admin of project `admin`
    /// (like Vault's dev root token; only for `zun dev`).
    public static let devAdmin = Identity(userID: "admin", projectID: "admin", roles: ["admin"])
}
