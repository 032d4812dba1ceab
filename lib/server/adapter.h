// Sockscope: the adapter seam: rooms, broadcasts and the cluster-wide operations of a namespace.
#pragma once

#include "ack.h"
#include "arguments.h"
#include "handshakerecord.h"
#include "socketiopacket.h"

#include <QBasicTimer>
#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QSet>
#include <QStringList>
#include <QVariantMap>

#include <functional>

namespace Sockscope {

class Namespace;
class Socket;

// How a broadcast is sent, besides its targets.
struct BroadcastFlags
{
    // To the sockets of this server only: a cluster adapter does not publish it to others.
    bool local = false;
    // Dropped for a socket whose connection has unsent bytes beyond
    // ServerOptions::volatileBufferedBytes (counted in ServerStats::volatileDropped).
    bool isVolatile = false;
    // For a broadcast with acks: how long to wait for the replies, in ms (0: no limit).
    int timeoutMs = 0;
};

// The targets of a broadcast or of a cluster operation: the sockets in any of rooms (every
// socket of the namespace when rooms is empty), minus those in any of except. A socket id
// names the room of that socket alone. Names may repeat.
struct BroadcastOptions
{
    QStringList rooms;
    QStringList except;
    BroadcastFlags flags;
};

// An event on its way to the targets of a broadcast, before it is encoded (once, by the
// adapter). rawJson, when not null, is the arguments' JSON text, sent as it is.
struct OutgoingEvent
{
    QString event;
    Arguments args;
    qint64 ackId = -1;
    QByteArray rawJson;
};

// A socket as fetchSockets() reports it: a copy of its state, on this server or another.
struct RemoteSocket
{
    QString id;
    QString nsp;
    HandshakeRecord handshake;
    QJsonObject auth;
    QSet<QString> rooms; // with its own id
    QVariantMap data; // Socket::data()
};

// What the other servers answered a server-side emit with an ack.
struct ServerSideAckResult
{
    QList<Arguments> responses; // one per server that answered
    bool timedOut = false; // the wait ended before every server answered
};

// A socket's session, kept so that a client that reconnects can get it back (connection
// state recovery): its ids, rooms, data, and the events it missed.
struct PersistedSession
{
    QString sid; // the socket id
    QString pid; // the private id the client presents to recover it
    QSet<QString> rooms;
    QVariantMap data;
    QList<Arguments> missedEvents; // each: the event name first, then its arguments
};

// Callbacks of the asynchronous operations. They run from the event loop (never before the
// call that asked returns), and not at all once their context object is destroyed.
using FetchSocketsCallback = std::function<void(const QList<RemoteSocket> &sockets)>;
using ServerSideAckCallback = std::function<void(const ServerSideAckResult &result)>;
using ServerCountCallback = std::function<void(int count)>;
using RestoreSessionCallback = std::function<void(bool found, const PersistedSession &session)>;

// The stages of a broadcast with acks, in order: the count of clients it was sent to (once
// for this server, during the call, then once per other server as they answer), each client's
// reply (or its timeout, or its cancellation when the socket goes away), then finished once
// every counted client has answered or the timeout has passed. Any may be empty.
struct BroadcastAckHandlers
{
    std::function<void(int clientCount)> clientsCounted;
    AckCallback ackReceived;
    std::function<void(bool timedOut)> finished;
};

/*
    An adapter holds a namespace's rooms and carries out its broadcasts and its cluster-wide
    operations. Every room change (Socket::join, leave, a socket's end) and every broadcast
    (Namespace::send, Broadcast::send) goes through the namespace's adapter, made by the
    server's adapter factory (EventServer::setAdapterFactory) when the namespace is declared.

    InMemoryAdapter, the default, serves one server: rooms in memory, broadcasts written to
    the local sockets, one server in the count. An adapter for a cluster derives from it, lets
    it do the local part of each operation, and publishes the operation to the other servers
    (unless BroadcastFlags::local), answering the asynchronous operations once they replied.

    A socket keeps the list of its own rooms (Socket::rooms()): the adapter is told of each
    change (addAll, del, delAll) and keeps whatever index it needs to find a room's members.

    The operations a cluster answers later (fetchSockets, serverSideEmit with an ack,
    serverCount, restoreSession) take a context object and a callback: the callback runs
    from the event loop, on the context's thread, never before the call returns, and not at
    all if the context is destroyed first. A broadcast with acks reports through
    BroadcastAckHandlers.

    Every method runs on the server's thread.
*/
class Adapter : public QObject
{
    Q_OBJECT
public:
    explicit Adapter(Namespace *ns);
    ~Adapter() override;

