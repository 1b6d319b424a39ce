import Foundation
import Testing
import ZunCore

struct ContainerOperationsTests {
    func container(_ status: ContainerStatus) -> Container {
        Container(uuid: "u-1", name: "n", projectID: "p", userID: "u", image: "busybox", cpu: 1, memory: "512", createdAt: Date(), status: status)
    }

    @Test(arguments: [
        ("start", ContainerStatus.stopped, true), ("start", .running, false), ("start", .error, true),
        ("stop", .running, true), ("stop", .stopped, false), ("delete", .running, false), ("delete", .stopped, true),
        ("delete_force", .creating, true), ("delete_after_stop", .running, true), ("logs", .creating, false),
        ("logs", .running, true), ("pause", .paused, false), ("unpause", .paused, true),
    ])
    func allowsOnlyZunsStates(_ action: String, _ status: ContainerStatus, _ allowed: Bool) throws {
        let operation = try #require(ContainerOperations.named(action))
        let result = Result { try operation.checkState(of: container(status)) }
        let passed = (try? result.get()) != nil
        #expect(passed == allowed)
    }

    @Test func conflictNamesActionContainerAndState() {
        do {
            try ContainerOperations.stop.checkState(of: container(.stopped))
            Issue.record("expected a 409")
        } catch let error as ZunError {
            #expect(error.kind == .conflict && error.kind.httpStatus == 409)
            #expect(error.code == "invalid-state-exception")
            #expect(error.message == "Cannot stop container u-1 in Stopped state.")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func serviceLivenessFollowsHeartbeat() {
        var service = ZunService(host: "h")
        let now = Date()
        service.lastSeenUp = now.addingTimeInterval(-10)
        #expect(service.isUp(now: now, downAfter: 15))
        #expect(!service.isUp(now: now, downAfter: 5))
        service.forcedDown = true
        #expect(!service.isUp(now: now, downAfter: 15))
    }

    @Test func timestampsUseZunsTwoFormats() {
        let date = Date(timeIntervalSince1970: 1_700_000_000.25)
        #expect(ZunTimestamp.spaced(date) == "2023-11-14 22:13:20.250000")
        #expect(ZunTimestamp.iso(date) == "2023-11-14T22:13:20.250000")
    }

    @Test func everyOperationHasOneNameOnePolicyRuleAndATaskKindMatchingItsName() {
        let names = ContainerOperations.all.map(\.name)
        #expect(Set(names).count == names.count)
        for operation in ContainerOperations.all {
            #expect(ContainerOperations.named(operation.name) == operation)
            #expect(PolicyRule.named(operation.policy.name) == operation.policy, "\(operation.name)")
            if let task = operation.task {
                #expect(task.kind.rawValue == operation.name)
                #expect(ContainerOperations.operation(for: task.kind) == operation)
                #expect(operation.event != nil, "\(operation.name) records no event")
            }
        }
    }

    @Test func lanesSplitTheTaskKindsAndAnUnknownKindFallsInTheOperationsLane() {
        #expect(Set(ComputeTask.Lane.graceful.kinds) == [.stop, .reboot])
        #expect(Set(ComputeTask.Lane.operations.kinds + ComputeTask.Lane.graceful.kinds) == Set(ContainerOperations.tasks.map(\.taskKind)))
        #expect(ComputeTask.Kind(rawValue: "from_a_newer_version").lane == .operations)
    }

    @Test func anOperationWithoutStatusRulesAcceptsEveryStatus() throws {
        for status in ContainerStatus.allCases {
            try ContainerOperations.rename.checkState(of: container(status))
        }
        #expect(ContainerOperations.named("no_such_action") == nil)
    }
}
