import ArgumentParser
import Foundation
import ZunAPI
import ZunStore

/// `zun node enroll|revoke`: per-node credentials of compute hosts (docs/node-protocol.md), run by an admin
/// where the API's database is reachable.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node", abstract: "Enroll compute hosts and revoke their credentials.", subcommands: [Enroll.self, Revoke.self]
    )

    struct Enroll: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a one-time bootstrap token for a host (valid one hour); the host exchanges it for its own credential on first contact."
        )

        @Argument(help: "The host's name, as its compute service reports it.")
        var host: String
        @OptionGroup var common: CommonOptions
        @OptionGroup var storage: DatabaseOption

        func run() async throws {
            guard NodeCredentials.isValidHost(host) else { throw ValidationError("\(host) is not a host name (letters, digits, . _ -)") }
            let location = try storage.location()
            let token = try await SQLStore.withStore(at: location, logger: common.logger("zun-node")) { store in
                try await NodeCredentials(store: store).enroll(host: host)
            }
            print(token)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke every credential and bootstrap token of a host at once.")

        @Argument(help: "The host's name.")
        var host: String
        @OptionGroup var common: CommonOptions
        @OptionGroup var storage: DatabaseOption

        func run() async throws {
            let location = try storage.location()
            let count = try await SQLStore.withStore(at: location, logger: common.logger("zun-node")) { store in
                try await NodeCredentials(store: store).revoke(host: host)
            }
            print("revoked \(count) credential(s) of \(host)")
        }
    }
}
