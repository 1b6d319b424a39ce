import Hummingbird
import ZunCore

/// Reading a JSON object body (POST of networks and volumes): `Content-Type: application/json` required,
/// as Zun requires it on its create calls.
enum JSONBody {
    static func object(_ request: Request, _ context: ZunRequestContext) async throws -> [String: JSONValue] {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
            throw ZunError(.unsupportedMediaType, code: "", message: "The server does not support the media type of the request; use application/json.", title: "Unsupported Media Type")
        }
        let buffer = try await request.collectBody(upTo: RequestBodyLimits.json)
        guard let body = try? JSONResponse.decoder.decode(JSONValue.self, from: buffer), case .object(let object) = body else {
            throw ZunError.schemaValidation("The request body must be a JSON object.")
        }
        return object
    }
}
