import Testing
import ZunCore

struct ImageReferenceTests {
    @Test func splitsRegistryRepositoryAndTag() {
        let ref = ImageReference(parsing: "127.0.0.1:5000/busybox:1")
        #expect(ref.repository == "127.0.0.1:5000/busybox")
        #expect(ref.tag == "1")
    }

    @Test func aPortIsNotATag() {
        let ref = ImageReference(parsing: "127.0.0.1:5000/busybox")
        #expect(ref.repository == "127.0.0.1:5000/busybox")
        #expect(ref.tag == nil)
        #expect(ref.effectiveTag == "latest")
    }

    @Test func keepsDigests() {
        let ref = ImageReference(parsing: "busybox@sha256:abc")
        #expect(ref.repository == "busybox")
        #expect(ref.digest == "sha256:abc")
    }

    @Test(arguments: [
        (nil, "busybox", ImagePullPolicy.always),
        (nil, "busybox:latest", .always),
        (nil, "busybox:1.35", .ifNotPresent),
        ("Never", "busybox", .never),
        ("ALWAYS", "busybox:1", .always),
        ("ifnotpresent", "busybox", .ifNotPresent),
        ("IfNotPresent", "busybox:latest", .ifNotPresent),
    ] as [(String?, String, ImagePullPolicy)])
    func pullPolicyFollowsRequestThenTag(_ requested: String?, _ image: String, _ expected: ImagePullPolicy) {
        #expect(ImagePullPolicy.effective(requested: requested, image: ImageReference(parsing: image)) == expected)
    }
}
