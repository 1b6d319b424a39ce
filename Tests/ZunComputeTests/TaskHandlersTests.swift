import Testing
import ZunCore
@testable import ZunCompute

struct TaskHandlersTests {
    @Test func everyTaskOperationHasExactlyOneHandler() {
        for operation in ContainerOperations.tasks {
            let handler = TaskHandlers.handler(for: operation.taskKind)
            #expect(handler?.operation == operation, "\(operation.name) has no handler")
        }
        #expect(TaskHandlers.all.count == ContainerOperations.tasks.count)
        #expect(TaskHandlers.handler(for: ComputeTask.Kind(rawValue: "from_a_newer_version")) == nil)
    }
}
