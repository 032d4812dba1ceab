#include "namespace.h"

#include "connection.h"
#include "eventserver_p.h"
#include "socket.h"
#include "socketiopacket.h"

namespace Sockscope {

Namespace::Namespace(const QString &name, EventServer *server)
    : QObject(server), m_name(name), m_server(server)
{
    initAdapter();
}

void Namespace::initAdapter()
{
    const AdapterFactory factory = m_server->adapterFactory();
    Adapter *adapter = factory ? factory(this) : nullptr;
    if (!adapter)
        adapter = new InMemoryAdapter(this);
    else if (adapter->parent() != this)
        adapter->setParent(this);
    Adapter *old = std::exchange(m_adapter, adapter);
    for (Socket *s : std::as_const(m_sockets)) {
        const QSet<QString> rooms = s->rooms();
        m_adapter->addAll(s, QStringList(rooms.cbegin(), rooms.cend()));
    }
    delete old;
    m_adapter->init();
}

QList<Socket *> Namespace::sockets() const
{
    return m_sockets.values();
}

QStringList Namespace::rooms() const
{
    return m_adapter->rooms();
}

QList<Socket *> Namespace::socketsInRoom(const QString &room) const
{
    BroadcastOptions opts;
    opts.rooms.append(room);
    return m_adapter->sockets(opts);
}

void Namespace::disconnectSockets(bool closeConnections)
{
    Broadcast(this).disconnectSockets(closeConnections);
}

void Namespace::serverSideEmit(const QString &event, const Arguments &args)
{
    m_adapter->serverSideEmit(event, args);
}

void Namespace::serverSideEmit(const QString &event, const Arguments &args, QObject *context,
                               ServerSideAckCallback callback, int timeoutMs)
{
    m_adapter->serverSideEmit(event, args, timeoutMs, context, std::move(callback));
}

void Namespace::serverCount(QObject *context, ServerCountCallback callback)
{
    m_adapter->serverCount(context, std::move(callback));
}

void Namespace::handleServerSideEvent(const QString &event, const Arguments &args,
                                      const std::function<void(const Arguments &)> &reply)
{
    static const std::function<void(const Arguments &)> noReply = [](const Arguments &) { };
    const auto handlers = m_serverSideHandlers; // a handler may add another
    for (const ServerSideEventHandler &handler : handlers)
        handler(event, args, reply ? reply : noReply);
}

Broadcast &Broadcast::to(const QString &room)
{
    m_options.rooms.append(room);
    return *this;
}

Broadcast &Broadcast::to(const QStringList &rooms)
{
    m_options.rooms.append(rooms);
    return *this;
}

Broadcast &Broadcast::except(const QString &room)
{
    m_options.except.append(room);
    return *this;
}

Broadcast &Broadcast::except(const QStringList &rooms)
{
    m_options.except.append(rooms);
    return *this;
}

Broadcast &Broadcast::local()
{
    m_options.flags.local = true;
    return *this;
}

Broadcast &Broadcast::timeout(int ms)
{
    m_options.flags.timeoutMs = ms;
    return *this;
}

Broadcast &Broadcast::setVolatile(bool isVolatile)
{
    m_options.flags.isVolatile = isVolatile;
    return *this;
}

QList<Socket *> Broadcast::targets() const
{
    return m_namespace->adapter()->sockets(m_options);
}

OutgoingEvent Broadcast::outgoing(const QString &event, const Arguments &args,
                                  qint64 ackId) const
{
    return { event, args, ackId, EventServerPrivate::get(m_namespace->server())->rawJsonOf(args) };
}

int Broadcast::send(const QString &event, const Arguments &args) const
{
    if (SocketIoPacket::isReservedEventName(event))
        return 0;
    return m_namespace->adapter()->broadcast(outgoing(event, args, -1), m_options);
}

int Broadcast::send(const QString &event, const Arguments &args, AckCallback callback,
                    int timeoutMs) const
{
    BroadcastAckHandlers handlers;
    handlers.ackReceived = std::move(callback);
    Broadcast timed(*this);
    timed.m_options.flags.timeoutMs = timeoutMs;
    return timed.sendWithAck(event, args, handlers);
}

int Broadcast::send(const QString &event, const Arguments &args, AckCallback callback) const
{
    BroadcastAckHandlers handlers;
    handlers.ackReceived = std::move(callback);
    return sendWithAck(event, args, handlers);
}

int Broadcast::sendWithAck(const QString &event, const Arguments &args,
                           const BroadcastAckHandlers &handlers) const
{
    if (SocketIoPacket::isReservedEventName(event))
        return 0;
    const qint64 id = m_namespace->nextAckId();
    return m_namespace->adapter()->broadcastWithAck(outgoing(event, args, id), m_options,
                                                    handlers);
}

void Broadcast::fetchSockets(QObject *context, FetchSocketsCallback callback) const
{
    m_namespace->adapter()->fetchSockets(m_options, context, std::move(callback));
}

void Broadcast::socketsJoin(const QStringList &rooms) const
{
    m_namespace->adapter()->addSockets(m_options, rooms);
}

void Broadcast::socketsLeave(const QStringList &rooms) const
{
    m_namespace->adapter()->delSockets(m_options, rooms);
}

void Broadcast::disconnectSockets(bool closeConnections) const
{
    m_namespace->adapter()->disconnectSockets(m_options, closeConnections);
}

} // namespace Sockscope
