import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import ZunCore

/// Validates callers' tokens against Keystone v3 as keystonemiddleware's auth_token does: the service signs
/// in with its own user (`POST /v3/auth/tokens`), then asks `GET /v3/auth/tokens` with `X-Subject-Token` for
/// each caller's token, and takes user, project, domain and roles from the answer. Validations are cached
/// by the token's SHA-256 for a bounded time (`TokenValidationCache`).
///
/// It fails closed: a token Keystone does not vouch for is no identity (401), and a Keystone that cannot be
/// reached, answers garbage or refuses the service's own credential refuses the request (503). No token,
/// password or service token is ever logged; a token appears in logs only as a digest fingerprint.
public final class KeystoneTokenValidator: Sendable {
    public let configuration: KeystoneConfiguration
    private let clock: any WallClock
    private let logger: Logger
    private let cache: NIOLockedValueBox<TokenValidationCache>
    /// Validations under way, by digest: concurrent requests with the same uncached token wait for one call
    /// to Keystone instead of each making their own (200 clients arriving at once with one token made 200
    /// calls, and Keystone answered them past the deadline).
    private let inFlight = NIOLockedValueBox<[String: Task<Validation, any Error>]>([:])
    private let validationCalls = NIOLockedValueBox(0)
    private let serviceToken: ServiceTokenSource

    public init(configuration: KeystoneConfiguration, clock: any WallClock = SystemWallClock(), logger: Logger) {
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.cache = NIOLockedValueBox(TokenValidationCache(limit: configuration.cacheLimit))
        self.serviceToken = ServiceTokenSource(configuration: configuration, clock: clock, logger: logger)
    }

    /// Signs in with the service credential now, so a wrong password or an unreachable Keystone stops the
    /// API at start instead of refusing every request later.
    public func checkServiceCredential() async throws {
        _ = try await serviceToken.token(refresh: true)
    }

    /// The caller the token belongs to, or nil when Keystone does not vouch for it (unknown, expired,
    /// revoked, or not scoped to a project).
    public func identity(forToken token: String) async throws -> Identity? {
        let digest = TokenDigest.sha256Hex(token)
        let now = clock.now
        if let verdict = cache.withLockedValue({ $0.lookup(digest, now: now) }) {
            if case .valid(let identity) = verdict { return identity }
            return nil
        }
        let validation = try await validateOnce(token, digest: digest)
        let ttlEnd = now.addingTimeInterval(configuration.cacheTTL)
        switch validation {
        case .valid(let identity, let expires):
            cache.withLockedValue { $0.store(digest, .valid(identity), until: min(ttlEnd, expires), now: now) }
            return identity
        case .refused(let reason):
            logger.info("token refused", metadata: ["token_fingerprint": "\(TokenDigest.fingerprint(token))", "reason": "\(reason)"])
            cache.withLockedValue { $0.store(digest, .refused, until: ttlEnd, now: now) }
            return nil
        }
    }

    /// How many validations the cache holds.
    public var cachedValidations: Int { cache.withLockedValue { $0.count } }

    /// How many times a caller's token was sent to Keystone (cache misses after coalescing).
    public var keystoneValidations: Int { validationCalls.withLockedValue { $0 } }

    enum Validation: Sendable {
        case valid(Identity, expires: Date)
        case refused(String)
    }

    /// One call to Keystone per digest at a time; the callers that arrive meanwhile share its answer.
    private func validateOnce(_ token: String, digest: String) async throws -> Validation {
        let (task, owner) = inFlight.withLockedValue { running -> (Task<Validation, any Error>, Bool) in
            if let task = running[digest] { return (task, false) }
            let task = Task { try await self.validate(token) }
            running[digest] = task
            return (task, true)
        }
        defer { if owner { inFlight.withLockedValue { $0[digest] = nil } } }
        return try await task.value
    }

    private func validate(_ token: String) async throws -> Validation {
        // Keystone answers 401 when the service token itself has expired or was revoked: sign in again, once.
        for attempt in 0..<2 {
            let service = try await serviceToken.token(refresh: attempt > 0)
            validationCalls.withLockedValue { $0 += 1 }
            var request = HTTPClientRequest(url: configuration.authURL + "/auth/tokens")
            request.method = .GET
            request.headers.add(name: "X-Auth-Token", value: service)
            request.headers.add(name: "X-Subject-Token", value: token)
            request.headers.add(name: "Accept", value: "application/json")
            let (status, body) = try await KeystoneCall.execute(request, timeout: configuration.requestTimeout, logger: logger)
            switch status {
            case .ok:
                return try Self.parse(body, now: clock.now)
            case .notFound:
                return .refused("unknown, expired or revoked")
            case .unauthorized where attempt == 0:
                continue
            default:
                logger.error("keystone refused to validate a token", metadata: ["status": "\(status.code)"])
                throw KeystoneCall.unavailable
            }
        }
        logger.error("keystone refuses the service credential")
        throw KeystoneCall.unavailable
    }

