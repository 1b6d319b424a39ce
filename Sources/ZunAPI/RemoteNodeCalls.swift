import AsyncHTTPClient
import HTTPTypes
import HummingbirdWSClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ZunCore
import ZunStore

/// Finds a compute host's node-local endpoint from its service record; a host that is down (or has no
/// endpoint) gives nil at once, so the API answers 503 quickly instead of hanging.
public struct ClusterNodeResolver: NodeLocalCallsResolver {
    let store: any HostInventory
    let secret: String
    let serviceDownTime: TimeInterval
    let timeout: Duration
    let clock: any WallClock

    public init(
        store: any HostInventory, secret: String, serviceDownTime: TimeInterval, timeout: Duration = .seconds(15),
        clock: any WallClock = SystemWallClock()
    ) {
        self.store = store
        self.clock = clock
        self.secret = secret
        self.serviceDownTime = serviceDownTime
        self.timeout = timeout
    }

    public func calls(forHost host: String) async -> (any NodeLocalCalls)? {
        guard let service = try? await store.service(host: host, binary: ZunService.computeBinary),
              service.isUp(now: clock.now, downAfter: serviceDownTime),
              let endpoint = service.endpoint
        else { return nil }
        return RemoteNodeCalls(endpoint: endpoint, host: host, secret: NodeKeys.derive(clusterKey: secret, host: host), timeout: timeout)
    }
}

/// Node-local calls made over HTTP to an agent's endpoint.
struct RemoteNodeCalls: NodeLocalCalls {
    let endpoint: String
    let host: String
    let secret: String
    let timeout: Duration

    /// The API's client for node endpoints. `HTTPClient.shared` keeps at most 8 connections to a host and queues
    /// further calls inside the client, where their timeout already runs: a ninth exec, log or archive call to
    /// one host waited for one of the eight, and could fail as "host not up". An agent serves each call on its
    /// own connection, so the pool lets as many run at once as callers make, up to `connectionsPerHost`.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    static let connectionsPerHost = 256

    func logs(of container: Container, options: LogOptions) async throws -> String {
        let reply = try await call(.GET, container, "logs", query: NodeCallProtocol.query(options))
        guard case .string(let text) = reply else { throw ZunError.internalError("node endpoint of \(host) sent no logs") }
        return text
    }

    func top(of container: Container, psArgs: String?) async throws -> JSONValue {
        try await call(.GET, container, "top", query: psArgs.map { [("ps_args", $0)] } ?? [])
    }

    func stats(of container: Container) async throws -> JSONValue {
        try await call(.GET, container, "stats", query: [])
    }

    func execute(in container: Container, command: [String]) async throws -> (output: String, exitCode: Int?) {
        let body = try JSONEncoder().encode(command)
        let reply = try await call(.POST, container, "execute", query: [], body: body)
        guard case .object(let object) = reply, case .string(let output) = object["output"] ?? .null else {
            throw ZunError.internalError("node endpoint of \(host) sent no exec output")
        }
        if case .int(let code) = object["exit_code"] ?? .null { return (output, code) }
        return (output, nil)
    }

    func getArchive(of container: Container, path: String) async throws -> (base64: String, stat: JSONValue) {
        let reply = try await call(.GET, container, "get_archive", query: [("path", path)])
        guard case .object(let object) = reply, case .string(let data) = object["data"] ?? .null else {
            throw ZunError.internalError("node endpoint of \(host) sent no archive")
        }
        return (data, object["stat"] ?? .object([:]))
    }

    func putArchive(into container: Container, path: String, base64: String) async throws {
        _ = try await call(.POST, container, "put_archive", query: [("path", path)], body: try JSONEncoder().encode(base64))
    }

    func commit(_ container: Container, repository: String, tag: String) async throws -> String {
        let reply = try await call(.POST, container, "commit", query: [("repository", repository), ("tag", tag)])
        guard case .string(let id) = reply else { throw ZunError.internalError("node endpoint of \(host) sent no image id") }
        return id
    }

    func update(of container: Container, cpu: Double?, memoryMB: Int?) async throws {
        var query: [(String, String)] = []
        if let cpu { query.append(("cpu", String(cpu))) }
        if let memoryMB { query.append(("memory", String(memoryMB))) }
        _ = try await call(.POST, container, "update", query: query)
    }

    func createInteractiveExec(in container: Container, command: [String]) async throws -> String {
        let reply = try await call(.POST, container, "exec_create", query: [], body: try JSONEncoder().encode(command))
        guard case .string(let id) = reply else { throw ZunError.internalError("node endpoint of \(host) sent no exec id") }
        return id
    }

    func resizeExec(of container: Container, execID: String, height: Int, width: Int) async throws {
        _ = try await call(.POST, container, "exec_resize", query: [("exec_id", execID), ("h", String(height)), ("w", String(width))])
    }

    func resizeTTY(of container: Container, height: Int, width: Int) async throws {
        _ = try await call(.POST, container, "resize", query: [("h", String(height)), ("w", String(width))])
    }

    /// Opens the agent's console websocket and pipes bytes both ways.
    func console(
        of container: Container, execID: String?, input: AsyncStream<[UInt8]>,
        output: @escaping @Sendable ([UInt8]) async throws -> Void
    ) async throws {
        var url = endpoint.replacingOccurrences(of: "http://", with: "ws://") + NodeCallProtocol.path(container.uuid, "console")
        if let execID { url += "?exec_id=\(execID)" }
        var headers = HTTPFields()
        headers[HTTPField.Name(NodeCallProtocol.tokenHeader)!] = secret
        do {
            try await WebSocketClient.connect(
                url: url, configuration: .init(maxFrameSize: 1 << 20, additionalHeaders: headers), logger: Logger(label: "zun.console")
            ) { inbound, outbound, _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await bytes in input { try await outbound.write(.binary(ByteBuffer(bytes: bytes))) }
                        try await outbound.close(.normalClosure, reason: nil)
                    }
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        if case .binary(let buffer) = message { try await output(Array(buffer.readableBytesView)) }
                    }
                    group.cancelAll()
                }
            }
        } catch let error as ZunError {
            throw error
        } catch {
            throw ZunError.hostNotUp(host)
        }
    }

    /// Calls the agent and decodes its JSON answer; the agent's errors come back as `ZunError`s.
    private func call(
        _ method: HTTPMethod, _ container: Container, _ name: String, query: [(String, String)], body: Data? = nil
    ) async throws -> JSONValue {
        let data = try await send(method, NodeCallProtocol.path(container.uuid, name), query: query, body: body)
        return try JSONDecoder().decode(JSONValue.self, from: data)
    }

    private func send(_ method: HTTPMethod, _ path: String, query: [(String, String)], body: Data?) async throws -> Data {
        var components = URLComponents(string: endpoint + path)
        components?.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
        guard let url = components?.string else { throw ZunError.internalError("bad node endpoint \(endpoint)") }
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        request.headers.add(name: NodeCallProtocol.tokenHeader, value: secret)
        let response: HTTPClientResponse
        do {
            response = try await Self.client.execute(request, timeout: .init(timeout))
        } catch {
            throw ZunError.hostNotUp(host)
        }
        let body = Data((try await response.body.collect(upTo: 64 << 20)).readableBytesView)
        guard response.status == .ok else {
            if let error = try? JSONDecoder().decode(NodeCallProtocol.ErrorBody.self, from: body) {
                throw ZunError(ZunError.Kind(httpStatus: error.status), code: error.code, message: error.message)
            }
            throw ZunError.internalError("node endpoint of \(host) answered \(response.status.code)")
        }
        return body
    }
}
