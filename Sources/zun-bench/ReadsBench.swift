import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore

/// GET latency of a running API under many concurrent clients: `clients` keep-alive connections, each
/// sending its share of `requests` one after another. Traffic goes to the URL given (127.0.0.1 by default).
struct ReadsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reads", abstract: "GET latency with many concurrent clients.")

    @Option(help: "Base URL of a running API (zun dev or zun api).")
    var url = "http://127.0.0.1:9517"

    @Option(help: "Path to GET.")
    var path = "/v1/containers"

    @Option(help: "Concurrent clients, each on its own connection.")
    var clients = 200

    @Option(help: "Requests in all.")
    var requests = 1000

    @Option(help: "Requests sent first and not counted (connections, caches).")
    var warmup = 200

    @Option(help: "File holding an X-Auth-Token to send (a Keystone or token-file token; none for noauth).")
    var tokenFile: String?

    func run() async throws {
        let token = try tokenFile.map { path -> String in
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ValidationError("cannot read \(path)") }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        try await measure(token: token)
    }

    func measure(token: String?) async throws {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: clients)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let target = url + path
        @Sendable func get() async throws -> Duration {
            var request = HTTPClientRequest(url: target)
            request.headers.add(name: "OpenStack-API-Version", value: "container 1.40")
            if let token { request.headers.add(name: "X-Auth-Token", value: token) }
            let started = ContinuousClock.now
            let response = try await client.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 64 << 20)
            guard response.status == .ok else { throw ValidationError("GET \(target) answered \(response.status.code)") }
            return ContinuousClock.now - started
        }
        func round(_ total: Int) async throws -> ([Duration], Duration) {
            let started = ContinuousClock.now
            let samples = try await withThrowingTaskGroup(of: [Duration].self) { group in
                for index in 0..<clients {
                    let share = total / clients + (index < total % clients ? 1 : 0)
                    group.addTask {
                        var mine: [Duration] = []
                        for _ in 0..<share { mine.append(try await get()) }
                        return mine
                    }
                }
                return try await group.reduce(into: [Duration]()) { $0 += $1 }
            }
            return (samples, ContinuousClock.now - started)
        }
        let single: [Duration]
        let samples: [Duration]
        let elapsed: Duration
        do {
            _ = try await round(warmup)
            single = try await (0..<50).asyncMap { _ in try await get() }
            (samples, elapsed) = try await round(requests)
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
        print("GET \(path), 1 client: \(LatencySummary(single))")
        print("GET \(path), \(clients) clients, \(requests) requests: \(LatencySummary(samples)), \(String(format: "%.0f", Double(samples.count) / elapsed.seconds)) requests/s")
    }
}

extension Range where Bound == Int {
    func asyncMap<T>(_ transform: (Int) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for index in self { result.append(try await transform(index)) }
        return result
    }
}
