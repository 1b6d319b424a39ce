import ArgumentParser
import NIOCore
import NIOPosix

@main
struct Zun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zun",
        abstract: "A container service with OpenStack Zun's API.",
        subcommands: [DevCommand.self, APICommand.self, ComputeCommand.self, PolicyCommand.self, TokenCommand.self, NodeCommand.self]
    )

    /// Swift concurrency runs on NIO's event loops (swift-nio's `NIOSingletons`): a request's handler then stays on
    /// the thread that does its I/O instead of hopping to the global pool and back, which halves the CPU of the
    /// small requests the node protocol is made of (BENCHMARKS.md). Nothing in `zun` blocks a thread of the
    /// global executor: SQLite and file work run on their own thread pools.
    static func main() async {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await main(nil)
    }
}
