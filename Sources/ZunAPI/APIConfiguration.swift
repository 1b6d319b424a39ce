import Foundation
import ZunCore
import ZunScheduler
import ZunStore

/// Options of the API role, named after Zun's where the meaning matches.
public struct APIConfiguration: Sendable {
    /// `default_cpu` (vCPU) and `default_memory` (MB) for creates that omit them.
    public var defaultCPU: Double = 1.0
    public var defaultMemoryMB: Int = 512
    /// `[api] max_limit`: page size default and cap.
    public var maxLimit: Int = 1000
    /// A compute service not heard from for this long is down (Zun's `service_down_time`, default 180 s there).
    public var serviceDownTime: TimeInterval = 15
    /// `default_availability_zone` of compute services.
    public var defaultAvailabilityZone: String = "nova"
    /// The key each compute node's endpoint key is derived from (`NodeKeys`); handed out, derived, with node
    /// credentials. Nil in `zun dev`, whose agent has no endpoint.
    public var nodeClusterKey: String?
    /// `[scheduler] enabled_filters`, in order.
    public var enabledFilters: [String] = HostFilterRegistry.defaultEnabled
    public var allocationRatios = AllocationRatios()
    /// `SpreadWeigher` (default) or `BinpackWeigher`; equal weights are broken at random.
    public var weigher: String = HostWeigherRegistry.defaultWeigher
    /// Sampled (log2(N) feasible candidates, the default) or exhaustive host ranking.
    public var schedulerMode: FilterScheduler.Mode = .defaultSampled
    public var policy = Policy()
    /// Who the caller is: noauth headers, Keystone tokens or a token file (docs/authentication.md).
    public var authentication: Authentication = .noauth
    /// Per-project limits when neither the project nor the `default` quota class sets one (Zun's `[quota]`).
    public var quotaDefaults: [QuotaResource: Int] = Dictionary(uniqueKeysWithValues: QuotaResource.allCases.map { ($0, $0.zunDefault) })
    /// false: no quota is checked (Zun's `NoopQuotaDriver`).
    public var quotasEnforced = true

    /// The check of `delta` against `project`'s quota, or nil when quotas are off.
    public func quotaCheck(project: String, delta: QuotaUsage) -> QuotaCheck? {
        quotasEnforced ? QuotaCheck(projectID: project, delta: delta, configured: quotaDefaults) : nil
    }
    /// A task whose host has been down this long ends: rescheduled once if the host never started it,
    /// otherwise the container goes to `Error` naming the dead host.
    public var deadHostTaskTimeout: TimeInterval = 60
    /// Whether a create that a dead host never started moves to another host (once).
    public var rescheduleOnDeadHost = true
    /// How often the reaper looks for tasks stuck on dead hosts.
    public var reaperInterval: Duration = .seconds(2)

    /// `[websocket_proxy] base_url`: where clients open attach and interactive exec sessions. Nil means this
    /// API itself, at the address the client used.
    public var websocketBaseURL: String?

    /// Where networks created without a subnet (a project's default network among them) get one.
    public var subnetPool: SubnetPool = .default
    /// Limits of request heads (size, count, arrival deadline), enforced before the HTTP decoder.
    public var requestHeadLimits = RequestHeadLimits()

    public init() {}
}
