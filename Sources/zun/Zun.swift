import ArgumentParser
import Logging
import NIOCore
import NIOPosix

@main
struct Zun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zun",
        abstract: "A container service with OpenStack Zun's API.",
        subcommands: [DevCommand.self, APICommand.self, ComputeCommand.self, PolicyCommand.self, TokenCommand.self, NodeCommand.self]
    )

    /// Swift concurrency runs on NIO's event loops (swift-nio's `NIOSingletons`): an HTTP exchange then stays on
    /// the thread that does its I/O instead of hopping to the global pool and back. Measured with 5,000 hollow
    /// hosts in one process (BENCHMARKS.md, "The node protocol at scale"): without it, their heartbeats fall
    /// behind by seconds and thousands of hosts look down; with it, none does. Nothing in `zun` blocks a thread of
    /// the global executor for long: SQLite statements (microseconds) run inline, and its commits, which wait for
    /// the disk, on NIO's thread pool (docs/architecture.md, "The store").
    static func main() async {
        LoggingSystem.bootstrap(DeferredMetadataLogHandler.init, metadataProvider: nil)
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await main(nil)
    }
}
