#include "adapter.h"

#include "connection.h"
#include "namespace.h"
#include "socket.h"
#include "socketioparser.h"

#include <QPointer>

#include <memory>
#include <optional>

namespace Sockscope {

namespace {

// A broadcast's packet, encoded once per wire format among its targets and only when a target
// speaks it: a JSON-only broadcast encodes once, as before, and never the msgpack form.
class EncodedPerFormat
{
public:
    explicit EncodedPerFormat(SocketIoPacket &&packet) : m_packet(std::move(packet)) { }

    const SocketIoPacket::Encoded &forSocket(const Socket *socket)
    {
        const Connection *c = socket->connection();
        if (Q_UNLIKELY(c && c->usesMsgpack())) {
            if (!m_msgpack)
                m_msgpack = MsgpackSocketIoParser().encode(m_packet);
            return *m_msgpack;
        }
        if (!m_json)
            m_json = m_packet.encode();
        return *m_json;
    }

private:
    SocketIoPacket m_packet;
    std::optional<SocketIoPacket::Encoded> m_json;
    std::optional<SocketIoPacket::Encoded> m_msgpack;
};

} // namespace

Adapter::Adapter(Namespace *ns) : QObject(ns), m_namespace(ns) { }

Adapter::~Adapter() = default;

void Adapter::persistSession(const PersistedSession &) { }

void Adapter::restoreSession(const QString &, const QString &, QObject *context,
                             RestoreSessionCallback callback)
{
    if (callback)
        post(context, [callback] { callback(false, PersistedSession()); });
}

bool Adapter::deliver(Socket *socket, const SocketIoPacket::Encoded &encoded,
                      const OutgoingEvent &event, bool isVolatile)
{
    if (!socket->writeEncoded(encoded, isVolatile))
        return false;
    socket->noteEventSent(event.event, event.args, event.ackId);
    return true;
}

void Adapter::expectAck(Socket *socket, qint64 ackId, AckCallback callback, int timeoutMs)
{
    socket->registerAck(ackId, std::move(callback), timeoutMs);
}

void Adapter::receiveServerSideEvent(const QString &event, const Arguments &args,
                                     const std::function<void(const Arguments &)> &reply)
{
    m_namespace->handleServerSideEvent(event, args, reply);
}

void Adapter::post(QObject *context, std::function<void()> callback)
{
    QMetaObject::invokeMethod(context ? context : this, std::move(callback), Qt::QueuedConnection);
}

InMemoryAdapter::InMemoryAdapter(Namespace *ns) : Adapter(ns) { }

Socket *InMemoryAdapter::ownRoomMember(const QString &room) const
{
    Socket *s = ns()->socket(room);
    return s && s->isInRoom(room) ? s : nullptr;
}

void InMemoryAdapter::insert(const QString &room, Socket *socket)
{
    auto it = m_rooms.find(room);
    const bool created = it == m_rooms.end();
    if (created)
        it = m_rooms.insert(room, {});
    if (it->contains(socket))
        return;
    it->insert(socket);
    if (created)
        Q_EMIT roomCreated(room);
    Q_EMIT roomJoined(room, socket->id());
}

void InMemoryAdapter::remove(const QString &room, Socket *socket)
{
    auto it = m_rooms.find(room);
    if (it == m_rooms.end() || !it->remove(socket))
        return;
    const bool deleted = it->isEmpty();
    if (deleted)
        m_rooms.erase(it);
    Q_EMIT roomLeft(room, socket->id());
    if (deleted)
        Q_EMIT roomDeleted(room);
}

void InMemoryAdapter::addAll(Socket *socket, const QStringList &rooms)
{
    for (const QString &room : rooms) {
        if (room == socket->id()) {
            // The socket's flag is the membership: nothing to index.
            Q_EMIT roomCreated(room);
            Q_EMIT roomJoined(room, room);
        } else {
            insert(room, socket);
        }
    }
}

void InMemoryAdapter::del(Socket *socket, const QString &room)
{
    if (room == socket->id()) {
        Q_EMIT roomLeft(room, room);
        Q_EMIT roomDeleted(room);
    } else {
        remove(room, socket);
    }
}

void InMemoryAdapter::delAll(Socket *socket)
{
    const QSet<QString> rooms = socket->rooms();
    for (const QString &room : rooms)
        del(socket, room);
}

QStringList InMemoryAdapter::rooms() const
{
    QStringList out = m_rooms.keys();
    const QList<Socket *> all = ns()->sockets();
    for (Socket *s : all) {
        if (s->isInRoom(s->id()) && !m_rooms.contains(s->id()))
            out.append(s->id());
    }
    return out;
}

QList<Socket *> InMemoryAdapter::sockets(const BroadcastOptions &opts) const
{
    QSet<Socket *> excluded;
    for (const QString &room : opts.except) {
        excluded.unite(m_rooms.value(room));
        if (Socket *own = ownRoomMember(room))
            excluded.insert(own);
    }
    if (opts.rooms.isEmpty()) {
        QList<Socket *> out = ns()->sockets();
        if (!excluded.isEmpty())
            out.removeIf([&excluded](Socket *s) { return excluded.contains(s); });
        return out;
    }
    QList<Socket *> out;
    QSet<Socket *> seen;
    const bool several = opts.rooms.size() > 1;
    for (const QString &room : opts.rooms) {
        const auto addOne = [&](Socket *s) {
            if (excluded.contains(s))
                return;
            if (several) { // one room: its members and its own socket are distinct
                if (seen.contains(s))
                    return;
                seen.insert(s);
            }
            out.append(s);
        };
        Socket *own = ownRoomMember(room);
        const auto members = m_rooms.constFind(room);
        if (members != m_rooms.cend()) {
            if (!several && !own)
                out.reserve(members->size());
            for (Socket *s : *members)
                addOne(s);
        }
        if (own && (members == m_rooms.cend() || !members->contains(own)))
            addOne(own);
    }
    return out;
}

int InMemoryAdapter::broadcast(const OutgoingEvent &event, const BroadcastOptions &opts)
{
    const QList<Socket *> targets = sockets(opts);
    if (targets.isEmpty())
        return 0;
    EncodedPerFormat encoded(
            SocketIoPacket::event(ns()->name(), event.event, event.args, event.ackId, event.rawJson));
    int written = 0;
    for (Socket *s : targets)
        written += deliver(s, encoded.forSocket(s), event, opts.flags.isVolatile) ? 1 : 0;
    return written;
}

int InMemoryAdapter::broadcastWithAck(const OutgoingEvent &event, const BroadcastOptions &opts,
                                      const BroadcastAckHandlers &handlers)
{
    const QList<Socket *> targets = sockets(opts);
    const int count = int(targets.size());
    if (handlers.clientsCounted)
        handlers.clientsCounted(count);
    if (targets.isEmpty()) {
        if (handlers.finished)
            post(nullptr, [finished = handlers.finished] { finished(false); });
        return 0;
    }
    AckCallback perSocket = handlers.ackReceived;
    if (handlers.finished) {
        // Counts the replies, to say when the last one is in.
        struct Waiting
        {
            int left = 0;
            bool timedOut = false;
            AckCallback ackReceived;
            std::function<void(bool)> finished;
        };
        auto waiting = std::make_shared<Waiting>();
        waiting->left = count;
        waiting->ackReceived = handlers.ackReceived;
        waiting->finished = handlers.finished;
        perSocket = [waiting](const AckResult &result) {
            if (result.timedOut)
                waiting->timedOut = true;
            if (waiting->ackReceived)
                waiting->ackReceived(result);
            if (--waiting->left == 0)
                waiting->finished(waiting->timedOut);
        };
    }
    EncodedPerFormat encoded(
            SocketIoPacket::event(ns()->name(), event.event, event.args, event.ackId, event.rawJson));
    for (Socket *s : targets) {
        expectAck(s, event.ackId, perSocket, opts.flags.timeoutMs);
        deliver(s, encoded.forSocket(s), event, opts.flags.isVolatile);
    }
    return count;
}

void InMemoryAdapter::addSockets(const BroadcastOptions &opts, const QStringList &rooms)
{
    const QList<Socket *> targets = sockets(opts);
    for (Socket *s : targets)
        s->join(rooms);
}

void InMemoryAdapter::delSockets(const BroadcastOptions &opts, const QStringList &rooms)
{
    const QList<Socket *> targets = sockets(opts);
    for (Socket *s : targets) {
        for (const QString &room : rooms)
            s->leave(room);
    }
}

void InMemoryAdapter::disconnectSockets(const BroadcastOptions &opts, bool closeConnections)
{
    const QList<Socket *> targets = sockets(opts);
    QList<QPointer<Socket>> alive;
    alive.reserve(targets.size());
    for (Socket *s : targets)
        alive.append(s);
    for (const QPointer<Socket> &s : std::as_const(alive)) {
        if (s) // a slot of an earlier one's disconnection may have deleted it
            s->close(closeConnections);
    }
}

RemoteSocket InMemoryAdapter::snapshot(const Socket *socket)
{
    RemoteSocket out;
    out.id = socket->id();
    out.nsp = socket->namespaceName();
    out.handshake = socket->handshake();
    out.auth = socket->auth();
    out.rooms = socket->rooms();
    out.data = socket->data();
    return out;
}

void InMemoryAdapter::fetchSockets(const BroadcastOptions &opts, QObject *context,
                                   FetchSocketsCallback callback)
{
    if (!callback)
        return;
    const QList<Socket *> targets = sockets(opts);
    QList<RemoteSocket> found;
    found.reserve(targets.size());
    for (const Socket *s : targets)
        found.append(snapshot(s));
    post(context, [callback = std::move(callback), found = std::move(found)] { callback(found); });
}

void InMemoryAdapter::serverSideEmit(const QString &, const Arguments &)
{
    // No other server to send it to.
}

void InMemoryAdapter::serverSideEmit(const QString &, const Arguments &, int, QObject *context,
                                     ServerSideAckCallback callback)
{
    if (callback) // no other server: no answer to wait for
        post(context, [callback = std::move(callback)] { callback(ServerSideAckResult()); });
}

void InMemoryAdapter::serverCount(QObject *context, ServerCountCallback callback)
{
    if (callback)
        post(context, [callback = std::move(callback)] { callback(1); });
}

} // namespace Sockscope
