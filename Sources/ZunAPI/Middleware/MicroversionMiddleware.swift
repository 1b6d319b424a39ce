import HTTPTypes
import Hummingbird
import ZunCore

/// Negotiates `OpenStack-API-Version` for /v1 requests and puts the version headers on every answer,
/// errors included (docs/zun-compatibility.md, "API versions").
struct MicroversionMiddleware: RouterMiddleware {
    typealias Context = ZunRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.apiVersion = try APIVersionNegotiation.negotiate(header: request.headers[.openStackAPIVersion])
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = ZunErrorRenderer.render(error, requestID: context.requestID, logger: context.logger)
        }
        for (name, value) in APIVersionNegotiation.responseHeaders(for: context.apiVersion) {
            if let field = HTTPField.Name(name) { response.headers[field] = value }
        }
        return response
    }
}
