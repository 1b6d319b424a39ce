import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import Logging
import ZunCore

/// The agent's small authenticated HTTP endpoint: the API proxies node-local calls (logs, and later exec,
/// top, stats, archives) here. Every request must carry this node's own key, which only the API replicas can
/// derive (docs/node-protocol.md, "Console, exec and log relay").
public enum NodeEndpoint {
    public static func application(
        agent: ComputeAgent, host: String, port: Int, key: String, logger: Logger
    ) -> some ApplicationProtocol {
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.add(middleware: TokenMiddleware(secret: key))
        let calls = agent.nodeLocalCalls
        /// Runs `body` for the container `{uuid}` of this host; a `ZunError` becomes the error answer.
        @Sendable func forContainer(
            _ context: BasicWebSocketRequestContext, _ body: (Container) async throws -> Response
        ) async throws -> Response {
            let uuid = try context.parameters.require("uuid")
            guard let container = try await agent.controlPlane.container(uuid: uuid)
            else { return errorResponse(ZunError.containerNotFound(uuid)) }
            do {
                return try await body(container)
            } catch let error as ZunError {
                return errorResponse(error)
            }
        }
        router.get(.init(NodeCallProtocol.path("{uuid}", "logs"))) { request, context in
            try await forContainer(context) { container in
                let query = request.uri.queryParameters
                let options = NodeCallProtocol.options { query[$0[...]].map(String.init) }
                return try jsonResponse(JSONValue.string(try await calls.logs(of: container, options: options)), status: .ok)
            }
        }
        router.get(.init(NodeCallProtocol.path("{uuid}", "top"))) { request, context in
            try await forContainer(context) { container in
                let psArgs = request.uri.queryParameters["ps_args"].map(String.init)
                return try jsonResponse(try await calls.top(of: container, psArgs: psArgs), status: .ok)
            }
        }
        router.get(.init(NodeCallProtocol.path("{uuid}", "stats"))) { _, context in
            try await forContainer(context) { container in try jsonResponse(try await calls.stats(of: container), status: .ok) }
        }
        router.post(.init(NodeCallProtocol.path("{uuid}", "execute"))) { request, context in
            try await forContainer(context) { container in
                let command = try await request.decode(as: [String].self, context: context)
                let result = try await calls.execute(in: container, command: command)
                return try jsonResponse(["output": JSONValue.string(result.output), "exit_code": result.exitCode.map(JSONValue.int) ?? .null], status: .ok)
            }
        }
        router.get(.init(NodeCallProtocol.path("{uuid}", "get_archive"))) { request, context in
            try await forContainer(context) { container in
                let path = request.uri.queryParameters["path"].map(String.init) ?? ""
                let (data, stat) = try await calls.getArchive(of: container, path: path)
                return try jsonResponse(["data": JSONValue.string(data), "stat": stat], status: .ok)
            }
        }
        router.post(.init(NodeCallProtocol.path("{uuid}", "put_archive"))) { request, context in
            try await forContainer(context) { container in
                let path = request.uri.queryParameters["path"].map(String.init) ?? ""
                let data = try await request.decode(as: String.self, context: context)
                try await calls.putArchive(into: container, path: path, base64: data)
                return try jsonResponse(JSONValue.null, status: .ok)
            }
        }
        router.post(.init(NodeCallProtocol.path("{uuid}", "commit"))) { request, context in
            try await forContainer(context) { container in
                let query = request.uri.queryParameters
                let id = try await calls.commit(
                    container, repository: query["repository"].map(String.init) ?? "", tag: query["tag"].map(String.init) ?? "latest"
                )
                return try jsonResponse(JSONValue.string(id), status: .ok)
            }
        }
        router.post(.init(NodeCallProtocol.path("{uuid}", "update"))) { request, context in
            try await forContainer(context) { container in
                let query = request.uri.queryParameters
                try await calls.update(
                    of: container, cpu: query["cpu"].flatMap { Double(String($0)) }, memoryMB: query["memory"].flatMap { Int(String($0)) }
                )
                return try jsonResponse(JSONValue.null, status: .ok)
            }
        }
        router.post(.init(NodeCallProtocol.path("{uuid}", "exec_create"))) { request, context in
            try await forContainer(context) { container in
                let command = try await request.decode(as: [String].self, context: context)
                return try jsonResponse(JSONValue.string(try await calls.createInteractiveExec(in: container, command: command)), status: .ok)
            }
        }
        router.post(.init(NodeCallProtocol.path("{uuid}", "exec_resize"))) { request, context in
            try await forContainer(context) { container in
                let query = request.uri.queryParameters
                try await calls.resizeExec(
                    of: container, execID: query["exec_id"].map(String.init) ?? "",
                    height: query["h"].flatMap { Int(String($0)) } ?? 0, width: query["w"].flatMap { Int(String($0)) } ?? 0
                )
                return try jsonResponse(JSONValue.null, status: .ok)
            }
        }
        router.post(.init(NodeCallProtocol.path("{uuid}", "resize"))) { request, context in
            try await forContainer(context) { container in
                let query = request.uri.queryParameters
                try await calls.resizeTTY(
                    of: container, height: query["h"].flatMap { Int(String($0)) } ?? 0, width: query["w"].flatMap { Int(String($0)) } ?? 0
                )
                return try jsonResponse(JSONValue.null, status: .ok)
            }
        }
        // The console: the API opens this websocket for an attach or interactive exec session it proxies.
        router.ws(.init(NodeCallProtocol.path("{uuid}", "console"))) { inbound, outbound, context in
            let uuid = context.requestContext.parameters.get("uuid") ?? ""
            let execID = context.request.uri.queryParameters["exec_id"].map(String.init)
            guard let container = try await agent.controlPlane.container(uuid: uuid) else {
                try await outbound.close(.unexpectedServerError, reason: "container \(uuid) is not on this host")
                return
            }
            try await ConsolePipe.run(input: inbound.messages(maxSize: 1 << 20), bytes: { message in
                if case .binary(let buffer) = message { return Array(buffer.readableBytesView) }
                return nil
            }) { input in
                try await calls.console(of: container, execID: execID, input: input) { output in
                    try await outbound.write(.binary(ByteBuffer(bytes: output)))
                }
            }
        }
        return Application(
            router: router, server: .http1WebSocketUpgrade(webSocketRouter: router), configuration: .init(address: .hostname(host, port: port), serverName: ZunService.computeBinary),
            logger: logger
        )
    }

    static func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status) throws -> Response {
        let data = try JSONEncoder().encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func errorResponse(_ error: ZunError) -> Response {
        let status = error.kind.httpStatus
        let body = NodeCallProtocol.ErrorBody(status: status, code: error.code, message: error.message)
        return (try? jsonResponse(body, status: HTTPResponse.Status(code: status))) ?? Response(status: .internalServerError)
    }

    struct TokenMiddleware: RouterMiddleware {
        typealias Context = BasicWebSocketRequestContext
        let secret: String

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            guard let token = request.headers[HTTPField.Name(NodeCallProtocol.tokenHeader)!],
                  NodeCallProtocol.tokensMatch(token, secret)
            else {
                return NodeEndpoint.errorResponse(ZunError(.unauthenticated, code: "not-authenticated", message: "Missing or wrong node token."))
            }
            return try await next(request, context)
        }
    }
}
