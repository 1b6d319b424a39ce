/// Images are one namespace per engine, shared by every project on the host. To keep projects apart, an
/// image a project commits lands in a repository namespace only that project owns, and only that project
/// may run it (docs/limits.md, "Images").
///
/// The namespace of project `p` is `zun-p` when `p` is already a valid lowercase path component of at most
/// 64 characters (Keystone's 32-hex project ids are), else `zun-x-<hex of p's UTF-8 bytes>`. Both forms are
/// injective and cannot collide: a verbatim id has no `-`, so no verbatim namespace starts with `zun-x-`.
public enum ProjectImages {
    public static let prefix = "zun-"

    /// The repository namespace of a project's committed images.
    public static func namespace(of projectID: String) -> String {
        let verbatim = projectID.count <= 64 && !projectID.isEmpty
            && projectID.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }
        if verbatim { return prefix + projectID }
        return prefix + "x-" + projectID.utf8.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The repository a commit by `projectID` writes: `<namespace>/<repository>`, unless `repository` is
    /// already inside the project's namespace.
    public static func committedRepository(_ repository: String, projectID: String) -> String {
        let namespace = namespace(of: projectID)
        return repository.hasPrefix(namespace + "/") ? repository : namespace + "/" + repository
    }

    /// The project namespace an image reference points into (`zun-…` as its first path component, on the
    /// local engine), or nil for any other image.
    public static func namespace(ofReference reference: String) -> String? {
        let repository = ImageReference(parsing: reference).repository
        let components = repository.split(separator: "/", omittingEmptySubsequences: false)
        guard components.count >= 2, let first = components.first, first.hasPrefix(prefix) else { return nil }
        return String(first)
    }

    /// Whether `projectID` may run the image `reference`: any image outside every project namespace, and
    /// images of its own namespace.
    public static func mayRun(_ reference: String, projectID: String) -> Bool {
        guard let namespace = namespace(ofReference: reference) else { return true }
        return namespace == self.namespace(of: projectID)
    }

    /// Docker's reference grammar for a repository path (`distribution/reference`): lowercase components
    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*` separated by `/`, optionally after a registry `host[:port]/`;
    /// 255 characters at most.
    public static func isValidRepository(_ repository: String) -> Bool {
        guard !repository.isEmpty, repository.count <= 255 else { return false }
        var components = repository.split(separator: "/", omittingEmptySubsequences: false)
        // A first component with a `.` or `:`, or `localhost`, is a registry domain.
        if components.count > 1, let first = components.first, first.contains(".") || first.contains(":") || first == "localhost" {
            guard isValidDomain(first) else { return false }
            components.removeFirst()
        }
        return components.allSatisfy(isValidPathComponent)
    }

    /// Whether `reference` follows Docker's grammar: `[domain[:port]/]path[:tag][@algorithm:hex]`, with
    /// lowercase path components (what `docker pull` would accept).
    public static func isValidReference(_ reference: String) -> Bool {
        var rest = Substring(reference)
        if let at = rest.firstIndex(of: "@") {
            guard isValidDigest(rest[rest.index(after: at)...]) else { return false }
            rest = rest[..<at]
        }
        let lastSlash = rest.lastIndex(of: "/") ?? rest.startIndex
        if let colon = rest[lastSlash...].lastIndex(of: ":") {
            guard isValidTag(String(rest[rest.index(after: colon)...])) else { return false }
            rest = rest[..<colon]
        }
        return isValidRepository(String(rest))
    }

    /// `algorithm:hex`: `[A-Za-z][A-Za-z0-9]*([+._-][A-Za-z][A-Za-z0-9]*)*` and at least 32 hex digits.
    static func isValidDigest(_ digest: Substring) -> Bool {
        let parts = digest.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count >= 32, parts[1].allSatisfy(\.isHexDigit) else { return false }
        return parts[0].split(omittingEmptySubsequences: false, whereSeparator: { "+._-".contains($0) }).allSatisfy { word in
            guard let first = word.first, first.isASCII, first.isLetter else { return false }
            return word.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        }
    }

    /// `[\w][\w.-]{0,127}`
    public static func isValidTag(_ tag: String) -> Bool {
        guard let first = tag.first, tag.count <= 128, isWord(first) else { return false }
        return tag.allSatisfy { isWord($0) || $0 == "." || $0 == "-" }
    }

    private static func isWord(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || c == "_") }
    private static func isLowerAlnum(_ c: Character) -> Bool { c.isASCII && (c.isLowercase || c.isNumber) }

    static func isValidPathComponent(_ component: Substring) -> Bool {
        let chars = Array(component)
        guard let first = chars.first, let last = chars.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
        var i = 0
        while i < chars.count {
            if isLowerAlnum(chars[i]) {
                i += 1
                continue
            }
            // A separator: `.`, `_`, `__` or one or more `-`, always between alphanumerics.
            var j = i
            if chars[i] == "." {
                j += 1
            } else if chars[i] == "_" {
                j += 1
                if j < chars.count, chars[j] == "_" { j += 1 }
            } else if chars[i] == "-" {
                while j < chars.count, chars[j] == "-" { j += 1 }
            } else {
                return false
            }
            guard j < chars.count, isLowerAlnum(chars[j]) else { return false }
            i = j
        }
        return true
    }

    static func isValidDomain(_ domain: Substring) -> Bool {
        let parts = domain.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let host = parts.first, !host.isEmpty else { return false }
        if parts.count == 2 {
            guard let port = Int(parts[1]), parts[1].allSatisfy(\.isNumber), (1...65535).contains(port) else { return false }
        }
        return host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            guard let first = label.first, let last = label.last else { return false }
            let ok: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber) }
            return ok(first) && ok(last) && label.allSatisfy { ok($0) || $0 == "-" }
        }
    }
}
