import DockerEngine
import Foundation
import Testing
import ZunCore
import ZunStore
import ZunTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `zun api` and `zun compute` as real processes on PostgreSQL and two Docker engines.
@Suite(.serialized)
struct ClusterTests {
    static let sleeper = #"{"image": "busybox:1.35", "command": ["sh", "-c", "trap 'exit 0' TERM; echo up; sleep 300 & wait"]}"#

    @Test func createsThroughEitherAPILandOnBothHostsAndLogsAreProxied() async throws {
        try await ClusterFixture.run { cluster in
            try await cluster.startAPI()
            try await cluster.startAPI()
            try await cluster.startCompute("a", engine: 1)
            try await cluster.startCompute("b", engine: 2)
            var uuids: [String] = []
            for i in 0..<20 { uuids.append(try await cluster.create(api: i % 2, Self.sleeper)["uuid"] as! String) }
            let views = try await cluster.waitForAll(uuids, in: ["Running"])
            let hosts = Set(views.compactMap { $0["host"] as? String })
            #expect(hosts == [cluster.hostName("a"), cluster.hostName("b")])
            for view in views {
                let host = view["host"] as! String
                let docker = try await DockerClient.connect(endpoint: cluster.engines[host]!, logger: TestSupport.logger)
                let engine = try await docker.inspectContainer("zun-\(view["uuid"] as! String)", logger: TestSupport.logger)
                #expect(engine?.state?.running == true, "container is running in the engine of its host")
            }
            // Logs are served by each container's own agent, through either API.
            for (i, uuid) in uuids.prefix(4).enumerated() {
                let logs = try await cluster.call(cluster.apiURLs[i % 2], .GET, "/v1/containers/\(uuid)/logs")
                #expect(logs.json as? String == "up\n")
            }
            // An interactive exec through an API replica: API websocket -> agent websocket -> engine.
            let exec = try await cluster.call(cluster.apiURLs[1], .POST, "/v1/containers/\(uuids[0])/execute?command=sh&run=false&interactive=true")
            let url = try #require(exec.object["proxy_url"] as? String)
            let output = try await ConsoleClient.run(url, steps: [.init(send: "echo via-$((40+2))\n", expect: "via-42"), .init(send: "exit\n", expect: nil)])
            #expect(output.contains("via-42"))
        }
    }

