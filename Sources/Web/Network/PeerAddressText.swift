import NIOCore

/// A peer's IP address as log metadata, formatted only when a line is written: `SocketAddress.ipAddress` builds a new
/// string, and at the default level almost no request writes a line.
struct PeerAddressText: CustomStringConvertible, Sendable {
    let peer: SocketAddress

    /// nil for a peer without an IP address (a Unix socket), which has no `client` to log.
    init?(_ peer: SocketAddress) {
        switch peer {
        case .v4, .v6: self.peer = peer
        case .unixDomainSocket: return nil
        }
    }

    var description: String { peer.ipAddress ?? "" }
}
