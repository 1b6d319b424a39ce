import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore

/// A decoded API reply.
public struct Reply {
    public var status: HTTPResponse.Status
    public var headers: HTTPFields
    public var json: Any?

    public var object: [String: Any] { json as? [String: Any] ?? [:] }
    /// `errors[0]` of Zun's error body.
    public var error: [String: Any] { (object["errors"] as? [[String: Any]])?.first ?? [:] }
    public var errorDetail: String { error["detail"] as? String ?? "" }

    public init(status: HTTPResponse.Status, headers: HTTPFields, json: Any?) {
        self.status = status
        self.headers = headers
        self.json = json
    }
}

extension TestClientProtocol {

    /// Sends a request with a microversion and (optionally) a caller identity.
    public func call(
        _ method: HTTPRequest.Method, _ uri: String, version: String? = "1.40", json: String? = nil,
        identity: (user: String, project: String, roles: String)? = nil, token: String? = nil,
        contentType: String? = "application/json"
    ) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let token { headers[HTTPField.Name("X-Auth-Token")!] = token }
        if let version { headers[HTTPField.Name("OpenStack-API-Version")!] = "container \(version)" }
        if let identity {
            headers[HTTPField.Name("X-User-Id")!] = identity.user
            headers[HTTPField.Name("X-Project-Id")!] = identity.project
            headers[HTTPField.Name("X-Roles")!] = identity.roles
        }
        if json != nil, let contentType { headers[.contentType] = contentType }
        let response = try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
        let data = Data(response.body.readableBytesView)
        let parsed = data.isEmpty ? nil : try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        return Reply(status: response.status, headers: response.headers, json: parsed)
    }
}

