/// An IPv4 address as a 32-bit number, so subnets can be walked and compared without string games.
public struct IPv4Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var value: UInt32

    public init(_ value: UInt32) { self.value = value }

    /// Parses dotted-quad notation (`10.0.0.1`: four decimal octets of one to three digits); nil for anything
    /// else. Read byte by byte: every port a create writes parses its network's subnet and gateway, and the
    /// `String` way (split, then `UInt32(_:)` per part) was a percent of the accept path's time.
    public init?(_ text: some StringProtocol) {
        var value: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var dots = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits += 1
                guard digits <= 3 else { return nil }
                octet = octet * 10 + UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "."):
                guard digits > 0, octet <= 255, dots < 3 else { return nil }
                value = value << 8 | octet
                (octet, digits, dots) = (0, 0, dots + 1)
            default:
                return nil
            }
        }
        guard dots == 3, digits > 0, octet <= 255 else { return nil }
        self.value = value << 8 | octet
    }

    public var description: String {
        "\(value >> 24 & 255).\(value >> 16 & 255).\(value >> 8 & 255).\(value & 255)"
    }

    public static func < (a: Self, b: Self) -> Bool { a.value < b.value }
}

/// An IPv4 subnet in CIDR notation (`10.224.0.0/24`).
public struct IPv4Subnet: Hashable, Sendable, CustomStringConvertible {
    public var network: IPv4Address
    public var prefixLength: Int

    /// Parses `a.b.c.d/n`; the address is masked to the network. Nil for anything else.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let address = IPv4Address(parts[0]), let prefix = Int(parts[1]), (0...32).contains(prefix) else {
            return nil
        }
        self.init(network: address, prefixLength: prefix)
    }

    public init(network: IPv4Address, prefixLength: Int) {
        self.prefixLength = prefixLength
        self.network = IPv4Address(network.value & Self.mask(prefixLength))
    }

    static func mask(_ prefix: Int) -> UInt32 { prefix == 0 ? 0 : UInt32.max << (32 - prefix) }

    public var description: String { "\(network)/\(prefixLength)" }
    public var size: UInt64 { 1 << UInt64(32 - prefixLength) }
    public var broadcast: IPv4Address { IPv4Address(network.value | ~Self.mask(prefixLength)) }
    /// The conventional gateway: the first address after the network's.
    public var firstHost: IPv4Address { IPv4Address(network.value + 1) }

    public func contains(_ address: IPv4Address) -> Bool {
        address.value & Self.mask(prefixLength) == network.value
    }

    public func overlaps(_ other: IPv4Subnet) -> Bool {
        contains(other.network) || other.contains(network)
    }

    /// Addresses a container may hold: all but the network, broadcast and `excluding` addresses.
    public func isAssignable(_ address: IPv4Address, excluding: Set<IPv4Address>) -> Bool {
        contains(address) && address != network && address != broadcast && !excluding.contains(address)
    }

    /// The `index`-th subnet of length `prefixLength` inside this one, nil past the end.
    public func subnet(_ index: Int, prefixLength length: Int) -> IPv4Subnet? {
        guard length >= prefixLength, length <= 32, index >= 0, UInt64(index) < (1 << UInt64(length - prefixLength)) else {
            return nil
        }
        let start = network.value + UInt32(index) << UInt32(32 - length)
        return IPv4Subnet(network: IPv4Address(start), prefixLength: length)
    }
}
