import HTTPTypes
import Testing
import ZunTestSupport

struct VersioningAndErrorsTests {
    @Test func rootDocumentListsV1WithVersionRange() async throws {
        try await APITestHarness.run { _, client in
            let reply = try await client.call(.get, "/", version: nil)
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType] == "application/json")
            let v1 = reply.object["default_version"] as? [String: Any]
            #expect(v1?["min_version"] as? String == "1.1")
            #expect(v1?["max_version"] as? String == "1.40")
            let doc = try await client.call(.get, "/v1", version: nil)
            #expect((doc.object["containers"] as? [[String: Any]])?.count == 2)
        }
    }

    @Test func everyV1ReplyCarriesVersionHeaders() async throws {
        try await APITestHarness.run { _, client in
            let reply = try await client.call(.get, "/v1/containers", version: "1.12")
            #expect(reply.headers[HTTPField.Name("OpenStack-API-Version")!] == "container 1.12")
            #expect(reply.headers[HTTPField.Name("OpenStack-API-Minimum-Version")!] == "container 1.1")
            #expect(reply.headers[HTTPField.Name("OpenStack-API-Maximum-Version")!] == "container 1.40")
            #expect(reply.headers[.vary] == "OpenStack-API-Version")
            #expect(reply.headers[HTTPField.Name("X-OpenStack-Request-ID")!]?.hasPrefix("req-") == true)
            let noHeader = try await client.call(.get, "/v1/containers", version: nil)
            #expect(noHeader.headers[HTTPField.Name("OpenStack-API-Version")!] == "container 1.1")
        }
    }

    @Test func unsupportedVersionIs406InZunsBody() async throws {
        try await APITestHarness.run { _, client in
            let reply = try await client.call(.get, "/v1/containers", version: "1.41")
            #expect(reply.status == .notAcceptable)
            #expect(reply.error["code"] as? String == "container.not-acceptable")
            #expect(reply.error["title"] as? String == "Requested microversion is unsupported")
            #expect(reply.error["status"] as? Int == 406)
            #expect(reply.headers[HTTPField.Name("OpenStack-API-Maximum-Version")!] == "container 1.40")
            let malformed = try await client.call(.get, "/v1/containers", version: "banana")
            #expect(malformed.status == .notAcceptable)
        }
    }

    @Test func unknownURLIs404InZunsBody() async throws {
        try await APITestHarness.run { _, client in
            let reply = try await client.call(.get, "/v1/nothing-here")
            #expect(reply.status == .notFound)
            #expect(reply.error["code"] as? String == "container.not-found")
            #expect(reply.headers[.contentType] == "application/json")
        }
    }

    @Test func hostsNeedVersion14AndAdmin() async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1")
            #expect(try await client.call(.get, "/v1/hosts", version: "1.3").status == .notAcceptable)
            let forbidden = try await client.call(.get, "/v1/hosts", identity: member)
            #expect(forbidden.status == .forbidden)
            #expect(forbidden.error["code"] as? String == "container.policy-not-authorized")
            let list = try await client.call(.get, "/v1/hosts")
            let hosts = list.object["hosts"] as? [[String: Any]]
            #expect(hosts?.first?["hostname"] as? String == "node-1")
            #expect(hosts?.first?["cpus"] as? Int == 4)
            let uuid = hosts?.first?["uuid"] as? String ?? ""
            #expect(try await client.call(.get, "/v1/hosts/\(uuid)").object["hostname"] as? String == "node-1")
            #expect(try await client.call(.get, "/v1/hosts/node-1").status == .ok)
            let missing = try await client.call(.get, "/v1/hosts/nope")
            #expect(missing.status == .notFound)
            #expect(missing.error["code"] as? String == "container.compute-node-not-found")
        }
    }
}