    /// The identity of a `GET /v3/auth/tokens` answer.
    static func parse(_ body: ByteBuffer, now: Date) throws -> Validation {
        guard let answer = try? JSONDecoder().decode(TokenAnswer.self, from: body) else {
            throw KeystoneCall.unavailable
        }
        let token = answer.token
        guard let expires = KeystoneCall.date(token.expires_at) else { throw KeystoneCall.unavailable }
        guard expires > now else { return .refused("expired") }
        guard let project = token.project else { return .refused("not scoped to a project") }
        let identity = Identity(
            userID: token.user.id, projectID: project.id, roles: (token.roles ?? []).map(\.name),
            domainID: project.domain?.id
        )
        return .valid(identity, expires: expires)
    }

    struct TokenAnswer: Decodable {
        struct Token: Decodable {
            var expires_at: String
            var user: Named
            var project: Named?
            var roles: [Role]?
        }
        struct Named: Decodable {
            var id: String
            var name: String?
            var domain: Domain?
        }
        struct Domain: Decodable {
            var id: String?
        }
        struct Role: Decodable {
            var name: String
        }
        var token: Token
    }
}

/// The service's own token, fetched with its password when missing or about to expire.
actor ServiceTokenSource {
    private let configuration: KeystoneConfiguration
    private let clock: any WallClock
    private let logger: Logger
    private var current: (token: String, expires: Date)?
    private var pending: Task<(token: String, expires: Date), any Error>?

    init(configuration: KeystoneConfiguration, clock: any WallClock, logger: Logger) {
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
    }

    func token(refresh: Bool) async throws -> String {
        if !refresh, let current, current.expires.timeIntervalSince(clock.now) > 60 { return current.token }
        if let pending { return try await pending.value.token }
        let task = Task { [configuration, logger] in try await Self.signIn(configuration, logger: logger) }
        pending = task
        defer { pending = nil }
        let fresh = try await task.value
        current = fresh
        return fresh.token
    }

    private static func signIn(_ configuration: KeystoneConfiguration, logger: Logger) async throws -> (token: String, expires: Date) {
        let body: [String: Any] = [
            "auth": [
                "identity": [
                    "methods": ["password"],
                    "password": [
                        "user": [
                            "name": configuration.serviceUser, "domain": ["name": configuration.serviceUserDomain],
                            "password": configuration.servicePassword,
                        ] as [String: Any],
                    ],
                ] as [String: Any],
                "scope": ["project": ["name": configuration.serviceProject, "domain": ["name": configuration.serviceProjectDomain]] as [String: Any]],
            ] as [String: Any],
        ]
        var request = HTTPClientRequest(url: configuration.authURL + "/auth/tokens")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)))
        let (status, answer, headers) = try await KeystoneCall.executeWithHeaders(request, timeout: configuration.requestTimeout, logger: logger)
        guard status == .created, let token = headers.first(name: "X-Subject-Token"), !token.isEmpty else {
            logger.error(
                "keystone refused the service credential",
                metadata: ["status": "\(status.code)", "user": "\(configuration.serviceUser)", "project": "\(configuration.serviceProject)"]
            )
            throw KeystoneCall.unavailable
        }
        guard let parsed = try? JSONDecoder().decode(KeystoneTokenValidator.TokenAnswer.self, from: answer),
              let expires = KeystoneCall.date(parsed.token.expires_at)
        else { throw KeystoneCall.unavailable }
        return (token, expires)
    }
}

/// One HTTP call to Keystone, and the 503 every failure of it becomes.
enum KeystoneCall {
    static let unavailable = ZunError(.unavailable, code: "service-unavailable", message: "The Keystone service is temporarily unavailable.")

    static func execute(_ request: HTTPClientRequest, timeout: TimeInterval, logger: Logger) async throws -> (HTTPResponseStatus, ByteBuffer) {
        let (status, body, _) = try await executeWithHeaders(request, timeout: timeout, logger: logger)
        return (status, body)
    }

    static func executeWithHeaders(
        _ request: HTTPClientRequest, timeout: TimeInterval, logger: Logger
    ) async throws -> (HTTPResponseStatus, ByteBuffer, HTTPHeaders) {
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            let body = try await response.body.collect(upTo: 1 << 20)
            return (response.status, body, response.headers)
        } catch {
            // The error of a connection or a timeout names the URL, never the headers carrying tokens.
            logger.error("keystone cannot be reached", metadata: ["url": "\(request.url)", "error": "\(error)"])
            throw unavailable
        }
    }

    /// Keystone's `2026-12-03T21:06:11.000000Z`.
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard text.count >= 19 else { return nil }
        return formatter.date(from: String(text.prefix(19)) + "Z")
    }
}
