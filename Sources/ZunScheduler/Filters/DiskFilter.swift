/// Passes any host when no disk is requested; otherwise hosts that support disk quotas and have room.
public struct DiskFilter: HostFilter {
    public static let name = "DiskFilter"
    public var allocationRatio: Double
    public init(allocationRatio: Double = 1.0) { self.allocationRatio = allocationRatio }

    public func passes(_ host: HostState, _ request: SchedulingRequest) -> Bool {
        guard let disk = request.diskGB, disk > 0 else { return true }
        return host.diskQuotaSupported && Double(host.diskTotal) * allocationRatio - Double(host.diskUsed) >= Double(disk)
    }
}
