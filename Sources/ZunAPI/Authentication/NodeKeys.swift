import Crypto
import Foundation

/// The keys the API signs its calls to compute nodes' endpoints with (docs/node-protocol.md, "Console, exec and
/// log relay"): each host's key is `HMAC-SHA256(cluster key, host)`. Only the API replicas hold the cluster key;
/// a node receives its own key with its credential, so a node can neither call another node nor act as the API.
public enum NodeKeys {
    public static func derive(clusterKey: String, host: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(host.utf8), using: SymmetricKey(data: Data(clusterKey.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }
}
