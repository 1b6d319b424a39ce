import Testing
import ZunAPI
import ZunCore

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
        #expect(policy.rules[.containerCreatePrivileged] == .denyAll)
        for rule in [PolicyRule.containerCreateRuntime, .containerCreateRequestedDestination, .containerGetOneHost, .hostGetAll, .serviceDelete, ContainerOperations.deleteForce.policy] {
            #expect(policy.rules[rule] == .adminAPI, "\(rule)")
        }
        #expect(policy.rules[.networkCreate] == .roleAdmin)
        #expect(policy.rules[ContainerOperations.start.policy] == .adminOrOwner)
    }

    @Test func anOverrideOfAnUnknownRuleIsAnErrorNotIgnored() {
        #expect(throws: Policy.UnknownRule.self) { try Policy(overrides: ["container:strat": .allowAll]) }
    }

    @Test func anOverrideChangesOnlyItsRule() throws {
        let policy = try Policy(overrides: ["container:create:privileged": .adminAPI])
        #expect(policy.allows(.containerCreatePrivileged, Self.admin))
        #expect(!policy.allows(.containerCreatePrivileged, Self.owner))
        #expect(policy.rules[.containerCreateRuntime] == .adminAPI)
    }

    @Test func theTableHoldsEveryRuleOnce() throws {
        let policy = try Policy(overrides: [:])
        // Each rule is in the table; the check of `PolicyRule.all` is what keeps it so.
        #expect(policy.rules.count == PolicyRule.all.count)
        #expect(Set(PolicyRule.all.map(\.name)).count == PolicyRule.all.count)
    }
}
