import AsyncHTTPClient
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import ZunTestSupport

/// The tests' client for API processes: a connection per concurrent call (`HTTPClient.shared` keeps 8 per host
/// and queues the rest, so a test of more than 8 calls at once would test the client instead).
let liveAPIClient: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 512)
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}()

/// One HTTP call to an API process listening on 127.0.0.1, at microversion 1.40, as `identity` (the noauth
/// headers; nil is the dev admin).
func liveAPICall(
    _ base: String, _ method: HTTPMethod, _ path: String, json: String? = nil,
    identity: (user: String, project: String, roles: String)? = nil, token: String? = nil, headers extra: [(String, String)] = [],
    timeout: Duration = .seconds(30)
) async throws -> Reply {
    var request = HTTPClientRequest(url: base + path)
    request.method = method
    request.headers.add(name: "OpenStack-API-Version", value: "container 1.40")
    if let identity {
        request.headers.add(name: "X-User-Id", value: identity.user)
        request.headers.add(name: "X-Project-Id", value: identity.project)
        request.headers.add(name: "X-Roles", value: identity.roles)
    }
    if let token { request.headers.add(name: "X-Auth-Token", value: token) }
    for (name, value) in extra { request.headers.add(name: name, value: value) }
    if let json {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
    }
    let response = try await liveAPIClient.execute(request, timeout: .init(timeout))
    let body = try await response.body.collect(upTo: 64 << 20)
    let data = Data(body.readableBytesView)
    let parsed = data.isEmpty ? nil : try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    var headers = HTTPFields()
    for header in response.headers {
        if let name = HTTPField.Name(header.name) { headers.append(HTTPField(name: name, value: header.value)) }
    }
    return Reply(status: .init(code: Int(response.status.code)), headers: headers, json: parsed)
}
