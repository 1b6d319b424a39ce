import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ZunAPI
import ZunCore
import ZunStore

#if canImport(Glibc)
import Glibc
#endif

/// Node-protocol heartbeats of many hosts against a running API (docs/node-protocol.md): enrolls `hosts` hosts
/// in the API's database, exchanges their bootstrap tokens over HTTP, then has every host heartbeat every
/// `interval` seconds for `duration` seconds. Prints the rate, latencies, failures, the API process's CPU over
/// the heartbeat phase (from /proc/PID/stat), and how many hosts the database shows down afterwards.
struct HeartbeatsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "heartbeats", abstract: "Node-protocol heartbeats of many hosts.")

    @Option(help: "Base URL of a running API (zun dev or zun api).")
    var url = "http://127.0.0.1:9517"
    @Option(help: "The API's database (the SQLite file of zun dev, or the PostgreSQL URL of zun api), to enroll the hosts.")
    var database: String
    @Option(help: "The API process, whose CPU time is read from /proc.")
    var apiPid: Int32
    @Option(help: "Hosts.")
    var hosts = 5000
    /// What `zun compute` sends with each heartbeat (`NodeHeartbeat`): its zone and its node endpoint.
    static let body = #"{"availability_zone":"nova","endpoint":"http://192.0.2.10:9518"}"#

    @Option(help: "Seconds between two heartbeats of a host.")
    var interval = 3.0
    @Option(help: "Seconds of heartbeats measured.")
    var duration = 60.0
    @Option(help: "Connections to the API.")
    var connections = 64

    func run() async throws {
        var logger = Logger(label: "zun-bench")
        logger.logLevel = .error
        let prefix = "hb-" + UUID().uuidString.prefix(6).lowercased() + "-"
        let names = (0..<hosts).map { prefix + String(format: "%05d", $0) }
        emit("heartbeats: \(hosts) hosts every \(interval) s for \(duration) s, \(connections) connections, \(url)")
        let bootstraps = try await SQLStore.withStore(at: try StoreLocation(database), logger: logger) { store in
            var tokens: [String] = []
            for name in names { tokens.append(try await NodeCredentials(store: store).enroll(host: name)) }
            return tokens
        }
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            try await measure(client, names: names, bootstraps: bootstraps, logger: logger)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    func measure(_ client: HTTPClient, names: [String], bootstraps: [String], logger: Logger) async throws {

        func post(_ path: String, _ body: String, credential: String?) async throws -> (UInt, ByteBuffer, Duration) {
            var request = HTTPClientRequest(url: url + path)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            if let credential { request.headers.add(name: "Authorization", value: "Bearer \(credential)") }
            request.body = .bytes(ByteBuffer(string: body))
            let started = ContinuousClock.now
            let response = try await client.execute(request, timeout: .seconds(30))
            let bytes = try await response.body.collect(upTo: 1 << 16)
            return (response.status.code, bytes, ContinuousClock.now - started)
        }

        // Each host trades its bootstrap token for its credential.
        let credentials = try await withThrowingTaskGroup(of: [(Int, String)].self) { group in
            for lane in 0..<connections {
                group.addTask {
                    var mine: [(Int, String)] = []
                    for index in stride(from: lane, to: bootstraps.count, by: connections) {
                        let (status, body, _) = try await post("/node/v1/bootstrap", #"{"token": "\#(bootstraps[index])"}"#, credential: nil)
                        guard status == 201, let object = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
                              let credential = object["credential"] as? String
                        else { throw ValidationError("bootstrap of host \(index) answered \(status)") }
                        mine.append((index, credential))
                    }
                    return mine
                }
            }
            var all = [String](repeating: "", count: bootstraps.count)
            for try await part in group { for (index, credential) in part { all[index] = credential } }
            return all
        }

        let cpuBefore = try Self.cpuSeconds(pid: apiPid)
        let started = ContinuousClock.now
        let end = started + .milliseconds(Int64(duration * 1000))
        let period = Duration.milliseconds(Int64(interval * 1000))
        // Each connection-lane serves the hosts of its share, each host on its own schedule (spread evenly).
        let (samples, failures) = try await withThrowingTaskGroup(of: ([Duration], Int).self) { group in
            for lane in 0..<connections {
                group.addTask {
                    let mine = Array(stride(from: lane, to: credentials.count, by: connections))
                    var samples: [Duration] = []
                    var failures = 0
                    var round = 0
                    while true {
                        for (position, index) in mine.enumerated() {
                            let due = started + period * round + period * (Double(position) / Double(max(1, mine.count)))
                            if due >= end { return (samples, failures) }
                            let now = ContinuousClock.now
                            if due > now { try await Task.sleep(until: due, clock: .continuous) }
                            do {
                                let (status, _, latency) = try await post("/node/v1/heartbeat", Self.body, credential: credentials[index])
                                if status == 204 { samples.append(latency) } else { failures += 1 }
                            } catch {
                                failures += 1
                            }
                        }
                        round += 1
                    }
                }
            }
            return try await group.reduce(into: ([Duration](), 0)) { $0.0 += $1.0; $0.1 += $1.1 }
        }
        let elapsed = ContinuousClock.now - started
        let cpu = try Self.cpuSeconds(pid: apiPid) - cpuBefore
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        emit("heartbeats: \(samples.count) answered, \(failures) failed, \(Int(Double(samples.count) / seconds))/s, \(LatencySummary(samples))")
        emit(String(format: "heartbeats: API process CPU %.1f s over %.1f s = %.1f %% of one core", cpu, seconds, 100 * cpu / seconds))

        // No host falsely down: every host's last heartbeat is recent.
        try await Task.sleep(for: .seconds(2))
        let down = try await SQLStore.withStore(at: try StoreLocation(database), logger: logger) { store in
            let now = Date()
            let seen = Dictionary(try await store.services().map { ($0.host, $0) }, uniquingKeysWith: { a, _ in a })
            return names.filter { name in (seen[name]?.lastSeenUp).map { now.timeIntervalSince($0) > 15 } ?? true }.count
        }
        emit("heartbeats: \(down) of \(hosts) hosts down 2 s after the last round (down after 15 s)")
    }

    /// utime + stime of a process, in seconds.
    static func cpuSeconds(pid: Int32) throws -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { throw ValidationError("cannot read /proc/\(pid)/stat") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, utime field 14, stime field 15 (1-based, counting pid and comm).
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw ValidationError("unexpected /proc/\(pid)/stat")
        }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
