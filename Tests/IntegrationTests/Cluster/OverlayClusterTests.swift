import Foundation
import Testing
import ZunCore
import ZunStore
import ZunTestSupport

/// Overlay networks between real hosts: `zun compute` agents on hosts that are network namespaces, each with its
/// own dockerd and its own address on an underlay (`NamespaceHosts`), and the API on PostgreSQL. Every packet
/// stays inside the namespaces the test made: the test only asks engines to run `ping` and `wget` in containers.
extension ClusterTests {
    static let webServer = #"["sh", "-c", "mkdir -p /www && echo hello-from-$(hostname) > /www/index.html && httpd -f -p 8080 -h /www"]"#

    @Test func containersOfOneNetworkReachEachOtherAcrossHostsAndOtherNetworksDoNot() async throws {
        try await ClusterFixture.run(hosts: ["a", "b", "c"]) { cluster in
            let hosts = cluster.hosts
            try await cluster.startAPI()
            for name in ["a", "b", "c"] { try await cluster.startCompute(name, on: name) }
            for network in ["blue", "red"] {
                let created = try await cluster.call(cluster.apiURLs[0], .POST, "/v1/networks", json: #"{"name": "\#(network)"}"#)
                #expect(created.status.code == 200, "\(created.json ?? "")")
            }
            let server = try await Self.run(cluster, on: "b", network: "blue", command: Self.webServer)
            let client = try await Self.run(cluster, on: "a", network: "blue", command: #"["sleep", "600"]"#)
            let stranger = try await Self.run(cluster, on: "a", network: "red", command: #"["sleep", "600"]"#)
            let views = try await cluster.waitForAll([server, client, stranger], in: ["Running"])
            let address = try #require(Self.address(of: views[0]))

            // Same network, other host: ping and HTTP by address, through the VXLAN devices.
            let reply = try await Self.pausingOnFailure { try await Self.eventuallySucceeds {
                let page = try Self.exec(hosts, cluster, client, on: "a", Self.httpGet(address, timeout: 2))
                guard page.contains("hello-from-") else { throw NamespaceHosts.CommandFailed(description: "no page: \(page)") }
                return page
            } }
            #expect(reply.contains("hello-from-"))
            let pings = try await Self.pausingOnFailure { try await Self.eventuallySucceeds(timeout: .seconds(5)) {
                let output = try Self.exec(hosts, cluster, client, on: "a", "ping", "-c", "1", "-W", "2", address)
                guard output.contains(" bytes from ") else { throw NamespaceHosts.CommandFailed(description: "no echo reply: \(output)") }
                return output
            } }
            #expect(pings.contains(" bytes from "))
            // Another network: no path, on this host or across.
            #expect((try? Self.exec(hosts, cluster, stranger, on: "a", "ping", "-c", "1", "-W", "1", address))?.contains(" bytes from ") != true)
            #expect((try? Self.exec(hosts, cluster, stranger, on: "a", Self.httpGet(address, timeout: 2)))?.contains("hello-from-") != true)

            // The address moves to host c: deleted on b, made again on c with the same fixed address.
            let deleted = try await cluster.call(cluster.apiURLs[0], .DELETE, "/v1/containers/\(server)?force=true")
            #expect(deleted.status.code == 204, "\(deleted.json ?? "")")
            try await TestSupport.eventually(timeout: .seconds(30)) {
                try await cluster.call(cluster.apiURLs[0], .GET, "/v1/containers/\(server)").status.code == 404 ? true : nil
            }
            let moved = try await Self.run(cluster, on: "c", network: "blue", fixedIP: address, command: Self.webServer)
            _ = try await cluster.waitForAll([moved], in: ["Running"])
            let running = ContinuousClock.now
            let movedReply = try await TestSupport.eventually(timeout: .seconds(10), interval: .milliseconds(50)) {
                (try? Self.exec(hosts, cluster, client, on: "a", Self.httpGet(address, timeout: 1))).flatMap { $0.contains("hello-from-") ? $0 : nil }
            }
            let converged = ContinuousClock.now - running
            print("overlay: traffic reached the address's new host \(converged) after its container ran")
            #expect(movedReply.contains("hello-from-"))
            #expect(converged < .seconds(2) + .milliseconds(1_500), "within 2 s of the record change (plus one wget's timeout)")

            // A restarted agent rebuilds its overlay from the records, with no manual step.
            cluster.computes["c"]?.killHard()
            try await cluster.startCompute("c", on: "c")
            let afterRestart = try await TestSupport.eventually(timeout: .seconds(15)) {
                (try? Self.exec(hosts, cluster, client, on: "a", Self.httpGet(address, timeout: 1))).flatMap { $0.contains("hello-from-") ? $0 : nil }
            }
            #expect(afterRestart.contains("hello-from-"))
        }
    }

    /// A host that was down when its network was deleted removes its copy (engine network, bridge and VXLAN
    /// device) when it comes back; nobody else could, and nothing is left behind.
    @Test func aNetworkDeletedWhileItsHostIsDownIsCleanedUpWhenItComesBack() async throws {
        try await ClusterFixture.run { cluster in
            try await cluster.startAPI()
            try await cluster.startCompute("a", on: "1")
            let created = try await cluster.call(cluster.apiURLs[0], .POST, "/v1/networks", json: #"{"name": "green"}"#)
            let uuid = try #require(created.object["uuid"] as? String, "\(created.json ?? "")")
            let container = try await Self.run(cluster, on: "a", network: "green", command: #"["sleep", "600"]"#)
            _ = try await cluster.waitForAll([container], in: ["Running"])
            let vni = try #require(try await SQLStore.withStore(at: cluster.location, logger: TestSupport.logger) { try await $0.network(uuid: uuid)?.vni })
            let hosts = cluster.hosts
            let engineNetwork = { try hosts.docker("1", "network", "ls", "-q", "--filter", "label=\(Network.uuidLabel)=\(uuid)") }
            let hasDevice = { (try? hosts.inHost("1", "ip", "link", "show", "dev", "zvx\(vni)")) != nil }
            #expect(try !engineNetwork().isEmpty && hasDevice(), "the host realized green with its overlay")

            let deleted = try await cluster.call(cluster.apiURLs[0], .DELETE, "/v1/containers/\(container)?force=true")
            #expect(deleted.status.code == 204, "\(deleted.json ?? "")")
            try await TestSupport.eventually(timeout: .seconds(30)) {
                try await cluster.call(cluster.apiURLs[0], .GET, "/v1/containers/\(container)").status.code == 404 ? true : nil
            }
            // The host goes down; meanwhile the network is deleted.
            cluster.computes["a"]?.killHard()
            let gone = try await cluster.call(cluster.apiURLs[0], .DELETE, "/v1/networks/\(uuid)")
            #expect(gone.status.code == 204, "\(gone.json ?? "")")
            #expect(try !engineNetwork().isEmpty && hasDevice(), "a host that is down keeps its copy")

            try await cluster.startCompute("a", on: "1")
            try await TestSupport.eventually(timeout: .seconds(30)) {
                try engineNetwork().isEmpty && !hasDevice() ? true : nil
            }
            #expect(try engineNetwork().isEmpty && !hasDevice(), "the copy went when its host came back")
        }
    }

    /// An HTTP GET of `/` on port 8080 by netcat (the wget of the tests' busybox, a static build, crashes).
    static func httpGet(_ address: String, timeout: Int) -> [String] {
        ["sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w \(timeout) \(address) 8080"]
    }

    /// Runs `body`; when it fails and ZUN_DEBUG_PAUSE is set, waits ten minutes first, so a developer can look
    /// at the namespaces and engines as they were.
    static func pausingOnFailure<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            if ProcessInfo.processInfo.environment["ZUN_DEBUG_PAUSE"] != nil {
                print("paused for debugging: \(error)")
                try? await Task.sleep(for: .seconds(600))
            }
            throw error
        }
    }

    /// The first success of `command` within `timeout`; the last failure, when there is none.
    static func eventuallySucceeds(timeout: Duration = .seconds(10), _ command: () throws -> String) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            do {
                return try command()
            } catch {
                if ContinuousClock.now > deadline { throw error }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    static func run(_ cluster: ClusterFixture, on host: String, network: String, fixedIP: String? = nil, command: String) async throws -> String {
        let fixed = fixedIP.map { #", "v4-fixed-ip": "\#($0)""# } ?? ""
        let body = #"{"image": "busybox:1.35", "command": \#(command), "host": "\#(cluster.hostName(host))", "nets": [{"network": "\#(network)"\#(fixed)}]}"#
        return try #require(try await cluster.create(body)["uuid"] as? String)
    }

    static func address(of view: [String: Any]) -> String? {
        (view["addresses"] as? [String: [[String: Any]]])?.values.first?.first?["addr"] as? String
    }

    /// Runs a command in a container through its host's engine; its output, or a throw when it fails.
    static func exec(_ hosts: NamespaceHosts, _ cluster: ClusterFixture, _ uuid: String, on host: String, _ command: String...) throws -> String {
        try exec(hosts, cluster, uuid, on: host, command)
    }

    static func exec(_ hosts: NamespaceHosts, _ cluster: ClusterFixture, _ uuid: String, on host: String, _ command: [String]) throws -> String {
        let id = try hosts.docker(host, "ps", "-q", "--filter", "label=zun.container.uuid=\(uuid)")
        guard !id.isEmpty else { throw NamespaceHosts.CommandFailed(description: "no engine container of \(uuid) on \(host)") }
        // Bounded inside the container too: a command waiting on a path that does not exist must not hold the test.
        return try NamespaceHosts.run(["docker", "-H", hosts[host].engine, "exec", id, "timeout", "5"] + command)
    }
}
