import Foundation

/// Where Keystone is and how the API signs in to it to validate callers' tokens (keystonemiddleware's
/// `[keystone_authtoken]`: `auth_url`, `www_authenticate_uri`, `username`, `password`, `project_name`,
/// `user_domain_name`, `project_domain_name`, `token_cache_time`).
public struct KeystoneConfiguration: Sendable {
    /// The identity v3 endpoint, `http://host:5000/v3` (a URL without `/v3` gets it).
    public var authURL: String
    /// What the 401's `WWW-Authenticate: Keystone uri="…"` names: the public identity endpoint.
    public var wwwAuthenticateURI: String
    public var serviceUser: String
    public var serviceUserDomain: String
    public var serviceProject: String
    public var serviceProjectDomain: String
    /// The service user's password; never logged, never part of `description`.
    public var servicePassword: String
    /// How long a validation is trusted before Keystone is asked again (keystonemiddleware's
    /// `token_cache_time`, 300 s). A revoked token stops working within this bound; 0 asks every time.
    public var cacheTTL: TimeInterval
    /// How many validations are kept.
    public var cacheLimit: Int
    /// How long one call to Keystone may take before the request is refused (503).
    public var requestTimeout: TimeInterval

    public init(
        authURL: String, wwwAuthenticateURI: String? = nil, serviceUser: String, serviceUserDomain: String = "Default",
        serviceProject: String, serviceProjectDomain: String = "Default", servicePassword: String,
        cacheTTL: TimeInterval = 300, cacheLimit: Int = 10_000, requestTimeout: TimeInterval = 10
    ) {
        var base = authURL
        while base.hasSuffix("/") { base.removeLast() }
        if !base.hasSuffix("/v3") { base += "/v3" }
        self.authURL = base
        self.wwwAuthenticateURI = wwwAuthenticateURI ?? base
        self.serviceUser = serviceUser
        self.serviceUserDomain = serviceUserDomain
        self.serviceProject = serviceProject
        self.serviceProjectDomain = serviceProjectDomain
        self.servicePassword = servicePassword
        self.cacheTTL = cacheTTL
        self.cacheLimit = cacheLimit
        self.requestTimeout = requestTimeout
    }
}
