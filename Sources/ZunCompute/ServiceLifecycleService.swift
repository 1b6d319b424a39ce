@_exported import ServiceLifecycle

/// The agent's services are plain swift-service-lifecycle services.
public typealias ServiceLifecycleService = Service
