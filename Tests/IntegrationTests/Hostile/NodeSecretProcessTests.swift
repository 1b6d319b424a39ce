import Foundation
import Testing
import ZunTestSupport

/// The API, which derives each node's endpoint key from the cluster key, refuses to start with a guessable one
/// and never takes it on argv; nor does an agent take its bootstrap token there.
struct NodeSecretProcessTests {
    static func exitLog(_ arguments: [String], environment: [String: String]) throws -> (exited: Bool, log: String) {
        let process = ZunProcess(
            name: "secret-\(UUID().uuidString.prefix(6))", arguments: arguments,
            environment: ["ZUN_NODE_SECRET": "", "ZUN_NODE_SECRET_FILE": ""].merging(environment) { $1 },
            logDirectory: try TestSupport.temporaryDirectory()
        )
        try process.start()
        let exited = process.waitForExit(timeout: 20)
        if !exited { process.killHard() }
        return (exited, process.logTail(10))
    }

    @Test func missingEmptyOrShortSecretsAreRefusedAtStart() throws {
        let base = ["api", "--database", "postgres://nobody@127.0.0.1:1/none"]
        let missing = try Self.exitLog(base, environment: [:])
        #expect(missing.exited && missing.log.contains("a node secret is required"), "\(missing.log)")
        let short = try Self.exitLog(base, environment: ["ZUN_NODE_SECRET": "tooshort"])
        #expect(short.exited && short.log.contains("at least 16 bytes"), "\(short.log)")
        let file = try TestSupport.temporaryDirectory() + "/secret"
        try "\n".write(toFile: file, atomically: true, encoding: .utf8)
        let empty = try Self.exitLog(base + ["--node-secret-file", file], environment: [:])
        #expect(empty.exited && empty.log.contains("at least 16 bytes"), "\(empty.log)")
    }

    @Test func theSecretIsNeverAnArgument() throws {
        let result = try Self.exitLog(["api", "--node-secret", "a-long-enough-node-secret"], environment: [:])
        #expect(result.exited && result.log.contains("Unknown option '--node-secret'"), "\(result.log)")
        let token = try Self.exitLog(["compute", "--api", "http://127.0.0.1:1", "--bootstrap-token", "zun_boot_x"], environment: [:])
        #expect(token.exited && token.log.contains("Unknown option '--bootstrap-token'"), "\(token.log)")
    }
}
