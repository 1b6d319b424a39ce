import Foundation
import Testing
import ZunTestSupport

/// The policy file is read at start: a typo stops the service instead of silently allowing or denying.
struct PolicyProcessTests {
    @Test func zunDevRefusesAPolicyFileWithAnUnknownRuleOrABadCheck() throws {
        let directory = try TestSupport.temporaryDirectory()
        for (name, text, expected) in [
            ("typo.yaml", "\"container:strat\": \"@\"\n", "Unknown policy rule container:strat"),
            ("bad.json", #"{"container:start": "role:admin and"}"#, "Invalid policy check string"),
        ] {
            try text.write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8)
            let result = try NodeSecretProcessTests.exitLog(
                ["dev", "--listen", "127.0.0.1:0", "--data-dir", directory, "--policy-file", "\(directory)/\(name)",
                 "--docker-host", try TestSupport.dockerEndpoint()],
                environment: [:]
            )
            #expect(result.exited && result.log.contains(expected), "\(name): \(result.log)")
        }
    }

    @Test func policyCheckExplainsADecision() throws {
        let directory = try TestSupport.temporaryDirectory()
        try "\"container:create\": \"rule:admin_or_owner and not role:reader\"\n".write(toFile: "\(directory)/policy.yaml", atomically: true, encoding: .utf8)
        let member = try NodeSecretProcessTests.exitLog(
            ["policy", "check", "--rule", "container:create", "--roles", "member", "--project", "p1", "--policy-file", "\(directory)/policy.yaml"],
            environment: [:]
        )
        #expect(member.log.contains("allowed: container:create = \"rule:admin_or_owner and not role:reader\""), "\(member.log)")
        let reader = try NodeSecretProcessTests.exitLog(
            ["policy", "check", "--rule", "container:create", "--roles", "reader", "--project", "p1", "--policy-file", "\(directory)/policy.yaml"],
            environment: [:]
        )
        #expect(reader.log.contains("denied: container:create"), "\(reader.log)")
        let other = try NodeSecretProcessTests.exitLog(
            ["policy", "check", "--rule", "container:get_one", "--roles", "member", "--project", "p1", "--target-project", "p2"],
            environment: [:]
        )
        #expect(other.log.contains("denied: container:get_one"), "\(other.log)")
    }
}

/// An API that trusts identity headers does not listen where other hosts reach it, unless told to on purpose.
struct NoAuthProcessTests {
    @Test(arguments: ["api", "dev"])
    func noauthBeyondLoopbackIsRefusedAtStart(_ role: String) throws {
        let result = try NodeSecretProcessTests.exitLog(
            [role, "--listen", "0.0.0.0:0", "--database", "postgres://nobody@127.0.0.1:1/none"],
            environment: ["ZUN_NODE_SECRET": "a-long-enough-node-secret"]
        )
        #expect(result.exited && result.log.contains("refusing to serve noauth on 0.0.0.0"), "\(result.log)")
    }
}
