import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ZunCore
import ZunStore

#if canImport(Glibc)
import Glibc
#endif

/// Peak memory (VmHWM) of a `zun api` process serving a store of many hosts and containers: the store is
/// seeded here, then a real `zun api` process is started on it and driven through HTTP (host list,
/// container pages, creates scheduled over every host).
struct MemoryBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "memory", abstract: "Peak memory of the API at scale.")

    @Option(help: "Compute hosts in the store.")
    var hosts = 10000

    @Option(help: "Containers in the store.")
    var containers = 100_000

    @Option(help: "Creates sent to the API after it starts.")
    var creates = 1000

    @Option(help: "Port of the API on 127.0.0.1.")
    var port = 9597

    func run() async throws {
        let logger = {
            var logger = Logger(label: "zun-bench")
            logger.logLevel = .error
            return logger
        }()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zun-bench-mem-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/zun.sqlite"
        let seeding = ContinuousClock.now
        try await seed(path: path, logger: logger)
        emit("seeded \(hosts) hosts and \(containers) containers in \(LatencySummary.format(ContinuousClock.now - seeding))")

        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("zun").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["api", "--database", path, "--listen", "127.0.0.1:\(port)", "--log-level", "error"]
        // `zun api` refuses to start without a node secret; no agent calls this one back, so any will do.
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["ZUN_NODE_SECRET": "zun-bench-" + UUID().uuidString], uniquingKeysWith: { given, _ in given }
        )
        try process.run()
        defer {
            kill(process.processIdentifier, SIGTERM)
            var status: Int32 = 0
            for _ in 0..<100 where waitpid(process.processIdentifier, &status, WNOHANG) == 0 { usleep(50_000) }
        }
        let api = BenchAPI(base: "http://127.0.0.1:\(port)")
        try await api.waitUntilUp()
        emit("zun api started: VmRSS \(Self.memory(process.processIdentifier, "VmRSS"))")

        let clock = ContinuousClock()
        var start = clock.now
        let hostList = try await api.get("/v1/hosts")
        emit("GET /v1/hosts (\(hosts) hosts, \(hostList.readableBytes) bytes): \(LatencySummary.format(clock.now - start))")
        start = clock.now
        for _ in 0..<10 { _ = try await api.get("/v1/containers?limit=1000&all_projects=1") }
        emit("GET /v1/containers?limit=1000 ×10: \(LatencySummary.format(clock.now - start))")
        // The seeded project holds far more than the default quota: lift it, as an operator would for it. The
        // check still runs on every create (and reads the project's usage).
        try await api.put("/v1/quotas/admin", json: #"{"containers": -1, "cpu": -1, "memory": -1, "disk": -1, "ports": -1}"#)
        start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<16 {
                group.addTask {
                    for _ in stride(from: worker, to: creates, by: 16) {
                        _ = try await api.create(run: false)
                    }
                }
            }
            try await group.waitForAll()
        }
        let took = clock.now - start
        emit("\(creates) creates scheduled over \(hosts) hosts: \(LatencySummary.format(took)) (\(Int(Double(creates) / took.seconds))/s)")
        emit("zun api peak memory (VmHWM): \(Self.memory(process.processIdentifier, "VmHWM")), now (VmRSS): \(Self.memory(process.processIdentifier, "VmRSS"))")
    }

    /// Hosts with fresh heartbeats (so they are up while the benchmark runs) and containers spread on them.
    private func seed(path: String, logger: Logger) async throws {
        let store = try await SQLStore.openSQLite(path: path, logger: logger)
        let hosts = self.hosts, containers = self.containers
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<32 {
                group.addTask {
                    for i in stride(from: worker, to: hosts, by: 32) {
                        let name = String(format: "host-%05d", i)
                        var node = ComputeNode(uuid: UUID().uuidString.lowercased(), hostname: name)
                        node.cpus = 64
                        node.memTotal = 262_144
                        node.diskTotal = 1000
                        try await store.saveComputeNode(node)
                        try await store.heartbeat(host: name, binary: ZunService.computeBinary, availabilityZone: "nova", endpoint: nil, at: Date())
                    }
                }
            }
            try await group.waitForAll()
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<64 {
                group.addTask {
                    for i in stride(from: worker, to: containers, by: 64) {
                        var c = Container(
                            uuid: UUID().uuidString.lowercased(), name: "seed-\(i)", projectID: "admin", userID: "admin", image: "busybox:1.35",
                            cpu: 0.1, memory: "64", createdAt: Date()
                        )
                        c.host = String(format: "host-%05d", i % hosts)
                        c.status = .running
                        try await store.createContainer(c, action: nil, task: nil)
                    }
                }
            }
            try await group.waitForAll()
        }
        // Seeding the containers outlasts the service down time: every host heartbeats again, so that the creates
        // below find the fleet up (a fleet that is down would measure the no-valid-host path instead).
        let now = Date()
        let beats = (0..<hosts).map { Heartbeat(host: String(format: "host-%05d", $0), availabilityZone: "nova", endpoint: nil, at: now) }
        for chunk in stride(from: 0, to: beats.count, by: 1000) {
            try await store.heartbeats(Array(beats[chunk..<min(chunk + 1000, beats.count)]))
        }
        try await store.close()
    }

    static func memory(_ pid: Int32, _ field: String) -> String {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").first { $0.hasPrefix(field) }.map { $0.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces) } ?? "?"
    }
}
