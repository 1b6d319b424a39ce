import ZunCore

/// `limit` / `marker` / `sort_key` / `sort_dir` of a list (docs/zun-compatibility.md, "Lists and lookups").
struct Paging {
    var limit: Int
    var marker: String?
    var sortKey: String
    var ascending: Bool
    /// Whether the caller gave these explicitly (echoed into `next`).
    var sortDir: String { ascending ? "asc" : "desc" }

    init(_ params: ActionParameters, maxLimit: Int, defaultSortKey: String, sortKeys: Set<String>) throws {
        if let raw = params.values["limit"] {
            guard let value = Int(raw), value > 0 else { throw ZunError.invalidValue("Limit must be positive integer") }
            limit = min(value, maxLimit)
        } else {
            limit = maxLimit
        }
        marker = params.values["marker"]
        sortKey = params.values["sort_key"] ?? defaultSortKey
        guard sortKeys.contains(sortKey) else {
            throw ZunError.invalidParameterValue("Invalid sort_key: \(sortKey). Valid keys: \(sortKeys.sorted().joined(separator: ", "))")
        }
        switch params.values["sort_dir"]?.lowercased() ?? "asc" {
        case "asc": ascending = true
        case "desc": ascending = false
        case let other: throw ZunError.invalidValue("Invalid sort direction: \(other). Acceptable values are 'asc' or 'desc'")
        }
    }

    /// The `next` link: set only when the page is full.
    func next(lastUUID: String?, count: Int, url: String) -> JSONValue {
        guard count == limit, let lastUUID else { return .null }
        return .string("\(url)?sort_key=\(sortKey)&sort_dir=\(sortDir)&limit=\(limit)&marker=\(lastUUID)")
    }
}
