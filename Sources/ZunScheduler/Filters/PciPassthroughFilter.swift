/// Zun's PciPassthroughFilter: the host's device pools can satisfy every PCI request.
public struct PciPassthroughFilter: HostFilter {
    public static let name = "PciPassthroughFilter"
    public init() {}

    public func passes(_ host: HostState, _ request: SchedulingRequest) -> Bool {
        request.pciRequests.allSatisfy { pci in
            host.pciPools.filter { $0.vendorID == pci.vendorID && $0.productID == pci.productID }.reduce(0) { $0 + $1.count } >= pci.count
        }
    }
}
