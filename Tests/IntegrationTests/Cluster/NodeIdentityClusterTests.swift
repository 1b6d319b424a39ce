import Foundation
import Testing
import ZunAPI
import ZunCore
import ZunStore
import ZunTestSupport

/// Per-node identity on real processes (docs/node-protocol.md): `zun compute` has no way to reach the database,
/// each agent holds its own credential and endpoint key, NodeRestriction holds against a node using its own
/// credential on another host's records, and credentials rotate and are revoked without touching other nodes.
/// Part of `ClusterTests`, so that its clusters run one at a time with the others'.
extension ClusterTests {
    @Test func zunComputeHasNoDatabaseOption() throws {
        let help = try Self.runZun(["compute", "--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("--api"))
        #expect(!help.output.contains("--database"), "zun compute --help:\n\(help.output)")
        let refused = try Self.runZun(["compute", "--database", "postgres://zun@127.0.0.1/zun", "--api", "http://127.0.0.1:1"], environment: ["ZUN_DATABASE": "postgres://zun@127.0.0.1/zun"])
        #expect(refused.status != 0)
        #expect(refused.output.contains("Unknown option '--database'"), "\(refused.output)")
        // Nor does it start without an API to talk to.
        let noAPI = try Self.runZun(["compute"], environment: ["ZUN_API_URLS": ""])
        #expect(noAPI.status != 0 && noAPI.output.contains("--api"), "\(noAPI.output)")
    }

    /// `zun api --database-pool-size` bounds the replica's PostgreSQL connections; nonsense is refused before
    /// anything starts.
    @Test func aDatabasePoolSizeOutOfRangeIsRefused() throws {
        for size in ["0", "501", "many"] {
            let refused = try Self.runZun(["api", "--database", "postgres://zun@127.0.0.1:1/zun", "--database-pool-size", size, "--insecure-noauth"])
            #expect(refused.status != 0, "--database-pool-size \(size)")
            #expect(refused.output.contains("database-pool-size"), "\(refused.output)")
        }
        #expect(try Self.runZun(["api", "--help"]).output.contains("--database-pool-size"))
    }

    @Test func aNodeIsConfinedToItsOwnHostOnRealProcesses() async throws {
        try await ClusterFixture.run { cluster in
            let api = try await cluster.startAPI()
            try await cluster.startCompute("a", engine: 1)
            try await cluster.startCompute("b", engine: 2)
            let onB = try await cluster.create(#"{"image": "busybox:1.35", "command": ["sh", "-c", "echo from-b; sleep 300"], "host": "\#(cluster.hostName("b"))"}"#)
            let uuid = try #require(onB["uuid"] as? String)
            _ = try await cluster.waitForAll([uuid], in: ["Running"])

            // Each agent's credential file is its own, mode 0600, with a key for its host only.
            let identityA = try Self.identity(cluster.credentialFile("a"))
            let identityB = try Self.identity(cluster.credentialFile("b"))
            #expect(identityA.host == cluster.hostName("a") && identityB.host == cluster.hostName("b"))
            #expect(identityA.nodeKey != nil && identityA.nodeKey != identityB.nodeKey)
            let mode = try FileManager.default.attributesOfItem(atPath: cluster.credentialFile("a"))[.posixPermissions] as? Int
            #expect(mode == 0o600)

            // Node a, with its own credential, against node b's records.
            let bearer = [("Authorization", "Bearer \(identityA.credential)")]
            #expect(try await liveAPICall(api, .GET, "/node/v1/containers/\(uuid)", headers: bearer).status.code == 404)
            #expect(try await liveAPICall(api, .POST, "/node/v1/heartbeat", json: #"{"host": "\#(cluster.hostName("b"))"}"#, headers: bearer).status.code == 403)
            let listed = try await liveAPICall(api, .GET, "/node/v1/containers", headers: bearer)
            #expect((listed.object["containers"] as? [Any])?.isEmpty == true, "node a sees none of node b's containers")
            // The node listener (--node-listen, where the agents call) serves the node protocol and nothing else.
            let nodeListener = cluster.nodeURLs[0]
            #expect(try await liveAPICall(nodeListener, .GET, "/node/v1/containers", headers: bearer).status.code == 200)
            #expect(try await liveAPICall(nodeListener, .GET, "/node/v1/containers").status.code == 401)
            #expect(try await liveAPICall(nodeListener, .GET, "/v1/containers").status.code == 404, "no users' API on the node listener")
            let destroy = String(decoding: try NodeProtocolCoding.encoder().encode(ReportBatch(reports: [.containerDestroyed(uuid: uuid)])), as: UTF8.self)
            let reply = try await liveAPICall(api, .POST, "/node/v1/reports", json: destroy, headers: bearer)
            let outcome = (reply.object["outcomes"] as? [[String: Any]])?.first
            #expect(outcome?["refused"] != nil, "\(reply.json ?? "")")

            // Relay: node a's key does not open node b's endpoint; b's own key (derived by the API) does.
            let logs = NodeCallProtocol.path(uuid, "logs")
            let endpointB = try #require(cluster.nodeEndpoints["b"])
            let withKeyOfA = try await liveAPICall(endpointB, .GET, logs, headers: [(NodeCallProtocol.tokenHeader, identityA.nodeKey ?? "")])
            #expect(withKeyOfA.status.code == 401)
            let withKeyOfB = try await liveAPICall(endpointB, .GET, logs, headers: [(NodeCallProtocol.tokenHeader, identityB.nodeKey ?? "")])
            #expect(withKeyOfB.status.code == 200 && (withKeyOfB.json as? String)?.contains("from-b") == true)

            // Nothing of b's changed, and every attempt was logged with the host it tried.
            #expect(try await cluster.show(uuid)["status"] as? String == "Running")
            #expect(try await cluster.serviceState(cluster.hostName("b")) == "up")
            let log = try String(contentsOfFile: cluster.apis[0].logPath, encoding: .utf8)
            #expect(log.components(separatedBy: "node tried to act").count - 1 >= 2, "the refused attempts are logged")
            #expect(!log.contains(identityA.credential), "no credential in the API's log")
        }
    }

    @Test func aNodeRotatesItsCredentialWithoutRestartingAndARevokedNodeGoesDown() async throws {
        try await ClusterFixture.run { cluster in
            try await cluster.startAPI()
            try await cluster.startCompute("a", engine: 1, extraArguments: ["--credential-rotation", "1"])
            let host = cluster.hostName("a")
            let pid = cluster.computes["a"]?.pid
            let first = try Self.identity(cluster.credentialFile("a")).credential
            var seen: Set<String> = [first]
            try await TestSupport.eventually(timeout: .seconds(20)) { () -> Bool? in
                seen.insert(try Self.identity(cluster.credentialFile("a")).credential)
                return seen.count >= 3 ? true : nil
            }
            // The same process, still heartbeating and taking work with the rotated credentials.
            #expect(cluster.computes["a"]?.pid == pid && cluster.computes["a"]?.isRunning == true)
            let created = try await cluster.create(Self.sleeper)
            _ = try await cluster.waitForAll([created["uuid"] as! String], in: ["Running"])
            #expect(try await cluster.serviceState(host) == "up")

            // Revoked: the node's next calls are refused and it goes down; the API logs no credential.
            _ = try await SQLStore.withStore(at: cluster.location, logger: TestSupport.logger) { store in
                try await NodeCredentials(store: store).revoke(host: host)
            }
            try await TestSupport.eventually(timeout: .seconds(30)) {
                try await cluster.serviceState(host) == "down" ? true : nil
            }
            let log = try String(contentsOfFile: cluster.computes["a"]!.logPath, encoding: .utf8)
            for credential in seen { #expect(!log.contains(credential)) }
        }
    }

    /// Any replica serves any node: with the replica an agent talks to killed, its heartbeats, claims and reports
    /// go to the other, and the host never looks down.
    @Test func anAgentFailsOverToAnotherReplicaWhenItsReplicaDies() async throws {
        try await ClusterFixture.run { cluster in
            try await cluster.startAPI()
            try await cluster.startAPI()
            try await cluster.startCompute("a", engine: 1)
            let host = cluster.hostName("a")
            let before = try await cluster.create(api: 1, Self.sleeper)
            _ = try await cluster.waitForAll([before["uuid"] as! String], in: ["Running"])
            cluster.apis[0].killHard()  // the first of the agent's --api URLs
            let after = try await cluster.create(api: 1, Self.sleeper)
            _ = try await cluster.waitForAll([after["uuid"] as! String], in: ["Running"], api: 1, timeout: .seconds(60))
            // Longer than the down time: the heartbeats went to the surviving replica all along.
            try await Task.sleep(for: .seconds(cluster.serviceDownTime + 2))
            #expect(try await cluster.serviceState(host, api: 1) == "up")
            let stop = try await cluster.call(cluster.apiURLs[1], .POST, "/v1/containers/\(before["uuid"] as! String)/stop")
            #expect(stop.status.code == 202)
            _ = try await cluster.waitForAll([before["uuid"] as! String], in: ["Stopped"], api: 1, timeout: .seconds(60))
        }
    }

    static func identity(_ path: String) throws -> NodeIdentity {
        try JSONDecoder().decode(NodeIdentity.self, from: try #require(FileManager.default.contents(atPath: path)))
    }

    /// Runs the `zun` binary to its end; its status and its output (stdout and stderr).
    static func runZun(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try ZunProcess.binary())
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
