import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Synchronization
import ZunStore

#if canImport(Glibc)
import Glibc
#endif

/// The node protocol at scale, every role in its own process (docs/node-protocol.md): `replicas` × `zun api` on
/// one PostgreSQL database, and one `zun compute --hollow N` process whose hosts each hold their own credential
/// and speak the node protocol over HTTP (heartbeats, claim long-polls, reports). Measures, while the fleet
/// heartbeats every `heartbeat` s and then while it runs `containers` creates: the database's connections
/// (sampled every second), each process's CPU (from /proc), and hosts past the down time (every second).
struct FleetBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fleet", abstract: "API replicas and a separate hollow fleet on PostgreSQL.")

    @Option(help: "The zun binary (a release build).")
    var zun = ".build/release/zun"
    @Option(help: "PostgreSQL URL of an empty database.")
    var database: String
    @Option(help: "API replicas.")
    var replicas = 2
    @Option(help: "Hollow hosts, in one separate process.")
    var hosts = 5000
    @Option(help: "Seconds between each host's heartbeats.")
    var heartbeat = 3.0
    @Option(help: "Seconds of the heartbeat-only phase measured.")
    var duration = 60.0
    @Option(help: "Containers created in the second phase.")
    var containers = 2000
    @Option(help: "Concurrent API clients of the second phase.")
    var concurrency = 32
    @Option(help: "First port of the API replicas on 127.0.0.1.")
    var port = 9600
    @Option(help: "Each replica's --database-pool-size.")
    var poolSize = SQLStore.defaultPoolSize

    func run() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("zun-fleet-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let secret = (0..<4).map { _ in UUID().uuidString }.joined()
        let common = ["ZUN_LOG_LEVEL": "warning", "ZUN_NODE_SECRET": secret, "ZUN_DATABASE": database]
        emit("fleet: \(replicas) API replicas, \(hosts) hollow hosts in one process, heartbeat \(heartbeat) s, PostgreSQL")
        var processes: [Spawned] = []
        defer { for process in processes.reversed() { process.stop() } }

        let urls = (0..<replicas).map { "http://127.0.0.1:\(port + $0)" }
        for (index, url) in urls.enumerated() {
            processes.append(try Spawned(zun, ["api", "--listen", "127.0.0.1:\(port + index)", "--no-quotas", "--database-pool-size", "\(poolSize)"], env: common, log: "\(work)/api-\(index).log"))
            try await waitFor("API \(url)", timeout: 60) { try await self.get(url, "/").0 == 200 }
        }
        let apis = Array(processes)
        try Spawned.runToEnd(zun, ["node", "enroll", "fleet", "--hollow", "\(hosts)", "--output", "\(work)/tokens"], env: common)
        let started = ContinuousClock.now
        let fleet = try Spawned(
            zun, ["compute", "--hollow", "\(hosts)", "--host-name", "fleet", "--bootstrap-token-file", "\(work)/tokens",
                  "--credential-file", "\(work)/credentials", "--heartbeat-interval", "\(heartbeat)", "--sync-interval", "60"]
                + urls.flatMap { ["--api", $0] },
            env: ["ZUN_LOG_LEVEL": "warning"], log: "\(work)/fleet.log"
        )
        processes.append(fleet)
        try await waitFor("\(hosts) hosts up", timeout: 900) { try await self.services(urls[0]).up >= self.hosts }
        emit("fleet: \(hosts) hosts enrolled, bootstrapped, registered and up in \(LatencySummary.format(ContinuousClock.now - started))")

        // Phase 1: heartbeats and idle long-polls only.
        let idle = try await measure(seconds: duration, apis: apis, fleet: fleet, urls: urls)
        emit("heartbeats (\(Int(duration)) s): " + idle.description(replicas: replicas, poolSize: poolSize))

        // Phase 2: the fleet receives tasks while it heartbeats.
        let (creates, creating) = try await measuring(apis: apis, fleet: fleet, urls: urls) { try await self.create(urls) }
        emit("creates: \(creates)")
        emit("creates (\(String(format: "%.0f", creating.seconds)) s): " + creating.description(replicas: replicas, poolSize: poolSize))
        emit("logs: \(work)")
    }

    // MARK: Measuring

    struct Sample {
        var seconds: Double = 0
        var apiCPU: [Double] = []
        var fleetCPU: Double = 0
        var maxConnections = 0
        var maxDown = 0
        /// Seconds into the phase at which hosts were down, and how many.
        var downAt: [(second: Int, hosts: Int)] = []

        func description(replicas: Int, poolSize: Int) -> String {
            let total = apiCPU.reduce(0, +)
            let perReplica = apiCPU.map { String(format: "%.1f %%", 100 * $0 / seconds) }.joined(separator: ", ")
            return String(
                format: "API CPU %.1f %% of one core in all (%@), fleet process %.1f %%; PostgreSQL connections at most %d (bound %d); hosts down at most %d",
                100 * total / seconds, perReplica, 100 * fleetCPU / seconds, maxConnections, 2 * replicas * poolSize, maxDown
            ) + (downAt.isEmpty ? "" : " (at " + downAt.map { "\($0.second) s: \($0.hosts)" }.joined(separator: ", ") + ")")
        }
    }

    func measure(seconds: Double, apis: [Spawned], fleet: Spawned, urls: [String]) async throws -> Sample {
        try await measuring(apis: apis, fleet: fleet, urls: urls) { try await Task.sleep(for: .milliseconds(Int64(seconds * 1000))) }.1
    }

    /// Runs `body` while sampling connections and hosts down every second.
    func measuring<T: Sendable>(apis: [Spawned], fleet: Spawned, urls: [String], _ body: @Sendable @escaping () async throws -> T) async throws -> (T, Sample) {
        let cpuBefore = try apis.map { try HeartbeatsBench.cpuSeconds(pid: $0.pid) }
        let fleetBefore = try HeartbeatsBench.cpuSeconds(pid: fleet.pid)
        let start = ContinuousClock.now
        let downAt = Locked<[(second: Int, hosts: Int)]>([])
        let (result, connections, down) = try await withThrowingTaskGroup(of: Void.self) { group in
            let stop = Locked(false)
            let connections = Locked(0)
            let down = Locked(0)
            group.addTask {
                while !stop.withLock({ $0 }) {
                    let now = (try Self.postgresConnections(self.database), try Self.hostsDown(self.database))
                    connections.withLock { $0 = max($0, now.0) }
                    down.withLock { $0 = max($0, now.1) }
                    if now.1 > 0 { downAt.withLock { $0.append((Int((ContinuousClock.now - start).seconds), now.1)) } }
                    try await Task.sleep(for: .seconds(1))
                }
            }
            let result = try await body()
            stop.withLock { $0 = true }
            try await group.waitForAll()
            return (result, connections.withLock { $0 }, down.withLock { $0 })
        }
        let elapsed = (ContinuousClock.now - start).seconds
        var sample = Sample(seconds: elapsed, maxConnections: connections, maxDown: down)
        sample.downAt = downAt.withLock { $0 }
        sample.apiCPU = try zip(apis, cpuBefore).map { try HeartbeatsBench.cpuSeconds(pid: $0.pid) - $1 }
        sample.fleetCPU = try HeartbeatsBench.cpuSeconds(pid: fleet.pid) - fleetBefore
        return (result, sample)
    }

    /// Backends connected to the database, not counting the one asking.
    static func postgresConnections(_ database: String) throws -> Int {
        let output = try Spawned.runToEnd("/usr/bin/psql", [database, "-Atc", "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"], env: [:])
        guard let count = Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw ValidationError("psql said \(output)") }
        return count
    }

    /// Compute services whose last heartbeat is older than the 15 s down time, read from the database (not
    /// through the API, whose CPU is what is measured).
    static func hostsDown(_ database: String) throws -> Int {
        let output = try Spawned.runToEnd("/usr/bin/psql", [database, "-Atc", "SELECT count(*) FROM zun_service WHERE \"binary\" = 'zun-compute' AND (last_seen_up IS NULL OR extract(epoch FROM now()) - last_seen_up > 15)"], env: [:])
        guard let count = Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw ValidationError("psql said \(output)") }
        return count
    }

    // MARK: Creates

    /// Creates `containers` containers through the replicas in turn and waits until every one is Running.
    func create(_ urls: [String]) async throws -> String {
        let started = ContinuousClock.now
        let sentAt = Locked<[String: ContinuousClock.Instant]>([:])
        let accepted = try await withThrowingTaskGroup(of: Int.self) { group in
            for client in 0..<concurrency {
                group.addTask {
                    var ok = 0
                    for index in stride(from: client, to: self.containers, by: self.concurrency) {
                        let sent = ContinuousClock.now
                        let (status, body) = try await self.post(urls[index % urls.count], "/v1/containers?run=true", #"{"image": "busybox:1.35", "memory": 64, "cpu": 0.1}"#)
                        guard status == 202, let uuid = (try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])?["uuid"] as? String else { continue }
                        sentAt.withLock { $0[uuid] = sent }
                        ok += 1
                    }
                    return ok
                }
            }
            return try await group.reduce(0, +)
        }
        let acceptedIn = ContinuousClock.now - started
        var runningAt: [String: ContinuousClock.Instant] = [:]
        var errors = 0
        try await waitFor("\(accepted) containers Running", timeout: 900, interval: .milliseconds(500)) {
            let now = ContinuousClock.now
            let statuses = try await self.containerStatuses(urls[0])
            errors = statuses.values.filter { $0 == "Error" }.count
            for (uuid, status) in statuses where status == "Running" && runningAt[uuid] == nil { runningAt[uuid] = now }
            return runningAt.count + errors >= accepted
        }
        let sent = sentAt.withLock { $0 }
        let latencies = runningAt.compactMap { uuid, at in sent[uuid].map { at - $0 } }
        let last = runningAt.values.max() ?? started
        return String(
            format: "%d accepted in %@ (%.0f/s); %d Running, %d Error; first POST to last Running %@ = %.0f containers/s; POST → Running (±0.5 s) %@",
            accepted, LatencySummary.format(acceptedIn), Double(accepted) / acceptedIn.seconds, runningAt.count, errors,
            LatencySummary.format(last - started), Double(runningAt.count) / (last - started).seconds, LatencySummary(latencies).description
        )
    }

    // MARK: HTTP

    static let admin = [("X-User-Id", "bench"), ("X-Project-Id", "bench"), ("X-Roles", "admin"), ("OpenStack-API-Version", "container 1.40")]

    func get(_ base: String, _ path: String) async throws -> (UInt, ByteBuffer) {
        var request = HTTPClientRequest(url: base + path)
        for (name, value) in Self.admin { request.headers.add(name: name, value: value) }
        let response = try await BenchAPI.client.execute(request, timeout: .seconds(60))
        return (response.status.code, try await response.body.collect(upTo: 256 << 20))
    }

    func post(_ base: String, _ path: String, _ json: String) async throws -> (UInt, ByteBuffer) {
        var request = HTTPClientRequest(url: base + path)
        request.method = .POST
        for (name, value) in Self.admin { request.headers.add(name: name, value: value) }
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await BenchAPI.client.execute(request, timeout: .seconds(60))
        return (response.status.code, try await response.body.collect(upTo: 1 << 20))
    }

    func services(_ base: String) async throws -> (up: Int, down: Int) {
        let (status, body) = try await get(base, "/v1/services")
        guard status == 200, let object = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
              let services = object["services"] as? [[String: Any]]
        else { return (0, 0) }
        let compute = services.filter { $0["binary"] as? String == "zun-compute" }
        return (compute.filter { $0["state"] as? String == "up" }.count, compute.filter { $0["state"] as? String == "down" }.count)
    }

    /// uuid → status of every container, page by page.
    func containerStatuses(_ base: String) async throws -> [String: String] {
        var statuses: [String: String] = [:]
        var marker: String?
        while true {
            let (_, body) = try await get(base, "/v1/containers?all_projects=1&limit=1000" + (marker.map { "&marker=\($0)" } ?? ""))
            let page = ((try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])?["containers"] as? [[String: Any]]) ?? []
            for container in page { if let uuid = container["uuid"] as? String { statuses[uuid] = container["status"] as? String ?? "" } }
            guard page.count == 1000, let last = page.last?["uuid"] as? String else { return statuses }
            marker = last
        }
    }

    func waitFor(_ what: String, timeout: Double, interval: Duration = .seconds(1), _ check: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        while ContinuousClock.now < deadline {
            if (try? await check()) == true { return }
            try await Task.sleep(for: interval)
        }
        throw ValidationError("timed out waiting for \(what)")
    }
}

/// A child process of the benchmark, its output in a log file.
final class Spawned: Sendable {
    let process: Process
    var pid: Int32 { process.processIdentifier }

    init(_ binary: String, _ arguments: [String], env: [String: String], log: String) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    func stop() {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        for _ in 0..<100 where process.isRunning { usleep(100_000) }
        if process.isRunning { kill(pid, SIGKILL) }
    }

    /// Runs a command to its end and returns its standard output; throws when it fails.
    @discardableResult
    static func runToEnd(_ binary: String, _ arguments: [String], env: [String: String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ValidationError("\(binary) \(arguments.first ?? "") exited \(process.terminationStatus)") }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A value shared between tasks.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<T: Sendable>(_ body: (inout sending Value) -> T) -> T { mutex.withLock { body(&$0) } }
}
