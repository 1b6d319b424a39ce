import AsyncHTTPClient
import DockerEngine
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import Testing
import ZunCore
import ZunAPI
import ZunStore
import ZunTestSupport

/// A cluster of real processes: API replicas on a fresh PostgreSQL database, and compute agents on hosts that
/// are network namespaces (`NamespaceHosts`), each with its own dockerd and its own address on an underlay.
/// The replicas serve users on 127.0.0.1 and the node protocol on the underlay (`--node-listen`), where the
/// agents reach them. Short liveness bounds keep the tests quick; the defaults are measured separately (README).
final class ClusterFixture: @unchecked Sendable {
    let hosts: NamespaceHosts
    let database: String
    let location: StoreLocation
    let secret = "test-secret-" + UUID().uuidString.prefix(8)
    let logDirectory: String
    let prefix = "cl" + UUID().uuidString.prefix(6).lowercased()
    /// This fixture's own subnets, so clusters running beside other tests never overlap on an engine.
    let subnetPool = TestSupport.nextSubnetPool()
    var apis: [ZunProcess] = []
    /// Where the tests call the replicas (users' API, on 127.0.0.1).
    var apiURLs: [String] = []
    /// Where agents call the replicas (the node protocol, on the underlay).
    var nodeURLs: [String] = []
    var computes: [String: ZunProcess] = [:]
    var engines: [String: String] = [:]
    /// Each agent's node-local endpoint, by suffix.
    var nodeEndpoints: [String: String] = [:]

    /// Liveness knobs handed to every role.
    var serviceDownTime = 4.0
    var deadHostTimeout = 5.0
    var heartbeatInterval = 1.0

    private init(hosts: NamespaceHosts, location: StoreLocation, database: String, logDirectory: String) {
        self.hosts = hosts
        self.location = location
        self.database = database
        self.logDirectory = logDirectory
    }

    /// A fresh database and namespace hosts named `hostNames`.
    static func make(hosts hostNames: [String]) async throws -> ClusterFixture {
        let location = try await TestSupport.freshPostgresDatabase()
        guard case .postgres(let host, let port, let user, _, let name) = location else { fatalError() }
        let hosts = try await NamespaceHosts.make(hostNames)
        return ClusterFixture(
            hosts: hosts, location: location, database: "postgres://\(user)@\(host):\(port)/\(name)",
            logDirectory: try TestSupport.temporaryDirectory()
        )
    }

    /// The engine of namespace host `index` (hosts are named "1", "2", … unless a test names them).
    func engine(_ index: Int) -> String { hosts["\(index)"].engine }

    func hostName(_ suffix: String) -> String { "\(prefix)-\(suffix)" }

    /// An agent's environment: no database and no cluster key, only what every role shares.
    private var computeEnvironment: [String: String] {
        ["ZUN_LOG_LEVEL": "info", "ZUN_SERVICE_DOWN_TIME": String(serviceDownTime)]
    }

    private var roleEnvironment: [String: String] {
        [
            "ZUN_DATABASE": database, "ZUN_NODE_SECRET": secret, "ZUN_LOG_LEVEL": "info",
            "ZUN_SERVICE_DOWN_TIME": String(serviceDownTime), "ZUN_NETWORK_POOL": subnetPool.pool.description,
        ]
    }

    /// Starts an API replica and waits until it answers: users' API on 127.0.0.1, the node protocol on the
    /// underlay.
    @discardableResult
    func startAPI(extraArguments: [String] = []) async throws -> String {
        let port = try freePort()
        let nodePort = try freePort()
        let process = ZunProcess(
            name: "api-\(apis.count)-\(port)",
            arguments: [
                "api", "--listen", "127.0.0.1:\(port)", "--node-listen", "\(hosts.apiAddress):\(nodePort)",
                "--dead-host-timeout", String(deadHostTimeout),
            ] + extraArguments,
            environment: roleEnvironment, logDirectory: logDirectory
        )
        try process.start()
        let url = "http://127.0.0.1:\(port)"
        apis.append(process)
        apiURLs.append(url)
        nodeURLs.append("http://\(hosts.apiAddress):\(nodePort)")
        try await waitUntilAnswering(url, process)
        return url
    }

    /// Starts (or restarts) the agent `suffix` on namespace host `engine` ("1" or "2").
    func startCompute(_ suffix: String, engine: Int, extraArguments: [String] = []) async throws {
        try await startCompute(suffix, on: "\(engine)", extraArguments: extraArguments)
    }

