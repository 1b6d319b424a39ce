import Testing
import ZunCore

struct HostPathRedactionTests {
    @Test func removesHostPathsAndKeepsTheRest() {
        let redaction = HostPathRedaction(prefixes: HostPathRedaction.defaultPrefixes + ["/tmp/zun-test.x/docker/data"])
        let reason = #"error while creating mount source path '/tmp/zun-test.x/docker/data/volumes/v/_data': mkdir /var/lib/docker/overlay2/abc/merged: no space"#
        #expect(redaction.redact(reason) == "error while creating mount source path '<host path>': mkdir <host path>: no space")
        #expect(redaction.redact(#"exec: "nosuch": executable file not found in $PATH"#) == #"exec: "nosuch": executable file not found in $PATH"#)
        #expect(redaction.redact("/etc/my.cnf is not a directory") == "/etc/my.cnf is not a directory")
    }
}
