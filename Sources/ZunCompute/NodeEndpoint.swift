import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ZunCore

/// The agent's small authenticated HTTP endpoint: the API proxies node-local calls (logs, and later exec,
/// top, stats, archives) here. Every request must carry the cluster's shared secret.
public enum NodeEndpoint {
    public static func application(
        agent: ComputeAgent, host: String, port: Int, secret: String, logger: Logger
    ) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: TokenMiddleware(secret: secret))
        let calls = agent.nodeLocalCalls
        router.get("/node/v1/containers/{uuid}/logs") { request, context -> Response in
            let uuid = try context.parameters.require("uuid")
            guard let container = try await agent.store.container(uuid: uuid),
                  container.host == agent.configuration.hostName
            else { return errorResponse(ZunError.containerNotFound(uuid)) }
            let query = request.uri.queryParameters
            let options = NodeCallProtocol.options { query[$0[...]].map(String.init) }
            do {
                let text = try await calls.logs(of: container, options: options)
                return try jsonResponse(["logs": text], status: .ok)
            } catch let error as ZunError {
                return errorResponse(error)
            }
        }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "zun-compute"),
            logger: logger
        )
    }

    static func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status) throws -> Response {
        let data = try JSONEncoder().encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func errorResponse(_ error: ZunError) -> Response {
        let body = NodeCallProtocol.ErrorBody(status: error.status, code: error.code, message: error.message)
        return (try? jsonResponse(body, status: HTTPResponse.Status(code: error.status))) ?? Response(status: .internalServerError)
    }

    struct TokenMiddleware: RouterMiddleware {
        typealias Context = BasicRequestContext
        let secret: String

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            guard let token = request.headers[HTTPField.Name(NodeCallProtocol.tokenHeader)!],
                  NodeCallProtocol.tokensMatch(token, secret)
            else {
                return NodeEndpoint.errorResponse(ZunError(status: 401, code: "not-authenticated", message: "Missing or wrong node token."))
            }
            return try await next(request, context)
        }
    }
}