    /// Starts (or restarts) agent `suffix` in namespace host `hostName`, with its engine, and waits until its
    /// service is up. Its node endpoint, published ports and overlay use the host's underlay address. The agent
    /// gets the replicas' node URLs and its own credential, never the database: the first start enrolls the
    /// host and hands it a bootstrap token, a restart reuses the credential file.
    func startCompute(_ suffix: String, on hostName: String, extraArguments: [String] = []) async throws {
        let namespaceHost = hosts[hostName]
        let host = self.hostName(suffix)
        let port = try freePort()
        let credential = credentialFile(suffix)
        let address = namespaceHost.address
        var arguments = [
            "compute", "--host-name", host, "--docker-host", namespaceHost.engine, "--listen", "\(address):\(port)",
            "--heartbeat-interval", String(heartbeatInterval), "--sync-interval", "1", "--credential-file", credential,
            "--underlay-address", address, "--publish-host", address,
        ] + nodeURLs.flatMap { ["--api", $0] } + extraArguments
        if !FileManager.default.fileExists(atPath: credential) {
            let token = try await enroll(host)
            let tokenFile = "\(logDirectory)/bootstrap-\(suffix)"
            try token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
            arguments += ["--bootstrap-token-file", tokenFile]
        }
        let process = ZunProcess(
            name: "compute-\(suffix)", arguments: arguments, environment: computeEnvironment, logDirectory: logDirectory,
            launcher: namespaceHost.launcher
        )
        try process.start()
        computes[suffix] = process
        nodeEndpoints[suffix] = "http://\(address):\(port)"
        engines[host] = namespaceHost.engine
        try await TestSupport.eventually(timeout: .seconds(30)) {
            guard process.isRunning else { throw MissingEnvironment("compute \(suffix) exited:\n\(process.logTail())") }
            return try await self.serviceState(host) == "up" ? true : nil
        }
    }

    /// Where agent `suffix` keeps its credential.
    func credentialFile(_ suffix: String) -> String { "\(logDirectory)/credential-\(suffix).json" }

    /// Enrolls a host as an admin does (`zun node enroll`), returning its bootstrap token.
    func enroll(_ host: String) async throws -> String {
        try await SQLStore.withStore(at: location, logger: TestSupport.logger) { store in
            try await NodeCredentials(store: store).enroll(host: host)
        }
    }

    func waitUntilAnswering(_ url: String, _ process: ZunProcess) async throws {
        try await TestSupport.eventually(timeout: .seconds(30)) {
            guard process.isRunning else { throw MissingEnvironment("\(process.name) exited:\n\(process.logTail())") }
            return try? await self.call(url, .GET, "/")
        }
    }

    func serviceState(_ host: String, api: Int = 0) async throws -> String? {
        let reply = try await call(apiURLs[api], .GET, "/v1/services")
        let services = reply.object["services"] as? [[String: Any]] ?? []
        return services.first { $0["host"] as? String == host }?["state"] as? String
    }

    /// One HTTP call to a real API process.
    func call(_ base: String, _ method: HTTPMethod, _ path: String, json: String? = nil, timeout: Duration = .seconds(30)) async throws -> Reply {
        try await liveAPICall(base, method, path, json: json, timeout: timeout)
    }

    /// POSTs a create through API `api`; returns the view.
    func create(api: Int = 0, _ json: String, run: Bool = true) async throws -> [String: Any] {
        let reply = try await call(apiURLs[api], .POST, "/v1/containers\(run ? "?run=true" : "")", json: json)
        guard reply.status.code == 202 else { throw MissingEnvironment("create failed: \(reply.json ?? "")") }
        return reply.object
    }

    func show(_ uuid: String, api: Int = 0) async throws -> [String: Any] {
        try await call(apiURLs[api], .GET, "/v1/containers/\(uuid)").object
    }

    /// Waits until every container is in one of `statuses`; returns their views.
    func waitForAll(_ uuids: [String], in statuses: Set<String>, api: Int = 0, timeout: Duration = .seconds(90)) async throws -> [[String: Any]] {
        do {
            return try await TestSupport.eventually(timeout: timeout, interval: .milliseconds(250)) {
                var views: [[String: Any]] = []
                for uuid in uuids {
                    let view = try await self.show(uuid, api: api)
                    guard let status = view["status"] as? String, statuses.contains(status), view["task_state"] is NSNull else { return nil }
                    views.append(view)
                }
                return views
            }
        } catch is TestSupport.Timeout {
            // Say which containers are stuck and what their tasks look like.
            let report = try await SQLStore.withStore(at: location, logger: TestSupport.logger) { store in
                var lines: [String] = []
                for uuid in uuids {
                    guard let c = try await store.container(uuid: uuid) else { lines.append("\(uuid): no record"); continue }
                    guard !statuses.contains(c.status.rawValue) || c.taskState != nil else { continue }
                    let tasks = try await store.tasks(containerUUID: uuid).map { "\($0.kind.rawValue):\($0.state.rawValue)#\($0.attempts) \($0.error ?? "")" }
                    lines.append("\(uuid): \(c.status.rawValue) task_state=\(c.taskState?.rawValue ?? "-") reason=\(c.statusReason ?? "-") tasks=\(tasks)")
                }
                return lines.joined(separator: "\n")
            }
            throw MissingEnvironment("containers did not reach \(statuses):\n\(report)")
        }
    }

    /// Stops every process, then the hosts (their engines, containers and namespaces with them).
    func tearDown() async {
        // Agents first, while the replicas they report to are still there.
        for process in Array(computes.values) + apis { process.stop() }
        hosts.tearDown()
    }

    /// Runs `body` with a fixture on namespace hosts `hosts` and always tears it down, printing role logs and
    /// what the hosts' kernels hold when the body fails.
    static func run(hosts: [String] = ["1", "2"], _ body: @Sendable (ClusterFixture) async throws -> Void) async throws {
        let fixture = try await make(hosts: hosts)
        do {
            try await body(fixture)
            await fixture.tearDown()
        } catch {
            for process in fixture.apis + Array(fixture.computes.values) {
                print("---- \(process.name) ----\n\(process.logTail(40))")
            }
            print(fixture.hosts.diagnostics())
            await fixture.tearDown()
            throw error
        }
    }
}
