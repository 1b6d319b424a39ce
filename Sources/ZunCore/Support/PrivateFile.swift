import Foundation

/// Files that hold secrets or their digests (node credentials, token files): written whole to a temporary file
/// that is created with mode 0600 (never readable by others, not even for an instant) and renamed over the old
/// one, so that a crash leaves the old contents or the new, never half of either.
public enum PrivateFile {
    public struct WriteError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func replace(_ path: String, with data: Data) throws {
        let temporary = path + ".tmp-\(getpid())"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw WriteError(description: "cannot create \(temporary) (errno \(errno))") }
        let written = data.withUnsafeBytes { bytes in write(fd, bytes.baseAddress, bytes.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == data.count, synced else {
            unlink(temporary)
            throw WriteError(description: "cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw WriteError(description: "cannot replace \(path) (errno \(errno))")
        }
    }
}
