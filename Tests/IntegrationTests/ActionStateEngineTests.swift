import Foundation
import Testing
import ZunCore
import ZunTestSupport

/// Every action refused in every status that Zun's `VALID_STATES` (docs/zun-compatibility.md, "Statuses") does not list, for
/// the statuses a real container can hold: Created, Running, Paused, Stopped.
@Suite(.serialized)
struct ActionStateEngineTests {
    /// Action name of the state rule, and the request that asks for it.
    static let requests: [(action: String, method: String, path: String, body: String?)] = [
        ("start", "POST", "start", nil), ("stop", "POST", "stop", nil), ("reboot", "POST", "reboot", nil),
        ("rebuild", "POST", "rebuild", nil), ("pause", "POST", "pause", nil), ("unpause", "POST", "unpause", nil),
        ("kill", "POST", "kill", nil), ("execute", "POST", "execute?command=true", nil),
        ("execute_resize", "POST", "execute_resize?exec_id=\(String(repeating: "a", count: 64))&h=1&w=1", nil),
        ("attach", "GET", "attach", nil), ("resize", "POST", "resize?h=1&w=1", nil), ("top", "GET", "top", nil),
        ("stats", "GET", "stats", nil), ("commit", "POST", "commit?repository=zun-test-commit", nil),
        ("logs", "GET", "logs", nil), ("get_archive", "GET", "get_archive?path=/etc/hostname", nil),
        ("update", "PATCH", "", #"{"name": "renamed"}"#), ("resize_container", "POST", "resize_container?memory=64", nil),
        ("delete", "DELETE", "", nil), ("delete_after_stop", "DELETE", "?stop=true", nil),
    ]

    @Test func everyActionIsRefusedInEveryStatusZunRefusesIt() async throws {
        try await EngineHarness.run { h in
            let command = #"["sh", "-c", "trap 'exit 0' TERM; sleep 300 & wait"]"#
            let created = try await h.create(#"{"image": "busybox:1.35", "command": \#(command)}"#, run: false)
            let running = try await h.create(#"{"image": "busybox:1.35", "command": \#(command)}"#)
            let paused = try await h.create(#"{"image": "busybox:1.35", "command": \#(command)}"#)
            let stopped = try await h.create(#"{"image": "busybox:1.35", "command": \#(command)}"#)
            try await h.waitFor(created, "Created")
            for uuid in [running, paused, stopped] { try await h.waitFor(uuid, "Running") }
            #expect(try await h.client.call(.post, "/v1/containers/\(paused)/pause").status == .accepted)
            #expect(try await h.client.call(.post, "/v1/containers/\(stopped)/stop?timeout=1").status == .accepted)
            try await h.waitFor(paused, "Paused")
            try await h.waitFor(stopped, "Stopped")

            var refused = 0
            for (uuid, status) in [(created, ContainerStatus.created), (running, .running), (paused, .paused), (stopped, .stopped)] {
                for request in Self.requests where ContainerOperations.named(request.action)?.allowedStates?.contains(status) == false {
                    let path = "/v1/containers/\(uuid)" + (request.path.isEmpty || request.path.hasPrefix("?") ? request.path : "/\(request.path)")
                    let reply = try await h.client.call(.init(request.method)!, path, version: "1.40", json: request.body)
                    #expect(reply.status == .conflict, "\(request.action) in \(status.rawValue): \(reply.status)")
                    #expect(reply.errorDetail.hasPrefix("Cannot "), "\(request.action): \(reply.errorDetail)")
                    #expect(reply.errorDetail.hasSuffix("in \(status.rawValue) state."), "\(request.action): \(reply.errorDetail)")
                    refused += 1
                }
                // The record is untouched by the refusals.
                #expect(try await h.show(uuid)["status"] as? String == status.rawValue)
            }
            #expect(refused >= 30)
        }
    }
}
