import ArgumentParser
import Foundation
import ZunAPI
import ZunCore
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

        @Argument(help: "The host's name, as its compute service reports it; several hosts may be named.")
        var hosts: [String]
        @Option(help: "Enroll the hosts <host>-00000… of a `zun compute --hollow N` fleet instead (scale benchmarks).")
        var hollow: Int = 0
        @Option(help: "Write `<host> <token>` lines to this file (mode 0600) instead of printing the tokens.")
        var output: String?
        @OptionGroup var common: CommonOptions
        @OptionGroup var storage: DatabaseOption

        func run() async throws {
            let names = hollow > 0 ? hosts.flatMap { prefix in (0..<hollow).map { String(format: "%@-%05d", prefix, $0) } } : hosts
            guard !names.isEmpty else { throw ValidationError("name at least one host") }
            for host in names where !NodeCredentials.isValidHost(host) {
                throw ValidationError("\(host) is not a host name (letters, digits, . _ -)")
            }
            let location = try storage.location()
            let tokens = try await SQLStore.withStore(at: location, poolSize: storage.databasePoolSize, logger: common.logger("zun-node")) { store in
                var tokens: [String] = []
                for host in names { tokens.append(try await NodeCredentials(store: store).enroll(host: host)) }
                return tokens
            }
            if let output {
                let lines = zip(names, tokens).map { "\($0) \($1)\n" }.joined()
                try PrivateFile.replace(output, with: Data(lines.utf8))
            } else if names.count == 1 {
                print(tokens[0])
            } else {
                for (host, token) in zip(names, tokens) { print("\(host) \(token)") }
            }
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
            let count = try await SQLStore.withStore(at: location, poolSize: storage.databasePoolSize, logger: common.logger("zun-node")) { store in
                try await NodeCredentials(store: store).revoke(host: host)
            }
            print("revoked \(count) credential(s) of \(host)")
        }
    }
}
