import Testing
import ZunScheduler

struct FilterSchedulerTests {
    let scheduler = FilterScheduler(filters: try! HostFilterRegistry.filters(named: HostFilterRegistry.defaultEnabled))

    @Test func spreadPicksTheEmptiestHost() {
        let hosts = [
            HostState(hostname: "busy", memTotal: 8192, memUsed: 6000),
            HostState(hostname: "idle", memTotal: 8192, memUsed: 0),
        ]
        #expect(scheduler.select(from: hosts, for: SchedulingRequest(cpu: 1, memoryMB: 512)).host?.hostname == "idle")
    }

    @Test func pinnedHostIsTheOnlyCandidate() {
        let hosts = [HostState(hostname: "a"), HostState(hostname: "b", memUsed: 4000)]
        let decision = scheduler.select(from: hosts, for: SchedulingRequest(cpu: 1, memoryMB: 512, requestedHost: "b"))
        #expect(decision.host?.hostname == "b")
    }

    @Test func pinnedHostRejectedByFiltersGivesNoHost() {
        let hosts = [HostState(hostname: "a"), HostState(hostname: "b", serviceUp: false)]
        let decision = scheduler.select(from: hosts, for: SchedulingRequest(cpu: 1, memoryMB: 512, requestedHost: "b"))
        #expect(decision.host == nil)
        #expect(decision.rejectedBy == "ComputeFilter")
    }

    @Test func reportsTheFilterThatEmptiedTheSet() {
        let hosts = [HostState(hostname: "a", memTotal: 100)]
        let decision = scheduler.select(from: hosts, for: SchedulingRequest(cpu: 1, memoryMB: 4096))
        #expect(decision.host == nil)
        #expect(decision.rejectedBy == "RamFilter")
    }

    @Test func consumingARequestAddsUsage() {
        var host = HostState(hostname: "a")
        host.consume(SchedulingRequest(cpu: 1.5, memoryMB: 256, diskGB: 2))
        #expect(host.cpuUsed == 1.5 && host.memUsed == 256 && host.diskUsed == 2 && host.totalContainers == 1)
    }

    @Test func unknownFilterNamesAreRejected() {
        #expect(throws: SchedulerConfigurationError.self) { try HostFilterRegistry.filters(named: ["NoSuchFilter"]) }
    }
}
