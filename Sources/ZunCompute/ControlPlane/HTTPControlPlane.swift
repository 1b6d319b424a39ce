import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import ZunCore

/// The node protocol over HTTP (docs/node-protocol.md): `zun compute` reaches the records only through the
/// API replicas, with its own credential. Any replica serves any node: a call that cannot reach one replica
/// goes to the next, and the replica that answered is tried first next time.
public final class HTTPControlPlane: ControlPlane, Sendable {
    public let host: String
    let endpoints: [String]
    let credential: NodeCredentialHolder
    let client: HTTPClient
    /// The client of claim long-polls, each holding a connection while it waits: a pool of its own, so that
    /// heartbeats and reports never queue behind them.
    let pollClient: HTTPClient
    let logger: Logger
    /// The replica tried first: spread over the replicas by host name, so that a fleet's requests are shared.
    private let preferred: NIOLockedValueBox<Int>
    /// Reports of concurrent tasks travel together: one request carries every report queued while the
    /// previous one was on its way.
    private let batcher: ReportBatcher

    /// How long an ordinary call may take; a claim's own wait is added to it.
    static let callTimeout: Duration = .seconds(30)

    public init(
        endpoints: [String], credential: NodeCredentialHolder, client: HTTPClient = .shared, pollClient: HTTPClient? = nil, logger: Logger
    ) {
        precondition(!endpoints.isEmpty, "a node needs at least one API URL")
        self.host = credential.host
        self.endpoints = endpoints.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.credential = credential
        self.client = client
        self.pollClient = pollClient ?? client
        self.logger = logger
        self.batcher = ReportBatcher()
        self.preferred = NIOLockedValueBox(Self.spread(credential.host, over: endpoints.count))
    }

