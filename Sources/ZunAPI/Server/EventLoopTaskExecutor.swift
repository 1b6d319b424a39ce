import NIOCore

/// A connection's task runs on its channel's event loop: the request is read, handled and its answer written on
/// one thread, with no wake-up of another thread in between. Without it each request of a keep-alive
/// connection crossed threads twice, and on a 2-core machine most of a small request's CPU went to those
/// context switches (BENCHMARKS.md, "Node-protocol heartbeats of 5,000 hosts"). Work the handler awaits
/// elsewhere (the store's pools, other event loops) still runs there and comes back here.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
