#include "namespace.h"

#include "connection.h"
#include "eventserver_p.h"
#include "socket.h"
#include "socketiopacket.h"

namespace Sockscope {

Namespace::Namespace(const QString &name, EventServer *server)
    : QObject(server), m_name(name), m_server(server)
{
}

QList<Socket *> Namespace::sockets() const
{
    return m_sockets.values();
}

QStringList Namespace::rooms() const
{
    QStringList out = m_rooms.keys();
    for (auto it = m_sockets.cbegin(); it != m_sockets.cend(); ++it) {
        if (it.value()->m_inOwnRoom && !m_rooms.contains(it.key()))
            out.append(it.key());
    }
    return out;
}

QList<Socket *> Namespace::socketsInRoom(const QString &room) const
{
    QList<Socket *> out = m_rooms.value(room).values();
    if (Socket *own = ownRoomMember(room); own && !out.contains(own))
        out.append(own);
    return out;
}

Socket *Namespace::ownRoomMember(const QString &room) const
{
    Socket *s = m_sockets.value(room);
    return s && s->m_inOwnRoom ? s : nullptr;
}

void Namespace::addToRoom(const QString &room, Socket *socket)
{
    m_rooms[room].insert(socket);
}

void Namespace::removeFromRoom(const QString &room, Socket *socket)
{
    auto it = m_rooms.find(room);
    if (it == m_rooms.end())
        return;
    it->remove(socket);
    if (it->isEmpty())
        m_rooms.erase(it);
}

void Namespace::disconnectSockets(bool closeConnections)
{
    const auto all = sockets();
    for (Socket *s : all)
        s->close(closeConnections);
}

Broadcast &Broadcast::to(const QString &room)
{
    m_rooms.append(room);
    return *this;
}

Broadcast &Broadcast::to(const QStringList &rooms)
{
    m_rooms.append(rooms);
    return *this;
}

Broadcast &Broadcast::except(const QString &room)
{
    m_except.append(room);
    return *this;
}

Broadcast &Broadcast::except(const QStringList &rooms)
{
    m_except.append(rooms);
    return *this;
}

QList<Socket *> Broadcast::targets() const
{
    QSet<Socket *> excluded;
    for (const QString &room : m_except) {
        excluded.unite(m_namespace->m_rooms.value(room));
        if (Socket *own = m_namespace->ownRoomMember(room))
            excluded.insert(own);
    }
    QList<Socket *> out;
    if (m_rooms.isEmpty()) {
        out.reserve(m_namespace->m_sockets.size());
        for (Socket *s : std::as_const(m_namespace->m_sockets)) {
            if (!excluded.contains(s))
                out.append(s);
        }
        return out;
    }
    QSet<Socket *> seen;
    for (const QString &room : m_rooms) {
        QSet<Socket *> members = m_namespace->m_rooms.value(room);
        if (Socket *own = m_namespace->ownRoomMember(room))
            members.insert(own);
        for (Socket *s : std::as_const(members)) {
            if (!excluded.contains(s) && !seen.contains(s)) {
                seen.insert(s);
                out.append(s);
            }
        }
    }
    return out;
}

int Broadcast::send(const QString &event, const Arguments &args) const
{
    const QList<Socket *> sockets = targets();
    if (sockets.isEmpty() || SocketIoPacket::isReservedEventName(event))
        return 0;
    const SocketIoPacket::Encoded encoded =
            SocketIoPacket::event(m_namespace->name(), event, args, -1,
                                  EventServerPrivate::get(m_namespace->server())->rawJsonOf(args))
                    .encode();
    for (Socket *s : sockets) {
        if (s->m_connection)
            s->m_connection->sendEncoded(encoded);
        s->noteEventSent(event, args, -1);
    }
    return int(sockets.size());
}

int Broadcast::send(const QString &event, const Arguments &args, AckCallback callback,
                    int timeoutMs) const
{
    const QList<Socket *> sockets = targets();
    if (sockets.isEmpty() || SocketIoPacket::isReservedEventName(event))
        return 0;
    const qint64 id = m_namespace->nextAckId();
    const SocketIoPacket::Encoded encoded =
            SocketIoPacket::event(m_namespace->name(), event, args, id,
                                  EventServerPrivate::get(m_namespace->server())->rawJsonOf(args))
                    .encode();
    for (Socket *s : sockets) {
        s->registerAck(id, callback, timeoutMs);
        if (s->m_connection)
            s->m_connection->sendEncoded(encoded);
        s->noteEventSent(event, args, id);
    }
    return int(sockets.size());
}

} // namespace Sockscope
