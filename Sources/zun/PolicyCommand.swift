import ArgumentParser
import ZunAPI
import ZunCore

/// `zun policy check`: explains one policy decision with the rules in force (defaults, or a policy file).
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Inspect the policy rules.", subcommands: [Check.self, List.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Say whether a caller may do a rule, and the check string that decides (exit status 0 allowed, 1 denied)."
        )

        @Option(help: "The rule, e.g. container:create.")
        var rule: String
        @Option(help: "The caller's roles, comma-separated.")
        var roles: String = ""
        @Option(help: "The caller's project.")
        var project: String
        @Option(help: "The caller's user.")
        var user: String = "user"
        @Option(help: "The project owning the target resource (default: the caller's).")
        var targetProject: String?
        @OptionGroup var policyOptions: PolicyOptions

        func run() async throws {
            let policy = try policyOptions.policy()
            guard let text = policy.checkStrings[rule] else {
                throw ValidationError("\(rule) is not a policy rule; `zun policy list` shows them")
            }
            let identity = Identity(
                userID: user, projectID: project,
                roles: roles.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            )
            let allowed = policy.allows(named: rule, identity, targetProject: targetProject)
            print("\(allowed ? "allowed" : "denied"): \(rule) = \"\(text)\" for roles [\(identity.roles.joined(separator: ","))] of project \(project) on project \(targetProject ?? project)")
            if !allowed { throw ExitCode(1) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every rule with the check string in force.")
        @OptionGroup var policyOptions: PolicyOptions

        func run() async throws {
            let policy = try policyOptions.policy()
            for (name, text) in policy.checkStrings.sorted(by: { $0.key < $1.key }) {
                print("\"\(name)\": \"\(text)\"")
            }
        }
    }
}
