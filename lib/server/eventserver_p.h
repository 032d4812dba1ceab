// Sockscope: how the server's parts report to it. Not public API.
#pragma once

#include "ack.h"
#include "eventserver.h"
#include "httpfront_p.h"
#include "reasons.h"
#include "socketioparser.h"

#include <QPointer>

namespace Sockscope {

class Connection;
class Socket;

/*
    The one way up. Connections, sockets and the front do not reach into the server, count
    its stats or emit its signals: they call these report functions, which own the stats, the
    gating of the per-event signals (listeners_p.h), the observers and the emissions, as a Qt
    class's private part reports through its q-pointer. Every EventServer has one (get());
    the per-event reports are inline and call no virtual function.

    It is also the front's handler (HttpFront::Handler): the front reads and checks requests,
    and tells the server only what it must decide or count.
*/
class EventServerPrivate final : public HttpFront::Handler
{
public:
    explicit EventServerPrivate(EventServer *server) : q(server) { }
    static EventServerPrivate *get(EventServer *server) { return server->d.get(); }

    EventServer *server() const { return q; }
    // The parser of a new connection: the wire format it speaks (ServerOptions::parser; with
    // Auto, JSON until the connection's first message says otherwise).
    std::unique_ptr<SocketIoParser> createParser(ServerOptions::Parser format) const
    {
        if (format == ServerOptions::Parser::Msgpack)
            return std::make_unique<MsgpackSocketIoParser>();
        return std::make_unique<JsonSocketIoParser>(q->m_options.maxAttachments);
    }
    const ServerOptions &options() const override { return q->m_options; }
    // A new sid or socket id: 20 characters of URL-safe base64, unused.
    QString generateId() const { return q->generateId(); }

    // --- events and acks, per event: inline, gated by the listener cache ---

    // offset: the connection state recovery offset sent after args, if any.
    void reportEventSent(Socket *socket, const QString &event, const Arguments &args,
                         qint64 ackId, const QString &offset = {})
    {
        ++q->m_stats.eventsSent;
        if (Q_UNLIKELY(!offset.isEmpty()))
            q->notifyObservers([&](EventObserver *o) {
                o->eventSentWithOffset(socket, event, args, ackId, offset);
            });
        else
            q->notifyObservers([&](EventObserver *o) { o->eventSent(socket, event, args, ackId); });
        if (q->listens(EventServer::EventSentSignal))
            Q_EMIT q->eventSent(socket, event, args, ackId);
    }

    // While a received event's handlers run, its arguments' JSON text is at hand for those
    // that pass them on (rawJsonOf()). Returns whether it was pushed (endEvent() then).
    bool beginEvent(const ReceivedArguments &args)
    {
        ++q->m_stats.eventsReceived;
        if (args.json().isNull())
            return false;
        q->m_rawArguments.append({ &args, args.json() });
        return true;
    }
    void endEvent() { q->m_rawArguments.removeLast(); }

    // The server's eventReceived, then the observers and eventReceivedRaw while the socket
    // lives (a slot may delete it).
    void reportEventReceived(const QPointer<Socket> &socket, const QString &event,
                             const ReceivedArguments &args, qint64 ackId)
    {
        Socket *s = socket.data();
        if (q->listens(EventServer::EventReceivedSignal))
            Q_EMIT q->eventReceived(s, event, args.values(), ackId);
        const bool rawListened = q->listens(EventServer::EventReceivedRawSignal);
        if (socket && (rawListened || !q->m_observers.empty())) {
            const EventArguments wire = args.isConverted() || args.json().isNull()
                    ? EventArguments(args.values())
                    : EventArguments::fromJson(args.json());
            q->notifyObservers([&](EventObserver *o) { o->eventReceived(s, event, wire, ackId); });
            if (rawListened)
                Q_EMIT q->eventReceivedRaw(s, event, wire, ackId);
        }
    }