    /// A stable choice of replica for a host (FNV-1a of its name).
    static func spread(_ host: String, over count: Int) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in host.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(hash % UInt64(max(count, 1)))
    }

    // MARK: ControlPlane

    public func register(_ registration: NodeRegistration) async throws {
        _ = try await send(.POST, "/register", body: registration)
    }

    public func reportInventory(_ inventory: ComputeNode) async throws {
        _ = try await send(.POST, "/inventory", body: inventory)
    }

    public func heartbeat(_ heartbeat: NodeHeartbeat) async throws {
        _ = try await send(.POST, "/heartbeat", body: heartbeat)
    }

    public func claimTasks(_ request: TaskClaimRequest) async throws -> ClaimedTasks {
        let answer = try await send(
            .POST, "/tasks/claim", body: request, timeout: Self.callTimeout + .milliseconds(Int64(request.waitSeconds * 1000)), via: pollClient
        )
        return try decode(ClaimedTasks.self, answer)
    }

    public func submit(_ reports: [NodeReport]) async throws -> [NodeReportOutcome] {
        try await batcher.submit(reports) { batch in
            let answer = try await self.send(.POST, "/reports", body: ReportBatch(reports: batch))
            let outcomes = try self.decode(ReportOutcomes.self, answer).outcomes
            guard outcomes.count == batch.count else {
                throw ZunError.internalError("the API answered \(outcomes.count) outcomes for \(batch.count) reports")
            }
            return outcomes
        }
    }

    public func container(uuid: String) async throws -> Container? {
        try await read(Container.self, "/containers/\(Self.escape(uuid))")
    }

    public func containers() async throws -> [Container] {
        try decode([String: [Container]].self, try await send(.GET, "/containers"))["containers"] ?? []
    }

    public func hasUnfinishedTask(containerUUID: String) async throws -> Bool {
        try decode([String: Bool].self, try await send(.GET, "/containers/\(Self.escape(containerUUID))/unfinished-task"))["unfinished"] ?? false
    }

    public func network(uuid: String) async throws -> Network? {
        try await read(Network.self, "/networks/\(Self.escape(uuid))")
    }

    public func overlayPeers(networkUUID: String) async throws -> [OverlayPeer] {
        try decode([String: [OverlayPeer]].self, try await send(.GET, "/networks/\(Self.escape(networkUUID))/peers"))["peers"] ?? []
    }

    public func waitForOverlayChange(waitSeconds: Double) async throws {
        _ = try await send(
            .GET, "/overlay/changes?wait=\(waitSeconds)", timeout: Self.callTimeout + .milliseconds(Int64(waitSeconds * 1000)), via: pollClient
        )
    }

    public func volume(uuid: String) async throws -> Volume? {
        try await read(Volume.self, "/volumes/\(Self.escape(uuid))")
    }

    // MARK: Identity

    /// Trades the current credential for a new one and keeps it (in memory and in its file); the old one
    /// works for the API's grace period, so calls already on their way still succeed.
    public func rotateCredential() async throws {
        let answer = try await send(.POST, "/credential/rotate", body: [String: String]())
        let identity = try decode(NodeIdentity.self, answer)
        guard identity.host == host else { throw ZunError.internalError("the API rotated the credential of \(identity.host), not \(host)") }
        try credential.replace(with: identity)
        logger.notice("node credential rotated")
    }

    /// Exchanges a bootstrap token for this host's identity at the first API that answers (no credential yet).
    public static func bootstrap(
        endpoints: [String], token: String, client: HTTPClient = .shared, logger: Logger
    ) async throws -> NodeIdentity {
        var lastError: any Error = ZunError.internalError("no API URL")
        for endpoint in endpoints {
            var request = HTTPClientRequest(url: endpoint + "/node/v1/bootstrap")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(["token": token])))
            do {
                let response = try await client.execute(request, timeout: .seconds(30))
                let body = try await response.body.collect(upTo: 1 << 20)
                guard response.status == .created else { throw Self.error(status: response.status, body: body) }
                return try NodeProtocolCoding.decoder().decode(NodeIdentity.self, from: body)
            } catch let error as ZunError {
                throw error
            } catch {
                logger.warning("bootstrap could not reach an API replica", metadata: ["api": "\(endpoint)", LogKey.error: "\(error)"])
                lastError = error
            }
        }
        throw lastError
    }

    // MARK: Transport

    /// A GET whose 404 means "none".
    private func read<T: Decodable>(_ type: T.Type, _ path: String) async throws -> T? {
        do {
            return try decode(T.self, try await send(.GET, path))
        } catch let error as ZunError where error.kind == .notFound {
            return nil
        }
    }

    private func send(
        _ method: HTTPMethod, _ path: String, body: some Encodable = Optional<String>.none, timeout: Duration = callTimeout,
        via: HTTPClient? = nil
    ) async throws -> ByteBuffer {
        let client = via ?? self.client
        let payload: ByteBuffer? = method == .GET ? nil : ByteBuffer(bytes: try NodeProtocolCoding.encoder().encode(body))
        let first = preferred.withLockedValue { $0 }
        var lastError: any Error = ZunError.internalError("no API URL")
        for offset in 0..<endpoints.count {
            let index = (first + offset) % endpoints.count
            var request = HTTPClientRequest(url: endpoints[index] + "/node/v1" + path)
            request.method = method
            request.headers.add(name: "Authorization", value: "Bearer \(credential.current)")
            if let payload {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(payload)
            }
            let response: HTTPClientResponse
            let answer: ByteBuffer
            do {
                response = try await client.execute(request, timeout: .init(timeout))
                answer = try await response.body.collect(upTo: 64 << 20)
            } catch {
                // The replica is unreachable or died mid-answer: the next one serves this node.
                if Task.isCancelled { throw error }
                logger.warning("an API replica did not answer; trying the next", metadata: ["api": "\(endpoints[index])", LogKey.error: "\(error)"])
                lastError = error
                continue
            }
            if index != first { preferred.withLockedValue { $0 = index } }
            guard (200..<300).contains(response.status.code) else {
                let error = Self.error(status: response.status, body: answer)
                // The replica's own trouble (its database restarting, say), not an answer about the request:
                // not a ZunError, so that a task retries it instead of failing its container.
                if response.status.code >= 500 { throw ControlPlaneUnavailable(api: endpoints[index], error: error) }
                throw error
            }
            return answer
        }
        throw lastError
    }

    private func decode<T: Decodable>(_ type: T.Type, _ buffer: ByteBuffer) throws -> T {
        try NodeProtocolCoding.decoder().decode(T.self, from: buffer)
    }

    /// Zun's error body as the `ZunError` the API threw.
    static func error(status: HTTPResponseStatus, body: ByteBuffer) -> ZunError {
        struct Body: Decodable {
            struct Item: Decodable {
                var code: String?
                var detail: String?
            }
            var errors: [Item]
        }
        let item = (try? JSONDecoder().decode(Body.self, from: body))?.errors.first
        let code = item?.code.map { $0.hasPrefix("container.") ? String($0.dropFirst("container.".count)) : $0 } ?? ""
        return ZunError(ZunError.Kind(httpStatus: Int(status.code)), code: code, message: item?.detail ?? "The API answered \(status.code).")
    }

    /// An API replica answered 5xx: the call may succeed later.
    public struct ControlPlaneUnavailable: Error, CustomStringConvertible {
        public var api: String
        public var error: ZunError
        public var description: String { "\(api) answered \(error.kind.httpStatus): \(error.message)" }
    }

    static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? segment
    }
}
