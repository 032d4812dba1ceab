// Sockscope: a namespace, its rooms, and broadcasting.
#pragma once

#include "ack.h"
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
    in other rooms (a socket id counts as a room). One send() encodes the packet once and
    writes it to every target.
*/
class Broadcast
{
public:
    explicit Broadcast(Namespace *ns) : m_namespace(ns) { }

    Broadcast &to(const QString &room);
    Broadcast &to(const QStringList &rooms);
    Broadcast &except(const QString &room);
    Broadcast &except(const QStringList &rooms);

    QList<Socket *> targets() const;
    // Returns how many sockets the event was sent to.
    int send(const QString &event, const Arguments &args = {}) const;
    // With an ack request: callback runs once per target, with its reply or its timeout.
    int send(const QString &event, const Arguments &args, AckCallback callback,
             int timeoutMs) const;

private:
    Namespace *m_namespace;
    QStringList m_rooms;
    QStringList m_except;
};

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
    // To every socket of the namespace.
    int send(const QString &event, const Arguments &args = {})
    {
        return Broadcast(this).send(event, args);
    }
    int send(const QString &event, const Arguments &args, AckCallback callback, int timeoutMs)
    {
        return Broadcast(this).send(event, args, std::move(callback), timeoutMs);
    }

    // Disconnects every socket ("server namespace disconnect").
    void disconnectSockets(bool closeConnections = false);

Q_SIGNALS:
    void socketConnected(Sockscope::Socket *socket);
    void socketDisconnected(Sockscope::Socket *socket, const QString &reason);

private:
    friend class EventServer;
    friend class Socket;
    friend class Broadcast;
    friend class Connection;

    Namespace(const QString &name, EventServer *server);
    qint64 nextAckId() { return m_nextAckId++; }
    void addToRoom(const QString &room, Socket *socket);
    void removeFromRoom(const QString &room, Socket *socket);
    // The socket whose own room this is, if it is in it (own rooms are not in m_rooms).
    Socket *ownRoomMember(const QString &room) const;

    QString m_name;
    EventServer *m_server;
    QHash<QString, Socket *> m_sockets;
    QHash<QString, QSet<Socket *>> m_rooms; // joined rooms; own-id rooms: ownRoomMember()
    QList<ConnectHook> m_hooks;
    qint64 m_nextAckId = 0;
};

} // namespace Sockscope
