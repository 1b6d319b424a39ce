import Foundation
import Testing
import ZunCore
import ZunStore
import ZunTestSupport

/// `ActionLog` on both databases: events and actions of a request.
struct ActionLogTests {
    @Test(arguments: TestSupport.Backend.allCases)
    func eventsAreStartedOnceAndFinished(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let c = TestSupport.container("a")
            try await store.createContainer(c, action: ContainerAction(action: "create", containerUUID: c.uuid, requestID: "r", userID: "u", projectID: "p1", startTime: Date()), task: nil)
            try await store.startEvent(containerUUID: c.uuid, requestID: "r", event: "compute__do_container_create", at: Date())
            try await store.startEvent(containerUUID: c.uuid, requestID: "r", event: "compute__do_container_create", at: Date())
            try await store.finishEvent(containerUUID: c.uuid, requestID: "r", event: "compute__do_container_create", result: "Success", traceback: nil, at: Date())
            try await store.finishAction(containerUUID: c.uuid, requestID: "r", failed: false, at: Date())
            let action = try await store.action(containerUUID: c.uuid, requestID: "r")
            #expect(action?.finishTime != nil)
            let events = try await store.events(actionID: action!.id!)
            #expect(events.count == 1)
            #expect(events.first?.result == "Success")
        }
    }
}
