// Sockscope: why a socket or a connection ended, and what carries a connection.
#pragma once

#include <QString>
#include <QStringView>

namespace Sockscope {

/*
    Why a socket left its namespace or a connection closed. toString() gives the text the
    Node.js server uses for the same case, which is what the signals carry, the logs show and
    scripts match: compare these values in code, never the strings.
*/
enum class DisconnectReason : quint8 {
    ClientNamespaceDisconnect, // the client sent DISCONNECT for the namespace
    ServerNamespaceDisconnect, // Socket::close()
    ServerShuttingDown, // EventServer::close()
    PingTimeout, // no pong within pingTimeout
    TransportClose, // the peer closed the transport (or its TCP connection ended)
    TransportError, // the transport failed (a bad frame, a second GET, a message too large)
    ParseError, // a packet that could not be decoded, or one out of order
    ForcedClose, // closed by the application, as Node's socket.disconnect(true) on its side
    ForcedServerClose, // Connection::close()
    ConnectTimeout, // no namespace joined within connectTimeout (a connection's only)
    IoServerDisconnect, // the client's view of a server namespace disconnect
    IoClientDisconnect, // the client's view of its own disconnect()
    // Sockscope's own, beside Node's: the bytes waiting to be written to the connection went
    // over ServerOptions::maxBufferedBytes (a client that stopped reading). Not recoverable.
    SlowConsumer,
    Last = SlowConsumer, // for loops over every reason
};

/*
    What a transport reports when it is gone: a subset of DisconnectReason, which the
    connection passes on.
*/
enum class TransportCloseCause : quint8 {
    Closed, // "transport close"
    Error, // "transport error"
    ParseError, // "parse error": bytes that are not an Engine.IO packet
};

// The two Engine.IO transports.
enum class TransportType : quint8 {
    Polling, // "polling": HTTP long-polling
    WebSocket, // "websocket"
};

QString toString(DisconnectReason reason);
QString toString(TransportCloseCause cause);
QString toString(TransportType type);

// The reason with this text; false (and *reason unchanged) if the text is not one of them.
bool fromString(QStringView text, DisconnectReason *reason);
bool fromString(QStringView text, TransportType *type);

constexpr DisconnectReason toDisconnectReason(TransportCloseCause cause)
{
    switch (cause) {
    case TransportCloseCause::Closed: return DisconnectReason::TransportClose;
    case TransportCloseCause::Error: return DisconnectReason::TransportError;
    case TransportCloseCause::ParseError: return DisconnectReason::ParseError;
    }
    return DisconnectReason::TransportError;
}

} // namespace Sockscope
