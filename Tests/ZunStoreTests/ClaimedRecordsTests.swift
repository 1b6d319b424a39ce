import Foundation
import Testing
import ZunCore
import ZunStore
import ZunTestSupport

/// A claim answers with the claimed tasks' container records, so that a node's handlers start without asking
/// for them (docs/node-protocol.md, "Endpoints"): this host's records only, as they were after the claim.
struct ClaimedRecordsTests {
    @Test(arguments: TestSupport.Backend.allCases)
    func aClaimCarriesTheRecordsOfItsTasksOnThisHostOnly(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let plane = StoreControlPlane(host: "h1", store: store, logger: TestSupport.logger)
            let request = TaskClaimRequest(slots: [.graceful: 4, .operations: 4], owner: "h1/test", leaseSeconds: 60, waitSeconds: 0)
            let first = TestSupport.container("first")
            let second = TestSupport.container("second")
            // A task of h1 whose container the store places elsewhere (moved by an operator, say): the task is
            // claimed, and its record is not h1's to see.
            let elsewhere = TestSupport.container("elsewhere", host: "h2")
            for container in [first, second] {
                try await store.createContainer(container, action: nil, task: TestSupport.createTask(for: container))
            }
            try await store.createContainer(elsewhere, action: nil, task: TestSupport.createTask(for: elsewhere))

            let claimed = try await plane.claimTasks(request)
            #expect(Set(claimed.tasks.map(\.containerUUID)) == [first.uuid, second.uuid, elsewhere.uuid])
            #expect(Set(claimed.containers.map(\.uuid)) == [first.uuid, second.uuid])
            #expect(claimed.container(of: claimed.tasks.first { $0.containerUUID == first.uuid }!)?.name == "first")
            #expect(claimed.container(of: claimed.tasks.first { $0.containerUUID == elsewhere.uuid }!) == nil)

            // Nothing claimed, no records.
            #expect(try await plane.claimTasks(request).containers.isEmpty)
        }
    }

    /// Across HTTP, a claim also carries the networks of its containers' ports that the claim did not name as
    /// realized on the host; none when it names them all, none in process, none for an agent that names nothing.
    @Test(arguments: TestSupport.Backend.allCases)
    func aClaimCarriesTheNetworksTheHostHasNotRealized(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let pool = SubnetPool(pool: IPv4Subnet("10.61.0.0/16")!, prefixLength: 24)
            let network = try await store.projectDefaultNetwork(projectID: "p1", userID: "u", pool: pool)
            let plane = StoreControlPlane(host: "h1", store: store, logger: TestSupport.logger, claimsCarryNetworks: true)
            func request(realized: [String]?) -> TaskClaimRequest {
                TaskClaimRequest(slots: [.graceful: 4, .operations: 4], owner: "h1/test", leaseSeconds: 60, waitSeconds: 0, realizedNetworks: realized)
            }
            func create(_ name: String) async throws {
                var container = TestSupport.container(name)
                container.networks = [NetworkAttachment(networkUUID: network.uuid, portUUID: UUID().uuidString.lowercased())]
                try await store.createContainer(container, action: nil, task: TestSupport.createTask(for: container))
            }

            try await create("first")
            let first = try await plane.claimTasks(request(realized: ["another"]))
            #expect(first.networks.map(\.uuid) == [network.uuid])
            #expect(first.networks(of: first.containers.first).keys.sorted() == [network.uuid])

            try await create("second")
            let second = try await plane.claimTasks(request(realized: [network.uuid]))
            #expect(second.containers.count == 1 && second.networks.isEmpty)

            // An agent of an earlier version names nothing, and reads networks itself.
            try await create("third")
            let earlier = try await plane.claimTasks(request(realized: nil))
            #expect(earlier.containers.count == 1 && earlier.networks.isEmpty)

            // In process the host reads a network itself, as cheaply: the claim carries none.
            try await create("fourth")
            let local = try await StoreControlPlane(host: "h1", store: store, logger: TestSupport.logger).claimTasks(request(realized: []))
            #expect(local.containers.count == 1 && local.networks.isEmpty)
        }
    }

    /// An API replica of an earlier version answers without records: the node reads each itself.
    @Test func anAnswerWithoutRecordsDecodes() throws {
        let json = #"{"tasks": []}"#
        let answer = try JSONDecoder().decode(ClaimedTasks.self, from: Data(json.utf8))
        #expect(answer.tasks.isEmpty && answer.containers.isEmpty && answer.networks.isEmpty)
    }
}
