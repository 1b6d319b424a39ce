import Foundation
import HTTPTypes
import Testing
import ZunAPI
import ZunCore
import ZunTestSupport

/// Every error says what happened: a complete code, the request id, clear messages.
struct ErrorBodyTests {
    @Test func everyErrorHasACompleteCodeAndItsRequestID() async throws {
        try await APITestHarness.run { _, client in
            let cases: [(HTTPRequest.Method, String, String?, String?, String)] = [
                (.get, "/v1/nothing-here", "1.40", nil, "container.not-found"),
                (.get, "/v1/containers", "1.41", nil, "container.not-acceptable"),
                (.post, "/v1/containers", "1.40", "text/plain", "container.unsupported-media-type"),
                (.put, "/v1/containers/x", "1.40", nil, "container.method-not-allowed"),
                (.get, "/v1/containers/no-such-container", "1.40", nil, "container.container-not-found"),
            ]
            for (method, path, version, contentType, code) in cases {
                let reply = try await client.call(
                    method, path, version: version, json: contentType == nil ? nil : #"{"image": "busybox"}"#, contentType: contentType
                )
                #expect(reply.error["code"] as? String == code, "\(method) \(path)")
                let requestID = reply.headers[HTTPField.Name("X-OpenStack-Request-ID")!]
                #expect(requestID?.hasPrefix("req-") == true)
                #expect(reply.error["request_id"] as? String == requestID, "\(method) \(path)")
            }
        }
    }

    @Test func anUnexpectedFailureIs500WithACompleteCode() async throws {
        try await APITestHarness.run { harness, client in
            try await harness.store.close()  // every store call now fails
            let reply = try await client.call(.get, "/v1/containers")
            #expect(reply.status == .internalServerError)
            #expect(reply.error["code"] as? String == "container.internal-server-error")
            #expect(reply.errorDetail.contains("correlation id"))
        }
    }

    @Test func aMethodThePathDoesNotHaveIs405NamingTheOnesItHas() async throws {
        try await APITestHarness.run { _, client in
            let reply = try await client.call(.put, "/v1/containers/x")
            #expect(reply.status == .methodNotAllowed)
            #expect(reply.headers[.allow] == "DELETE, GET, PATCH")
            #expect(try await client.call(.delete, "/v1/containers/x/start").status == .methodNotAllowed)
            #expect(try await client.call(.get, "/v1/no/such/path").status == .notFound)
        }
    }

    @Test func fieldErrorsAreSentencesNamingTheFieldAndValue() async throws {
        try await APITestHarness.run { _, client in
            let reply = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "memory": "-5"}"#)
            #expect(reply.status == .badRequest)
            #expect(reply.errorDetail.hasPrefix("Invalid input for field 'memory'. Value: '-5'. "), "\(reply.errorDetail)")
        }
    }

    @Test func anImageDockerWouldRefuseIs400NamingTheField() async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1")
            let reply = try await client.call(.post, "/v1/containers", json: #"{"image": "Bad Image!!"}"#)
            #expect(reply.status == .badRequest)
            #expect(reply.error["code"] as? String == "container.schema-validation-error")
            #expect(reply.errorDetail.hasPrefix("Invalid input for field 'image'. Value: 'Bad Image!!'."), "\(reply.errorDetail)")
            #expect(try await harness.store.listContainers(.init()).isEmpty)
            #expect(try await client.call(.post, "/v1/containers", json: #"{"image": "127.0.0.1:5000/busybox:1"}"#).status == .accepted)
        }
    }

    @Test func anActionOutsideItsVersionsNamesTheActionAndItsRange() async throws {
        try await APITestHarness.run { _, client in
            let reply = try await client.call(.post, "/v1/containers/x/add_security_group?name=default", version: "1.40")
            #expect(reply.status == .notAcceptable)
            #expect(reply.errorDetail == "add_security_group is available in API versions 1.1 to 1.14; this request asked for 1.40.")
            let resize = try await client.call(.post, "/v1/containers/x/resize_container?memory=64", version: "1.18")
            #expect(resize.errorDetail == "resize_container is available from API version 1.19 on; this request asked for 1.18.")
        }
    }

    @Test func anUnknownSignalIsASchemaErrorNamingTheParameter() async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1")
            let created = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "kk"}"#)
            let uuid = try #require(created.object["uuid"] as? String, "\(created.json ?? "")")
            try await harness.store.updateContainer(uuid: uuid) { $0.status = .running; $0.containerID = "abc" }
            let reply = try await client.call(.post, "/v1/containers/kk/kill?signal=NOSUCHSIGNAL")
            #expect(reply.status == .badRequest)
            #expect(reply.error["code"] as? String == "container.schema-validation-error")
            #expect(reply.errorDetail.hasPrefix("Invalid input for query parameters 'signal'. Value: 'NOSUCHSIGNAL'."))
            #expect(try await client.call(.post, "/v1/containers/kk/kill?signal=sigterm").status == .accepted)
        }
    }
}
