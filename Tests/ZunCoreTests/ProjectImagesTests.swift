import Testing
import ZunCore

struct ProjectImagesTests {
    @Test func keystoneStyleIdsAreUsedVerbatimAndOthersHexEncoded() {
        #expect(ProjectImages.namespace(of: "0f1e2d3c4b5a69788796a5b4c3d2e1f0") == "zun-0f1e2d3c4b5a69788796a5b4c3d2e1f0")
        #expect(ProjectImages.namespace(of: "p1") == "zun-p1")
        #expect(ProjectImages.namespace(of: "P1") == "zun-x-5031")
        #expect(ProjectImages.namespace(of: "a-b") == "zun-x-612d62")
        // A verbatim id never looks like an encoded one.
        #expect(ProjectImages.namespace(of: "x") == "zun-x")
        #expect(ProjectImages.namespace(of: "x-") != ProjectImages.namespace(of: "x"))
        #expect(ProjectImages.isValidRepository(ProjectImages.namespace(of: "Ünïcode Project") + "/img"))
    }

    @Test func commitsLandInTheProjectsNamespace() {
        #expect(ProjectImages.committedRepository("busybox", projectID: "p2") == "zun-p2/busybox")
        #expect(ProjectImages.committedRepository("library/busybox", projectID: "p2") == "zun-p2/library/busybox")
        #expect(ProjectImages.committedRepository("zun-p2/app", projectID: "p2") == "zun-p2/app")
        #expect(ProjectImages.committedRepository("zun-p1/app", projectID: "p2") == "zun-p2/zun-p1/app")
    }

    @Test func onlyTheOwningProjectMayRunANamespacedImage() {
        #expect(ProjectImages.mayRun("busybox:1.35", projectID: "p1"))
        #expect(ProjectImages.mayRun("127.0.0.1:5000/zun-p2/app:1", projectID: "p1"))
        #expect(ProjectImages.mayRun("zun-p1/app:1", projectID: "p1"))
        #expect(!ProjectImages.mayRun("zun-p2/app:1", projectID: "p1"))
        #expect(!ProjectImages.mayRun("zun-p2/app@sha256:abc", projectID: "p1"))
    }

    @Test(arguments: ["busybox", "library/busybox", "a.b_c__d---e", "127.0.0.1:5000/x", "localhost/x", "registry.example.com/a/b"])
    func acceptsDockerRepositories(_ repository: String) {
        #expect(ProjectImages.isValidRepository(repository))
    }

    @Test(arguments: ["UPPER", "a:b:c", "../../x", "a//b", "-a", "a-", "a___b", "", "a b", "a\u{0}", String(repeating: "a", count: 256), "é"])
    func refusesWhatDockerRefuses(_ repository: String) {
        #expect(!ProjectImages.isValidRepository(repository))
    }

    @Test func tagsFollowDockersGrammar() {
        #expect(ProjectImages.isValidTag("latest"))
        #expect(ProjectImages.isValidTag("v1.2-rc_3"))
        #expect(!ProjectImages.isValidTag("with space"))
        #expect(!ProjectImages.isValidTag(".hidden"))
        #expect(!ProjectImages.isValidTag(String(repeating: "t", count: 129)))
    }
}

struct DockerReferenceTests {
    @Test(arguments: [
        "busybox", "busybox:1.35", "library/busybox:latest", "127.0.0.1:5000/busybox:1", "registry.example.com/a/b-c__d.e:v1_2",
        "busybox@sha256:" + String(repeating: "a", count: 64), "localhost/x:y", "zun-p1/commit:latest",
    ])
    func dockerAcceptsThese(_ reference: String) {
        #expect(ProjectImages.isValidReference(reference))
    }

    @Test(arguments: [
        "Bad Image!!", "Busybox", "busybox:", "busybox::1", "busybox:-1", "/busybox", "busybox/", "a//b", "busybox@sha256:abc",
        "busybox:" + String(repeating: "t", count: 129), "bad_-name", "example.com:99999/x",
    ])
    func dockerRefusesThese(_ reference: String) {
        #expect(!ProjectImages.isValidReference(reference))
    }
}
