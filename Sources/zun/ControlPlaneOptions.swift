import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import ZunCompute
import ZunCore

/// How `zun compute` reaches the control plane: API URLs and its own credential, nothing else
/// (docs/node-protocol.md). There is no database option on purpose.
struct ControlPlaneOptions: ParsableArguments {
    @Option(name: .customLong("api"), help: "URL of an API replica; repeat for more (env ZUN_API_URLS, comma-separated). The node fails over between them.")
    var apiOption: [String] = []
    var apiURLs: [String] {
        let urls = apiOption.isEmpty ? (env("ZUN_API_URLS") ?? "").split(separator: ",").map(String.init) : apiOption
        return urls.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    @Option(help: "File holding this node's credential, mode 0600 (env ZUN_NODE_CREDENTIAL_FILE). Written on bootstrap and rotation. With --hollow, a directory of one file per host.")
    var credentialFile: String = env("ZUN_NODE_CREDENTIAL_FILE") ?? "/var/lib/zun/node-credential.json"

    @Option(name: .customLong("bootstrap-token-file"), help: "File holding the bootstrap token from `zun node enroll`, used when there is no credential file yet (env ZUN_BOOTSTRAP_TOKEN_FILE, or the token itself in env ZUN_BOOTSTRAP_TOKEN). With --hollow, lines of `<host> <token>`.")
    var bootstrapTokenFileOption: String?
    var bootstrapTokenFile: String? { bootstrapTokenFileOption ?? env("ZUN_BOOTSTRAP_TOKEN_FILE") }

    @Option(help: "Seconds between rotations of this node's credential (env ZUN_CREDENTIAL_ROTATION; 0: never).")
    var credentialRotation: Double = env("ZUN_CREDENTIAL_ROTATION").flatMap(Double.init) ?? 86400

    func validate() throws {
        guard !apiURLs.isEmpty else { throw ValidationError("--api (or ZUN_API_URLS) is required: the URL of at least one API replica") }
        for url in apiURLs where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw ValidationError("\(url) is not an http(s) URL")
        }
    }

    /// The bootstrap token of a single node: the file's first word, or `ZUN_BOOTSTRAP_TOKEN`.
    func bootstrapToken() throws -> String? {
        if let path = bootstrapTokenFile {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ValidationError("cannot read \(path)") }
            return text.split(whereSeparator: \.isWhitespace).first.map(String.init)
        }
        return env("ZUN_BOOTSTRAP_TOKEN")
    }

    /// Bootstrap tokens of many hosts (`--hollow`): lines of `<host> <token>`.
    func bootstrapTokens() throws -> [String: String] {
        guard let path = bootstrapTokenFile else { return [:] }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ValidationError("cannot read \(path)") }
        var tokens: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let words = line.split(whereSeparator: \.isWhitespace)
            if words.count == 2 { tokens[String(words[0])] = String(words[1]) }
        }
        return tokens
    }

    /// The node's identity: read from its file, or got once by trading the bootstrap token (then kept in the
    /// file, so that a restart needs no token).
    func identity(host: String, credentialPath: String, token: String?, client: HTTPClient, logger: Logger) async throws -> NodeCredentialHolder {
        if NodeCredentialHolder.exists(at: credentialPath) {
            let holder = try NodeCredentialHolder(path: credentialPath)
            guard holder.host == host else {
                throw ValidationError("\(credentialPath) holds the credential of \(holder.host), not of \(host)")
            }
            return holder
        }
        guard let token else {
            throw ValidationError("\(credentialPath) does not exist: enroll the host (`zun node enroll \(host)`) and pass its bootstrap token (--bootstrap-token-file or ZUN_BOOTSTRAP_TOKEN)")
        }
        let identity = try await HTTPControlPlane.bootstrap(endpoints: apiURLs, token: token, client: client, logger: logger)
        guard identity.host == host else {
            throw ValidationError("the bootstrap token is for host \(identity.host), not \(host)")
        }
        logger.notice("node enrolled; credential saved", metadata: ["credential_file": "\(credentialPath)"])
        return try NodeCredentialHolder(saving: identity, to: credentialPath)
    }

    /// Runs `body` with an HTTP client for the node protocol holding up to `connections` connections per replica
    /// (a long-poll holds one), shut down afterwards.
    static func withClient<T>(connections: Int, _ body: (HTTPClient) async throws -> T) async throws -> T {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        configuration.timeout = .init(connect: .seconds(10))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
