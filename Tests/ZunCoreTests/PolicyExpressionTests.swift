import Testing
import ZunCore

/// oslo.policy's check-string language: parsing, precedence and evaluation.
struct PolicyExpressionTests {
    @Test(arguments: [
        ("", "@"), ("@", "@"), ("!", "!"), ("role:admin", "role:admin"),
        ("is_admin:True or project_id:%(project_id)s", "is_admin:True or project_id:%(project_id)s"),
        ("role:a or role:b and role:c", "role:a or (role:b and role:c)"),
        ("(role:a or role:b) and role:c", "(role:a or role:b) and role:c"),
        ("not role:a and role:b", "not role:a and role:b"),
        ("not (role:a or role:b)", "not (role:a or role:b)"),
        ("role:a AND role:b OR rule:x", "(role:a and role:b) or rule:x"),
    ])
    func parsesWithOsloPrecedence(_ text: String, _ expected: String) throws {
        #expect(try PolicyExpression(parsing: text).description == expected)
    }

    @Test(arguments: ["(role:a", "role:a and", "and role:a", "role:a or or role:b", "admin", "role:", ":x", "role:a)", "not"])
    func refusesWhatIsNotACheckString(_ text: String) {
        #expect(throws: PolicyExpression.ParseError.self) { try PolicyExpression(parsing: text) }
    }

    let member = Identity(userID: "u1", projectID: "p1", roles: ["Member"])
    let rules: [String: PolicyExpression] = [
        "owner": .generic(credential: "project_id", value: "%(project_id)s"),
        "loop": .rule("loop"),
    ]

    func allows(_ text: String, target: [String: String] = ["project_id": "p1", "user_id": "u1"], admin: Bool = false) throws -> Bool {
        try PolicyExpression(parsing: text).allows(member, target: target, isAdmin: admin, resolve: { rules[$0] })
    }

    @Test func evaluatesRolesTargetsAndReferences() throws {
        #expect(try allows("role:member"))  // roles are case-insensitive
        #expect(try !allows("role:admin"))
        #expect(try allows("project_id:%(project_id)s"))
        #expect(try !allows("project_id:%(project_id)s", target: ["project_id": "p2"]))
        #expect(try !allows("project_id:%(project_id)s", target: [:]))  // a missing target field denies
        #expect(try allows("user_id:%(user_id)s"))
        #expect(try allows("is_admin:True", admin: true))
        #expect(try !allows("is_admin:True"))
        #expect(try allows("is_admin:False"))
        #expect(try allows("rule:owner and not role:reader"))
        #expect(try !allows("rule:no_such_rule"))  // an unknown reference denies
        #expect(try !allows("rule:loop"))  // and so does a loop
        #expect(try !allows("shoe_size:%(project_id)s"))  // an unknown credential denies
        #expect(try allows("@") && !allows("!") && allows(""))
    }
}
