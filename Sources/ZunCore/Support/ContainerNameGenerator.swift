/// Generates names like `alpha-7-container` for containers created without one, as Zun does.
public enum ContainerNameGenerator {
    static let letters = [
        "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu",
        "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega",
    ]

    public static func generate<G: RandomNumberGenerator>(using generator: inout G) -> String {
        let letter = letters.randomElement(using: &generator)!
        return "\(letter)-\(Int.random(in: 1...24, using: &generator))-container"
    }

    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }
}