    // An ack we sent as values.
    void reportAckSent(Socket *socket, qint64 ackId, const Arguments &reply)
    {
        const bool rawListened = q->listens(EventServer::AckSentRawSignal);
        QPointer<Socket> alive(rawListened ? socket : nullptr);
        const EventArguments wire = rawListened || !q->m_observers.empty()
                ? EventArguments(reply)
                : EventArguments();
        q->notifyObservers([&](EventObserver *o) { o->ackSent(socket, ackId, wire); });
        Q_EMIT q->ackSent(socket, ackId, reply);
        if (rawListened && alive)
            Q_EMIT q->ackSentRaw(socket, ackId, wire);
    }

    // An ack we sent as JSON text; arguments() converts it only if ackSent is listened to.
    template<typename Convert>
    void reportAckSentJson(Socket *socket, qint64 ackId, const QByteArray &json,
                           Convert arguments)
    {
        // Watched for deletion only between two signals (a slot of the first may delete it).
        const bool rawListened = q->listens(EventServer::AckSentRawSignal);
        const bool listened = q->listens(EventServer::AckSentSignal);
        QPointer<Socket> alive(rawListened && listened ? socket : nullptr);
        const EventArguments wire = rawListened || !q->m_observers.empty()
                ? EventArguments::fromJson(json) // shares json's bytes
                : EventArguments();
        q->notifyObservers([&](EventObserver *o) { o->ackSent(socket, ackId, wire); });
        if (listened)
            Q_EMIT q->ackSent(socket, ackId, arguments());
        if (rawListened && (!listened || alive))
            Q_EMIT q->ackSentRaw(socket, ackId, wire);
    }

    void reportAckReceived(Socket *socket, qint64 ackId, const Arguments &args, qint64 elapsed)
    {
        q->notifyObservers([&](EventObserver *o) { o->ackReceived(socket, ackId, args, elapsed); });
        Q_EMIT q->ackReceived(socket, ackId, args, elapsed);
    }

    void reportAckTimedOut(Socket *socket, qint64 ackId, qint64 waitedMs)
    {
        Q_EMIT q->ackTimedOut(socket, ackId, waitedMs);
    }

    QByteArray rawJsonOf(const Arguments &args) const { return q->rawJsonOf(args); }
    bool isReceivedJson(const QByteArray &json) const { return q->isReceivedJson(json); }

    // --- sockets and connections ---

    // The namespace's socketConnected, then the server's if the socket is still connected.
    void reportSocketConnected(Socket *socket);
    // The namespace's and the server's socketDisconnected (reason: a DisconnectReason's text).
    void reportSocketDisconnected(Socket *socket, const QString &reason);
    void reportConnectRefused(const QString &connectionId, const QString &nsp,
                              const QString &message)
    {
        Q_EMIT q->connectRefused(connectionId, nsp, message);
    }
    // A CONNECT over maxNamespacesPerConnection: counted, then refused.
    void reportNamespaceLimit(const QString &connectionId, const QString &nsp,
                              const QString &message);
    void reportError(const QString &connectionId, const QString &message)
    {
        Q_EMIT q->errorOccurred(connectionId, message);
    }
    void reportConnectionUpgraded(Connection *connection)
    {
        Q_EMIT q->connectionUpgraded(connection);
    }
    // A message over maxPayload; the connection's close (and statsChanged()) follows.
    void reportOversizedPayload() { ++q->m_stats.oversizedPayloads; }
    // A volatile event not sent (no statsChanged(): it may happen for every event).
    void reportVolatileDropped() { ++q->m_stats.volatileDropped; }
    void reportConnectionClosed(Connection *connection, DisconnectReason reason);

    // --- HttpFront::Handler: the front decides, the server creates ---
    bool isClosing() const override { return q->m_closing; }
    int connectionCount() const override;
    Session session(const QString &sid) const override;
    QString newSessionId() const override { return q->generateId(); }
    void connectionRequested(Transport *transport, const HandshakeRecord &record,
                             qint64 openBytes) override;
    void upgradeRequested(Transport *probe, const HandshakeRecord &record) override;
    void plainUpgradeRequested(QTcpSocket *socket, const HandshakeRecord &record) override;
    void reportRefused(const HandshakeRecord &record) override;
    void reportTlsFailure(const QString &message) override;
    void reportHandshakeTimeout(const QString &message) override;

private:
    EventServer *const q;
};

} // namespace Sockscope
