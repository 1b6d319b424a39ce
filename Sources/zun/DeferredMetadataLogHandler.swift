import Logging

/// swift-log's `StreamLogHandler`, with the logger's metadata formatted when a message is written instead of
/// each time it is set. `StreamLogHandler` formats its whole metadata on every set, and every request sets some
/// (Hummingbird's request id, the node protocol's `node`): with 5,000 hosts heartbeating that was about 5 % of
/// the API's CPU for lines that, at the default level, are never written (BENCHMARKS.md, "Node-protocol
/// heartbeats of 5,000 hosts"). The output is `StreamLogHandler`'s, unchanged.
struct DeferredMetadataLogHandler: LogHandler {
    /// Writes the lines; it holds no metadata of its own, so setting none costs nothing there.
    private var stream: StreamLogHandler
    var metadata: Logger.Metadata = [:]

    init(label: String, metadataProvider: Logger.MetadataProvider?) {
        stream = StreamLogHandler.standardError(label: label, metadataProvider: metadataProvider)
    }

    var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        // The statement's own metadata wins over the logger's, as in `StreamLogHandler`.
        event.metadata = metadata.merging(event.metadata ?? [:]) { _, statement in statement }
        stream.log(event: event)
    }
}
