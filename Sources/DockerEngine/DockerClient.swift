import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A thin typed client of the Docker Engine API over a unix socket (or tcp), built on AsyncHTTPClient.
///
/// The API version is negotiated once from `/version` (capped at `maximumAPIVersion`) and prefixed to every
/// path. Endpoints live in `Endpoints/`, one file per resource.
public final class DockerClient: Sendable {
    /// The newest Engine API version this client speaks.
    public static let maximumAPIVersion = "1.41"

    /// `unix:///var/run/docker.sock` or `tcp://127.0.0.1:2375`.
    public let endpoint: String
    private let baseURL: String
    private let httpClient: HTTPClient
    let apiVersion: String

    private init(endpoint: String, baseURL: String, httpClient: HTTPClient, apiVersion: String) {
        self.endpoint = endpoint
        self.baseURL = baseURL
        self.httpClient = httpClient
        self.apiVersion = apiVersion
    }

    /// Connects to the engine and negotiates the API version.
    /// - Throws: `DockerError` with status 0 when nothing answers at `endpoint`.
    /// The engine connections of this process. AHC's shared client allows 8 connections per host; a stop or
    /// restart holds one for as long as its grace period (up to an hour), so 8 of them would queue every
    /// other engine call of the host behind them. Lives as long as the process, like `HTTPClient.shared`.
    public static let engineHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    public static func connect(endpoint: String, httpClient: HTTPClient = DockerClient.engineHTTPClient, logger: Logger) async throws -> DockerClient {
        let baseURL = try Self.baseURL(for: endpoint)
        let unversioned = DockerClient(endpoint: endpoint, baseURL: baseURL, httpClient: httpClient, apiVersion: "")
        let version: SystemVersion = try await unversioned.get("/version", timeout: .seconds(10), logger: logger)
        let negotiated = Self.lower(version.apiVersion, maximumAPIVersion)
        logger.debug("negotiated Docker API version", metadata: ["docker_api": "\(negotiated)", "engine": "\(version.version)"])
        return DockerClient(endpoint: endpoint, baseURL: baseURL, httpClient: httpClient, apiVersion: negotiated)
    }

    /// The negotiated API version, e.g. `1.41`.
    public var negotiatedVersion: String { apiVersion }

