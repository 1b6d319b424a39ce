/// Arithmetic that clamps instead of trapping. Swift traps on integer overflow, and a trap in the agent ends
/// the process for every project on the host, so numbers that came from a request are combined with these.
extension FixedWidthInteger {
    /// `self * other`, clamped to `min`...`max`.
    public func saturatingMultiplied(by other: Self) -> Self {
        let (result, overflow) = multipliedReportingOverflow(by: other)
        guard overflow else { return result }
        return (self < 0) == (other < 0) ? .max : .min
    }

    /// `self + other`, clamped to `min`...`max`.
    public func saturatingAdding(_ other: Self) -> Self {
        let (result, overflow) = addingReportingOverflow(other)
        guard overflow else { return result }
        return other > 0 ? .max : .min
    }

    /// The integer nearest to `value`, clamped to `min`...`max`; NaN gives zero.
    public init(saturating value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= Double(Self.max) {
            self = .max
        } else if value <= Double(Self.min) {
            self = .min
        } else {
            self = Self(value.rounded())
        }
    }
}
