import Testing
import ZunScheduler

/// One table per filter, from Zun's rules (docs/zun-compatibility.md, "Scheduling").
struct AvailabilityZoneFilterTests {
    @Test(arguments: [(nil, "nova", true), ("nova", "nova", true), ("az2", "nova", false)] as [(String?, String, Bool)])
    func passesOnlyTheRequestedZone(_ requested: String?, _ hostZone: String, _ passes: Bool) {
        let host = HostState(hostname: "h", availabilityZone: hostZone)
        #expect(AvailabilityZoneFilter().passes(host, SchedulingRequest(cpu: 1, memoryMB: 1, availabilityZone: requested)) == passes)
    }
}

struct ComputeFilterTests {
    @Test(arguments: [(true, false, true), (false, false, false), (true, true, false)])
    func passesUpAndEnabledServices(_ up: Bool, _ disabled: Bool, _ passes: Bool) {
        let host = HostState(hostname: "h", serviceUp: up, serviceDisabled: disabled)
        #expect(ComputeFilter().passes(host, SchedulingRequest(cpu: 1, memoryMB: 1)) == passes)
    }
}

struct RuntimeFilterTests {
    @Test(arguments: [(nil, true), ("runc", true), ("kata", false)] as [(String?, Bool)])
    func passesHostsOfferingTheRuntime(_ runtime: String?, _ passes: Bool) {
        let host = HostState(hostname: "h", runtimes: ["runc"])
        #expect(RuntimeFilter().passes(host, SchedulingRequest(cpu: 1, memoryMB: 1, runtime: runtime)) == passes)
    }
}

struct CPUFilterTests {
    @Test(arguments: [(1.0, 0.0, 1.0, true), (2.0, 1.5, 1.0, false), (2.0, 1.0, 1.0, true)])
    func comparesFreeVCPUsWithRatio(_ cpus: Double, _ used: Double, _ ratio: Double, _ passes: Bool) {
        let host = HostState(hostname: "h", cpus: Int(cpus), cpuUsed: used)
        #expect(CPUFilter(allocationRatio: ratio).passes(host, SchedulingRequest(cpu: 1, memoryMB: 1)) == passes)
    }

    @Test func ratioMultipliesCapacity() {
        let host = HostState(hostname: "h", cpus: 2, cpuUsed: 20)
        #expect(CPUFilter(allocationRatio: 16).passes(host, SchedulingRequest(cpu: 4, memoryMB: 1)))
        #expect(!CPUFilter(allocationRatio: 1).passes(host, SchedulingRequest(cpu: 4, memoryMB: 1)))
    }
}

struct RamFilterTests {
    @Test(arguments: [(1024, 0, 512, true), (1024, 600, 512, false), (1024, 512, 512, true)])
    func rejectsHostWithTooLittleFreeMemory(_ total: Int, _ used: Int, _ requested: Int, _ passes: Bool) {
        let host = HostState(hostname: "h", memTotal: total, memUsed: used)
        #expect(RamFilter(allocationRatio: 1).passes(host, SchedulingRequest(cpu: 1, memoryMB: requested)) == passes)
    }
}

struct DiskFilterTests {
    @Test(arguments: [(nil, false, true), (5, false, false), (5, true, true), (500, true, false)] as [(Int?, Bool, Bool)])
    func needsQuotaSupportAndRoom(_ disk: Int?, _ quota: Bool, _ passes: Bool) {
        let host = HostState(hostname: "h", diskTotal: 100, diskQuotaSupported: quota)
        #expect(DiskFilter().passes(host, SchedulingRequest(cpu: 1, memoryMB: 1, diskGB: disk)) == passes)
    }
}
