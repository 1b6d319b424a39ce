import AsyncHTTPClient
import DockerEngine
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import ZunCore
import ZunTestSupport

/// A real `zun dev` process on its own data dir, host name and port, on the first test engine: what a
/// hostile client meets. Restartable on the same data, and killable with `kill -9`.
final class DevProcess: @unchecked Sendable {
    let dataDir: String
    let hostName = "dev" + UUID().uuidString.prefix(6).lowercased()
    let port: Int
    let extraArguments: [String]
    let subnetPool = TestSupport.nextSubnetPool()
    private(set) var process: ZunProcess
    var url: String { "http://127.0.0.1:\(port)" }

    init(extraArguments: [String] = []) throws {
        dataDir = try TestSupport.temporaryDirectory()
        port = try freePort()
        self.extraArguments = extraArguments
        process = ZunProcess(name: "dev", arguments: [], environment: [:], logDirectory: dataDir)
    }

    /// Starts (or restarts) the process on the same data and waits until it answers.
    func start() async throws {
        process = ZunProcess(
            name: "dev",
            arguments: [
                "dev", "--listen", "127.0.0.1:\(port)", "--data-dir", dataDir, "--host-name", hostName,
                "--docker-host", try TestSupport.dockerEndpoint(), "--network-pool", subnetPool.pool.description,
            ] + extraArguments,
            environment: ["ZUN_LOG_LEVEL": "info"], logDirectory: dataDir
        )
        try process.start()
        try await TestSupport.eventually(timeout: .seconds(30)) {
            guard self.process.isRunning else { throw MissingEnvironment("zun dev exited:\n\(self.process.logTail())") }
            return try? await self.call(.GET, "/")
        }
    }

    /// One HTTP call as `identity` (the noauth headers); nil identity is the dev admin.
    func call(
        _ method: HTTPMethod, _ path: String, json: String? = nil, identity: (user: String, project: String, roles: String)? = nil,
        token: String? = nil, timeout: Duration = .seconds(30)
    ) async throws -> Reply {
        try await liveAPICall(url, method, path, json: json, identity: identity, token: token, timeout: timeout)
    }

    /// Waits until the container's status is `status` with no task on it; returns its view.
    @discardableResult
    func waitFor(_ uuid: String, _ status: String, identity: (user: String, project: String, roles: String)? = nil, timeout: Duration = .seconds(60)) async throws -> [String: Any] {
        do {
            return try await TestSupport.eventually(timeout: timeout, interval: .milliseconds(200)) {
                let view = try await self.call(.GET, "/v1/containers/\(uuid)", identity: identity).object
                return view["status"] as? String == status && view["task_state"] is NSNull ? view : nil
            }
        } catch {
            let view = try? await self.call(.GET, "/v1/containers/\(uuid)", identity: identity).object
            throw MissingEnvironment("container \(uuid) did not reach \(status): \(view ?? [:])\n\(process.logTail(20))")
        }
    }

    /// Stops the process and removes the engine containers and networks it made.
    func tearDown() async {
        process.stop()
        guard let docker = try? await DockerClient.connect(endpoint: try TestSupport.dockerEndpoint(), logger: TestSupport.logger) else { return }
        for container in (try? await docker.listContainers(withLabel: "zun.host=\(hostName)", logger: TestSupport.logger)) ?? [] {
            try? await docker.removeContainer(container.id, force: true, logger: TestSupport.logger)
        }
        for network in (try? await docker.listNetworks(withLabel: Network.uuidLabel, logger: TestSupport.logger)) ?? [] {
            let subnets = network.ipam?.config?.compactMap { $0.subnet.flatMap(IPv4Subnet.init) } ?? []
            if subnets.contains(where: { subnetPool.pool.overlaps($0) }) { try? await docker.removeNetwork(network.id, logger: TestSupport.logger) }
        }
    }

    /// Runs `body` with a started process and always tears it down, printing its log when the body fails.
    static func run(extraArguments: [String] = [], _ body: @Sendable (DevProcess) async throws -> Void) async throws {
        let dev = try DevProcess(extraArguments: extraArguments)
        do {
            try await dev.start()
            try await body(dev)
            await dev.tearDown()
        } catch {
            print("---- zun dev ----\n\(dev.process.logTail(60))")
            await dev.tearDown()
            throw error
        }
    }
}
