import ArgumentParser
import Foundation
import ZunCore
import ZunScheduler

/// Placements per second of the scheduler alone, on in-memory fleets: filter, rank and consume, one
/// request after another, as the API does per create.
struct SchedulerBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scheduler", abstract: "Scheduler placements/s and decision latency.")

    @Option(help: "Fleet sizes, comma-separated.")
    var hosts = "100,1000,10000"

    @Option(help: "Placements per run.")
    var placements = 20000

    @Option(help: "Random seed.")
    var seed: UInt64 = 42

    func run() throws {
        let sizes = hosts.split(separator: ",").compactMap { Int($0) }
        emit("scheduler: \(placements) placements per run, seed \(seed), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        emit("hosts   filters  mode        placements/s   decision latency")
        for size in sizes {
            for (label, names) in [("default", HostFilterRegistry.defaultEnabled), ("all", HostFilterRegistry.all)] {
                for mode in [FilterScheduler.Mode.defaultSampled, .exhaustive] {
                    // The exhaustive mode is O(N log N) per decision; fewer placements keep the run short.
                    let count = mode == .exhaustive && size >= 10000 ? placements / 10 : placements
                    let result = try measure(size: size, filterNames: names, mode: mode, placements: count)
                    let modeName = mode == .exhaustive ? "exhaustive" : "sampled"
                    emit(pad("\(size)", 8) + pad(label, 9) + pad(modeName, 12) + pad(String(format: "%.0f", result.rate), 15) + result.summary.description)
                }
            }
        }
    }

    struct Result {
        var rate: Double
        var summary: LatencySummary
    }

    func measure(size: Int, filterNames: [String], mode: FilterScheduler.Mode, placements: Int) throws -> Result {
        var rng = SplitMix64(seed: seed)
        var fleet = Self.fleet(size, &rng)
        let index = Dictionary(uniqueKeysWithValues: fleet.enumerated().map { ($1.hostname, $0) })
        let scheduler = FilterScheduler(filters: try HostFilterRegistry.filters(named: filterNames), mode: mode)
        let requests = (0..<64).map { _ in Self.request(&rng) }
        var latencies: [Duration] = []
        latencies.reserveCapacity(placements)
        let clock = ContinuousClock()
        let start = clock.now
        for i in 0..<placements {
            let request = requests[i % requests.count]
            let before = clock.now
            let decision = scheduler.select(from: fleet, for: request, using: &rng)
            if let chosen = decision.host { fleet[index[chosen.hostname]!].consume(request) }
            latencies.append(clock.now - before)
        }
        let elapsed = (clock.now - start).seconds
        return Result(rate: Double(placements) / elapsed, summary: LatencySummary(latencies))
    }

    /// Hosts of 16–64 vCPUs and 64–256 GB, a few down or disabled, two zones, labels, some pinning.
    static func fleet(_ size: Int, _ rng: inout SplitMix64) -> [HostState] {
        (0..<size).map { i in
            let cpus = [16, 32, 64].randomElement(using: &rng)!
            let mem = [65536, 131072, 262144].randomElement(using: &rng)!
            return HostState(
                hostname: String(format: "host-%05d", i), cpus: cpus, cpuUsed: Double.random(in: 0...Double(cpus), using: &rng),
                memTotal: mem, memUsed: Int.random(in: 0...mem / 2, using: &rng), diskTotal: 1000, diskQuotaSupported: true,
                labels: ["rack": "r\(i % 40)", "tier": i % 3 == 0 ? "gold" : "silver"],
                availabilityZone: i % 2 == 0 ? "nova" : "az2", serviceUp: i % 100 != 0, serviceDisabled: i % 250 == 0,
                enableCPUPinning: i % 4 == 0,
                numaNodes: [NUMANode(id: 0, cpuset: Set(0..<cpus / 2), memAvailable: mem / 2), NUMANode(id: 1, cpuset: Set(cpus / 2..<cpus), memAvailable: mem / 2)]
            )
        }
    }

    static func request(_ rng: inout SplitMix64) -> SchedulingRequest {
        SchedulingRequest(
            cpu: [0.5, 1, 2].randomElement(using: &rng)!, memoryMB: [256, 512, 2048].randomElement(using: &rng)!,
            availabilityZone: Int.random(in: 0..<4, using: &rng) == 0 ? "az2" : nil,
            hints: Int.random(in: 0..<4, using: &rng) == 0 ? ["label:tier": "gold"] : [:],
            cpuPolicy: Int.random(in: 0..<10, using: &rng) == 0 ? "dedicated" : nil
        )
    }
}
