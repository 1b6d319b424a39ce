import Foundation
import HTTPTypes
import Hummingbird
import ZunCore

/// Builds JSON responses; every JSON reply carries `Content-Type: application/json`.
enum JSONResponse {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        let data = try encoder.encode(value)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A JSON value written by `JSONValue.serializedJSON()` (the views are `JSONValue`s; the generic
    /// `Codable` path above costs several times more).
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: value.serializedJSON())))
    }

    /// An empty reply (202/204).
    static func empty(_ status: HTTPResponse.Status) -> Response {
        Response(status: status)
    }
}

extension HTTPField.Name {
    static let openStackAPIVersion = HTTPField.Name(APIVersionNegotiation.headerName)!
    static let openStackRequestID = HTTPField.Name("X-OpenStack-Request-ID")!
    static let xUserID = HTTPField.Name("X-User-Id")!
    static let xProjectID = HTTPField.Name("X-Project-Id")!
    static let xRoles = HTTPField.Name("X-Roles")!
}

extension Request {
    /// `http://<Host>` of the request, for links and `Location`.
    var hostURL: String {
        let host = head.authority ?? "127.0.0.1:9517"
        return "http://\(host)"
    }
}
