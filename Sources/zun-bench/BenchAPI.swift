import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore

/// The benchmarks' HTTP calls to a Zun API on 127.0.0.1.
struct BenchAPI: Sendable {
    let base: String

    /// The benchmarks' client: a connection per concurrent request. `HTTPClient.shared` keeps at most 8
    /// connections to a host and queues the rest of the requests in the client, so until the ninth pass of
    /// BENCHMARKS.md "64 clients" were 8 requests at a time at the API.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 4096)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// The body every benchmark create sends: a small busybox container.
    static let createBody = #"{"image": "busybox:1.35", "cpu": 0.1, "memory": 64}"#

    /// Waits until `GET /` answers.
    func waitUntilUp(attempts: Int = 200) async throws {
        for _ in 0..<attempts {
            if (try? await get("/", version: nil)) != nil { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ValidationError("the API did not come up on \(base)")
    }

    /// `GET path`; anything but 200 is an error.
    func get(_ path: String, version: String? = "1.40") async throws -> ByteBuffer {
        var request = HTTPClientRequest(url: base + path)
        if let version { request.headers.add(name: "OpenStack-API-Version", value: "container \(version)") }
        let response = try await Self.client.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 256 << 20)
        guard response.status == .ok else { throw ValidationError("GET \(path) answered \(response.status)") }
        return body
    }

    /// `PUT path` with a JSON body; anything but 200 is an error.
    func put(_ path: String, json: String) async throws {
        var request = HTTPClientRequest(url: base + path)
        request.method = .PUT
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "OpenStack-API-Version", value: "container 1.40")
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await Self.client.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else { throw ValidationError("PUT \(path) answered \(response.status): \(String(buffer: body))") }
    }

    /// `POST /v1/containers` (with `?run=true` when `run`); returns the new container's uuid.
    func create(run: Bool) async throws -> String {
        var request = HTTPClientRequest(url: base + "/v1/containers" + (run ? "?run=true" : ""))
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "OpenStack-API-Version", value: "container 1.40")
        request.body = .bytes(ByteBuffer(string: Self.createBody))
        let response = try await Self.client.execute(request, timeout: .seconds(60))
        let data = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .accepted,
              let object = try JSONSerialization.jsonObject(with: Data(data.readableBytesView)) as? [String: Any],
              let uuid = object["uuid"] as? String
        else { throw ValidationError("create failed: \(response.status) \(String(buffer: data))") }
        return uuid
    }
}