    Namespace *ns() const { return m_namespace; }

    // Called once the namespace holds the adapter (a cluster adapter subscribes to the other
    // servers here). Its end is its destructor.
    virtual void init() { }

    // Rooms. A socket's own room (its id) is added and removed like any other.
    virtual void addAll(Socket *socket, const QStringList &rooms) = 0;
    virtual void del(Socket *socket, const QString &room) = 0;
    // The socket leaves all its rooms (it is going away).
    virtual void delAll(Socket *socket) = 0;
    // Rooms with at least one socket on this server, own-id rooms included.
    virtual QStringList rooms() const = 0;
    // The sockets of this server that opts selects, each once.
    virtual QList<Socket *> sockets(const BroadcastOptions &opts) const = 0;

    // Encodes the event once (per wire format) and writes it to every socket opts selects;
    // returns how many sockets of this server it was written to (not those a volatile event
    // was dropped for, or whose connection it would have taken over the write budget).
    virtual int broadcast(const OutgoingEvent &event, const BroadcastOptions &opts) = 0;
    // The same with an ack request (event.ackId set); returns the count of this server.
    virtual int broadcastWithAck(const OutgoingEvent &event, const BroadcastOptions &opts,
                                 const BroadcastAckHandlers &handlers) = 0;

    // The selected sockets join (addSockets) or leave (delSockets) rooms, on every server.
    virtual void addSockets(const BroadcastOptions &opts, const QStringList &rooms) = 0;
    virtual void delSockets(const BroadcastOptions &opts, const QStringList &rooms) = 0;
    // The selected sockets are disconnected ("server namespace disconnect"), and with
    // closeConnections their whole connections closed, on every server.
    virtual void disconnectSockets(const BroadcastOptions &opts, bool closeConnections) = 0;
    // The selected sockets of every server.
    virtual void fetchSockets(const BroadcastOptions &opts, QObject *context,
                              FetchSocketsCallback callback) = 0;

    // An event to the other servers' namespaces of the same name (not to clients). With a
    // callback, each server that handles it may answer; with no other server, the callback
    // gets an empty list.
    virtual void serverSideEmit(const QString &event, const Arguments &args) = 0;
    virtual void serverSideEmit(const QString &event, const Arguments &args, int timeoutMs,
                                QObject *context, ServerSideAckCallback callback) = 0;
    // How many servers share the namespace, this one included.
    virtual void serverCount(QObject *context, ServerCountCallback callback) = 0;

    // Connection state recovery (ServerOptions::maxDisconnectionDuration): a session kept
    // when its socket went away, and handed back (with the events it missed since offset) to a
    // client presenting its pid. This adapter keeps none: restoreSession answers "not found".
    // An adapter that keeps them also gives every broadcast without an ack that is not
    // volatile an offset (its last argument on the wire) while recovery is on.
    virtual void persistSession(const PersistedSession &session);
    virtual void restoreSession(const QString &pid, const QString &offset, QObject *context,
                                RestoreSessionCallback callback);

Q_SIGNALS:
    // A room got its first socket, lost its last (own-id rooms included), a socket joined or
    // left one: as Node.js adapters' create-room, delete-room, join-room and leave-room.
    void roomCreated(const QString &room);
    void roomDeleted(const QString &room);
    void roomJoined(const QString &room, const QString &socketId);
    void roomLeft(const QString &room, const QString &socketId);

protected:
    // For subclasses: a local socket's part of a broadcast. Writes the encoded packet to the
    // socket and counts it as sent (statistics, observers, eventSent). Returns false if it
    // was not written: a volatile event dropped, a connection over its write budget (closed
    // then as a slow consumer), or a socket going away. offset: the recovery offset the
    // encoded packet carries after event.args (reported apart from them), if any.
    static bool deliver(Socket *socket, const SocketIoPacket::Encoded &encoded,
                        const OutgoingEvent &event, bool isVolatile = false,
                        const QString &offset = {});
    // The server's ServerOptions::maxDisconnectionDuration (0: recovery off).
    int maxDisconnectionDuration() const;
    // Registers an ack callback on a local socket (it replies, times out, or goes away).
    static void expectAck(Socket *socket, qint64 ackId, AckCallback callback, int timeoutMs);
    // An event another server sent with serverSideEmit: passed to the namespace's handlers;
    // reply, when set, carries their answer back.
    void receiveServerSideEvent(const QString &event, const Arguments &args,
                                const std::function<void(const Arguments &)> &reply);
    // Runs callback from the event loop on context (the adapter when context is null).
    void post(QObject *context, std::function<void()> callback);
    // A new ack id of the namespace, for a broadcast with acks that another server asked for.
    qint64 nextAckId();

private:
    Namespace *m_namespace = nullptr;
};

/*
    The default adapter: one server. Rooms are an index from a room name to its sockets; a
    socket's own room is not in it (the socket keeps a flag; the namespace finds it by id),
    so a connection that joins nothing costs the index nothing.

    With connection state recovery on (ServerOptions::maxDisconnectionDuration > 0) it keeps,
    as Node's SessionAwareAdapter does, the sessions of sockets that went away and every
    event broadcast without an ack and not volatile, each with its offset and its targets, for
    that long. With it off, a broadcast costs one test more and nothing is kept.
*/
class InMemoryAdapter : public Adapter
{
    Q_OBJECT
public:
    explicit InMemoryAdapter(Namespace *ns);

