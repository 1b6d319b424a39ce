import Testing
import ZunCore

struct IPv4Tests {
    @Test func parsesAndPrintsAddressesAndSubnets() {
        #expect(IPv4Address("10.1.2.3")?.description == "10.1.2.3")
        #expect(IPv4Address("255.0.010.9")?.description == "255.0.10.9")
        #expect(IPv4Address(Substring("0.0.0.0/8".prefix(7)))?.value == 0)
        for bad in ["10.1.2", "10.1.2.3.4", "256.1.1.1", "a.b.c.d", "10..2.3", "", "1.2.3.04444", "+1.2.3.4", " 1.2.3.4", "1.2.3.4 ",
                    "1.2.3.", ".1.2.3", "1.2.3.256", "١.2.3.4"] {
            #expect(IPv4Address(bad) == nil, "\(bad)")
        }
        let subnet = IPv4Subnet("10.1.2.77/24")
        #expect(subnet?.description == "10.1.2.0/24", "the address is masked to its network")
        #expect(subnet?.broadcast.description == "10.1.2.255")
        #expect(subnet?.firstHost.description == "10.1.2.1")
        #expect(IPv4Subnet("10.1.2.0/33") == nil)
        #expect(IPv4Subnet("10.1.2.0") == nil)
    }

    @Test func containsOverlapsAndAssignable() throws {
        let subnet = try #require(IPv4Subnet("10.1.2.0/24"))
        #expect(subnet.contains(IPv4Address("10.1.2.200")!))
        #expect(!subnet.contains(IPv4Address("10.1.3.1")!))
        #expect(subnet.overlaps(IPv4Subnet("10.1.0.0/16")!))
        #expect(subnet.overlaps(IPv4Subnet("10.1.2.128/25")!))
        #expect(!subnet.overlaps(IPv4Subnet("10.1.3.0/24")!))
        let gateway = IPv4Address("10.1.2.1")!
        #expect(!subnet.isAssignable(IPv4Address("10.1.2.0")!, excluding: []))
        #expect(!subnet.isAssignable(IPv4Address("10.1.2.255")!, excluding: []))
        #expect(!subnet.isAssignable(gateway, excluding: [gateway]))
        #expect(subnet.isAssignable(IPv4Address("10.1.2.2")!, excluding: [gateway]))
    }

    @Test func thePoolHandsOutTheFirstSubnetThatOverlapsNothing() throws {
        let pool = SubnetPool(pool: try #require(IPv4Subnet("10.224.0.0/16")), prefixLength: 24)
        #expect(pool.firstFree(avoiding: [])?.description == "10.224.0.0/24")
        #expect(pool.firstFree(avoiding: [IPv4Subnet("10.224.0.0/23")!])?.description == "10.224.2.0/24")
        let tiny = SubnetPool(pool: try #require(IPv4Subnet("10.0.0.0/23")), prefixLength: 24)
        #expect(tiny.firstFree(avoiding: [IPv4Subnet("10.0.0.0/23")!]) == nil, "an exhausted pool says so")
        #expect(SubnetPool.default.pool.description == "10.224.0.0/11")
    }
}
