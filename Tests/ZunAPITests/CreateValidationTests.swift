import Foundation
import Testing
import ZunTestSupport

/// The create schema (docs/zun-compatibility.md, "Create"), property by property: a valid and an invalid value each.
struct CreateValidationTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var version: String
        var body: String
        /// nil = accepted (202); otherwise the error code and a fragment of the detail.
        var code: String?
        var detail: String = ""
        var testDescription: String { "\(version) \(body)" }
    }

    static let accepted: [Case] = [
        Case(version: "1.40", body: #"{"image": "busybox:1.35"}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "name": "web-1.a_b"}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "name": null}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "command": ["sh", "-c", "true"]}"#),
        Case(version: "1.19", body: #"{"image": "busybox", "command": "sh -c 'echo hi'"}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "entrypoint": ["/bin/sh"]}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "cpu": 0.5}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "cpu": "2.5"}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "memory": 128}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "memory": "128"}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "cpu_policy": "shared"}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "workdir": "/tmp"}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "labels": {"a": "b"}}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "environment": {"A": "1"}}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "restart_policy": {"Name": "on-failure", "MaximumRetryCount": "3"}}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "restart_policy": {"Name": "always"}}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "interactive": "true", "tty": false}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "image_pull_policy": "IfNotPresent"}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "image_driver": "docker"}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "security_groups": ["default", "default"]}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "runtime": "runc"}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "hostname": "my-host"}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "auto_remove": true}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "auto_heal": "False"}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "healthcheck": {"cmd": "true", "interval": 1, "retries": 2, "timeout": 3}}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "exposed_ports": {"80": {}, "53/udp": {}}}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "availability_zone": "nova"}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "hints": {"label:a": "b"}}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "mounts": []}"#),
        Case(version: "1.40", body: #"{"image": "busybox", "disk": null}"#),
    ]

    static let rejected: [Case] = [
        Case(version: "1.40", body: #"{}"#, code: "schema-validation-error", detail: "'image' is a required property"),
        Case(version: "1.40", body: #"[1]"#, code: "schema-validation-error", detail: "is not of type 'object'"),
        Case(version: "1.40", body: #"{"image": "busybox", "bogus": 1}"#, code: "schema-validation-error", detail: "Additional properties are not allowed ('bogus' was unexpected)"),
        Case(version: "1.40", body: #"{"image": "b"}"#, code: "schema-validation-error", detail: "'image'"),
        Case(version: "1.40", body: #"{"image": "!!"}"#, code: "schema-validation-error", detail: "does not match"),
        Case(version: "1.40", body: #"{"image": 5}"#, code: "schema-validation-error", detail: "is not of type 'string'"),
        Case(version: "1.40", body: #"{"image": "busybox", "name": "-bad"}"#, code: "schema-validation-error", detail: "field 'name'"),
        Case(version: "1.40", body: #"{"image": "busybox", "name": "a"}"#, code: "schema-validation-error", detail: "is too short"),
        Case(version: "1.40", body: #"{"image": "busybox", "command": "sh"}"#, code: "schema-validation-error", detail: "field 'command'"),
        Case(version: "1.19", body: #"{"image": "busybox", "command": ["sh"]}"#, code: "schema-validation-error", detail: "field 'command'"),
        Case(version: "1.19", body: #"{"image": "busybox", "command": "sh -c 'oops"}"#, code: "invalid-value", detail: "No closing quotation"),
        Case(version: "1.39", body: #"{"image": "busybox", "entrypoint": ["sh"]}"#, code: "schema-validation-error", detail: "'entrypoint' was unexpected"),
        Case(version: "1.40", body: #"{"image": "busybox", "cpu": 20}"#, code: "schema-validation-error", detail: "20 is greater than the maximum of 16.0"),
        Case(version: "1.40", body: #"{"image": "busybox", "cpu": 0.01}"#, code: "schema-validation-error", detail: "less than the minimum of 0.1"),
        Case(version: "1.40", body: #"{"image": "busybox", "cpu": "abc"}"#, code: "schema-validation-error", detail: "field 'cpu'"),
        Case(version: "1.40", body: #"{"image": "busybox", "cpu": true}"#, code: "schema-validation-error", detail: "field 'cpu'"),
        Case(version: "1.40", body: #"{"image": "busybox", "memory": 2}"#, code: "schema-validation-error", detail: "less than the minimum of 4"),
        Case(version: "1.40", body: #"{"image": "busybox", "memory": "1g"}"#, code: "schema-validation-error", detail: "does not match '^[0-9]+$'"),
        Case(version: "1.40", body: #"{"image": "busybox", "memory": 9000}"#, code: "schema-validation-error", detail: "greater than the maximum of 8192"),
        Case(version: "1.40", body: #"{"image": "busybox", "disk": 500}"#, code: "schema-validation-error", detail: "field 'disk'"),
        Case(version: "1.40", body: #"{"image": "busybox", "cpu_policy": "fast"}"#, code: "schema-validation-error", detail: "is not one of"),
        Case(version: "1.40", body: #"{"image": "busybox", "workdir": 3}"#, code: "schema-validation-error", detail: "field 'workdir'"),
        Case(version: "1.40", body: #"{"image": "busybox", "labels": ["a"]}"#, code: "schema-validation-error", detail: "field 'labels'"),
        Case(version: "1.40", body: #"{"image": "busybox", "environment": {"A": 1}}"#, code: "schema-validation-error", detail: "field 'environment'"),
        Case(version: "1.40", body: #"{"image": "busybox", "restart_policy": {"Name": "sometimes"}}"#, code: "schema-validation-error", detail: "field 'restart_policy'"),
        Case(version: "1.40", body: #"{"image": "busybox", "restart_policy": {"MaximumRetryCount": "1"}}"#, code: "schema-validation-error", detail: "'Name' is a required property"),
        Case(version: "1.40", body: #"{"image": "busybox", "restart_policy": {"Name": "always", "MaximumRetryCount": "2"}}"#, code: "invalid-value", detail: "maximum retry count not valid with restart policy of always"),
        Case(version: "1.40", body: #"{"image": "busybox", "restart_policy": {"Name": "no", "Extra": 1}}"#, code: "schema-validation-error", detail: "'Extra' was unexpected"),
        Case(version: "1.40", body: #"{"image": "busybox", "interactive": "maybe"}"#, code: "schema-validation-error", detail: "field 'interactive'"),
        Case(version: "1.40", body: #"{"image": "busybox", "tty": 1}"#, code: "schema-validation-error", detail: "field 'tty'"),
        Case(version: "1.40", body: #"{"image": "busybox", "image_pull_policy": "sometimes"}"#, code: "schema-validation-error", detail: "field 'image_pull_policy'"),
        Case(version: "1.40", body: #"{"image": "busybox", "image_driver": "rkt"}"#, code: "schema-validation-error", detail: "field 'image_driver'"),
        Case(version: "1.40", body: #"{"image": "busybox", "security_groups": "default"}"#, code: "schema-validation-error", detail: "field 'security_groups'"),
        Case(version: "1.40", body: #"{"image": "busybox", "security_groups": ["sg"], "exposed_ports": {"80": {}}}"#, code: "invalid-value", detail: "security_groups"),
        Case(version: "1.40", body: #"{"image": "busybox", "nets": [{"network": "a", "port": "b"}]}"#, code: "schema-validation-error", detail: "field 'nets'"),
        Case(version: "1.40", body: #"{"image": "busybox", "nets": [{"subnet": "a"}]}"#, code: "schema-validation-error", detail: "'subnet' was unexpected"),
        Case(version: "1.40", body: #"{"image": "busybox", "runtime": 5}"#, code: "schema-validation-error", detail: "field 'runtime'"),
        Case(version: "1.4", body: #"{"image": "busybox", "runtime": "runc"}"#, code: "invalid-param-in-version", detail: "runtime"),
        Case(version: "1.40", body: #"{"image": "busybox", "hostname": null}"#, code: "schema-validation-error", detail: "field 'hostname'"),
        Case(version: "1.40", body: #"{"image": "busybox", "hostname": "a b"}"#, code: "schema-validation-error", detail: "does not match"),
        Case(version: "1.8", body: #"{"image": "busybox", "hostname": "h"}"#, code: "invalid-param-in-version", detail: "hostname"),
        Case(version: "1.40", body: #"{"image": "busybox", "auto_remove": "true"}"#, code: "schema-validation-error", detail: "field 'auto_remove'"),
        Case(version: "1.2", body: #"{"image": "busybox", "auto_remove": true}"#, code: "invalid-param-in-version", detail: "auto_remove"),
        Case(version: "1.40", body: #"{"image": "busybox", "auto_heal": "yes"}"#, code: "schema-validation-error", detail: "field 'auto_heal'"),
        Case(version: "1.20", body: #"{"image": "busybox", "privileged": true}"#, code: "invalid-param-in-version", detail: "privileged"),
        Case(version: "1.21", body: #"{"image": "busybox", "healthcheck": {"cmd": "true"}}"#, code: "invalid-param-in-version", detail: "healthcheck"),
        Case(version: "1.40", body: #"{"image": "busybox", "healthcheck": {"interval": "soon"}}"#, code: "schema-validation-error", detail: "field 'healthcheck.interval'"),
        Case(version: "1.10", body: #"{"image": "busybox", "mounts": [{"source": "v", "destination": "/d"}]}"#, code: "invalid-param-in-version", detail: "mounts"),
        Case(version: "1.23", body: #"{"image": "busybox", "exposed_ports": {"80": {}}}"#, code: "invalid-param-in-version", detail: "exposed_ports"),
        Case(version: "1.40", body: #"{"image": "busybox", "exposed_ports": {"http": {}}}"#, code: "invalid-value", detail: "Invalid input for field 'exposed_ports'"),
        Case(version: "1.40", body: #"{"image": "busybox", "exposed_ports": {"80/sctp": {}}}"#, code: "invalid-value", detail: "invalid protocol"),
        Case(version: "1.40", body: #"{"image": "busybox", "availability_zone": ""}"#, code: "schema-validation-error", detail: "field 'availability_zone'"),
        Case(version: "1.40", body: #"{"image": "busybox", "hints": "x"}"#, code: "schema-validation-error", detail: "field 'hints'"),
        Case(version: "1.30", body: #"{"image": "busybox", "registry": "myreg"}"#, code: "invalid-param-in-version", detail: "registry"),
        Case(version: "1.38", body: #"{"image": "busybox", "host": "node-1"}"#, code: "schema-validation-error", detail: "'host' was unexpected"),
        Case(version: "1.40", body: #"{"image": "busybox", "host": "bad host"}"#, code: "schema-validation-error", detail: "field 'host'"),
        Case(version: "1.40", body: #"{"image": "busybox""#, code: "schema-validation-error", detail: "not valid JSON"),
        // Numbers that would overflow the agent's arithmetic (nanoseconds, bytes) are refused at the API.
        Case(version: "1.40", body: #"{"image": "busybox", "healthcheck": {"cmd": "true", "interval": 9223372036854775807}}"#, code: "schema-validation-error", detail: "field 'healthcheck.interval'"),
        Case(version: "1.40", body: #"{"image": "busybox", "healthcheck": {"cmd": "true", "timeout": "10000000000"}}"#, code: "schema-validation-error", detail: "field 'healthcheck.timeout'"),
        Case(version: "1.40", body: #"{"image": "busybox", "healthcheck": {"cmd": "true", "timeout": "99999999999999999999999"}}"#, code: "schema-validation-error", detail: "greater than the maximum of 86400"),
        Case(version: "1.40", body: #"{"image": "busybox", "healthcheck": {"retries": 10001}}"#, code: "schema-validation-error", detail: "field 'healthcheck.retries'"),
        Case(version: "1.40", body: #"{"image": "busybox", "healthcheck": {"retries": -1}}"#, code: "schema-validation-error", detail: "field 'healthcheck.retries'"),
        Case(version: "1.40", body: #"{"image": "busybox", "restart_policy": {"Name": "on-failure", "MaximumRetryCount": "99999999999999999999"}}"#, code: "schema-validation-error", detail: "field 'restart_policy.MaximumRetryCount'"),
        Case(version: "1.40", body: #"{"image": "busybox", "restart_policy": {"Name": "on-failure", "MaximumRetryCount": 9223372036854775807}}"#, code: "schema-validation-error", detail: "greater than the maximum"),
        Case(version: "1.40", body: #"{"image": "busybox", "memory": 9223372036854775807}"#, code: "schema-validation-error", detail: "field 'memory'"),
        Case(version: "1.40", body: #"{"image": "busybox", "memory": "99999999999999999999999"}"#, code: "schema-validation-error", detail: "field 'memory'"),
        Case(version: "1.40", body: #"{"image": "busybox", "cpu": 1e308}"#, code: "schema-validation-error", detail: "field 'cpu'"),
        Case(version: "1.40", body: #"{"image": "busybox", "cpu": -0.5}"#, code: "schema-validation-error", detail: "field 'cpu'"),
        Case(version: "1.40", body: #"{"image": "busybox", "disk": -1}"#, code: "schema-validation-error", detail: "field 'disk'"),
        Case(version: "1.40", body: #"{"image": "busybox", "exposed_ports": {"0": {}}}"#, code: "invalid-value", detail: "Invalid input for field 'exposed_ports'"),
        Case(version: "1.40", body: #"{"image": "busybox", "exposed_ports": {"99999999999999999999": {}}}"#, code: "invalid-value", detail: "Invalid input for field 'exposed_ports'"),
        Case(version: "1.40", body: #"{"image": "busybox", "mounts": [{"size": "99999999999999999999", "destination": "/d"}]}"#, code: "schema-validation-error", detail: "field 'mounts.size'"),
        Case(version: "1.40", body: #"{"image": "busybox", "mounts": [{"size": 0, "destination": "/d"}]}"#, code: "schema-validation-error", detail: "field 'mounts.size'"),
        Case(version: "1.40", body: #"{"image": "busybox", "mounts": [{"size": 1, "destination": "d"}]}"#, code: "schema-validation-error", detail: "field 'mounts.destination'"),
    ]

    @Test(arguments: accepted)
    func acceptsValidProperty(_ c: Case) async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1")
            let reply = try await client.call(.post, "/v1/containers", version: c.version, json: c.body)
            #expect(reply.status == .accepted, "\(reply.json ?? "")")
        }
    }

    @Test(arguments: rejected)
    func rejectsInvalidPropertyWithFieldNamed(_ c: Case) async throws {
        try await APITestHarness.run { harness, client in
            let reply = try await client.call(.post, "/v1/containers", version: c.version, json: c.body)
            #expect(reply.status == .badRequest)
            #expect(reply.error["code"] as? String == "container.\(c.code ?? "")")
            #expect(reply.errorDetail.contains(c.detail), "\(reply.errorDetail)")
            #expect(try await harness.store.listContainers(.init()).isEmpty, "a rejected create leaves no record")
        }
    }
}