    void addAll(Socket *socket, const QStringList &rooms) override;
    void del(Socket *socket, const QString &room) override;
    void delAll(Socket *socket) override;
    QStringList rooms() const override;
    QList<Socket *> sockets(const BroadcastOptions &opts) const override;

    int broadcast(const OutgoingEvent &event, const BroadcastOptions &opts) override;
    int broadcastWithAck(const OutgoingEvent &event, const BroadcastOptions &opts,
                         const BroadcastAckHandlers &handlers) override;

    void addSockets(const BroadcastOptions &opts, const QStringList &rooms) override;
    void delSockets(const BroadcastOptions &opts, const QStringList &rooms) override;
    void disconnectSockets(const BroadcastOptions &opts, bool closeConnections) override;
    void fetchSockets(const BroadcastOptions &opts, QObject *context,
                      FetchSocketsCallback callback) override;

    void serverSideEmit(const QString &event, const Arguments &args) override;
    void serverSideEmit(const QString &event, const Arguments &args, int timeoutMs,
                        QObject *context, ServerSideAckCallback callback) override;
    void serverCount(QObject *context, ServerCountCallback callback) override;

    void persistSession(const PersistedSession &session) override;
    void restoreSession(const QString &pid, const QString &offset, QObject *context,
                        RestoreSessionCallback callback) override;

    // A snapshot of a local socket as fetchSockets() reports it.
    static RemoteSocket snapshot(const Socket *socket);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    // An event kept for the sockets that may come back: its offset is its sequence number.
    struct KeptEvent
    {
        quint64 sequence = 0;
        qint64 sentAt = 0; // m_clock's ms
        QStringList rooms;
        QStringList except;
        Arguments event; // the name first, then the arguments, the offset last
    };
    struct KeptSession
    {
        PersistedSession session;
        qint64 disconnectedAt = 0; // m_clock's ms
    };
    int broadcastKept(const OutgoingEvent &event, const BroadcastOptions &opts, int keepMs);
    void dropExpired(int keepMs);
    static QString offsetText(quint64 sequence);

    // The socket whose own room this is, if it is in it.
    Socket *ownRoomMember(const QString &room) const;
    void insert(const QString &room, Socket *socket);
    void remove(const QString &room, Socket *socket);

    QHash<QString, QSet<Socket *>> m_rooms; // joined rooms; own-id rooms: ownRoomMember()
    // Connection state recovery: sessions by pid, events in the order they were sent.
    QHash<QString, KeptSession> m_sessions;
    QList<KeptEvent> m_kept;
    quint64 m_nextSequence = 1;
    QElapsedTimer m_clock;
    QBasicTimer m_expiryTimer;
};

// Makes the adapter of a namespace (parented to it). The server's default makes an
// InMemoryAdapter.
using AdapterFactory = std::function<Adapter *(Namespace *ns)>;

} // namespace Sockscope
