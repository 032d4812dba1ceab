#include "reasons.h"

using namespace Qt::StringLiterals;

namespace Sockscope {

QString toString(DisconnectReason reason)
{
    switch (reason) {
    case DisconnectReason::ClientNamespaceDisconnect: return u"client namespace disconnect"_s;
    case DisconnectReason::ServerNamespaceDisconnect: return u"server namespace disconnect"_s;
    case DisconnectReason::ServerShuttingDown: return u"server shutting down"_s;
    case DisconnectReason::PingTimeout: return u"ping timeout"_s;
    case DisconnectReason::TransportClose: return u"transport close"_s;
    case DisconnectReason::TransportError: return u"transport error"_s;
    case DisconnectReason::ParseError: return u"parse error"_s;
    case DisconnectReason::ForcedClose: return u"forced close"_s;
    case DisconnectReason::ForcedServerClose: return u"forced server close"_s;
    case DisconnectReason::ConnectTimeout: return u"connect timeout"_s;
    case DisconnectReason::IoServerDisconnect: return u"io server disconnect"_s;
    case DisconnectReason::IoClientDisconnect: return u"io client disconnect"_s;
    case DisconnectReason::SlowConsumer: return u"slow consumer"_s;
    }
    return {};
}

QString toString(TransportCloseCause cause)
{
    return toString(toDisconnectReason(cause));
}

QString toString(TransportType type)
{
    switch (type) {
    case TransportType::Polling: return u"polling"_s;
    case TransportType::WebSocket: return u"websocket"_s;
    }
    return {};
}

bool fromString(QStringView text, DisconnectReason *reason)
{
    for (int i = 0; i <= int(DisconnectReason::Last); ++i) {
        if (text == toString(DisconnectReason(i))) {
            *reason = DisconnectReason(i);
            return true;
        }
    }
    return false;
}

bool fromString(QStringView text, TransportType *type)
{
    for (TransportType t : { TransportType::Polling, TransportType::WebSocket }) {
        if (text == toString(t)) {
            *type = t;
            return true;
        }
    }
    return false;
}

} // namespace Sockscope
