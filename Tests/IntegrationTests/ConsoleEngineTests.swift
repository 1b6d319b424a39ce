import Foundation
import Testing
import ZunCore
import ZunTestSupport

/// attach, interactive execute, execute_resize and TTY resize over the API's websocket, on the real engine.
@Suite(.serialized)
struct ConsoleEngineTests {
    @Test func attachEchoesInputFromABusyboxShell() async throws {
        try await EngineHarness.run { h in
            let uuid = try await h.create(#"{"image": "busybox:1.35", "name": "shell", "interactive": true, "tty": true, "command": ["sh"]}"#)
            try await h.waitFor(uuid, "Running")

            // TTY resize first, so the shell reports the new size.
            #expect(try await h.client.call(.post, "/v1/containers/shell/resize?h=0&w=80").status == .badRequest)
            #expect(try await h.client.call(.post, "/v1/containers/shell/resize?h=41&w=123").status == .ok)

            let attach = try await h.client.call(.get, "/v1/containers/shell/attach")
            #expect(attach.status == .ok)
            let url = try #require(attach.json as? String)
            #expect(url.hasPrefix("ws://") && url.contains("/websocket?token=") && url.hasSuffix("&uuid=\(uuid)"), "\(url)")

            let output = try await ConsoleClient.run(url, steps: [
                .init(send: "echo zun-$((6*7))\n", expect: "zun-42"),
                .init(send: "stty size\n", expect: "41 123"),
            ])
            #expect(output.contains("zun-42"))
            // Detaching leaves the container running; a token opens one connection only.
            #expect(try await h.show(uuid)["status"] as? String == "Running")
            await #expect(throws: (any Error).self) {
                _ = try await ConsoleClient.run(url, steps: [.init(send: "\n", expect: "#")], timeout: .seconds(5))
            }
            #expect(try await h.client.call(.get, "/websocket?token=nope&uuid=\(uuid)").status == .unauthorized)

            // Not interactive: Zun's NoInteractiveFlag 400; not running: the state check's 409.
            let plain = try await h.create(#"{"image": "busybox:1.35", "name": "plain", "command": ["sleep", "300"]}"#)
            try await h.waitFor(plain, "Running")
            #expect(try await h.client.call(.get, "/v1/containers/plain/attach").status == .badRequest)
            #expect(try await h.client.call(.post, "/v1/containers/plain/stop?timeout=0").status == .accepted)
            try await h.waitFor(plain, "Stopped")
            for (method, path) in [("GET", "attach"), ("POST", "resize?h=1&w=1"), ("POST", "execute?command=true"), ("POST", "execute_resize?exec_id=\(String(repeating: "a", count: 64))&h=1&w=1")] {
                let reply = try await h.client.call(method == "GET" ? .get : .post, "/v1/containers/plain/\(path)")
                #expect(reply.status == .conflict, "\(path) on a stopped container")
            }
        }
    }

    @Test func interactiveExecRunsAShellOverTheWebsocket() async throws {
        try await EngineHarness.run { h in
            let uuid = try await h.create(#"{"image": "busybox:1.35", "name": "box", "command": ["sleep", "300"]}"#)
            try await h.waitFor(uuid, "Running")
            let reply = try await h.client.call(.post, "/v1/containers/box/execute?command=sh&run=false&interactive=true")
            #expect(reply.status == .ok)
            let execID = try #require(reply.object["exec_id"] as? String)
            let url = try #require(reply.object["proxy_url"] as? String)
            #expect(reply.object["output"] is NSNull && reply.object["exit_code"] is NSNull)
            #expect(execID.count == 64 && url.hasSuffix("&uuid=\(uuid)&exec_id=\(execID)"), "\(url)")

            #expect(try await h.client.call(.post, "/v1/containers/box/execute_resize?exec_id=xyz&h=1&w=1").status == .badRequest)
            let unknown = String(repeating: "0", count: 64)
            #expect(try await h.client.call(.post, "/v1/containers/box/execute_resize?exec_id=\(unknown)&h=1&w=1").status == .badRequest)

            // The exec starts when the websocket connects; python-zunclient resizes it then.
            let resize: @Sendable () async throws -> Void = {
                let status = try await h.client.call(.post, "/v1/containers/box/execute_resize?exec_id=\(execID)&h=33&w=101").status
                #expect(status == .ok)
            }
            let output = try await ConsoleClient.run(url, steps: [
                .init(send: "echo ready\n", expect: "ready\r\n"),
                .init(action: resize, send: "stty size\n", expect: "33 101"),
                .init(send: "exit\n", expect: nil),
            ])
            #expect(output.contains("33 101"))
            // The shell exited: the exec is over, the container still runs.
            #expect(try await h.show(uuid)["status"] as? String == "Running")
        }
    }
}
