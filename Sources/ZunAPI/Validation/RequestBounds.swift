/// Upper bounds of request numbers where Zun's schema gives none (see docs/limits.md).
enum RequestBounds {
    /// Seconds a stop or reboot waits before it kills: one hour.
    static let stopTimeout = 3600
    /// Healthcheck `interval` and `timeout` seconds: one day.
    static let healthcheckSeconds = 86_400
    /// Healthcheck `retries` and restart `MaximumRetryCount`.
    static let retries = 10_000
    /// Bytes of an `execute` command line.
    static let execCommandBytes = 16_384
    /// GB of a volume (recorded; Docker's local driver does not enforce it).
    static let volumeSizeGB = 16_384
}
