import ArgumentParser

/// `zun-bench`: the repository's benchmarks. Each prints its figures; BENCHMARKS.md quotes them.
@main
struct ZunBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zun-bench",
        abstract: "Benchmarks of the scheduler, the create path on hollow hosts, API memory and read latency.",
        subcommands: [SchedulerBench.self, EndToEndBench.self, MemoryBench.self, ReadsBench.self, HeartbeatsBench.self, FleetBench.self]
    )
}
