import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOHTTP1
import ZunCore

/// The outermost middleware: gives each request an id and a caller identity, and turns every error into
/// Zun's `{"errors": [...]}` body, so no response escapes in another shape.
struct ZunErrorMiddleware: RouterMiddleware {
    typealias Context = ZunRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.requestID = "req-" + UUID().uuidString.lowercased()
        context.logger[metadataKey: LogKey.requestID] = "\(context.requestID)"
        context.identity = Self.identity(from: request.headers)
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = ZunErrorRenderer.render(error, logger: context.logger)
        }
        response.headers[.openStackRequestID] = context.requestID
        return response
    }

    /// noauth: identity from `X-User-Id` / `X-Project-Id` / `X-Roles`; none of them means the dev admin.
    static func identity(from headers: HTTPFields) -> Identity {
        let user = headers[.xUserID]
        let project = headers[.xProjectID]
        let roles = headers[.xRoles]
        if user == nil && project == nil && roles == nil { return .devAdmin }
        return Identity(
            userID: user ?? "", projectID: project ?? "",
            roles: (roles ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        )
    }
}

/// Renders any error as Zun's error body.
enum ZunErrorRenderer {
    struct Body: Encodable {
        var errors: [Item]
    }

    struct Item: Encodable {
        var request_id = ""
        var code: String
        var status: Int
        var title: String
        var detail: String
        var links: [String] = []
    }

    static func render(_ error: any Error, logger: Logger) -> Response {
        let item: Item
        var headers: HTTPFields = [:]
        switch error {
        case let error as ZunError where error.kind.httpStatus < 500:
            item = Item(
                code: error.code.isEmpty ? "container." : "container.\(error.code)", status: error.kind.httpStatus,
                title: error.title ?? error.message, detail: error.message
            )
            for (name, value) in error.headers {
                if let field = HTTPField.Name(name) { headers[field] = value }
            }
        case let error as ZunError where error.kind == .unavailable:
            item = Item(code: "container.\(error.code)", status: 503, title: error.message, detail: error.message)
        case let error as HTTPError where error.status.code < 500:
            let reason = error.status.reasonPhrase
            item = Item(code: "container.", status: Int(error.status.code), title: reason, detail: error.body ?? reason)
        case let error as any HTTPResponseError where error.status.code < 500:
            // The framework's own client errors (a body over the limit, say).
            let reason = error.status.reasonPhrase
            item = Item(code: "container.", status: Int(error.status.code), title: reason, detail: reason)
        case is HTTPParserError:
            // The decoder refused the body (a malformed chunk, say): the client's fault, and the connection
            // cannot be used again.
            item = Item(code: "container.", status: 400, title: "Bad Request", detail: "The request is malformed: \(error).")
            headers[.connection] = "close"
        default:
            let correlation = UUID().uuidString.lowercased()
            logger.error("request failed", metadata: [LogKey.error: "\(String(reflecting: error))", "correlation_id": "\(correlation)"])
            item = Item(
                code: "container.", status: 500, title: "Internal Server Error",
                detail: "An unexpected error occurred; see the service log for correlation id \(correlation)."
            )
        }
        let status = HTTPResponse.Status(code: item.status)
        return (try? JSONResponse.make(Body(errors: [item]), status: status, headers: headers)) ?? Response(status: status)
    }
}
