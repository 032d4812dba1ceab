#include "socket.h"

#include "connection.h"
#include "eventserver_p.h"
#include "listeners_p.h"
#include "namespace.h"
#include "acktracker_p.h"
#include "socketiopacket.h"

#include <QJsonObject>
#include <QMetaMethod>

using namespace Qt::StringLiterals;

namespace Sockscope {

namespace {

// The reasons the Node.js server keeps a session for (RECOVERABLE_DISCONNECT_REASONS): the
// client did not choose to leave and may come back. Not "slow consumer": a client that cannot
// keep up would get its backlog again.
bool isRecoverable(DisconnectReason reason)
{
    switch (reason) {
    case DisconnectReason::TransportError:
    case DisconnectReason::TransportClose:
    case DisconnectReason::ForcedClose:
    case DisconnectReason::PingTimeout:
    case DisconnectReason::ServerShuttingDown:
    case DisconnectReason::ForcedServerClose:
        return true;
    default:
        return false;
    }
}

} // namespace

Socket::Socket(Connection *connection, Namespace *ns, const QJsonObject &auth)
    : QObject(connection), m_connection(connection), m_namespace(ns), m_auth(auth)
{
    m_id = connection->m_server->generateId();
    if (connection->m_server->options().maxDisconnectionDuration > 0)
        m_pid = connection->m_server->generateId();
}

void Socket::restore(const PersistedSession &session)
{
    m_id = session.sid;
    m_pid = session.pid;
    m_data = session.data;
    m_missedEvents = session.missedEvents;
    m_recovered = true;
    for (const QString &room : session.rooms)
        join(room);
}

Socket::~Socket()
{
    if (!m_finished && m_namespace) {
        m_namespace->adapter()->delAll(this); // rooms joined before it was connected too
        if (m_namespace->m_sockets.value(m_id) == this)
            m_namespace->m_sockets.remove(m_id);
    }
}

QString Socket::namespaceName() const
{
    return m_namespace->name();
}

EventServer *Socket::server() const
{
    return m_namespace->server();
}

HandshakeRecord Socket::handshake() const
{
    return m_connection ? m_connection->handshake() : HandshakeRecord();
}

QSet<QString> Socket::rooms() const
{
    QSet<QString> rooms = m_rooms;
    if (m_inOwnRoom)
        rooms.insert(m_id);
    return rooms;
}

void Socket::join(const QString &room)
{
    if (room == m_id) {
        if (m_finished || m_inOwnRoom)
            return;
        m_inOwnRoom = true;
        m_namespace->adapter()->addAll(this, { room });
        Q_EMIT roomsChanged();
        return;
    }
    if (m_finished || m_rooms.contains(room))
        return;
    m_rooms.insert(room);
    m_namespace->adapter()->addAll(this, { room });
    Q_EMIT roomsChanged();
}

void Socket::join(const QStringList &rooms)
{
    for (const QString &r : rooms)
        join(r);
}

void Socket::leave(const QString &room)
{
    if (room == m_id) {
        if (!m_inOwnRoom)
            return;
        m_inOwnRoom = false;
        if (!m_finished) // an ended socket has left every room of the adapter already
            m_namespace->adapter()->del(this, room);
        Q_EMIT roomsChanged();
        return;
    }
    if (!m_rooms.contains(room))
        return;
    if (!m_finished)
        m_namespace->adapter()->del(this, room); // it still sees the socket in the room
    m_rooms.remove(room);
    Q_EMIT roomsChanged();
}

bool Socket::sendPacket(const SocketIoPacket &packet)
{
    return m_connection && m_connection->sendPacket(packet);
}

bool Socket::writeEncoded(const SocketIoPacket::Encoded &encoded, bool isVolatile)
{
    return m_connection && m_connection->sendEncoded(encoded, isVolatile);
}

qint64 Socket::bufferedBytes() const
{
    return m_connection ? m_connection->bufferedBytes() : 0;
}

void Socket::noteEventSent(const QString &event, const Arguments &args, qint64 ackId,
                           const QString &offset)
{
    ++m_eventsOut;
    EventServerPrivate::get(server())->reportEventSent(this, event, args, ackId,
                                                       offset); // per recipient
}

bool Socket::send(const QString &event, const Arguments &args)
{
    if (!m_connected || SocketIoPacket::isReservedEventName(event))
        return false; // a reserved name would make the client drop the connection
    if (Q_UNLIKELY(!m_pid.isEmpty())) {
        // Recovery on: through the adapter, to this socket's room, as Node's socket.emit()
        // then does, so that the event gets its offset and is kept.
        BroadcastOptions opts;
        opts.rooms.append(m_id);
        const quint64 before = m_eventsOut;
        m_namespace->adapter()->broadcast(
                { event, args, -1, EventServerPrivate::get(server())->rawJsonOf(args) }, opts);
        return m_eventsOut != before;
    }
    if (!sendPacket(SocketIoPacket::event(namespaceName(), event, args, -1,
                                          EventServerPrivate::get(server())->rawJsonOf(args))))
        return false;
    noteEventSent(event, args, -1);
    return true;
}

bool Socket::sendVolatile(const QString &event, const Arguments &args)
{
    if (!m_connected || SocketIoPacket::isReservedEventName(event))
        return false;
    const SocketIoPacket packet = SocketIoPacket::event(
            namespaceName(), event, args, -1, EventServerPrivate::get(server())->rawJsonOf(args));
    if (!writeEncoded(m_connection->m_parser->encode(packet), true))
        return false;
    noteEventSent(event, args, -1);
    return true;
}

qint64 Socket::send(const QString &event, const Arguments &args, AckCallback callback,
                    int timeoutMs)
{
    if (!m_connected || SocketIoPacket::isReservedEventName(event))
        return -1;
    const qint64 id = m_namespace->nextAckId();
    registerAck(id, std::move(callback), timeoutMs);
    sendPacket(SocketIoPacket::event(namespaceName(), event, args, id, EventServerPrivate::get(server())->rawJsonOf(args)));
    noteEventSent(event, args, id);
    return id;
}

AckTracker *Socket::acks()
{
    if (!m_acks) {
        m_acks = new AckTracker(this);
        m_acks->setPeerId(m_id);
        connect(m_acks, &AckTracker::timedOut, this, [this](qint64 id, qint64 waited) {
            EventServerPrivate::get(server())->reportAckTimedOut(this, id, waited);
        });
    }
    return m_acks;
}

int Socket::pendingAcks() const
{
    return m_acks ? m_acks->size() : 0;
}

void Socket::registerAck(qint64 id, AckCallback callback, int timeoutMs)
{
    acks()->add(id, std::move(callback), timeoutMs);
}

void Socket::on(const QString &event, EventHandler handler)
{
    m_handlers.on(event, std::move(handler));
}

void Socket::on(const QString &event, SimpleEventHandler handler)
{
    m_handlers.on(event, std::move(handler));
}

void Socket::off(const QString &event)
{
    m_handlers.off(event);
}

void Socket::onAny(AnyEventHandler handler)
{
    m_handlers.onAny(std::move(handler));
}

void Socket::onAnyRaw(RawAnyEventHandler handler)
{
    m_handlers.onAnyRaw(std::move(handler));
}

void Socket::close(bool closeConnection)
{
    if (!m_connected)
        return;
    Connection *connection = m_connection;
    sendPacket(SocketIoPacket::disconnect(namespaceName()));
    finish(DisconnectReason::ServerNamespaceDisconnect);
    if (connection) {
        connection->removeSocket(this);
        if (closeConnection)
            connection->close(DisconnectReason::ForcedServerClose);
    }
}

void Socket::markConnected()
{
    m_connected = true;
    m_connectedAt = QDateTime::currentDateTimeUtc();
    m_namespace->m_sockets.insert(m_id, this);
    if (!std::exchange(m_inOwnRoom, true)) // the namespace finds it by id
        m_namespace->adapter()->addAll(this, { m_id });
    // A restored session's missed events go first, as the Node.js server writes them (the
    // client holds them until the CONNECT reply, then hands them to the application).
    const QList<Arguments> missed = std::exchange(m_missedEvents, {});
    for (const Arguments &e : missed) {
        if (e.isEmpty())
            continue;
        const QString name = e.constFirst().toString();
        const Arguments args = e.mid(1); // the offset last
        if (!sendPacket(SocketIoPacket::event(namespaceName(), name, args)))
            break;
        const QString offset = args.isEmpty() ? QString() : args.constLast().toString();
        noteEventSent(name, args.mid(0, args.size() - 1), -1, offset);
    }
    QJsonObject answer;
    answer.insert(u"sid"_s, m_id);
    if (!m_pid.isEmpty())
        answer.insert(u"pid"_s, m_pid);
    sendPacket(SocketIoPacket::connect(namespaceName(), answer));
    EventServerPrivate::get(server())->reportSocketConnected(this);
}

void Socket::handleEvent(const SocketIoPacket &packet)
{
    ++m_eventsIn;
    const QString name = packet.eventName();
    // Converted from JSON only if a signal is connected or a handler asks for the values.
    const ReceivedArguments args(packet);
    EventServerPrivate *srv = EventServerPrivate::get(server());
    QPointer<Socket> self(this);
    static const Ack::Sender ackSender = { &Socket::sendAckReply, &Socket::sendAckReplyJson };
    const Ack ack = packet.hasAckId() ? Ack::requested(packet.ackId(), this, &ackSender) : Ack();
    const bool raw = srv->beginEvent(args);
    srv->reportEventReceived(self, name, args, packet.ackId());
    if (!self) { // deleted by a slot (not deleteLater): nothing of it may be touched
        if (raw)
            srv->endEvent();
        return;
    }
    if (m_handlers.dispatch(name, args, ack, [&] { return self && m_connected; })
        && isListened(m_eventListenState, [&] {
               return isSignalConnected(QMetaMethod::fromSignal(&Socket::eventReceived));
           }))
        Q_EMIT eventReceived(name, args.values(), ack);
    if (raw)
        srv->endEvent();
}

void Socket::sendAckReply(QObject *target, qint64 id, const Arguments &reply)
{
    auto *self = static_cast<Socket *>(target);
    if (!self->m_connected)
        return;
    EventServerPrivate *server = EventServerPrivate::get(self->server());
    self->sendPacket(
            SocketIoPacket::ack(self->namespaceName(), id, reply, server->rawJsonOf(reply)));
    server->reportAckSent(self, id, reply);
}

void Socket::sendAckReplyJson(QObject *target, qint64 id, const QByteArray &json)
{
    auto *self = static_cast<Socket *>(target);
    if (!self->m_connected)
        return;
    // Sent as it is: text that did not arrive in an event (checked then) is checked here, or
    // the peer would get broken JSON or UTF-8 and drop the connection.
    EventServerPrivate *server = EventServerPrivate::get(self->server());
    if (!server->isReceivedJson(json)) {
        const qsizetype open = Json::skipWhitespace(json, 0);
        const qsizetype end = open < json.size() && json.at(open) == '['
                ? Json::scanValue(json, open)
                : -1;
        if (end < 0 || Json::skipWhitespace(json, end) != json.size()) {
            server->reportError(
                    self->m_connection ? self->m_connection->id() : QString(),
                    u"ack %1 not sent: its reply is not the JSON text of an array (Ack::replyJson)"_s
                            .arg(id));
            return;
        }
    }
    const SocketIoPacket reply = SocketIoPacket::ack(self->namespaceName(), id, {}, json);
    self->sendPacket(reply);
    server->reportAckSentJson(self, id, json, [&] { return reply.arguments(); });
}

void Socket::connectNotify(const QMetaMethod &signal)
{
    static const QMetaMethod watched = QMetaMethod::fromSignal(&Socket::eventReceived);
    noteListenerChange(&m_eventListenState, &watched, 1, signal, true);
}

void Socket::disconnectNotify(const QMetaMethod &signal)
{
    static const QMetaMethod watched = QMetaMethod::fromSignal(&Socket::eventReceived);
    noteListenerChange(&m_eventListenState, &watched, 1, signal, false);
}

void Socket::handleAck(const SocketIoPacket &packet)
{
    // A late (timed-out) or unknown ack is ignored, as the Node.js server does.
    if (!m_acks)
        return;
    const Arguments args = packet.arguments();
    const qint64 id = packet.ackId();
    QPointer<Socket> self(this);
    m_acks->resolve(id, args, m_id, nullptr, [self, id, args](qint64 elapsed) {
        if (!self)
            return;
        EventServerPrivate::get(self->server())->reportAckReceived(self, id, args, elapsed);
    });
}

void Socket::finish(DisconnectReason reason)
{
    if (m_finished)
        return;
    m_finished = true;
    const bool wasConnected = m_connected;
    m_connected = false;
    if (Q_UNLIKELY(!m_pid.isEmpty()) && wasConnected && isRecoverable(reason)) {
        PersistedSession session;
        session.sid = m_id;
        session.pid = m_pid;
        session.rooms = rooms();
        session.data = m_data;
        m_namespace->adapter()->persistSession(session);
    }
    m_namespace->adapter()->delAll(this);
    if (m_namespace->m_sockets.value(m_id) == this)
        m_namespace->m_sockets.remove(m_id);
    if (m_acks)
        m_acks->cancelAll(m_id);
    if (wasConnected) {
        const QString text = toString(reason);
        Q_EMIT disconnected(text);
        EventServerPrivate::get(server())->reportSocketDisconnected(this, text);
    }
}

} // namespace Sockscope
