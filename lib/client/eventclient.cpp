#include "eventclient.h"

#include "acktracker_p.h"
#include "clientmanager.h"

#include <QJsonObject>
#include <QJsonDocument>
#include <QPointer>
#include <QTimerEvent>

using namespace Qt::StringLiterals;

namespace Sockscope {

QString ClientOptions::toString(Parser parser)
{
    switch (parser) {
    case Parser::Json:
        return u"json"_s;
    case Parser::Msgpack:
        return u"msgpack"_s;
    }
    return u"json"_s;
}

bool ClientOptions::fromString(const QString &text, Parser *parser)
{
    for (Parser p : { Parser::Json, Parser::Msgpack }) {
        if (text == toString(p)) {
            *parser = p;
            return true;
        }
    }
    return false;
}

EventClient::EventClient(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<Sockscope::Arguments>("Sockscope::Arguments");
    qRegisterMetaType<Sockscope::Ack>();
    m_acks = new AckTracker(this);
    connect(m_acks, &AckTracker::timedOut, this, &EventClient::ackTimedOut);
    m_manager = new ClientManager(this);
    m_ownsManager = true;
    m_manager->attach(this);
}

EventClient::EventClient(ClientManager *manager, const QString &nsp)
    : QObject(manager), m_nsp(nsp), m_options(manager->options()), m_manager(manager)
{
    qRegisterMetaType<Sockscope::Arguments>("Sockscope::Arguments");
    qRegisterMetaType<Sockscope::Ack>();
    m_acks = new AckTracker(this);
    connect(m_acks, &AckTracker::timedOut, this, &EventClient::ackTimedOut);
    m_url = manager->url();
    m_url.setPath(nsp);
    m_manager->attach(this);
}

EventClient::~EventClient()
{
    m_active = false;
    if (ClientManager *manager = std::exchange(m_manager, nullptr)) {
        manager->detach(this);
        if (m_ownsManager)
            delete manager;
    }
}

void EventClient::setUrl(const QUrl &url)
{
    if (!m_ownsManager)
        return;
    m_url = url;
    const QString p = m_url.path();
    m_nsp = p.isEmpty() ? u"/"_s : p;
    if (m_manager)
        m_manager->setUrl(url);
}

void EventClient::setOptions(const ClientOptions &options)
{
    m_options = options;
    if (m_ownsManager && m_manager)
        m_manager->setOptions(options);
}

QString EventClient::connectionId() const
{
    return m_manager ? m_manager->connectionId() : QString();
}

ClientHandshake EventClient::handshake() const
{
    return m_manager ? m_manager->handshake() : ClientHandshake();
}

int EventClient::reconnectAttempt() const
{
    return m_manager ? m_manager->reconnectAttempt() : 0;
}

void EventClient::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void EventClient::open()
{
    if (m_state == State::Connecting || m_state == State::Connected || !m_manager)
        return;
    m_userClosed = false;
    m_active = true;
    setState(State::Connecting);
    m_connectTimer.start(m_options.timeout, this);
    m_errorString.clear();
    m_id.clear();
    m_recovered = false;
    m_received.clear();
    m_manager->socketOpened(this);
}

void EventClient::managerStarting()
{
    if (!m_active)
        return;
    m_errorString.clear();
    m_id.clear();
    m_recovered = false;
    m_received.clear();
    if (m_state != State::Connecting) {
        m_connectTimer.start(m_options.timeout, this);
        setState(State::Connecting);
    }
}

void EventClient::managerOpened(const ClientHandshake &handshake)
{
    if (!m_active || m_state == State::Connected)
        return;
    QPointer<EventClient> self(this);
    Q_EMIT opened(handshake);
    if (!self || !m_active || !m_manager)
        return;
    QJsonObject auth = m_options.auth;
    if (!m_pid.isEmpty()) {
        // Recovery: the session to take back, and the last event seen of it.
        if (!auth.contains(u"pid"_s))
            auth.insert(u"pid"_s, m_pid);
        if (!auth.contains(u"offset"_s) && !m_lastOffset.isEmpty())
            auth.insert(u"offset"_s, m_lastOffset);
    }
    sendPacket(SocketIoPacket::connect(m_nsp, auth.isEmpty() ? QJsonValue(QJsonValue::Undefined)
                                                             : QJsonValue(auth)));
}

void EventClient::managerDropped(DisconnectReason reason, bool willReconnect)
{
    if (!m_active && m_state == State::Disconnected)
        return;
    m_connectTimer.stop();
    const bool wasConnected = m_state == State::Connected;
    if (!willReconnect)
        m_active = false;
    setState(State::Disconnected);
    QPointer<EventClient> self(this);
    if (wasConnected)
        Q_EMIT disconnected(toString(reason));
    if (self)
        m_acks->cancelAll(m_id); // after the state is settled: callbacks may act on it
}

void EventClient::managerFailed(const QString &message, bool willReconnect)
{
    if (!m_active)
        return;
    if (m_state == State::Connected) { // not expected: a failure comes before any CONNECT
        managerDropped(DisconnectReason::TransportError, willReconnect);
        return;
    }
    m_connectTimer.stop();
    m_errorString = message;
    if (!willReconnect)
        m_active = false;
    setState(State::Disconnected);
    QPointer<EventClient> self(this);
    Q_EMIT connectErrorOccurred(message, {});
    if (self && !willReconnect)
        m_acks->cancelAll(m_id);
}

void EventClient::managerReconnecting(int attempt, int delayMs)
{
    setState(State::Reconnecting);
    Q_EMIT reconnecting(attempt, delayMs);
}

void EventClient::managerGaveUp(const QString &message)
{
    m_active = false;
    QPointer<EventClient> self(this);
    m_acks->cancelAll(m_id);
    if (self)
        Q_EMIT errorOccurred(message);
}

void EventClient::leave()
{
    m_active = false;
    m_connectTimer.stop();
    if (m_manager)
        m_manager->socketClosed(this, nullptr);
}

void EventClient::close()
{
    m_userClosed = true;
    m_connectTimer.stop();
    const bool wasConnected = m_state == State::Connected;
    const bool wasActive = m_active;
    m_active = false;
    if (m_manager && (wasActive || m_manager->state() != ClientManager::State::Closed)) {
        const SocketIoPacket bye = SocketIoPacket::disconnect(m_nsp);
        m_manager->socketClosed(this, wasConnected ? &bye : nullptr);
    }
    m_queue.clear();
    m_received.clear();
    m_pid.clear(); // the server drops a session its client closed
    m_lastOffset.clear();
    setState(State::Disconnected);
    m_acks->cancelAll(m_id);
    if (wasConnected)
        Q_EMIT disconnected(toString(DisconnectReason::IoClientDisconnect));
}

bool EventClient::send(const QString &event, const Arguments &args)
{
    if ((m_state == State::Disconnected && m_userClosed)
        || SocketIoPacket::isReservedEventName(event))
        return false; // a reserved name would make the server drop the connection
    if (m_state != State::Connected) {
        m_queue.append({ event, args, -1 });
        return true;
    }
    sendPacket(SocketIoPacket::event(m_nsp, event, args));
    Q_EMIT eventSent(event, args, -1);
    return true;
}

qint64 EventClient::send(const QString &event, const Arguments &args, AckCallback callback,
                         int timeoutMs)
{
    if ((m_state == State::Disconnected && m_userClosed)
        || SocketIoPacket::isReservedEventName(event))
        return -1;
    const qint64 id = m_nextAckId++;
    m_acks->add(id, std::move(callback), timeoutMs);
    if (m_state != State::Connected) {
        m_queue.append({ event, args, id });
        return id;
    }
    sendPacket(SocketIoPacket::event(m_nsp, event, args, id));
    Q_EMIT eventSent(event, args, id);
    return id;
}

void EventClient::on(const QString &event, EventHandler handler)
{
    m_handlers.on(event, std::move(handler));
}

void EventClient::on(const QString &event, SimpleEventHandler handler)
{
    m_handlers.on(event, std::move(handler));
}

void EventClient::off(const QString &event)
{
    m_handlers.off(event);
}

void EventClient::onAny(AnyEventHandler handler)
{
    m_handlers.onAny(std::move(handler));
}

void EventClient::sendPacket(const SocketIoPacket &packet)
{
    if (m_manager)
        m_manager->sendPacket(packet);
}

void EventClient::handleSocketIo(const SocketIoPacket &packet)
{
    if (!m_active)
        return;
    using T = SocketIoPacket::Type;
    switch (packet.type()) {
    case T::Connect: {
        const QJsonObject reply = packet.payload().toObject();
        m_id = reply.value(u"sid"_s).toString();
        // As the official client decides it: the reply names the session we asked for.
        const QString pid = reply.value(u"pid"_s).toString();
        m_recovered = !pid.isEmpty() && pid == m_pid;
        m_pid = pid; // empty when the server has recovery off
        if (!m_recovered)
            m_lastOffset.clear();
        m_acks->setPeerId(m_id);
        m_connectTimer.stop();
        if (m_manager)
            m_manager->socketConnected();
        setState(State::Connected);
        // The events replayed ahead of the reply first, then connected(), as the official
        // client orders them.
        QPointer<EventClient> self(this);
        const auto received = std::exchange(m_received, {});
        for (const SocketIoPacket &e : received) {
            if (!self || m_state != State::Connected)
                return;
            deliverEvent(e);
        }
        if (!self || m_state != State::Connected)
            return;
        Q_EMIT connected(m_recovered);
        if (!self)
            return;
        const auto queue = std::exchange(m_queue, {});
        for (const Queued &q : queue) {
            if (m_state != State::Connected)
                break;
            sendPacket(SocketIoPacket::event(m_nsp, q.event, q.args, q.ackId));
            Q_EMIT eventSent(q.event, q.args, q.ackId);
        }
        break;
    }
    case T::ConnectError: {
        // A refused namespace: this socket alone gives up; the others stay.
        const QJsonValue p = packet.payload();
        const QString message = p.isObject() ? p.toObject().value(u"message"_s).toString()
                                             : p.toString();
        m_errorString = message;
        leave();
        setState(State::Disconnected);
        QPointer<EventClient> self(this);
        Q_EMIT connectErrorOccurred(message, p.toObject().value(u"data"_s));
        if (self)
            m_acks->cancelAll(m_id);
        break;
    }
    case T::Disconnect: {
        const bool wasConnected = m_state == State::Connected;
        leave();
        setState(State::Disconnected);
        QPointer<EventClient> self(this);
        if (wasConnected)
            Q_EMIT disconnected(toString(DisconnectReason::IoServerDisconnect));
        if (self)
            m_acks->cancelAll(m_id);
        break;
    }
    case T::Event:
    case T::BinaryEvent:
        handleEvent(packet);
        break;
    case T::Ack:
    case T::BinaryAck: {
        const Arguments args = packet.arguments();
        const qint64 id = packet.ackId();
        m_acks->resolve(id, args, m_id, nullptr,
                        [this, id, args](qint64 rtt) { Q_EMIT ackReceived(id, args, rtt); });
        break;
    }
    }
}

void EventClient::handleEvent(const SocketIoPacket &packet)
{
    if (m_state != State::Connected) {
        m_received.append(packet); // a replay ahead of the CONNECT reply
        return;
    }
    deliverEvent(packet);
}

void EventClient::deliverEvent(const SocketIoPacket &packet)
{
    const QString name = packet.eventName();
    Arguments args = packet.arguments();
    QString offset;
    // With recovery on, the server ends each event it sends without an ack id with its offset.
    if (!m_pid.isEmpty() && !packet.hasAckId() && !args.isEmpty()
        && args.constLast().typeId() == QMetaType::QString) {
        offset = args.takeLast().toString();
        m_lastOffset = offset;
    }
    QPointer<EventClient> self(this);
    Ack ack;
    if (packet.hasAckId()) {
        ack = Ack::requested(packet.ackId(), [self](qint64 id, const Arguments &reply) {
            if (!self || self->m_state != State::Connected)
                return;
            self->sendPacket(SocketIoPacket::ack(self->m_nsp, id, reply));
            Q_EMIT self->ackSent(id, reply);
        });
    }
    m_eventOffset = offset;
    if (m_handlers.dispatch(name, ReceivedArguments(args), ack, [&] { return bool(self); }))
        Q_EMIT eventReceived(name, args, ack);
    if (self)
        m_eventOffset.clear();
}

void EventClient::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_connectTimer.timerId()) {
        QObject::timerEvent(event);
        return;
    }
    m_connectTimer.stop();
    const QString message = u"timeout: not connected within %1 ms"_s.arg(m_options.timeout);
    if (!m_manager)
        return;
    bool others = false;
    for (EventClient *s : m_manager->sockets())
        others = others || (s != this && s->m_active);
    if (!m_manager->isOpen() || !others) {
        // The connection itself is not there: it starts again (reconnection allowing).
        m_manager->failConnection(message);
        return;
    }
    // The connection carries other sockets: this namespace alone gave up.
    m_errorString = message;
    leave();
    setState(State::Disconnected);
    QPointer<EventClient> self(this);
    Q_EMIT connectErrorOccurred(message, {});
    if (self)
        m_acks->cancelAll(m_id);
}

} // namespace Sockscope
