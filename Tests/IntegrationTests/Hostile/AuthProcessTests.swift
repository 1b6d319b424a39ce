import Foundation
import Testing
import ZunAPI
import ZunTestSupport

/// The authentication strategies in a real `zun dev` process: a Keystone strategy that cannot sign in does not
/// start, and no token or password reaches the log, even at trace level.
@Suite(.serialized) struct AuthProcessTests {
    static func exitLog(_ arguments: [String]) throws -> (exited: Bool, log: String) {
        let process = ZunProcess(
            name: "auth-\(UUID().uuidString.prefix(6))", arguments: arguments,
            environment: ["ZUN_KEYSTONE_SERVICE_PASSWORD": "", "ZUN_KEYSTONE_SERVICE_PASSWORD_FILE": ""],
            logDirectory: try TestSupport.temporaryDirectory()
        )
        try process.start()
        let exited = process.waitForExit(timeout: 30)
        if !exited { process.killHard() }
        return (exited, process.logTail(10))
    }

    @Test func aStrategyThatCannotWorkStopsTheStart() throws {
        let keystone = try KeystoneFixture()
        let base = ["dev", "--listen", "127.0.0.1:\(try freePort())", "--data-dir", try TestSupport.temporaryDirectory()]
        let noURL = try Self.exitLog(base + ["--auth-strategy", "keystone"])
        #expect(noURL.exited && noURL.log.contains("needs --keystone-url"), "\(noURL.log)")
        let noPassword = try Self.exitLog(base + ["--auth-strategy", "keystone", "--keystone-url", keystone.url])
        #expect(noPassword.exited && noPassword.log.contains("needs the service password"), "\(noPassword.log)")
        let file = try TestSupport.temporaryDirectory() + "/password"
        try "not-the-password\n".write(toFile: file, atomically: true, encoding: .utf8)
        let wrong = try Self.exitLog(base + ["--auth-strategy", "keystone", "--keystone-url", keystone.url, "--keystone-service-password-file", file])
        #expect(wrong.exited && wrong.log.contains("refused the service credential"), "\(wrong.log)")
        #expect(!wrong.log.contains("not-the-password"))
        let noFile = try Self.exitLog(base + ["--auth-strategy", "token-file"])
        #expect(noFile.exited && noFile.log.contains("needs --token-file"), "\(noFile.log)")
        let unknown = try Self.exitLog(base + ["--auth-strategy", "trust-me"])
        #expect(unknown.exited && unknown.log.contains("must be noauth, keystone or token-file"), "\(unknown.log)")
    }

    @Test func noTokenOrPasswordReachesTheLogAtTraceLevel() async throws {
        let keystone = try KeystoneFixture()
        let passwordFile = try TestSupport.temporaryDirectory() + "/password"
        try keystone.password.write(toFile: passwordFile, atomically: true, encoding: .utf8)
        // A password file is where the password belongs, but not left behind for ./scripts/test's log sweep.
        defer { try? FileManager.default.removeItem(atPath: passwordFile) }
        let alice = try await keystone.token(user: "alice", project: "alpha")
        let doomed = try await keystone.token(user: "bob", project: "beta")
        let arguments = [
            "--log-level", "trace", "--auth-strategy", "keystone", "--keystone-url", keystone.url,
            "--keystone-service-password-file", passwordFile, "--keystone-cache-ttl", "0",
        ]
        var secrets = [keystone.password, alice.token, doomed.token]
        let logs = Logs()
        try await DevProcess.run(extraArguments: arguments) { dev in
            #expect(try await dev.call(.GET, "/v1/containers", token: alice.token).status == .ok)
            let volume = try await dev.call(.POST, "/v1/volumes", json: #"{"name": "alicevol", "size": 1}"#, token: alice.token)
            #expect(volume.status.code < 300, "\(volume.json ?? "")")
            #expect(try await dev.call(.GET, "/v1/containers", token: alice.token + "tampered").status == .unauthorized)
            #expect(try await dev.call(.GET, "/v1/containers", token: doomed.token).status == .ok)
            try await keystone.revoke(doomed.token)
            #expect(try await dev.call(.GET, "/v1/containers", token: doomed.token).status == .unauthorized)
            logs.texts.append(try String(contentsOfFile: dev.process.logPath, encoding: .utf8))
        }
        secrets.append(alice.token + "tampered")

        let tokenFile = try TestSupport.temporaryDirectory() + "/tokens.yaml"
        let issued = TokenFile.generateToken()
        try TokenFile.append(.init(sha256: TokenFile.digest(of: issued), user_id: "carol", project_id: "gamma", roles: ["member"]), to: tokenFile)
        secrets.append(issued)
        try await DevProcess.run(extraArguments: ["--log-level", "trace", "--auth-strategy", "token-file", "--token-file", tokenFile]) { dev in
            #expect(try await dev.call(.GET, "/v1/containers", token: issued).status == .ok)
            #expect(try await dev.call(.GET, "/v1/containers", token: "zun_wrong").status == .unauthorized)
            logs.texts.append(try String(contentsOfFile: dev.process.logPath, encoding: .utf8))
        }
        for log in logs.texts {
            #expect(log.contains("trace") || log.contains("debug"), "the log is not at trace level, so the check proves little")
            for secret in secrets {
                #expect(!log.contains(secret), "a secret (\(secret.prefix(6))…) is in the log")
            }
        }
    }
}

/// The logs read inside the processes' scopes (each appended once, after the process's calls).
private final class Logs: @unchecked Sendable {
    var texts: [String] = []
}