    static func baseURL(for endpoint: String) throws -> String {
        if endpoint.hasPrefix("unix://") {
            let path = String(endpoint.dropFirst("unix://".count))
            guard let encoded = path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) else {
                throw DockerError(status: 0, message: "invalid Docker socket path \(path)")
            }
            return "http+unix://\(encoded)"
        }
        if endpoint.hasPrefix("tcp://") { return "http://" + endpoint.dropFirst("tcp://".count) }
        if endpoint.hasPrefix("http://") { return endpoint }
        throw DockerError(status: 0, message: "unsupported Docker host \(endpoint); use unix:// or tcp://")
    }

    private static func lower(_ a: String, _ b: String) -> String {
        func parts(_ v: String) -> [Int] { v.split(separator: ".").compactMap { Int($0) } }
        return parts(a).lexicographicallyPrecedes(parts(b)) ? a : b
    }

    // MARK: Requests

    /// A raw response: status and the whole body.
    struct RawResponse {
        var status: Int
        var headers: HTTPHeaders
        var body: ByteBuffer
    }

    func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: ByteBuffer? = nil,
        contentType: String = "application/json", headers: [(String, String)] = [], timeout: Duration,
        maxBodyBytes: Int = 64 << 20, logger: Logger
    ) async throws -> RawResponse {
        var url = baseURL + (apiVersion.isEmpty ? "" : "/v\(apiVersion)") + path
        if !query.isEmpty {
            var components = URLComponents()
            components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
            url += "?" + (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        // The engine rejects requests without a Host header; a unix-socket URL has no usable host.
        request.headers.add(name: "Host", value: "docker")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(body)
        }
        // AHC's timeout covers the response head only; the deadline covers the body too (a one-shot exec
        // streams its output as the body, and must not outlive `timeout`).
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            (response, bytes) = try await Self.withDeadline(timeout) { [httpClient, request] in
                let response = try await httpClient.execute(request, timeout: Self.timeAmount(timeout), logger: logger)
                do {
                    return (response, try await response.body.collect(upTo: maxBodyBytes))
                } catch let error as NIOTooManyBytesError {
                    throw DockerError(status: 413, message: "the engine's answer is larger than \(maxBodyBytes) bytes (\(error))")
                }
            }
        } catch is DeadlineExceeded {
            throw DockerError(status: 0, message: "Docker engine at \(endpoint) did not answer \(method) \(path) in time")
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw DockerError(status: 0, message: "Docker engine at \(endpoint) did not answer \(method) \(path) in time")
        } catch let error as DockerError {
            throw error
        } catch {
            throw DockerError.unreachable(endpoint, "\(error)")
        }
        let status = Int(response.status.code)
        guard (200..<400).contains(status) else {
            throw DockerError(status: status, message: Self.message(from: bytes))
        }
        return RawResponse(status: status, headers: response.headers, body: bytes)
    }

    /// The longest any engine call may take: a day. Converting a longer `Duration` to NIO's nanosecond
    /// `TimeAmount` could overflow, so every deadline is clamped to this.
    static let longestCall: Duration = .seconds(86_400)

    static func clamped(_ duration: Duration) -> Duration { min(max(duration, .zero), longestCall) }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let clamped = clamped(duration)
        return .nanoseconds(clamped.components.seconds * 1_000_000_000 + clamped.components.attoseconds / 1_000_000_000)
    }

    /// How long a stop or restart may take: the engine's grace period (`timeout`, default 10 s) plus 30 s,
    /// computed without overflow whatever `timeout` is.
    static func graceDeadline(_ timeout: Int?) -> Duration {
        .seconds(max(0, timeout ?? 10)) + .seconds(30)
    }

    private struct DeadlineExceeded: Error {}

    /// Runs `body`, cancelling it when `duration` (clamped to `longestCall`) passes first.
    static func withDeadline<T: Sendable>(_ duration: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let limit = clamped(duration)
        return try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw DeadlineExceeded()
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    func get<T: Decodable>(_ path: String, query: [(String, String)] = [], timeout: Duration = .seconds(30), logger: Logger) async throws -> T {
        let response = try await send(.GET, path, query: query, timeout: timeout, logger: logger)
        return try decode(T.self, response.body)
    }

    /// A `GET` of an object the engine may not have: nil on 404.
    func getIfPresent<T: Decodable>(_ path: String, logger: Logger) async throws -> T? {
        do {
            return try await get(path, logger: logger)
        } catch let error as DockerError where error.isNotFound {
            return nil
        }
    }

    /// A `DELETE` where an object already gone is not an error.
    func deleteIfPresent(_ path: String, query: [(String, String)] = [], logger: Logger) async throws {
        do {
            _ = try await send(.DELETE, path, query: query, timeout: .seconds(60), logger: logger)
        } catch let error as DockerError where error.isNotFound {
            return
        }
    }

    func post<T: Decodable>(
        _ path: String, query: [(String, String)] = [], json: some Encodable, timeout: Duration = .seconds(60), logger: Logger
    ) async throws -> T {
        let body = ByteBuffer(bytes: try JSONEncoder().encode(json))
        let response = try await send(.POST, path, query: query, body: body, timeout: timeout, logger: logger)
        return try decode(T.self, response.body)
    }

    func decode<T: Decodable>(_ type: T.Type, _ body: ByteBuffer) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
        } catch {
            throw DockerError(status: 0, message: "unexpected answer from the Docker engine: \(error)")
        }
    }

    /// Docker error bodies are `{"message": "..."}`; fall back to the raw text.
    static func message(from body: ByteBuffer) -> String {
        struct Message: Decodable { var message: String }
        let data = Data(body.readableBytesView)
        if let decoded = try? JSONDecoder().decode(Message.self, from: data) { return decoded.message }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
