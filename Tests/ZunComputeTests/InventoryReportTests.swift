import DockerEngine
import Foundation
import Logging
import Testing
import ZunCore
import ZunStore
import ZunTestSupport
@testable import ZunCompute

/// The inventory a host sends: a change of capacity at once, a change of the container counts alone (every
/// create makes one) at most every `inventoryCountsInterval`, so creates do not rewrite node records.
struct InventoryReportTests {
    @Test func containerCountsAloneWaitForTheInterval() async throws {
        try await TestSupport.withStore(.sqlite) { store in
            let clock = ManualWallClock(Date(timeIntervalSince1970: 1_800_000_000))
            let engine = HollowEngine(cpus: 4, memoryMB: 4096)
            let agent = ComputeAgent(
                configuration: .init(hostName: "h1"), store: store, engine: engine, nodeLocalCalls: HollowNodeCalls(), clock: clock,
                logger: TestSupport.logger
            )
            try await agent.register()
            try await agent.refreshInventory()
            #expect(try await store.computeNode(ident: "h1")?.totalContainers == 0)

            // A container: only the counts change, so the record waits.
            _ = try await engine.createContainer(name: "zun-a", config: ContainerConfig(image: "busybox"), logger: TestSupport.logger)
            try await agent.refreshInventory()
            #expect(try await store.computeNode(ident: "h1")?.totalContainers == 0)

            // Once the interval has passed, the counts go with the next refresh.
            clock.advance(by: agent.configuration.inventoryCountsInterval)
            try await agent.refreshInventory()
            #expect(try await store.computeNode(ident: "h1")?.totalContainers == 1)
        }
    }
}
