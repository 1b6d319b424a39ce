import ArgumentParser
import Foundation
import ZunAPI

/// `zun token new`: issues a token for `--auth-strategy token-file` (docs/authentication.md).
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Issue tokens of a token file.", subcommands: [New.self]
    )

    struct New: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a token to a token file and print it once: the file keeps only its SHA-256. A running API picks it up within a second."
        )

        @Option(help: "The token file (created, mode 0600, when missing).")
        var file: String
        @Option(help: "The user the token authenticates.")
        var user: String
        @Option(help: "The user's project.")
        var project: String
        @Option(help: "The user's roles, comma-separated, e.g. member or admin.")
        var roles: String = "member"
        @Option(help: "Days until the token expires (default: never).")
        var expiresInDays: Int?

        func run() async throws {
            guard !user.isEmpty, !project.isEmpty else { throw ValidationError("--user and --project must not be empty") }
            if let days = expiresInDays, days < 1 { throw ValidationError("--expires-in-days must be 1 or more") }
            let token = TokenFile.generateToken()
            let expires = expiresInDays.map { days -> String in
                let formatter = ISO8601DateFormatter()
                return formatter.string(from: Date().addingTimeInterval(TimeInterval(days) * 86_400))
            }
            let entry = TokenFile.Entry(
                sha256: TokenFile.digest(of: token), user_id: user, project_id: project,
                roles: roles.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
                expires_at: expires
            )
            do {
                try TokenFile.append(entry, to: file)
            } catch {
                throw ValidationError("\(error)")
            }
            print(token)
        }
    }
}
