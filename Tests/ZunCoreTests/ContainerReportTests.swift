import Foundation
import Testing
import ZunCore

/// The rules of the reports a compute host sends about its containers, and that they survive the wire.
struct ContainerReportTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func record(_ status: ContainerStatus, taskState: ContainerTaskState? = nil) -> Container {
        var container = Container(uuid: "u", name: "c", projectID: "p", userID: "x", image: "busybox", cpu: 1, memory: "512", createdAt: now, status: status)
        container.taskState = taskState
        container.updatedAt = Date(timeIntervalSince1970: 1_700_000_000)
        return container
    }

    func observation(_ status: ContainerStatus, neverStarted: Bool = false) -> EngineObservation {
        EngineObservation(
            containerID: "abc", status: status, detail: "Up 3 seconds", reason: nil, neverStarted: neverStarted,
            hostname: "h", exposedPorts: [80], networks: ["bridge": EngineAddresses(ipv4: "10.0.0.2", ipv6: nil)]
        )
    }

    @Test func aSettlingObservationWritesTheEngineViewAndClearsTheTask() throws {
        var container = record(.creating, taskState: .containerCreating)
        try ContainerReport.observed(observation(.running)).apply(to: &container, now: now)
        #expect(container.status == .running && container.taskState == nil && container.containerID == "abc")
        #expect(container.startedAt == now && container.ports == [80] && container.hostname == "h")
        #expect(container.addresses?["bridge"]?.first?.addr == "10.0.0.2")
    }

    @Test func theSyncsObservationIsDroppedWhenTheRecordMovedOnOrATaskHoldsIt() throws {
        var container = record(.running)
        let read = container.updatedAt
        var moved = container
        moved.updatedAt = read?.addingTimeInterval(1)
        #expect(throws: ContainerReport.Stale.self) {
            try ContainerReport.observedIfUnchanged(observation(.stopped), updatedAt: read).apply(to: &moved, now: now)
        }
        var held = record(.running, taskState: .containerStopping)
        #expect(throws: ContainerReport.Stale.self) {
            try ContainerReport.observedIfUnchanged(observation(.stopped), updatedAt: read).apply(to: &held, now: now)
        }
        try ContainerReport.observedIfUnchanged(observation(.stopped), updatedAt: read).apply(to: &container, now: now)
        #expect(container.status == .stopped)
    }

    @Test func aNeverStartedContainerFollowsTheRecordsStatusWhereTheReportIsApplied() throws {
        for (current, expected) in [(ContainerStatus.creating, ContainerStatus.created), (.rebuilding, .rebuilding), (.error, .error), (.stopped, .created)] {
            var container = record(current)
            try ContainerReport.observed(observation(.created, neverStarted: true)).apply(to: &container, now: now)
            #expect(container.status == expected, "\(current)")
            #expect(container.statusDetail == (expected == .created ? "Created" : nil))
        }
        // A pending delete keeps its status.
        var deleting = record(.deleting)
        try ContainerReport.observed(observation(.running)).apply(to: &deleting, now: now)
        #expect(deleting.status == .deleting)
    }

    @Test func idleOnlyReportsLeaveARecordATaskHolds() throws {
        var held = record(.running, taskState: .containerRebooting)
        try ContainerReport.vanished(reason: "gone").apply(to: &held, now: now)
        try ContainerReport.removedWhileIdle.apply(to: &held, now: now)
        #expect(held.status == .running && held.statusReason == nil)
        var idle = record(.running)
        try ContainerReport.vanished(reason: "gone").apply(to: &idle, now: now)
        #expect(idle.status == .error && idle.statusReason == "gone")
        var failed = record(.restarting, taskState: .containerRebooting)
        try ContainerReport.operationFailed.apply(to: &failed, now: now)
        #expect(failed.status == .unknown && failed.taskState == nil)
    }

    @Test func reportsSurviveJSON() throws {
        let reports: [ContainerReport] = [
            .taskState(.containerStarting), .taskState(nil), .failed(reason: "r"), .removed, .vanished(reason: "v"),
            .removedWhileIdle, .observed(observation(.running)), .observedIfUnchanged(observation(.paused), updatedAt: now),
            .rebuilt(containerID: "id", image: "busybox:1.35"), .filledFromImage(command: ["sh"], entrypoint: nil), .operationFailed,
            .healing, .deletingAgain,
        ]
        let decoded = try JSONDecoder().decode([ContainerReport].self, from: JSONEncoder().encode(reports))
        #expect(decoded == reports)
    }
}
