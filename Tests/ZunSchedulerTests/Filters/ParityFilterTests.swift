import Testing
import ZunCore
import ZunScheduler

/// CpuSet, Label, PciPassthrough and the affinity hints, from Zun's rules (docs/zun-compatibility.md, "Scheduling").
struct CpuSetFilterTests {
    static let pinningHost = HostState(
        hostname: "h", enableCPUPinning: true,
        numaNodes: [NUMANode(id: 0, cpuset: [0, 1], pinnedCPUs: [0], memAvailable: 1024), NUMANode(id: 1, cpuset: [2, 3, 4], memAvailable: 512)]
    )

    @Test(arguments: [
        // policy, cpu, memory, host pins?, passes
        ("dedicated", 1.0, 512, true, true),    // node 0 has 1 free CPU and 1024 MB
        ("dedicated", 3.0, 256, true, true),    // node 1 has 3 free CPUs
        ("dedicated", 3.0, 1024, true, false),  // node 1 lacks memory, node 0 lacks CPUs
        ("dedicated", 4.0, 64, true, false),    // no node has 4 free CPUs (no spanning)
        ("dedicated", 1.0, 64, false, false),   // host does not pin
        ("shared", 8.0, 64, false, true),
    ] as [(String, Double, Int, Bool, Bool)])
    func dedicatedNeedsANUMANodeWithFreeCPUsAndMemory(_ policy: String, _ cpu: Double, _ memory: Int, _ pins: Bool, _ passes: Bool) {
        var host = Self.pinningHost
        host.enableCPUPinning = pins
        #expect(CpuSetFilter().passes(host, SchedulingRequest(cpu: cpu, memoryMB: memory, cpuPolicy: policy)) == passes)
    }

    @Test func sharedOrNoPolicyFailsWhenTheSchedulerItselfPins() {
        let filter = CpuSetFilter(schedulerEnablesCPUPinning: true)
        #expect(!filter.passes(Self.pinningHost, SchedulingRequest(cpu: 1, memoryMB: 1)))
        #expect(!filter.passes(Self.pinningHost, SchedulingRequest(cpu: 1, memoryMB: 1, cpuPolicy: "shared")))
        #expect(filter.passes(Self.pinningHost, SchedulingRequest(cpu: 1, memoryMB: 1, cpuPolicy: "dedicated")))
    }

    @Test func consumingADedicatedRequestPinsCPUs() {
        var host = Self.pinningHost
        host.consume(SchedulingRequest(cpu: 1, memoryMB: 512, cpuPolicy: "dedicated"))
        #expect(host.numaNodes[0].pinnedCPUs == [0, 1])
        #expect(host.numaNodes[0].memAvailable == 512)
        #expect(!CpuSetFilter().passes(host, SchedulingRequest(cpu: 1, memoryMB: 600, cpuPolicy: "dedicated")))
    }
}

struct LabelFilterTests {
    @Test(arguments: [
        ([:], true), (["label:tier": "gold"], true), (["label:tier": "silver"], false), (["label:zone": "a"], false),
        (["label:tier": "gold", "label:disk": "ssd"], true), (["other": "x"], true),
    ] as [([String: String], Bool)])
    func everyLabelHintMustMatch(_ hints: [String: String], _ passes: Bool) {
        let host = HostState(hostname: "h", labels: ["tier": "gold", "disk": "ssd"])
        #expect(LabelFilter().passes(host, SchedulingRequest(cpu: 1, memoryMB: 1, hints: hints)) == passes)
    }
}

