import Testing
import ZunCore

struct APIVersionNegotiationTests {
    @Test func missingHeaderMeansMinimumVersion() throws {
        #expect(try APIVersionNegotiation.negotiate(header: nil) == APIVersion(1, 1))
    }

    @Test func latestMeansMaximumVersion() throws {
        #expect(try APIVersionNegotiation.negotiate(header: "container latest") == APIVersion(1, 40))
    }

    @Test(arguments: ["container 1.1", "container 1.20", "container 1.40", "Container 1.9"])
    func acceptsVersionsInRange(_ header: String) throws {
        let version = try APIVersionNegotiation.negotiate(header: header)
        #expect(version >= .minimum && version <= .maximum)
    }

    @Test(arguments: [
        ("container 1.41", "Requested microversion is unsupported"),
        ("container 1.0", "Requested microversion is unsupported"),
        ("container 2.0", "Requested microversion is unsupported"),
        ("compute 1.2", "Not Acceptable"),
        ("container", "Not Acceptable"),
        ("container 1.x", "Not Acceptable"),
        ("container 1.2 extra", "Not Acceptable"),
    ])
    func rejectsWith406(_ header: String, _ title: String) {
        #expect {
            try APIVersionNegotiation.negotiate(header: header)
        } throws: { error in
            let error = error as? ZunError
            return error?.kind.httpStatus == 406 && error?.title == title
        }
    }

    @Test func rangeErrorsCarryVersionHeaders() {
        do {
            _ = try APIVersionNegotiation.negotiate(header: "container 1.99")
            Issue.record("expected a 406")
        } catch let error as ZunError {
            #expect(error.headers["OpenStack-API-Maximum-Version"] == "container 1.40")
            #expect(error.headers["OpenStack-API-Minimum-Version"] == "container 1.1")
            #expect(error.headers["OpenStack-API-Version"] == "container 1.99")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func versionsCompareNumerically() {
        #expect(APIVersion(1, 9) < APIVersion(1, 10))
        #expect(APIVersion(string: "1.10") == APIVersion(1, 10))
        #expect(APIVersion(string: "1.") == nil)
    }
}
