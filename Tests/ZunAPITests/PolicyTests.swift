import Testing
import ZunAPI
import ZunCore
import ZunTestSupport

/// Every policy rule against every kind of caller, and the engine's fail-closed edges.
struct PolicyTests {
    static let admin = Identity(userID: "a", projectID: "ops", roles: ["admin"])
    static let owner = Identity(userID: "u", projectID: "p1", roles: ["member"])
    static let stranger = Identity(userID: "s", projectID: "p2", roles: ["member"])

    /// What each default check grants: (admin, owner of the target, member of another project).
    static let expected: [PolicyCheck: (Bool, Bool, Bool)] = [
        .adminOrOwner: (true, true, false),
        .adminAPI: (true, false, false),
        .roleAdmin: (true, false, false),
        .denyAll: (false, false, false),
        .allowAll: (true, true, true),
    ]

    @Test(arguments: PolicyRule.all)
    func everyRuleGrantsWhatItsDefaultSays(_ rule: PolicyRule) throws {
        let policy = Policy()
        let (admin, owner, stranger) = try #require(Self.expected[rule.defaultCheck])
        #expect(policy.allows(rule, Self.admin, targetProject: "p1") == admin, "\(rule) admin")
        #expect(policy.allows(rule, Self.owner, targetProject: "p1") == owner, "\(rule) owner")
        #expect(policy.allows(rule, Self.stranger, targetProject: "p1") == stranger, "\(rule) stranger")
    }

    @Test func zunsAdminOnlyAndDenyAllRulesKeepTheirDefaults() {
        let policy = Policy()
        #expect(policy.checkString(for: .containerCreatePrivileged) == "!")
        for rule in [PolicyRule.containerCreateRuntime, .containerCreateRequestedDestination, .containerGetOneHost, .hostGetAll, .serviceDelete, ContainerOperations.deleteForce.policy] {
            #expect(policy.checkString(for: rule) == "rule:admin_api", "\(rule)")
        }
        #expect(policy.checkString(for: .networkCreate) == "role:admin")
        #expect(policy.checkString(for: ContainerOperations.start.policy) == "rule:admin_or_owner")
    }

    @Test func anOverrideOfAnUnknownRuleIsAnErrorNotIgnored() {
        #expect(throws: Policy.UnknownRule.self) { try Policy(overrides: ["container:strat": .allowAll]) }
    }

    @Test func anOverrideChangesOnlyItsRule() throws {
        let policy = try Policy(overrides: ["container:create:privileged": .adminAPI])
        #expect(policy.allows(.containerCreatePrivileged, Self.admin))
        #expect(!policy.allows(.containerCreatePrivileged, Self.owner))
        #expect(policy.checkString(for: .containerCreateRuntime) == "rule:admin_api")
    }

    @Test func theTableHoldsEveryRuleOnce() throws {
        let policy = try Policy(overrides: [String: String]())
        #expect(policy.checkStrings.count == PolicyRule.all.count + Policy.baseRules.count)
        for text in policy.checkStrings.values { _ = try PolicyExpression(parsing: text) }
        #expect(Set(PolicyRule.all.map(\.name)).count == PolicyRule.all.count)
    }

    /// A policy file in YAML or JSON overrides the defaults, base rules included, as oslo.policy's does.
    @Test(arguments: ["yaml", "json"])
    func aPolicyFileOverridesTheDefaults(_ format: String) throws {
        let directory = try TestSupport.temporaryDirectory()
        let path = "\(directory)/policy.\(format)"
        let text = format == "yaml"
            ? """
              # members of p1 only, and readers may not
              "container:get_all": "project_id:p1 and not role:reader"
              context_is_admin: "role:admin or role:cloud-admin"
              """
            : #"{"container:get_all": "project_id:p1 and not role:reader", "context_is_admin": "role:admin or role:cloud-admin"}"#
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let policy = try Policy(file: path)
        #expect(policy.allows(.containerGetAll, Self.owner))
        #expect(!policy.allows(.containerGetAll, Identity(userID: "r", projectID: "p1", roles: ["reader"])))
        #expect(!policy.allows(.containerGetAll, Self.stranger))
        // The base rule changed, so every admin-only default follows it.
        #expect(policy.allows(.hostGetAll, Identity(userID: "c", projectID: "ops", roles: ["cloud-admin"])))
        #expect(!policy.allows(.hostGetAll, Self.owner))
    }

    @Test func aPolicyFileNamingAnUnknownRuleOrABadCheckIsRefused() throws {
        let directory = try TestSupport.temporaryDirectory()
        try #"{"container:strat": "@"}"#.write(toFile: "\(directory)/typo.json", atomically: true, encoding: .utf8)
        #expect(throws: Policy.UnknownRule.self) { try Policy(file: "\(directory)/typo.json") }
        try "container:start: \"role:admin and\"\n".write(toFile: "\(directory)/bad.yaml", atomically: true, encoding: .utf8)
        #expect(throws: PolicyExpression.ParseError.self) { try Policy(file: "\(directory)/bad.yaml") }
        try "- a list\n".write(toFile: "\(directory)/list.yaml", atomically: true, encoding: .utf8)
        #expect(throws: Policy.PolicyFileError.self) { try Policy(file: "\(directory)/list.yaml") }
        #expect(throws: Policy.PolicyFileError.self) { try Policy(file: "\(directory)/missing.yaml") }
    }
}