struct PciPassthroughFilterTests {
    @Test(arguments: [
        ([], true), ([PciRequest(vendorID: "10de", productID: "1db4")], true),
        ([PciRequest(vendorID: "10de", productID: "1db4", count: 3)], true),
        ([PciRequest(vendorID: "10de", productID: "1db4", count: 4)], false),
        ([PciRequest(vendorID: "8086", productID: "154d")], false),
    ] as [([PciRequest], Bool)])
    func poolsMustSatisfyEveryRequest(_ requests: [PciRequest], _ passes: Bool) {
        let host = HostState(hostname: "h", pciPools: [PciPool(vendorID: "10de", productID: "1db4", count: 2), PciPool(vendorID: "10de", productID: "1db4", count: 1)])
        #expect(PciPassthroughFilter().passes(host, SchedulingRequest(cpu: 1, memoryMB: 1, pciRequests: requests)) == passes)
    }
}

struct AffinityFilterTests {
    @Test func sameHostKeepsOnlyTheNamedContainersHosts() {
        #expect(SameHostFilter().passes(HostState(hostname: "a"), SchedulingRequest(cpu: 1, memoryMB: 1)))
        #expect(SameHostFilter().passes(HostState(hostname: "a"), SchedulingRequest(cpu: 1, memoryMB: 1, sameHostAs: ["a", "b"])))
        #expect(!SameHostFilter().passes(HostState(hostname: "c"), SchedulingRequest(cpu: 1, memoryMB: 1, sameHostAs: ["a"])))
        // A hint naming no placed container leaves no host, as Nova's filter does.
        #expect(!SameHostFilter().passes(HostState(hostname: "a"), SchedulingRequest(cpu: 1, memoryMB: 1, sameHostAs: [])))
    }

    @Test func differentHostAvoidsTheNamedContainersHosts() {
        #expect(DifferentHostFilter().passes(HostState(hostname: "a"), SchedulingRequest(cpu: 1, memoryMB: 1, differentHostFrom: ["b"])))
        #expect(!DifferentHostFilter().passes(HostState(hostname: "b"), SchedulingRequest(cpu: 1, memoryMB: 1, differentHostFrom: ["b"])))
    }
}

struct WeigherTests {
    let hosts = [
        HostState(hostname: "full", cpus: 4, cpuUsed: 3, memTotal: 4096, memUsed: 3000),
        HostState(hostname: "half", cpus: 4, cpuUsed: 2, memTotal: 4096, memUsed: 2048),
        HostState(hostname: "empty", cpus: 4, cpuUsed: 0, memTotal: 4096, memUsed: 0),
    ]

    @Test func spreadPrefersTheEmptiestAndBinpackTheFullest() throws {
        let filters = try HostFilterRegistry.filters(named: HostFilterRegistry.defaultEnabled)
        let request = SchedulingRequest(cpu: 0.5, memoryMB: 256)
        let spread = FilterScheduler(filters: filters, weigher: try HostWeigherRegistry.weigher(named: "spread"), mode: .exhaustive)
        let binpack = FilterScheduler(filters: filters, weigher: try HostWeigherRegistry.weigher(named: "binpack"), mode: .exhaustive)
        #expect(spread.rank(hosts, for: request).hosts.map(\.hostname) == ["empty", "half", "full"])
        #expect(binpack.rank(hosts, for: request).hosts.map(\.hostname) == ["full", "half", "empty"])
        #expect(throws: SchedulerConfigurationError.self) { try HostWeigherRegistry.weigher(named: "nope") }
    }

    @Test func equalHostsAreChosenAtRandom() throws {
        let scheduler = FilterScheduler(filters: try HostFilterRegistry.filters(named: HostFilterRegistry.defaultEnabled))
        let twins = (0..<4).map { HostState(hostname: "twin\($0)") }
        var rng = SplitMix64(seed: 7)
        let chosen = Set((0..<200).compactMap { _ in scheduler.select(from: twins, for: SchedulingRequest(cpu: 1, memoryMB: 1), using: &rng).host?.hostname })
        #expect(chosen.count == 4, "every twin gets picked sometimes")
    }

    @Test func filterNamesAreConfigurable() throws {
        #expect(try HostFilterRegistry.filters(named: HostFilterRegistry.all).count == 11)
        #expect(throws: SchedulerConfigurationError.self) { try HostFilterRegistry.filters(named: ["NoSuchFilter"]) }
    }
}
