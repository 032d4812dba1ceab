// Sockscope: a namespace, its rooms, and broadcasting.
#pragma once

#include "ack.h"
#include "adapter.h"
#include "arguments.h"

#include <QHash>
#include <QJsonValue>
#include <QList>
#include <QObject>
#include <QSet>
#include <QStringList>

#include <functional>

namespace Sockscope {

class EventServer;
class Namespace;
class Socket;

// What a connect hook decides for a socket asking to join a namespace.
struct ConnectDecision
{
    bool accepted = true;
    QString message; // sent in CONNECT_ERROR when refused
    QJsonValue data; // optional "data" of the CONNECT_ERROR

    static ConnectDecision accept() { return {}; }
    static ConnectDecision refuse(const QString &message, const QJsonValue &data = {})
    {
        return { false, message, data };
    }
};
// Sees the socket (its handshake and auth payload) before it is connected.
using ConnectHook = std::function<ConnectDecision(Socket *socket)>;

/*
    A set of target sockets in one namespace: all of them, or those in some rooms, minus those
    in other rooms (a socket id counts as a room), with flags (local(), timeout()). It is
    carried out by the namespace's adapter (Adapter): one send() encodes the packet once and
    writes it to every target; with a cluster adapter, the other servers' sockets are targets
    too, unless local().
*/
class Broadcast
{
public:
    explicit Broadcast(Namespace *ns) : m_namespace(ns) { }

    Broadcast &to(const QString &room);
    Broadcast &to(const QStringList &rooms);
    Broadcast &except(const QString &room);
    Broadcast &except(const QStringList &rooms);
    // To the sockets of this server only.
    Broadcast &local();
    // How long a send with acks waits for the replies (0: no limit, the default).
    Broadcast &timeout(int ms);
    // See BroadcastFlags::isVolatile.
    Broadcast &setVolatile(bool isVolatile = true);

    BroadcastOptions options() const { return m_options; }
    BroadcastFlags flags() const { return m_options.flags; }

    // The targets on this server.
    QList<Socket *> targets() const;
    // Returns how many sockets (of this server) the event was sent to.
    int send(const QString &event, const Arguments &args = {}) const;
    // With an ack request: callback runs once per target, with its reply or its timeout.
    int send(const QString &event, const Arguments &args, AckCallback callback,
             int timeoutMs) const;
    // The same, waiting as long as timeout() says.
    int send(const QString &event, const Arguments &args, AckCallback callback) const;
    // With an ack request, reported in stages: the client count, each reply, then the end.
    int sendWithAck(const QString &event, const Arguments &args,
                    const BroadcastAckHandlers &handlers) const;

    // Cluster-wide operations on the targets (every server's, unless local()).
    void fetchSockets(QObject *context, FetchSocketsCallback callback) const;
    void socketsJoin(const QString &room) const { socketsJoin(QStringList { room }); }
    void socketsJoin(const QStringList &rooms) const;
    void socketsLeave(const QString &room) const { socketsLeave(QStringList { room }); }
    void socketsLeave(const QStringList &rooms) const;
    // Disconnects them ("server namespace disconnect"); with closeConnections their whole
    // connections are closed too.
    void disconnectSockets(bool closeConnections = false) const;

private:
    OutgoingEvent outgoing(const QString &event, const Arguments &args, qint64 ackId) const;

    Namespace *m_namespace;
    BroadcastOptions m_options;
};

// Handles an event another server sent with serverSideEmit(); reply (empty when the sender
// asked for no answer) sends this server's answer back.
using ServerSideEventHandler =
        std::function<void(const QString &event, const Arguments &args,
                           const std::function<void(const Arguments &reply)> &reply)>;

class Namespace : public QObject
{
    Q_OBJECT
public:
    QString name() const { return m_name; }
    EventServer *server() const { return m_server; }

    QList<Socket *> sockets() const;
    Socket *socket(const QString &id) const { return m_sockets.value(id); }
    int socketCount() const { return int(m_sockets.size()); }

    // Rooms with at least one socket, own-id rooms included.
    QStringList rooms() const;
    QList<Socket *> socketsInRoom(const QString &room) const;

    void addConnectHook(ConnectHook hook) { m_hooks.append(std::move(hook)); }

    Broadcast to(const QString &room) { return Broadcast(this).to(room); }
    Broadcast to(const QStringList &rooms) { return Broadcast(this).to(rooms); }
    Broadcast except(const QString &room) { return Broadcast(this).except(room); }
    Broadcast local() { return Broadcast(this).local(); }
    Broadcast timeout(int ms) { return Broadcast(this).timeout(ms); }
    // To every socket of the namespace.
    int send(const QString &event, const Arguments &args = {})
    {
        return Broadcast(this).send(event, args);
    }
    int send(const QString &event, const Arguments &args, AckCallback callback, int timeoutMs)
    {
        return Broadcast(this).send(event, args, std::move(callback), timeoutMs);
    }

    // Disconnects every socket ("server namespace disconnect"), on every server.
    void disconnectSockets(bool closeConnections = false);

    // Cluster-wide, through the adapter: every socket of the namespace on every server.
    void fetchSockets(QObject *context, FetchSocketsCallback callback)
    {
        Broadcast(this).fetchSockets(context, std::move(callback));
    }
    void socketsJoin(const QStringList &rooms) { Broadcast(this).socketsJoin(rooms); }
    void socketsLeave(const QStringList &rooms) { Broadcast(this).socketsLeave(rooms); }
    // An event to this namespace on the other servers (not to clients). With a callback, it
    // gets their answers (none at once with no other server), waiting at most timeoutMs
    // (0: no limit).
    void serverSideEmit(const QString &event, const Arguments &args = {});
    void serverSideEmit(const QString &event, const Arguments &args, QObject *context,
                        ServerSideAckCallback callback, int timeoutMs = 0);
    // How many servers share the namespace, this one included.
    void serverCount(QObject *context, ServerCountCallback callback);
    // Handlers of the events other servers send with serverSideEmit().
    void onServerSideEvent(ServerSideEventHandler handler)
    {
        m_serverSideHandlers.append(std::move(handler));
    }

    // Holds the rooms and carries out broadcasts; made by EventServer::adapterFactory().
    Adapter *adapter() const { return m_adapter; }

Q_SIGNALS:
    void socketConnected(Sockscope::Socket *socket);
    void socketDisconnected(Sockscope::Socket *socket, const QString &reason);

private:
    friend class EventServer;
    friend class Socket;
    friend class Broadcast;
    friend class Connection;
    friend class Adapter; // handleServerSideEvent()

    Namespace(const QString &name, EventServer *server);
    qint64 nextAckId() { return m_nextAckId++; }
    // Makes the adapter with the server's factory (again, when the factory changes: the
    // rooms of the sockets already there are handed to the new one).
    void initAdapter();
    void handleServerSideEvent(const QString &event, const Arguments &args,
                               const std::function<void(const Arguments &)> &reply);

    QString m_name;
    EventServer *m_server;
    QHash<QString, Socket *> m_sockets;
    Adapter *m_adapter = nullptr;
    QList<ServerSideEventHandler> m_serverSideHandlers;
    QList<ConnectHook> m_hooks;
    qint64 m_nextAckId = 0;
};

} // namespace Sockscope
