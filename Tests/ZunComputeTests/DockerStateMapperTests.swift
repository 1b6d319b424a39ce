import DockerEngine
import Foundation
import Testing
import ZunCompute
import ZunCore

struct DockerStateMapperTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func iso(_ secondsAgo: Int) -> String {
        let date = now.addingTimeInterval(-Double(secondsAgo))
        return ZunTimestamp.iso(date).replacingOccurrences(of: " ", with: "T") + "Z"
    }

    @Test func runningIsRunningWithUptime() {
        let state = ContainerInspect.State(status: "running", running: true, startedAt: iso(125), finishedAt: "0001-01-01T00:00:00Z")
        let result = DockerStateMapper.map(state, current: .created, now: now)
        #expect(result.status == .running)
        #expect(result.detail == "Up 2 mins")
    }

    @Test func exitedIsStoppedWithExitCode() {
        let state = ContainerInspect.State(status: "exited", running: false, exitCode: 3, startedAt: iso(7300), finishedAt: iso(7200))
        let result = DockerStateMapper.map(state, current: .running, now: now)
        #expect(result.status == .stopped)
        #expect(result.detail == "Exited(3) 2 hours ago ")
    }

    @Test func neverStartedWhileCreatingIsCreated() {
        let state = ContainerInspect.State(status: "created", running: false, startedAt: "0001-01-01T00:00:00Z", finishedAt: "0001-01-01T00:00:00Z")
        #expect(DockerStateMapper.map(state, current: .creating, now: now).status == .created)
        #expect(DockerStateMapper.map(state, current: .error, now: now).status == .error)
    }

    @Test func pausedAndMissingStates() {
        let paused = ContainerInspect.State(status: "paused", running: true, paused: true, startedAt: iso(3))
        #expect(DockerStateMapper.map(paused, current: .running, now: now).detail == "Up 3 seconds (paused)")
        let missing = DockerStateMapper.map(nil, current: .running, now: now)
        #expect(missing.status == .unknown)
        #expect(missing.reason == "container state is missing")
    }

    @Test func engineErrorsAreStoppedWithReason() {
        let state = ContainerInspect.State(status: "exited", exitCode: 127, error: "exec: not found", startedAt: iso(10), finishedAt: iso(10))
        let result = DockerStateMapper.map(state, current: .creating, now: now)
        #expect(result.status == .stopped)
        #expect(result.reason == "exec: not found")
        let neverStarted = ContainerInspect.State(status: "created", exitCode: 127, error: "exec: not found", startedAt: "0001-01-01T00:00:00Z")
        #expect(DockerStateMapper.map(neverStarted, current: .error, now: now).status == .error)
    }
}
