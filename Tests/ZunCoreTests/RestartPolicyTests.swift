import Testing
import ZunCore

struct RestartPolicyTests {
    @Test func countDefaultsToZero() throws {
        #expect(try RestartPolicy.normalized(name: "on-failure", maximumRetryCount: nil).maximumRetryCount == "0")
    }

    @Test func onFailureKeepsItsCount() throws {
        #expect(try RestartPolicy.normalized(name: "on-failure", maximumRetryCount: "5").maximumRetryCount == "5")
    }

    @Test func noForcesCountToZero() throws {
        #expect(try RestartPolicy.normalized(name: "no", maximumRetryCount: "3").maximumRetryCount == "0")
    }

    @Test(arguments: ["always", "unless-stopped"])
    func rejectsACountWithAlwaysPolicies(_ name: String) {
        #expect(throws: ZunError.self) { try RestartPolicy.normalized(name: name, maximumRetryCount: "2") }
        #expect((try? RestartPolicy.normalized(name: name, maximumRetryCount: "0")) != nil)
    }
}
