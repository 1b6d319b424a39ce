import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import ZunAPI
import ZunCompute
import ZunCore
import ZunStore

/// `POST /v1/containers?run=true` to `Running` on a fleet of hollow hosts: the real HTTP API, scheduler,
/// store and agents in one process; only the engine calls are simulated.
struct EndToEndBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "e2e", abstract: "Create throughput and latency on hollow hosts.")

    @Option(help: "Hollow hosts.")
    var hosts = 1000

    @Option(help: "Containers to create.")
    var containers = 5000

    @Option(help: "Concurrent API clients.")
    var concurrency = 64

    @Option(help: "Database URL (postgres://…, an empty database); default a new SQLite file in a temp dir.")
    var database: String?

    @Option(help: "Simulated latency of each engine call, in milliseconds.")
    var engineLatencyMs = 0

    @Option(help: "Port of the API on 127.0.0.1.")
    var port = 9598

    @Option(help: "Seconds between each hollow host's heartbeats; a host is down after three missed ones.")
    var heartbeat = 10

    @Flag(help: "Register the hosts but do not run their agents: measures the API's accept path alone.")
    var acceptOnly = false

    func run() async throws {
        let logger = {
            var logger = Logger(label: "zun-bench")
            logger.logLevel = .error
            return logger
        }()
        let location: StoreLocation
        // The SQLite store lives in a directory of its own, removed after the run.
        var scratch: String?
        defer { if let scratch { try? FileManager.default.removeItem(atPath: scratch) } }
        if let database {
            location = try StoreLocation(database)
        } else {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zun-bench-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            scratch = dir
            location = try StoreLocation(dir + "/zun.sqlite")
        }
        let backend = database == nil ? "SQLite" : "PostgreSQL"
        emit("e2e: \(hosts) hollow hosts, \(containers) containers, \(concurrency) clients, \(backend), engine latency \(engineLatencyMs) ms, heartbeat \(heartbeat) s")
        try await SQLStore.withStore(at: location, logger: logger) { store in
            var template = ComputeAgent.Configuration(hostName: "", heartbeatInterval: .seconds(heartbeat), syncInterval: .seconds(120))
            template.idlePollInterval = .seconds(60)
            let registering = ContinuousClock.now
            var configuration = APIConfiguration()
            configuration.serviceDownTime = TimeInterval(3 * heartbeat)
            // One project creates every container: the benchmark measures the write path, not quotas.
            configuration.quotasEnforced = false
            // One project's default network holds every container: give it room for 65,534.
            configuration.subnetPool = SubnetPool(pool: SubnetPool.default.pool, prefixLength: 16)
            // The hosts reach the store in process, as `zun dev`'s agent does, and their heartbeats go to the
            // API's buffer, written once a second in one statement (5,000 hosts every 3 s are 1,700 a second).
            var dependencies = APIDependencies(store: store, nodes: InProcessNodes([]), configuration: configuration)
            let heartbeats = dependencies.heartbeats
            let planes = (0..<hosts).map { index in
                StoreControlPlane(
                    host: String(format: "hollow-%05d", index), store: store, logger: logger,
                    recordHeartbeat: { heartbeats.record($0) }
                )
            }
            let agents = HollowFleet.agents(
                planes: planes, template: template, cpus: 16, memoryMB: 65536, latencies: .uniform(.milliseconds(engineLatencyMs)), logger: logger
            )
            dependencies.nodes = InProcessNodes(agents)
            try await HollowFleet.register(agents)
            emit("registered \(hosts) hosts in \(LatencySummary.format(ContinuousClock.now - registering))")
            // The API as `zun dev` serves it: each connection on its channel's event loop.
            let app = try ZunAPIRouter.application(
                dependencies, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger
            )
            let agentServices = acceptOnly ? [] : agents.flatMap(\.services)
            let services: [ServiceGroupConfiguration.ServiceConfiguration] = agentServices.map { .init(service: $0) } + [.init(service: app)]
            let group = ServiceGroup(configuration: .init(services: services, logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                try await api.waitUntilUp()
                try await load(store: store, counters: store.counters, agents: agents)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }

    private var api: BenchAPI { BenchAPI(base: "http://127.0.0.1:\(port)") }

    /// The store's writes during the run, per container (heartbeats and other background writes included).
    private func emitWrites(_ writes: StoreCounters.Snapshot, over run: Duration) {
        emit(String(
            format: "store writes: %d transactions (%.2f per container), %d commits (%.2f per container)",
            writes.transactions, Double(writes.transactions) / Double(containers), writes.commits, Double(writes.commits) / Double(containers)
        ))
        if writes.writerHeld > .zero {
            emit(String(
                format: "SQLite writer held %.0f %% of the run, %.0f %% in COMMIT (WAL write, fsync, checkpoints)",
                100 * writes.writerHeld.seconds / run.seconds, 100 * writes.writerCommitting.seconds / run.seconds
            ))
        }
        // Where the writes go: transactions per container by the store method that asked for them.
        for (operation, count) in writes.byOperation.sorted(by: { $0.value > $1.value }) {
            let waited = (writes.waitedByOperation[operation] ?? .zero) / count
            emit(String(format: "  %6.2f per container  %@ (waited for on average %@)", Double(count) / Double(containers), operation, LatencySummary.format(waited)))
        }
    }

    private func load(store: any ZunStore, counters: StoreCounters, agents: [ComputeAgent]) async throws {
        let api = self.api
        let writesBefore = counters.snapshot
        let cpuBefore = try HeartbeatsBench.cpuSeconds(pid: getpid())
        let next = Counter()
        let posted = Posted()
        let start = Date()
        let clock = ContinuousClock()
        let began = clock.now
        try await withThrowingTaskGroup(of: Void.self) { clients in
            for _ in 0..<concurrency {
                clients.addTask {
                    while await next.take() < containers {
                        let sent = Date()
                        let uuid = try await api.create(run: true)
                        await posted.add(uuid, sent: sent, accepted: Date())
                    }
                }
            }
            try await clients.waitForAll()
        }
        let acceptedIn = clock.now - began
        if acceptOnly {
            emit("accepted \(containers) creates in \(LatencySummary.format(acceptedIn)) (\(Int(Double(containers) / acceptedIn.seconds))/s); POST latency \(LatencySummary(await posted.acceptLatencies))")
            emitWrites(counters.snapshot - writesBefore, over: acceptedIn)
            return
        }
        // Wait until no container is still on its way to Running, asking for one row at a time, so that the wait
        // costs the CPU figure below next to nothing; then read them all once.
        func stillStarting() async throws -> Bool {
            for status in [ContainerStatus.creating, .created]
            where try await !store.listContainers(.init(filters: ["status": status.rawValue], limit: 1)).isEmpty {
                return true
            }
            return false
        }
        while try await stillStarting() {
            try await Task.sleep(for: .milliseconds(250))
        }
        let cpu = try HeartbeatsBench.cpuSeconds(pid: getpid()) - cpuBefore
        let all = try await store.listContainers(.init(limit: containers + 10))
        let sentAt = await posted.sent
        let running = all.filter { $0.status == .running }
        let lastRunning = running.compactMap(\.startedAt).max() ?? start
        let latencies = running.compactMap { c in c.startedAt.flatMap { s in sentAt[c.uuid].map { Duration.seconds(s.timeIntervalSince($0)) } } }
        let total = lastRunning.timeIntervalSince(start)
        let acceptLatencies = await posted.acceptLatencies
        emit("accepted \(containers) creates in \(LatencySummary.format(acceptedIn)) (\(Int(Double(containers) / acceptedIn.seconds))/s); POST latency \(LatencySummary(acceptLatencies))")
        emit("Running: \(running.count), Error: \(all.count - running.count)")
        emit(String(format: "throughput: %.0f containers/s (POST of the first to Running of the last: %.2f s)", Double(running.count) / total, total))
        emit("POST → Running latency: \(LatencySummary(latencies))")
        emit(String(format: "CPU of the process (API, agents, store and the %d clients): %.1f s, %.2f ms per container", concurrency, cpu, 1000 * cpu / Double(containers)))
        emitWrites(counters.snapshot - writesBefore, over: .seconds(total))
        emit("claims that found work only after their wait ran out (lost wake-ups): \(agents.reduce(0) { $0 + $1.idlePollFinds.withLockedValue { $0 } })")
        let perHost = Dictionary(grouping: running, by: { $0.host ?? "" }).mapValues(\.count)
        emit("hosts used: \(perHost.count), containers per host: min \(perHost.values.min() ?? 0), max \(perHost.values.max() ?? 0)")
        let memory = String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: "/proc/self/status"))) ?? Data(), as: UTF8.self)
            .split(separator: "\n").first { $0.hasPrefix("VmHWM") } ?? "VmHWM: ?"
        emit("process peak memory (API + \(hosts) agents + store): \(memory.dropFirst(6).trimmingCharacters(in: .whitespaces))")
    }
}

/// Hands out create numbers to the client tasks.
actor Counter {
    private var value = 0
    func take() -> Int {
        defer { value += 1 }
        return value
    }
}

/// When each create was sent and how long the API took to accept it.
actor Posted {
    private(set) var sent: [String: Date] = [:]
    private(set) var acceptLatencies: [Duration] = []

    func add(_ uuid: String, sent: Date, accepted: Date) {
        self.sent[uuid] = sent
        acceptLatencies.append(.seconds(accepted.timeIntervalSince(sent)))
    }
}
