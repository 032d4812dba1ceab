// Sockscope: one client inside one namespace.
#pragma once

#include "ack.h"
#include "adapter.h"
#include "arguments.h"
#include "handshakerecord.h"
#include "socketiopacket.h"
#include "reasons.h"

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QVariantMap>

#include <atomic>

namespace Sockscope {

class Connection;
class EventServer;
class Namespace;
class AckTracker;

/*
    A socket is one client inside one namespace, named by its Socket.IO id (20 characters of
    URL-safe base64). It belongs to a Connection (the Engine.IO session, which may carry several
    sockets) and to a Namespace. Every socket is in the room named by its own id.

    Disconnect reasons are DisconnectReason (reasons.h); the signals carry their text, as the
    Node.js server names them: "client namespace disconnect", "server namespace disconnect",
    "server shutting down", "ping timeout", "transport close", "transport error", "parse
    error", "forced server close" ("connect timeout" is never given to a socket: it closes a
    connection that has none).
*/
class Socket : public QObject
{
    Q_OBJECT
public:
    ~Socket() override;

    QString id() const { return m_id; }
    QString namespaceName() const;
    Namespace *ns() const { return m_namespace; }
    Connection *connection() const { return m_connection; }
    EventServer *server() const;

    HandshakeRecord handshake() const;
    QJsonObject auth() const { return m_auth; }
    QDateTime connectedAt() const { return m_connectedAt; }
    bool isConnected() const { return m_connected; }
    // Connection state recovery (ServerOptions::maxDisconnectionDuration): whether this socket
    // took back the id, rooms, data and missed events of one that went away. Its connect
    // hooks were not asked then, as Node's default skipMiddlewares.
    bool isRecovered() const { return m_recovered; }

    QSet<QString> rooms() const;
    bool isInRoom(const QString &room) const
    {
        return room == m_id ? m_inOwnRoom : m_rooms.contains(room);
    }
    // Room changes go through the namespace's adapter (Namespace::adapter()).
    void join(const QString &room);
    void join(const QStringList &rooms);
    void leave(const QString &room);

    // Application data kept with the socket; fetchSockets() reports it (RemoteSocket::data).
    QVariantMap data() const { return m_data; }
    void setData(const QVariantMap &data) { m_data = data; }

    // Sends an event to this socket. Returns false if the socket is gone, or if the event
    // would take its connection over the write budget (ServerOptions::maxBufferedBytes: the
    // connection is then closed as a slow consumer). With connection state recovery on
    // (ServerOptions::maxDisconnectionDuration) it is a broadcast to the room of the socket's
    // id, as Node's socket.emit() then is, so that the event gets an offset and is kept: a
    // socket that left that room gets nothing (false).
    bool send(const QString &event, const Arguments &args = {});
    // Sends an event asking for an ack; callback gets the reply, or a timeout after timeoutMs
    // (0 waits forever). Returns the ack id, -1 if the socket is gone.
    qint64 send(const QString &event, const Arguments &args, AckCallback callback,
                int timeoutMs = 0);

    // Sends an event that may be lost: it is dropped (returns false, counted in
    // ServerStats::volatileDropped) when the connection has unsent bytes beyond
    // ServerOptions::volatileBufferedBytes, as Node's socket.volatile.emit() drops an event
    // the transport cannot write now. For frequent updates where only the latest matters.
    bool sendVolatile(const QString &event, const Arguments &args = {});
    // Bytes queued for this socket's connection that the kernel has not taken yet.
    qint64 bufferedBytes() const;

    // Handlers for one event name; several may be added for the same name.
    void on(const QString &event, EventHandler handler);
    void on(const QString &event, SimpleEventHandler handler);
    void off(const QString &event);
    // A handler for every event (after the named ones).
    void onAny(AnyEventHandler handler);
    // The same, with the arguments converted only if the handler asks (ReceivedArguments):
    // a handler that passes json() on, or looks only at the event name, costs no conversion.
    void onAnyRaw(RawAnyEventHandler handler);

    // Disconnects from the namespace ("server namespace disconnect"); with closeConnection
    // the whole Engine.IO connection is closed too.
    void close(bool closeConnection = false);

    quint64 eventsReceived() const { return m_eventsIn; }
    quint64 eventsSent() const { return m_eventsOut; }
    int pendingAcks() const;

Q_SIGNALS:
    void eventReceived(const QString &event, const Sockscope::Arguments &args,
                       const Sockscope::Ack &ack);
    void roomsChanged();
    void disconnected(const QString &reason);

protected:
    void connectNotify(const QMetaMethod &signal) final; // see EventServer
    void disconnectNotify(const QMetaMethod &signal) final;

private:
    friend class Connection;
    friend class Namespace;
    friend class Adapter; // deliver() and expectAck(): a broadcast's part for this socket
    friend class EventServer;

    Socket(Connection *connection, Namespace *ns, const QJsonObject &auth);
    // Takes back a persisted session (before markConnected): id, pid, rooms, data; its
    // missed events are written by markConnected(), ahead of the CONNECT reply, as Node does.
    void restore(const PersistedSession &session);
    bool sendPacket(const SocketIoPacket &packet);
    bool writeEncoded(const SocketIoPacket::Encoded &encoded, bool isVolatile = false);
    void registerAck(qint64 id, AckCallback callback, int timeoutMs);
    AckTracker *acks();
    // Dispatched by the connection (one switch on the packet type), while connected.
    void handleEvent(const SocketIoPacket &packet);
    void handleAck(const SocketIoPacket &packet);
    void markConnected();
    // Ends the socket: leaves rooms, cancels acks, emits disconnected once.
    void finish(DisconnectReason reason);
    void noteEventSent(const QString &event, const Arguments &args, qint64 ackId,
                       const QString &offset = {});
    // The replies to the peer's ack requests (Ack::Sender).
    static void sendAckReply(QObject *socket, qint64 id, const Arguments &reply);
    static void sendAckReplyJson(QObject *socket, qint64 id, const QByteArray &json);

    QString m_id;
    // The private id a client presents to recover this socket's session; empty while
    // recovery is off (which Socket::send() tests instead of the options).
    QString m_pid;
    QList<Arguments> m_missedEvents; // of a restored session, until markConnected()
    bool m_recovered = false;
    Connection *m_connection = nullptr;
    Namespace *m_namespace = nullptr;
    QJsonObject m_auth;
    QDateTime m_connectedAt;
    bool m_connected = false;
    bool m_finished = false;
    // Rooms joined besides its own: the room named by its id is a flag, not a set entry (a
    // QSet costs over 1 KiB even with one entry), and the namespace finds it by id.
    QSet<QString> m_rooms;
    bool m_inOwnRoom = false;
    QVariantMap m_data;
    EventHandlers m_handlers;
    AckTracker *m_acks = nullptr; // created on the first ack we ask for
    quint64 m_eventsIn = 0;
    quint64 m_eventsOut = 0;
    std::atomic<quint32> m_eventListenState = {}; // eventReceived's (listeners_p.h)
};

} // namespace Sockscope

