import Hummingbird
import NIOCore

/// Hummingbird's basic context plus the peer's address, which the enrollment limit
/// is keyed on. Every route of the fleet server takes this context.
struct FleetRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
