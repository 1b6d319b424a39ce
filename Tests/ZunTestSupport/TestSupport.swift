import DockerEngine
import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import ZunCore
import ZunStore

/// Shared fixtures of the test targets.
public enum TestSupport {
    private static let poolCounter = NIOLockedValueBox(Int.random(in: 0..<64))

    /// A subnet pool of its own for each API under test (10.128–191.x.0/16, in turn from a random start), so
    /// tests that run at once on one engine never ask it for overlapping networks.
    public static func nextSubnetPool() -> SubnetPool {
        let n = poolCounter.withLockedValue { value in
            value += 1
            return value
        }
        return SubnetPool(pool: IPv4Subnet("10.\(128 + n % 64).0.0/16")!, prefixLength: 22)
    }

    public static let logger: Logger = {
        var logger = Logger(label: "zun-test")
        logger.logLevel = ProcessInfo.processInfo.environment["ZUN_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }()

    /// A fresh directory under the system temp dir.
    public static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "zun-test-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A new SQLite store in its own temp dir; returns the store and its file path.
    public static func makeStore() async throws -> (SQLStore, String) {
        let path = try temporaryDirectory() + "/zun.sqlite"
        return (try await SQLStore.openSQLite(path: path, logger: logger), path)
    }

    /// Runs `body` with a fresh store and closes it afterwards (an unclosed connection traps in SQLiteNIO).
    public static func withStore<T>(_ body: (SQLStore, String) async throws -> T) async throws -> T {
        let (store, path) = try await makeStore()
        do {
            let result = try await body(store, path)
            try await store.close()
            return result
        } catch {
            try? await store.close()
            throw error
        }
    }

    /// The store backends every store-level test runs against.
    public enum Backend: String, CaseIterable, Sendable {
        case sqlite, postgres
    }

    /// Runs `body` with a fresh, empty store of `backend`: a new SQLite file, or a new PostgreSQL database
    /// on the server of ./scripts/test.
    public static func withStore<T: Sendable>(_ backend: Backend, _ body: @Sendable (SQLStore) async throws -> T) async throws -> T {
        switch backend {
        case .sqlite:
            return try await withStore { store, _ in try await body(store) }
        case .postgres:
            let location = try await freshPostgresDatabase()
            return try await SQLStore.withStore(at: location, logger: logger, body)
        }
    }

    /// The PostgreSQL server of ./scripts/test; fails loudly when it is not configured.
    public static func postgresURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["ZUN_TEST_POSTGRES"], !url.isEmpty else {
            throw MissingEnvironment("ZUN_TEST_POSTGRES is not set: the PostgreSQL tests need a real server. Run ./scripts/test, which starts one on 127.0.0.1.")
        }
        return url
    }

    /// Creates an empty database on the test server and returns its location.
    public static func freshPostgresDatabase() async throws -> StoreLocation {
        guard case .postgres(let host, let port, let user, let password, let database) = try StoreLocation(postgresURL()) else {
            throw MissingEnvironment("ZUN_TEST_POSTGRES is not a postgres:// URL")
        }
        let name = "zun_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: host, port: port, username: user, password: password, database: database, tls: .disable),
            id: 1, logger: logger
        )
        do {
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
        return .postgres(host: host, port: port, username: user, password: password, database: name)
    }

    /// A container record of `project` placed on `host`, not yet written.
    public static func container(_ name: String, project: String = "p1", host: String? = "h1", createdAt: Date = Date()) -> Container {
        var c = Container(
            uuid: UUID().uuidString.lowercased(), name: name, projectID: project, userID: "u", image: "busybox", cpu: 1,
            memory: "256", createdAt: createdAt
        )
        c.host = host
        return c
    }

    /// A pending `create` task of `container` for `host`, with a request id of its own.
    public static func createTask(for container: Container, host: String = "h1") -> ComputeTask {
        ComputeTask(host: host, containerUUID: container.uuid, kind: .create, payload: .init(requestID: "req-\(container.uuid.prefix(6))"), createdAt: Date())
    }

    /// Records a compute node and a live `zun-compute` service for `host`.
    public static func seedHost(
        _ store: any ZunStore, host: String, cpus: Int = 4, memTotal: Int = 8192, runtimes: [String] = ["runc"],
        heartbeatAt: Date = Date()
    ) async throws {
        var node = ComputeNode(uuid: UUID().uuidString.lowercased(), hostname: host)
        node.cpus = cpus
        node.memTotal = memTotal
        node.diskTotal = 100
        node.runtimes = runtimes
        node.architecture = "x86_64"
        try await store.saveComputeNode(node)
        try await store.heartbeat(host: host, binary: ZunService.computeBinary, availabilityZone: "nova", endpoint: nil, at: heartbeatAt)
    }

    /// The Docker engine the integration tests use. Fails loudly, never skips, when it is not configured.
    public static func dockerEndpoint() throws -> String {
        guard let endpoint = ProcessInfo.processInfo.environment["ZUN_TEST_DOCKER_HOST"], !endpoint.isEmpty else {
            throw MissingEnvironment(
                "ZUN_TEST_DOCKER_HOST is not set: the Docker tests need a real engine. Run ./scripts/test, which starts a private dockerd and a registry on 127.0.0.1."
            )
        }
        return endpoint
    }

    /// `127.0.0.1:5000`-style address of the test registry (holds `busybox:1`).
    public static func registry() throws -> String {
        guard let registry = ProcessInfo.processInfo.environment["ZUN_TEST_REGISTRY"], !registry.isEmpty else {
            throw MissingEnvironment("ZUN_TEST_REGISTRY is not set: run ./scripts/test, which starts a registry on 127.0.0.1.")
        }
        return registry
    }

    public static func docker() async throws -> DockerClient {
        let endpoint = try dockerEndpoint()
        do {
            return try await DockerClient.connect(endpoint: endpoint, logger: logger)
        } catch {
            throw MissingEnvironment("No Docker engine answers at \(endpoint) (\(error)). Run ./scripts/test to start one.")
        }
    }

    /// Polls `check` until it returns a value or `timeout` passes.
    @discardableResult
    public static func eventually<T>(
        timeout: Duration = .seconds(30), interval: Duration = .milliseconds(100), _ check: () async throws -> T?
    ) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let value = try await check() { return value }
            try await Task.sleep(for: interval)
        }
        throw Timeout()
    }

    public struct Timeout: Error, CustomStringConvertible {
        public var description: String { "condition not met in time" }
    }
}

/// A test prerequisite is missing; the message says what to start.
public struct MissingEnvironment: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
