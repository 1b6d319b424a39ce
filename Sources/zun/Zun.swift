import ArgumentParser

@main
struct Zun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zun",
        abstract: "A container service with OpenStack Zun's API.",
        subcommands: [DevCommand.self, APICommand.self, ComputeCommand.self, PolicyCommand.self, TokenCommand.self, NodeCommand.self]
    )
}