    /// An API replica makes a call to the node's endpoint for each exec, log or archive call, and more than 8 run
    /// at once on one host (`HTTPClient.shared` kept 8 connections per host and queued the rest, their timeouts
    /// running meanwhile). Each exec leaves a marker while it sleeps and counts the markers before removing its own.
    @Test func moreThanEightExecsRunAtOnceOnOneHost() async throws {
        try await ClusterFixture.run { cluster in
            try await cluster.startAPI()
            try await cluster.startCompute("a", engine: 1)
            let uuid = try #require(try await cluster.create(Self.sleeper)["uuid"] as? String)
            _ = try await cluster.waitForAll([uuid], in: ["Running"])
            let script = "touch /tmp/exec.$$; sleep 4; ls /tmp | grep -c exec; rm /tmp/exec.$$"
            let command = try #require("sh -c '\(script)'".addingPercentEncoding(withAllowedCharacters: .alphanumerics))
            let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        let reply = try await cluster.call(cluster.apiURLs[0], .POST, "/v1/containers/\(uuid)/execute?run=true&command=\(command)")
                        #expect(reply.status.code == 200, "\(reply.json ?? "")")
                        return Int((reply.object["output"] as? String ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(counts.count == 12)
            #expect((counts.max() ?? 0) > 8, "execs seen running at once: \(counts)")
        }
    }

    /// The seed's open question (kuryr's global scope): here a network is a record, and each host makes its
    /// own copy on first use, with the record's subnet. Nothing is synced between hosts.
    @Test func aNetworkCreatedOnceIsRealizedOnBothHostsOnFirstUseWithTheSameSubnet() async throws {
        try await ClusterFixture.run { cluster in
            try await cluster.startAPI()
            try await cluster.startAPI()
            try await cluster.startCompute("a", engine: 1)
            try await cluster.startCompute("b", engine: 2)
            let created = try await cluster.call(cluster.apiURLs[0], .POST, "/v1/networks", json: #"{"name": "span"}"#)
            #expect(created.status.code == 200, "\(created.json ?? "")")
            let networkID = try #require(created.object["uuid"] as? String)
            let cidr = try #require((created.object["subnets"] as? [[String: Any]])?.first?["cidr"] as? String)
            let engines = try await [1, 2].asyncMap { try await DockerClient.connect(endpoint: cluster.engine($0), logger: TestSupport.logger) }
            for docker in engines {
                #expect(try await docker.listNetworks(withLabel: "\(Network.uuidLabel)=\(networkID)", logger: TestSupport.logger).isEmpty)
            }
            var uuids: [String] = []
            for (i, suffix) in ["a", "b", "a", "b"].enumerated() {
                let body = #"{"image": "busybox:1.35", "command": ["sleep", "300"], "host": "\#(cluster.hostName(suffix))", "nets": [{"network": "span"}]}"#
                uuids.append(try await cluster.create(api: i % 2, body)["uuid"] as! String)
            }
            let views = try await cluster.waitForAll(uuids, in: ["Running"])
            #expect(Set(views.compactMap { $0["host"] as? String }) == [cluster.hostName("a"), cluster.hostName("b")])
            for docker in engines {
                let copies = try await docker.listNetworks(withLabel: "\(Network.uuidLabel)=\(networkID)", logger: TestSupport.logger)
                #expect(copies.count == 1)
                #expect(copies.first?.ipam?.config?.first?.subnet == cidr, "each host's copy has the record's subnet")
            }
            // Addresses come from the record, unique across hosts, all inside the subnet.
            let subnet = try #require(IPv4Subnet(cidr))
            let addresses = views.compactMap { (($0["addresses"] as? [String: [[String: Any]]])?[networkID]?.first?["addr"] as? String) }
            #expect(addresses.count == 4 && Set(addresses).count == 4)
            #expect(addresses.allSatisfy { IPv4Address($0).map(subnet.contains) == true })
            let shown = try await cluster.call(cluster.apiURLs[1], .GET, "/v1/networks/span").object
            #expect(shown["hosts"] as? [String] == [cluster.hostName("a"), cluster.hostName("b")])
        }
    }

    @Test func killingAComputeAgentDuringCreatesLosesNoContainer() async throws {
        try await ClusterFixture.run { cluster in
            try await cluster.startAPI()
            try await cluster.startCompute("a", engine: 1)
            var uuids: [String] = []
            for i in 0..<20 {
                uuids.append(try await cluster.create(Self.sleeper)["uuid"] as! String)
                if i == 6 {
                    // Killed with tasks claimed and in flight; restarted at once, so the host never looks down
                    // (the creates after this one must not depend on how fast a loaded machine sends them).
                    cluster.computes["a"]!.killHard()
                    try await cluster.startCompute("a", engine: 1)
                }
            }
            let views = try await cluster.waitForAll(uuids, in: ["Running"])
            #expect(views.count == 20)
            let docker = try await DockerClient.connect(endpoint: cluster.engine(1), logger: TestSupport.logger)
            let engine = try await docker.listContainers(withLabel: "zun.host=\(cluster.hostName("a"))", logger: TestSupport.logger)
            #expect(engine.count == 20, "exactly one engine container per record, none lost, none duplicated")
        }
    }

    @Test func aDeadHostIsDetectedWithinTheBoundAndNeverChosen() async throws {
        try await ClusterFixture.run { cluster in
            try await cluster.startAPI()
            try await cluster.startCompute("a", engine: 1)
            try await cluster.startCompute("b", engine: 2)
            cluster.computes["b"]!.killHard()
            let killedAt = ContinuousClock.now
            try await TestSupport.eventually(timeout: .seconds(20), interval: .milliseconds(100)) {
                try await cluster.serviceState(cluster.hostName("b")) == "down" ? true : nil
            }
            let detection = ContinuousClock.now - killedAt
            print("dead host detected after \(detection) (service down time \(cluster.serviceDownTime) s, heartbeat \(cluster.heartbeatInterval) s)")
            #expect(detection < .seconds(cluster.serviceDownTime + 1.5))
            for _ in 0..<6 {
                #expect(try await cluster.create(Self.sleeper, run: false)["host"] as? String == cluster.hostName("a"))
            }
            // A node-local call to the dead host fails fast and clearly.
            let pinned = try await cluster.create(#"{"image": "busybox:1.35", "host": "\#(cluster.hostName("b"))"}"#)
            #expect(pinned["status"] as? String == "Error")
        }
    }

    @Test func createsSentToADeadHostAreRescheduledOrEndInErrorNamingIt() async throws {
        try await ClusterFixture.run { cluster in
            try await cluster.startAPI()
            try await cluster.startCompute("b", engine: 2)
            cluster.computes["b"]!.killHard()
            let deadAt = ContinuousClock.now
            // b still looks alive for a moment: these go to b, the only host.
            let moved = try await cluster.create(Self.sleeper)
            let pinned = try await cluster.create(#"{"image": "busybox:1.35", "host": "\#(cluster.hostName("b"))"}"#)
            #expect(moved["host"] as? String == cluster.hostName("b"))
            #expect(pinned["host"] as? String == cluster.hostName("b"))
            try await cluster.startCompute("a", engine: 1)

            let running = try await cluster.waitForAll([moved["uuid"] as! String], in: ["Running"], timeout: .seconds(60))
            #expect(running.first?["host"] as? String == cluster.hostName("a"))
            let failed = try await cluster.waitForAll([pinned["uuid"] as! String], in: ["Error"], timeout: .seconds(60))
            let reason = failed.first?["status_reason"] as? String ?? ""
            #expect(reason.contains(cluster.hostName("b")) && reason.contains("down"), "\(reason)")
            print("create sent to a dead host resolved after \(ContinuousClock.now - deadAt) (dead-host timeout \(cluster.deadHostTimeout) s)")

            // When b comes back it removes nothing it should keep and the store stays right.
            try await cluster.startCompute("b", engine: 2)
            #expect(try await cluster.show(moved["uuid"] as! String)["status"] as? String == "Running")
        }
    }

    @Test func killingAnAPIMidRequestLeavesNoHalfWrittenContainer() async throws {
        try await ClusterFixture.run { cluster in
            try await cluster.startAPI()
            try await cluster.startCompute("a", engine: 1)
            let api = cluster.apiURLs[0]
            let (acknowledged, ack) = AsyncStream<Void>.makeStream()
            let watchdog = Task { try await Task.sleep(for: .seconds(30)); ack.finish() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<40 {
                    group.addTask {
                        let reply = try? await cluster.call(api, .POST, "/v1/containers", json: #"{"image": "busybox:1.35"}"#, timeout: .seconds(5))
                        if reply?.status.code == 202 { ack.yield() }
                    }
                }
                // Kill once one create is acknowledged (a fixed delay raced a slow CI machine): the rest are in flight.
                var first = acknowledged.makeAsyncIterator()
                _ = await first.next()
                cluster.apis[0].killHard()
                try await group.waitForAll()
            }
            watchdog.cancel()
            try await cluster.startAPI()
            try await SQLStore.withStore(at: cluster.location, logger: TestSupport.logger) { store in
                let containers = try await store.listContainers(.init())
                #expect(!containers.isEmpty)
                for container in containers {
                    let tasks = try await store.tasks(containerUUID: container.uuid)
                    let actions = try await store.actions(containerUUID: container.uuid)
                    #expect(tasks.count == 1 && actions.count == 1, "every container was written with its action and task")
                }
            }
        }
    }

    @Test func postgresRestartUnderLoadLosesNoAcknowledgedContainer() async throws {
        guard let dataDir = ProcessInfo.processInfo.environment["ZUN_TEST_POSTGRES_DIR"] else {
            throw MissingEnvironment("ZUN_TEST_POSTGRES_DIR is not set: run ./scripts/test")
        }
        try await ClusterFixture.run { cluster in
            // This test is about durability: a slow restart must not also make the host look dead (its
            // heartbeats stop while the database is away), or creates would rightly end in Error.
            cluster.serviceDownTime = 60
            cluster.deadHostTimeout = 120
            try await cluster.startAPI()
            try await cluster.startCompute("a", engine: 1)
            let acknowledged = try await withThrowingTaskGroup(of: [String].self) { group in
                group.addTask {
                    var uuids: [String] = []
                    let deadline = ContinuousClock.now + .seconds(8)
                    while ContinuousClock.now < deadline {
                        // Small containers, so capacity never runs out in the 8 s of load.
                        let body = #"{"image": "busybox:1.35", "cpu": 0.1, "memory": 16}"#
                        if let reply = try? await cluster.call(cluster.apiURLs[0], .POST, "/v1/containers", json: body, timeout: .seconds(5)),
                           reply.status.code == 202, let uuid = reply.object["uuid"] as? String {
                            uuids.append(uuid)
                        }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    return uuids
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(2))
                    try restartPostgres(dataDir)
                    return []
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(acknowledged.count > 10)
            let views = try await cluster.waitForAll(acknowledged, in: ["Created"], timeout: .seconds(90))
            #expect(views.count == acknowledged.count, "every acknowledged container exists and was created")
        }
    }

    @Test func twoAPIReplicasNeverOverCommitASmallHost() async throws {
        try await ClusterFixture.run { cluster in
            try await cluster.startAPI()
            try await cluster.startAPI()
            try await cluster.startCompute("a", engine: 1)
            // Stop the agent so it cannot rewrite the inventory, then make its host small (exactly four 1000 MB
            // containers fit at the 1.5 RAM ratio) and keep its service up for the test.
            cluster.computes["a"]!.stop()
            try await SQLStore.withStore(at: cluster.location, logger: TestSupport.logger) { store in
                var node = try #require(try await store.computeNode(ident: cluster.hostName("a")))
                node.memTotal = Int((4000.0 / 1.5).rounded(.up))
                try await store.saveComputeNode(node)
                try await store.heartbeat(host: cluster.hostName("a"), binary: "zun-compute", availabilityZone: "nova", endpoint: nil, at: Date())
            }
            let replies = try await withThrowingTaskGroup(of: (status: String, reason: String).self) { group in
                for i in 0..<12 {
                    group.addTask {
                        let view = try await cluster.create(api: i % 2, #"{"image": "busybox:1.35", "memory": 1000}"#, run: false)
                        return (view["status"] as? String ?? "", view["status_reason"] as? String ?? "")
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.filter { $0.status == "Creating" }.count == 4, "\(replies)")
            #expect(replies.filter { $0.reason == "There are not enough hosts available." }.count == 8)
        }
    }

    @Test func servicesCanBeDisabledAndForcedDown() async throws {
        try await ClusterFixture.run { cluster in
            try await cluster.startAPI()
            try await cluster.startCompute("a", engine: 1)
            try await cluster.startCompute("b", engine: 2)
            let b = cluster.hostName("b")
            let api = cluster.apiURLs[0]
            let disabled = try await cluster.call(api, .PUT, "/v1/services/disable?host=\(b)&binary=zun-compute&disabled_reason=maintenance")
            #expect((disabled.object["service"] as? [String: Any])?["disabled"] as? Bool == true)
            for _ in 0..<4 { #expect(try await cluster.create(Self.sleeper, run: false)["host"] as? String == cluster.hostName("a")) }
            _ = try await cluster.call(api, .PUT, "/v1/services/enable?host=\(b)&binary=zun-compute")
            let forced = try await cluster.call(api, .PUT, "/v1/services/force_down?host=\(b)&binary=zun-compute&forced_down=true")
            #expect((forced.object["service"] as? [String: Any])?["forced_down"] as? Bool == true)
            #expect(try await cluster.serviceState(b) == "down")
            #expect(try await cluster.call(api, .PUT, "/v1/services/enable?host=nope&binary=zun-compute").status.code == 404)
        }
    }
}

/// Restarts the PostgreSQL cluster of ./scripts/test (as its owner, like the script).
func restartPostgres(_ dir: String) throws {
    let binDir = try FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql").sorted().last.map { "/usr/lib/postgresql/\($0)/bin" } ?? ""
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
    process.arguments = ["-u", "postgres", "--", "\(binDir)/pg_ctl", "-D", "\(dir)/data", "-m", "fast", "-w", "restart"]
    if getuid() != 0 {
        process.executableURL = URL(fileURLWithPath: "\(binDir)/pg_ctl")
        process.arguments = ["-D", "\(dir)/data", "-m", "fast", "-w", "restart"]
    }
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    // Not `waitUntilExit()`: it can miss the exit on Linux (see ZunProcess.isRunning).
    let deadline = Date().addingTimeInterval(60)
    while ZunProcess.isRunning(pid: process.processIdentifier) {
        guard Date() < deadline else { throw MissingEnvironment("pg_ctl restart did not finish") }
        usleep(50_000)
    }
}

extension Sequence where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
