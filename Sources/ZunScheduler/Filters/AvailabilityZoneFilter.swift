/// Passes hosts in the requested availability zone; no request means any zone.
public struct AvailabilityZoneFilter: HostFilter {
    public static let name = "AvailabilityZoneFilter"
    public init() {}

    public func passes(_ host: HostState, _ request: SchedulingRequest) -> Bool {
        guard let zone = request.availabilityZone else { return true }
        return host.availabilityZone == zone
    }
}
