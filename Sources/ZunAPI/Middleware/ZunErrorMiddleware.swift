import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOHTTP1
import ZunCore

/// The outermost middleware: gives each request an id, and turns every error into
/// Zun's `{"errors": [...]}` body, so no response escapes in another shape.
struct ZunErrorMiddleware: RouterMiddleware {
    typealias Context = ZunRequestContext
    /// The routes of the router, to tell a path that exists for other methods (405) from one that does not.
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.requestID = "req-" + RandomUUID.make()
        context.logger[metadataKey: LogKey.requestID] = "\(context.requestID)"
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            // No route took the request (handlers throw `ZunError`s): a path that exists for other methods is
            // a 405 naming them.
            let allowed = routes.methods(forPath: request.uri.path)
            if allowed.isEmpty {
                response = ZunErrorRenderer.render(error, requestID: context.requestID, logger: context.logger)
            } else {
                response = ZunErrorRenderer.render(
                    HTTPError(.methodNotAllowed, message: "The method \(request.method) is not allowed on this path; use \(allowed.joined(separator: ", ")).")
                    , requestID: context.requestID, logger: context.logger
                )
                response.headers[.allow] = allowed.joined(separator: ", ")
            }
        } catch {
            response = ZunErrorRenderer.render(error, requestID: context.requestID, logger: context.logger)
        }
        response.headers[.openStackRequestID] = context.requestID
        return response
    }
}

/// Renders any error as Zun's error body.
enum ZunErrorRenderer {
    struct Body: Encodable {
        var errors: [Item]
    }

    struct Item: Encodable {
        var request_id: String
        var code: String
        var status: Int
        var title: String
        var detail: String
        var links: [String] = []
    }

    /// Zun's `container.<kebab-case error>` code: the error's own, else the kebab case of the HTTP reason
    /// (`Not Found` → `container.not-found`).
    static func code(_ own: String, status: HTTPResponse.Status) -> String {
        let reason = status.reasonPhrase.isEmpty ? HTTPResponseStatus(statusCode: status.code).reasonPhrase : status.reasonPhrase
        let name = own.isEmpty ? reason.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: "-") : own
        return "container.\(name)"
    }

    static func render(_ error: any Error, requestID: String, logger: Logger) -> Response {
        var item: Item
        var headers: HTTPFields = [:]
        switch error {
        case let error as ZunError where error.kind.httpStatus < 500 || error.kind == .unavailable:
            let status = HTTPResponse.Status(code: error.kind.httpStatus)
            item = Item(
                request_id: requestID, code: code(error.code, status: status), status: status.code,
                title: error.title ?? error.message, detail: error.message
            )
            for (name, value) in error.headers {
                if let field = HTTPField.Name(name) { headers[field] = value }
            }
        case let error as HTTPError where error.status.code < 500:
            let reason = error.status.reasonPhrase
            item = Item(request_id: requestID, code: code("", status: error.status), status: error.status.code, title: reason, detail: error.body ?? reason)
        case let error as any HTTPResponseError where error.status.code < 500:
            // The framework's own client errors (a body over the limit, say).
            let reason = error.status.reasonPhrase
            item = Item(request_id: requestID, code: code("", status: error.status), status: error.status.code, title: reason, detail: reason)
        case is HTTPParserError:
            // The decoder refused the body (a malformed chunk, say): the client's fault, and the connection
            // cannot be used again.
            item = Item(
                request_id: requestID, code: code("", status: .badRequest), status: 400, title: "Bad Request",
                detail: "The request is malformed: \(error)."
            )
            headers[.connection] = "close"
        default:
            let correlation = RandomUUID.make()
            logger.error("request failed", metadata: [LogKey.error: "\(String(reflecting: error))", "correlation_id": "\(correlation)"])
            item = Item(
                request_id: requestID, code: code("", status: .internalServerError), status: 500, title: "Internal Server Error",
                detail: "An unexpected error occurred; see the service log for correlation id \(correlation)."
            )
        }
        let status = HTTPResponse.Status(code: item.status)
        return (try? JSONResponse.make(Body(errors: [item]), status: status, headers: headers)) ?? Response(status: status)
    }
}

/// The method and path of every route, filled once the router is built.
final class RouteTable: Sendable {
    private let routes = NIOLockedValueBox<[(segments: [String], method: String)]>([])

    func load(_ descriptions: [(path: String, method: String)]) {
        routes.withLockedValue { table in
            table = descriptions.map { (Self.segments($0.path), $0.method) }
        }
    }

    /// The methods of the routes whose path matches `path` (`{name}` matching any one segment).
    func methods(forPath path: String) -> [String] {
        let wanted = Self.segments(path)
        let methods = routes.withLockedValue { table in
            table.filter { route in
                route.segments.count == wanted.count
                    && zip(route.segments, wanted).allSatisfy { pattern, segment in
                        (pattern.hasPrefix("{") && pattern.hasSuffix("}")) || pattern == segment
                    }
            }.map(\.method)
        }
        return Array(Set(methods)).sorted()
    }

    private static func segments(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }
}
