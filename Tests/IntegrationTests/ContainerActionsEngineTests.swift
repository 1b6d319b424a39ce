import DockerEngine
import Foundation
import Testing
import ZunCore
import ZunTestSupport

/// pause, unpause, kill, reboot, top, stats and live resource updates on the real engine.
@Suite(.serialized)
struct ContainerActionsEngineTests {
    /// A live memory raise beyond the swap limit the container was created with (twice its memory) failed with
    /// EINVAL on cgroup v1 and answered 500 (found by `FuzzProcessTests`).
    @Test func memoryCanBeRaisedFarAboveWhatTheContainerStartedWith() async throws {
        try await EngineHarness.run { h in
            let uuid = try await h.create(#"{"image": "busybox:1.35", "name": "grow", "command": ["sleep", "300"], "memory": 16}"#)
            try await h.waitFor(uuid, "Running")
            let raised = try await h.client.call(.post, "/v1/containers/grow/resize_container?memory=512", version: "1.19")
            #expect(raised.status == .accepted, "\(raised.json ?? "")")
            #expect(try await h.client.call(.get, "/v1/containers/grow/stats").object["MEM LIMIT(MiB)"] as? Double == 512)
            let lowered = try await h.client.call(.patch, "/v1/containers/grow", json: #"{"memory": 32}"#)
            #expect(lowered.status == .ok, "\(lowered.json ?? "")")
            #expect(try await h.client.call(.get, "/v1/containers/grow/stats").object["MEM LIMIT(MiB)"] as? Double == 32)
        }
    }

    @Test func pauseUnpauseKillRebootTopStatsAndUpdate() async throws {
        try await EngineHarness.run { h in
            let uuid = try await h.create(#"{"image": "busybox:1.35", "name": "act", "command": ["sh", "-c", "trap 'exit 0' TERM; sleep 300 & wait"], "memory": 64}"#)
            try await h.waitFor(uuid, "Running")
            func engineState() async throws -> ContainerInspect.State? {
                try await h.docker.inspectContainer("zun-\(uuid)", logger: TestSupport.logger)?.state
            }

            #expect(try await h.client.call(.post, "/v1/containers/act/pause").status == .accepted)
            try await h.waitFor(uuid, "Paused")
            #expect(try await engineState()?.paused == true)
            #expect(try await h.client.call(.get, "/v1/containers/act/top").status == .conflict, "top needs Running")

            #expect(try await h.client.call(.post, "/v1/containers/act/unpause").status == .accepted)
            try await h.waitFor(uuid, "Running")
            #expect(try await engineState()?.paused == false)

            let top = try await h.client.call(.get, "/v1/containers/act/top?ps_args=aux")
            #expect((top.object["Titles"] as? [String])?.isEmpty == false)
            #expect((top.object["Processes"] as? [[String]])?.contains { $0.joined(separator: " ").contains("sleep 300") } == true)

            let exec = try await h.client.call(.post, "/v1/containers/act/execute?command=sh%20-c%20%27echo%20hi%3B%20exit%203%27")
            #expect(exec.object["output"] as? String == "hi\n")
            #expect(exec.object["exit_code"] as? Int == 3)
            #expect(exec.object["exec_id"] is NSNull)
            #expect(try await h.client.call(.post, "/v1/containers/act/execute").status == .badRequest)
            // A command the container cannot start is the caller's mistake, never a 500 (found by the fuzz test): the
            // engine reports it as a failed command (exit code 126/127) or refuses it (400).
            let missing = try await h.client.call(.post, "/v1/containers/act/execute?command=%24%28reboot%29%3B%20%60id%60")
            #expect(missing.status == .badRequest || (missing.status == .ok && (missing.object["exit_code"] as? Int ?? 0) >= 126), "\(missing.json ?? "")")
            let interactive = try await h.client.call(.post, "/v1/containers/act/execute?command=ls&interactive=true")
            #expect(interactive.status == .ok && (interactive.object["exec_id"] as? String)?.count == 64)
            var latencies: [Duration] = []
            for _ in 0..<20 {
                let start = ContinuousClock.now
                _ = try await h.client.call(.post, "/v1/containers/act/execute?command=echo%20x")
                latencies.append(ContinuousClock.now - start)
            }
            print("execute echo: median \(latencies.sorted()[10]) over 20 (in-process API, real engine)")

            let stats = try await h.client.call(.get, "/v1/containers/act/stats")
            #expect(stats.object["CONTAINER"] as? String == "zun-\(uuid)")
            #expect(stats.object["MEM LIMIT(MiB)"] as? Double == 64)
            #expect((stats.object["BLOCK I/O(B)"] as? String)?.contains("/") == true)

            let patched = try await h.client.call(.patch, "/v1/containers/act", json: #"{"memory": 128, "cpu": 0.5}"#)
            #expect(patched.status == .ok)
            #expect(patched.object["memory"] as? String == "128")
            let limits = try await h.client.call(.get, "/v1/containers/act/stats")
            #expect(limits.object["MEM LIMIT(MiB)"] as? Double == 128)

            #expect(try await h.client.call(.post, "/v1/containers/act/reboot?timeout=2").status == .accepted)
            try await h.waitFor(uuid, "Running")

            #expect(try await h.client.call(.post, "/v1/containers/act/kill?signal=SIGKILL").status == .accepted)
            let killed = try await h.waitFor(uuid, "Stopped")
            #expect((killed["status_detail"] as? String)?.hasPrefix("Exited(137)") == true)

            let actions = Set(try await h.store.actions(containerUUID: uuid).map(\.action))
            #expect(actions == ["create", "pause", "unpause", "reboot", "kill"])
            for action in try await h.store.actions(containerUUID: uuid) where action.action != "create" {
                // The status can show Stopped before the kill's task reports its event: the state sync may see the
                // engine's exit first. The event follows within the task.
                var events = try await h.store.events(actionID: action.id!)
                let deadline = ContinuousClock.now + .seconds(15)
                while events.first?.result == nil, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                    events = try await h.store.events(actionID: action.id!)
                }
                #expect(events.first?.event == "compute__do_container_\(action.action)")
                #expect(events.first?.result == "Success")
            }
        }
    }
}
