import Hummingbird
import ZunCore

/// `GET /` and `GET /v1`: the discovery documents (docs/zun-compatibility.md, "API versions")
struct RootController {
    static let resources = [
        "services", "containers", "images", "networks", "hosts", "capsules", "availability_zones", "quotas",
        "quota_classes", "registries",
    ]

    func register(on router: Router<ZunRequestContext>) {
        router.get("/") { request, _ in
            let v1 = Self.versionObject(request.hostURL)
            return try JSONResponse.make(JSONValue.object([
                "name": "OpenStack Zun API",
                "description": "Zun is an OpenStack project which aims to provide container management.",
                "versions": [v1],
                "default_version": v1,
            ]))
        }
    }

    func registerV1(on group: RouterGroup<ZunRequestContext>) {
        group.get("/") { request, _ in
            let host = request.hostURL
            var document: [String: JSONValue] = [
                "id": "v1",
                "media_types": [["base": "application/json", "type": "application/vnd.openstack.zun.v1+json"]],
                "links": [
                    ["href": .string("\(host)/v1/"), "rel": "self"],
                    ["href": "https://docs.openstack.org/zun/latest/", "rel": "describedby", "type": "text/html"],
                ],
            ]
            for resource in Self.resources {
                document[resource] = [
                    ["href": .string("\(host)/v1/\(resource)/"), "rel": "self"],
                    ["href": .string("\(host)/\(resource)/"), "rel": "bookmark"],
                ]
            }
            return try JSONResponse.make(JSONValue.object(document))
        }
    }

    static func versionObject(_ host: String) -> JSONValue {
        [
            "id": "v1", "status": "CURRENT", "min_version": .string(APIVersion.minimum.description),
            "max_version": .string(APIVersion.maximum.description),
            "links": [["href": .string("\(host)/v1/"), "rel": "self"]],
        ]
    }
}
