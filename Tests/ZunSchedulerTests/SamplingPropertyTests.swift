import Testing
import ZunCore
import ZunScheduler

/// Random fleets and random requests: no placement breaks a filter or a host limit, and the sampled
/// path finds a host exactly when the exhaustive one does.
struct SamplingPropertyTests {
    static func randomFleet(_ count: Int, _ rng: inout SplitMix64) -> [HostState] {
        (0..<count).map { i in
            let cpus = [1, 2, 4, 8, 16].randomElement(using: &rng)!
            let mem = [512, 1024, 4096, 16384].randomElement(using: &rng)!
            return HostState(
                hostname: "h\(i)", cpus: cpus, cpuUsed: Double(Int.random(in: 0...cpus * 16, using: &rng)),
                memTotal: mem, memUsed: Int.random(in: 0...mem * 3 / 2, using: &rng), diskTotal: 100,
                diskUsed: Int.random(in: 0...100, using: &rng), diskQuotaSupported: Bool.random(using: &rng),
                runtimes: Bool.random(using: &rng) ? ["runc"] : ["runc", "kata"],
                labels: ["tier": ["gold", "silver"].randomElement(using: &rng)!],
                availabilityZone: ["nova", "az2"].randomElement(using: &rng)!,
                serviceUp: Int.random(in: 0..<10, using: &rng) > 0, serviceDisabled: Int.random(in: 0..<10, using: &rng) == 0,
                enableCPUPinning: Bool.random(using: &rng),
                numaNodes: [NUMANode(id: 0, cpuset: Set(0..<cpus), pinnedCPUs: Set(0..<Int.random(in: 0...cpus, using: &rng)), memAvailable: mem / 2)]
            )
        }
    }

    static func randomRequest(_ rng: inout SplitMix64) -> SchedulingRequest {
        SchedulingRequest(
            cpu: [0.1, 0.5, 1, 2, 4].randomElement(using: &rng)!, memoryMB: [64, 256, 1024, 4096].randomElement(using: &rng)!,
            diskGB: Bool.random(using: &rng) ? nil : Int.random(in: 1...20, using: &rng),
            runtime: [nil, "runc", "kata"].randomElement(using: &rng)!, availabilityZone: [nil, "nova", "az2"].randomElement(using: &rng)!,
            hints: Bool.random(using: &rng) ? [:] : ["label:tier": "gold"],
            cpuPolicy: [nil, "shared", "dedicated"].randomElement(using: &rng)!,
            differentHostFrom: Bool.random(using: &rng) ? [] : ["h0", "h1", "h2"]
        )
    }

    /// Every filter, written out from Zun's rules, independent of the filter code.
    static func feasible(_ h: HostState, _ r: SchedulingRequest, _ ratios: AllocationRatios = AllocationRatios()) -> Bool {
        if let zone = r.availabilityZone, zone != h.availabilityZone { return false }
        if !h.serviceUp || h.serviceDisabled { return false }
        if let runtime = r.runtime, !h.runtimes.contains(runtime) { return false }
        if Double(h.cpus) * ratios.cpu - h.cpuUsed < r.cpu - 1e-9 { return false }
        if Double(h.memTotal) * ratios.ram - Double(h.memUsed) < Double(r.memoryMB) { return false }
        if let disk = r.diskGB, disk > 0, !(h.diskQuotaSupported && Double(h.diskTotal) * ratios.disk - Double(h.diskUsed) >= Double(disk)) { return false }
        if r.differentHostFrom.contains(h.hostname) { return false }
        if r.cpuPolicy == "dedicated" {
            guard h.enableCPUPinning, h.numaNodes.contains(where: { $0.freeCPUs.count >= Int(r.cpu.rounded(.up)) && $0.memAvailable >= r.memoryMB }) else { return false }
        }
        if let tier = r.hints["label:tier"], h.labels["tier"] != tier { return false }
        return true
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func placementsNeverBreakAFilterAndBothPathsAgree(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let filters = try HostFilterRegistry.filters(named: HostFilterRegistry.all)
        let sampled = FilterScheduler(filters: filters, mode: .sampled(minimum: 4))
        let exhaustive = FilterScheduler(filters: filters, mode: .exhaustive)
        var fleet = Self.randomFleet(Int.random(in: 1...400, using: &rng), &rng)
        for _ in 0..<300 {
            let request = Self.randomRequest(&rng)
            let fast = sampled.select(from: fleet, for: request, using: &rng)
            let slow = exhaustive.select(from: fleet, for: request, using: &rng)
            #expect((fast.host == nil) == (slow.host == nil), "sampled and exhaustive agree on feasibility")
            #expect((slow.host == nil) == !fleet.contains { Self.feasible($0, request) }, "exhaustive matches the rules")
            if let chosen = fast.host {
                #expect(Self.feasible(chosen, request), "the chosen host passes every rule")
                // Place it, so later requests see the usage: hosts fill up, limits must still hold.
                let index = fleet.firstIndex { $0.hostname == chosen.hostname }!
                fleet[index].consume(request)
                let host = fleet[index]
                #expect(host.cpuUsed <= Double(host.cpus) * 16 + 1e-9, "no CPU over-commit past the ratio")
                #expect(Double(host.memUsed) <= Double(host.memTotal) * 1.5, "no memory over-commit past the ratio")
            }
        }
    }
}
