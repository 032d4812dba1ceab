#include "adapter.h"

#include "connection.h"
#include "eventserver_p.h"
#include "namespace.h"
#include "socket.h"
#include "socketioparser.h"

#include <QPointer>
#include <QTimerEvent>

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
                      const OutgoingEvent &event, bool isVolatile, const QString &offset)
{
    if (!socket->writeEncoded(encoded, isVolatile))
        return false;
    socket->noteEventSent(event.event, event.args, event.ackId, offset);
    return true;
}

int Adapter::maxDisconnectionDuration() const
{
    return EventServerPrivate::get(m_namespace->server())->options().maxDisconnectionDuration;
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

qint64 Adapter::nextAckId()
{
    return m_namespace->nextAckId();
}

InMemoryAdapter::InMemoryAdapter(Namespace *ns) : Adapter(ns)
{
    m_clock.start();
}

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
    // As Node's SessionAwareAdapter: an event with an ack is not kept (its callback could not
    // be restored), nor one that may be lost.
    if (const int keepMs = maxDisconnectionDuration();
        Q_UNLIKELY(keepMs > 0) && event.ackId < 0 && !opts.flags.isVolatile)
        return broadcastKept(event, opts, keepMs);
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

QString InMemoryAdapter::offsetText(quint64 sequence)
{
    return QString::number(sequence, 36);
}

int InMemoryAdapter::broadcastKept(const OutgoingEvent &event, const BroadcastOptions &opts,
                                   int keepMs)
{
    dropExpired(keepMs);
    if (!m_expiryTimer.isActive())
        m_expiryTimer.start(qMin(keepMs, 60000), this);
    KeptEvent kept;
    kept.sequence = m_nextSequence++;
    kept.sentAt = m_clock.elapsed();
    kept.rooms = opts.rooms;
    kept.except = opts.except;
    const QString offset = offsetText(kept.sequence);
    Arguments args = event.args;
    args.append(offset);
    kept.event.reserve(args.size() + 1);
    kept.event.append(event.event);
    kept.event.append(args);
    m_kept.append(std::move(kept));

    const QList<Socket *> targets = sockets(opts);
    if (targets.isEmpty())
        return 0;
    // The arguments' JSON text, if any, lacks the offset: they are encoded from the values.
    EncodedPerFormat encoded(SocketIoPacket::event(ns()->name(), event.event, args, -1));
    for (Socket *s : targets)
        deliver(s, encoded.forSocket(s), event, false, offset);
    return int(targets.size());
}

void InMemoryAdapter::dropExpired(int keepMs)
{
    const qint64 threshold = m_clock.elapsed() - keepMs;
    qsizetype expired = 0;
    while (expired < m_kept.size() && m_kept.at(expired).sentAt < threshold)
        ++expired;
    if (expired)
        m_kept.remove(0, expired);
    for (auto it = m_sessions.begin(); it != m_sessions.end();) {
        if (it->disconnectedAt < threshold)
            it = m_sessions.erase(it);
        else
            ++it;
    }
}

void InMemoryAdapter::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_expiryTimer.timerId()) {
        Adapter::timerEvent(event);
        return;
    }
    const int keepMs = maxDisconnectionDuration();
    if (keepMs <= 0) { // turned off since: nothing more is kept, nothing kept is given back
        m_kept.clear();
        m_sessions.clear();
    } else {
        dropExpired(keepMs);
    }
    if (m_kept.isEmpty() && m_sessions.isEmpty())
        m_expiryTimer.stop();
}

void InMemoryAdapter::persistSession(const PersistedSession &session)
{
    const int keepMs = maxDisconnectionDuration();
    if (keepMs <= 0 || session.pid.isEmpty())
        return;
    KeptSession kept;
    kept.session = session;
    kept.session.missedEvents.clear();
    kept.disconnectedAt = m_clock.elapsed();
    m_sessions.insert(session.pid, std::move(kept));
    if (!m_expiryTimer.isActive())
        m_expiryTimer.start(qMin(keepMs, 60000), this);
}

void InMemoryAdapter::restoreSession(const QString &pid, const QString &offset, QObject *context,
                                     RestoreSessionCallback callback)
{
    if (!callback)
        return;
    const auto notFound = [&] {
        post(context, [callback] { callback(false, PersistedSession()); });
    };
    const int keepMs = maxDisconnectionDuration();
    if (keepMs <= 0)
        return notFound();
    dropExpired(keepMs);
    const auto it = m_sessions.constFind(pid);
    if (it == m_sessions.cend()) // unknown, or expired
        return notFound();
    // The offset is the sequence number of an event still kept; an older one (or one this
    // adapter never gave) cannot say what was missed.
    bool ok = false;
    const quint64 sequence = offset.toULongLong(&ok, 36);
    if (!ok || m_kept.isEmpty() || sequence < m_kept.constFirst().sequence
        || sequence > m_kept.constLast().sequence)
        return notFound();
    PersistedSession session = it->session;
    // Handed back once: a second client presenting the same pid gets a fresh socket.
    m_sessions.erase(it);
    const QSet<QString> &rooms = session.rooms;
    const auto included = [&rooms](const KeptEvent &e) {
        bool in = e.rooms.isEmpty();
        for (qsizetype i = 0; !in && i < e.rooms.size(); ++i)
            in = rooms.contains(e.rooms.at(i));
        for (const QString &room : e.except) {
            if (rooms.contains(room))
                return false;
        }
        return in;
    };
    const qsizetype first = qsizetype(sequence - m_kept.constFirst().sequence) + 1;
    for (qsizetype i = first; i < m_kept.size(); ++i) {
        if (included(m_kept.at(i)))
            session.missedEvents.append(m_kept.at(i).event);
    }
    post(context, [callback, session = std::move(session)] { callback(true, session); });
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
