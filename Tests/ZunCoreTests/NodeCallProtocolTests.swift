import Testing
import ZunCore

struct NodeCallProtocolTests {
    @Test func emptyOrShortSecretsMatchNothing() {
        #expect(!NodeCallProtocol.tokensMatch("", ""))
        #expect(!NodeCallProtocol.tokensMatch("short", "short"))
        let secret = "a-long-enough-node-secret"
        #expect(NodeCallProtocol.tokensMatch(secret, secret))
        #expect(!NodeCallProtocol.tokensMatch("", secret))
        #expect(!NodeCallProtocol.tokensMatch(secret + "x", secret))
    }
}
