import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import ZunCore
import ZunStore

/// The websocket end of `attach` and interactive `execute` (Zun's separate `zun-wsproxy`, served here by
/// the API): `GET /websocket?token=&uuid=[&exec_id=]` upgrades, then bytes flow between the client and
/// the container's host. A token opens one connection and expires unused after five minutes.
struct ConsoleController {
    static let path = "/websocket"
    let dependencies: APIDependencies

    /// Routes of the websocket router (upgrade requests only).
    func registerWebSocket(on router: Router<ZunRequestContext>) {
        router.group(RouterPath(Self.path))
            .add(middleware: SessionMiddleware(store: dependencies.store, clock: dependencies.clock))
            .ws { request, _ in
                // python-zunclient asks for the "binary" subprotocol and insists on getting it back.
                let offered = request.headers[.secWebSocketProtocol]?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
                return .upgrade(offered.contains("binary") ? [.secWebSocketProtocol: "binary"] : [:])
            } onUpgrade: { inbound, outbound, context in
                guard let session = context.requestContext.consoleSession else { return }
                await serve(session, inbound: inbound, outbound: outbound, logger: context.logger)
            }
    }

    /// The same path on the plain router: a request that did not upgrade gets a clear error.
    func registerFallback(on router: Router<ZunRequestContext>) {
        router.get(RouterPath(Self.path)) { request, _ -> Response in
            if request.uri.queryParameters["token"] != nil {
                throw ZunError(.unauthenticated, code: "not-authorized", message: "Invalid, used or expired console token; ask for a new one with attach or execute.")
            }
            throw ZunError.invalidValue("Connect to this URL with a websocket client.")
        }
    }

    private func serve(_ session: ConsoleSession, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, logger: Logger) async {
        let metadata: Logger.Metadata = [LogKey.containerUUID: "\(session.containerUUID)", "exec_id": "\(session.execID ?? "-")"]
        do {
            guard let container = try await dependencies.store.container(uuid: session.containerUUID), let host = container.host else {
                try await outbound.close(.unexpectedServerError, reason: "container not found")
                return
            }
            guard let calls = await dependencies.nodes.calls(forHost: host) else {
                try await outbound.close(.unexpectedServerError, reason: "compute host \(host) is not up")
                return
            }
            logger.info("console session opened", metadata: metadata)
            try await ConsolePipe.run(input: inbound.messages(maxSize: 1 << 20), bytes: Self.bytes) { input in
                try await calls.console(of: container, execID: session.execID, input: input) { output in
                    try await outbound.write(.binary(ByteBuffer(bytes: output)))
                }
            }
            logger.info("console session closed", metadata: metadata)
        } catch {
            logger.notice("console session failed", metadata: metadata.merging([LogKey.error: "\(error)"]) { $1 })
            try? await outbound.close(.unexpectedServerError, reason: "\(error)".prefix(100).description)
        }
    }

    /// Text and binary messages both carry keystrokes.
    @Sendable static func bytes(_ message: WebSocketMessage) -> [UInt8]? {
        switch message {
        case .binary(let buffer): Array(buffer.readableBytesView)
        case .text(let text): Array(text.utf8)
        }
    }

    /// Checks `token` (taking it: one connection per token) and `uuid` (and `exec_id`) before the upgrade.
    struct SessionMiddleware: RouterMiddleware {
        let store: any ConsoleSessionRecords
        let clock: any WallClock

        func handle(
            _ request: Request, context: ZunRequestContext, next: (Request, ZunRequestContext) async throws -> Response
        ) async throws -> Response {
            let query = request.uri.queryParameters
            guard let token = query["token"].map(String.init),
                  let session = try await store.takeConsoleSession(token: token, now: clock.now),
                  session.containerUUID == query["uuid"].map(String.init),
                  session.execID == query["exec_id"].map(String.init)
            else {
                return Response(status: .unauthorized)
            }
            var context = context
            context.consoleSession = session
            return try await next(request, context)
        }
    }
}
