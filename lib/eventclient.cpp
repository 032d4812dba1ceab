#include "eventclient.h"

#include "acktracker_p.h"

#include <QJsonObject>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QTimerEvent>
#include <QWebSocket>

using namespace Qt::StringLiterals;

namespace Sockscope {

EventClient::EventClient(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<Sockscope::Arguments>("Sockscope::Arguments");
    qRegisterMetaType<Sockscope::Ack>();
    m_acks = new AckTracker(this);
    connect(m_acks, &AckTracker::timedOut, this, &EventClient::ackTimedOut);
}

EventClient::~EventClient()
{
    if (m_ws) {
        m_ws->disconnect(this);
        m_ws->abort();
    }
}

void EventClient::setUrl(const QUrl &url)
{
    m_url = url;
}

QString EventClient::namespaceName() const
{
    const QString p = m_url.path();
    return p.isEmpty() ? u"/"_s : p;
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
    if (m_state == State::Connecting || m_state == State::Connected)
        return;
    m_userClosed = false;
    m_attempt = 0;
    setState(State::Connecting);
    startSocket();
}

void EventClient::startSocket()
{
    m_errorString.clear();
    m_decoder.reset();
    m_id.clear();
    if (m_ws) {
        m_ws->disconnect(this);
        m_ws->abort();
        m_ws->deleteLater();
    }
    QUrl ws;
    const QString scheme = m_url.scheme();
    const bool secure = scheme == u"https" || scheme == u"wss";
    if (scheme != u"http" && scheme != u"https" && scheme != u"ws" && scheme != u"wss") {
        connectFailed(u"unsupported URL scheme \"%1\" (use http, https, ws or wss)"_s.arg(scheme),
                      {}, false);
        return;
    }
    ws.setScheme(secure ? u"wss"_s : u"ws"_s);
    ws.setHost(m_url.host());
    ws.setPort(m_url.port(secure ? 443 : 80));
    ws.setPath(m_options.path);
    QUrlQuery query = m_options.query;
    query.removeAllQueryItems(u"EIO"_s);
    query.removeAllQueryItems(u"transport"_s);
    query.addQueryItem(u"EIO"_s, u"4"_s);
    query.addQueryItem(u"transport"_s, u"websocket"_s);
    ws.setQuery(query);

    QNetworkRequest request(ws);
    for (const auto &h : std::as_const(m_options.extraHeaders))
        request.setRawHeader(h.first, h.second);
    m_handshake = ClientHandshake();
    m_handshake.url = ws;
    m_handshake.requestHeaders = m_options.extraHeaders;

    m_ws = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    m_ws->setMaxAllowedIncomingMessageSize(64 * 1024 * 1024);
    connect(m_ws, &QWebSocket::connected, this, &EventClient::onWsConnected);
    connect(m_ws, &QWebSocket::textMessageReceived, this, &EventClient::onWsText);
    connect(m_ws, &QWebSocket::binaryMessageReceived, this, &EventClient::onWsBinary);
    connect(m_ws, &QWebSocket::disconnected, this, &EventClient::onWsDisconnected);
    m_connectTimer.start(m_options.timeout, this);
    m_ws->open(request);
}

void EventClient::close()
{
    m_userClosed = true;
    m_reconnectTimer.stop();
    m_connectTimer.stop();
    m_heartbeatTimer.stop();
    const bool wasConnected = m_state == State::Connected;
    if (wasConnected)
        sendPacket(SocketIoPacket::disconnect(namespaceName()));
    if (m_ws) {
        m_ws->disconnect(this);
        m_ws->close();
        m_ws->deleteLater();
        m_ws = nullptr;
    }
    m_queue.clear();
    setState(State::Disconnected);
    m_acks->cancelAll(m_id);
    if (wasConnected)
        Q_EMIT disconnected(u"io client disconnect"_s);
}

bool EventClient::send(const QString &event, const Arguments &args)
{
    if (m_state == State::Disconnected && m_userClosed)
        return false;
    if (m_state != State::Connected) {
        m_queue.append({ event, args, -1 });
        return true;
    }
    sendPacket(SocketIoPacket::event(namespaceName(), event, args));
    Q_EMIT eventSent(event, args, -1);
    return true;
}

qint64 EventClient::send(const QString &event, const Arguments &args, AckCallback callback,
                         int timeoutMs)
{
    if (m_state == State::Disconnected && m_userClosed)
        return -1;
    const qint64 id = m_nextAckId++;
    m_acks->add(id, std::move(callback), timeoutMs);
    if (m_state != State::Connected) {
        m_queue.append({ event, args, id });
        return id;
    }
    sendPacket(SocketIoPacket::event(namespaceName(), event, args, id));
    Q_EMIT eventSent(event, args, id);
    return id;
}

void EventClient::on(const QString &event, EventHandler handler)
{
    m_handlers[event].append(std::move(handler));
}

void EventClient::on(const QString &event, SimpleEventHandler handler)
{
    m_handlers[event].append(
            [h = std::move(handler)](const Arguments &args, const Ack &) { h(args); });
}

void EventClient::off(const QString &event)
{
    m_handlers.remove(event);
}

void EventClient::onAny(AnyEventHandler handler)
{
    m_anyHandlers.append(std::move(handler));
}

void EventClient::sendPacket(const SocketIoPacket &packet)
{
    if (!m_ws)
        return;
    const SocketIoPacket::Encoded e = packet.encode();
    m_ws->sendTextMessage(QString::fromUtf8(EngineIoPacket::message(e.text).encodeText()));
    for (const QByteArray &a : e.attachments)
        m_ws->sendBinaryMessage(a);
}

void EventClient::onWsConnected()
{
    // Wait for the open packet.
}

void EventClient::onWsText(const QString &text)
{
    EngineIoPacket packet;
    const EngineIoPacket::Error e = EngineIoPacket::decodeText(text.toUtf8(), &packet);
    if (e != EngineIoPacket::Error::None) {
        Q_EMIT errorOccurred(EngineIoPacket::errorString(e));
        drop(u"parse error"_s, true);
        return;
    }
    handleEngine(packet);
}

void EventClient::onWsBinary(const QByteArray &bytes)
{
    handleEngine(EngineIoPacket::binaryMessage(bytes));
}

void EventClient::resetHeartbeat()
{
    m_heartbeatTimer.start(m_handshake.open.pingInterval + m_handshake.open.pingTimeout, this);
}

void EventClient::handleEngine(const EngineIoPacket &packet)
{
    using T = EngineIoPacket::Type;
    switch (packet.type()) {
    case T::Open: {
        if (!EngineIoOpen::fromJson(packet.data(), &m_handshake.open)) {
            connectFailed(u"the server's open packet is not valid"_s, {}, true);
            return;
        }
        resetHeartbeat();
        Q_EMIT opened(m_handshake);
        sendPacket(SocketIoPacket::connect(
                namespaceName(),
                m_options.auth.isEmpty() ? QJsonValue(QJsonValue::Undefined)
                                         : QJsonValue(m_options.auth)));
        break;
    }
    case T::Ping:
        resetHeartbeat();
        if (m_ws)
            m_ws->sendTextMessage(QString::fromUtf8(EngineIoPacket(T::Pong, packet.data()).encodeText()));
        break;
    case T::Close:
        drop(u"transport close"_s, true);
        break;
    case T::Message: {
        const SocketIoDecoder::Status s = packet.isBinary() ? m_decoder.decodeBinary(packet.data())
                                                            : m_decoder.decodeText(packet.data());
        if (s == SocketIoDecoder::Status::Packet) {
            handleSocketIo(m_decoder.takePacket());
        } else if (s == SocketIoDecoder::Status::Failed) {
            Q_EMIT errorOccurred(m_decoder.errorString());
            drop(u"parse error"_s, true);
        }
        break;
    }
    case T::Pong:
    case T::Upgrade:
    case T::Noop:
        break;
    }
}

void EventClient::handleSocketIo(const SocketIoPacket &packet)
{
    if (packet.nsp() != namespaceName())
        return;
    using T = SocketIoPacket::Type;
    switch (packet.type()) {
    case T::Connect: {
        m_id = packet.payload().toObject().value(u"sid"_s).toString();
        m_acks->setPeerId(m_id);
        m_connectTimer.stop();
        m_attempt = 0;
        setState(State::Connected);
        Q_EMIT connected();
        const auto queue = std::exchange(m_queue, {});
        for (const Queued &q : queue) {
            if (m_state != State::Connected)
                break;
            sendPacket(SocketIoPacket::event(namespaceName(), q.event, q.args, q.ackId));
            Q_EMIT eventSent(q.event, q.args, q.ackId);
        }
        break;
    }
    case T::ConnectError: {
        const QJsonValue p = packet.payload();
        const QString message = p.isObject() ? p.toObject().value(u"message"_s).toString()
                                             : p.toString();
        connectFailed(message, p.toObject().value(u"data"_s), false);
        break;
    }
    case T::Disconnect:
        drop(u"io server disconnect"_s, false);
        break;
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
    const QString name = packet.eventName();
    const Arguments args = packet.arguments();
    Ack ack;
    if (packet.hasAckId()) {
        ack.m_state = std::make_shared<Ack::State>();
        ack.m_state->id = packet.ackId();
        QPointer<EventClient> self(this);
        ack.m_state->send = [self](qint64 id, const Arguments &reply) {
            if (!self || self->m_state != State::Connected)
                return;
            self->sendPacket(SocketIoPacket::ack(self->namespaceName(), id, reply));
            Q_EMIT self->ackSent(id, reply);
        };
    }
    QPointer<EventClient> self(this);
    const QList<EventHandler> handlers = m_handlers.value(name);
    for (const EventHandler &h : handlers) {
        if (!self)
            return;
        h(args, ack);
    }
    const QList<AnyEventHandler> any = m_anyHandlers;
    for (const AnyEventHandler &h : any) {
        if (!self)
            return;
        h(name, args, ack);
    }
    if (self)
        Q_EMIT eventReceived(name, args, ack);
}

void EventClient::onWsDisconnected()
{
    if (m_state == State::Connected) {
        const auto code = m_ws->closeCode();
        const bool error = code == QWebSocketProtocol::CloseCodeProtocolError
                || code == QWebSocketProtocol::CloseCodeTooMuchData
                || code == QWebSocketProtocol::CloseCodeWrongDatatype;
        drop(error ? u"transport error"_s : u"transport close"_s, true);
    } else {
        QString message = m_ws ? m_ws->errorString() : QString();
        if (message.isEmpty() || message == u"Unknown error")
            message = u"the connection closed before the handshake completed"_s;
        connectFailed(message, {}, true);
    }
}

void EventClient::drop(const QString &reason, bool mayReconnect)
{
    m_heartbeatTimer.stop();
    m_connectTimer.stop();
    const bool wasConnected = m_state == State::Connected;
    if (m_ws) {
        m_ws->disconnect(this);
        m_ws->abort();
        m_ws->deleteLater();
        m_ws = nullptr;
    }
    m_acks->cancelAll(m_id);
    setState(State::Disconnected);
    if (wasConnected)
        Q_EMIT disconnected(reason);
    if (mayReconnect && !m_userClosed && m_options.reconnection)
        scheduleReconnect();
}

void EventClient::connectFailed(const QString &message, const QJsonValue &data, bool mayReconnect)
{
    m_errorString = message;
    m_heartbeatTimer.stop();
    m_connectTimer.stop();
    if (m_ws) {
        m_ws->disconnect(this);
        m_ws->abort();
        m_ws->deleteLater();
        m_ws = nullptr;
    }
    setState(State::Disconnected);
    Q_EMIT connectErrorOccurred(message, data);
    if (mayReconnect && !m_userClosed && m_options.reconnection)
        scheduleReconnect();
    else
        m_acks->cancelAll(m_id);
}

void EventClient::scheduleReconnect()
{
    if (m_options.reconnectionAttempts >= 0 && m_attempt >= m_options.reconnectionAttempts) {
        m_acks->cancelAll(m_id);
        Q_EMIT errorOccurred(u"gave up after %1 reconnection attempts"_s.arg(m_attempt));
        return;
    }
    ++m_attempt;
    double delay = m_options.reconnectionDelay;
    for (int i = 1; i < m_attempt && delay < m_options.reconnectionDelayMax; ++i)
        delay *= 2;
    if (m_options.randomizationFactor > 0) {
        const double jitter = QRandomGenerator::global()->generateDouble() * 2 - 1;
        delay += delay * m_options.randomizationFactor * jitter;
    }
    const int ms = int(qBound(0.0, delay, double(m_options.reconnectionDelayMax)));
    setState(State::Reconnecting);
    Q_EMIT reconnecting(m_attempt, ms);
    m_reconnectTimer.start(ms, this);
}

void EventClient::timerEvent(QTimerEvent *event)
{
    const int id = event->timerId();
    if (id == m_heartbeatTimer.timerId()) {
        drop(u"ping timeout"_s, true);
    } else if (id == m_connectTimer.timerId()) {
        connectFailed(u"timeout: not connected within %1 ms"_s.arg(m_options.timeout), {}, true);
    } else if (id == m_reconnectTimer.timerId()) {
        m_reconnectTimer.stop();
        setState(State::Connecting);
        startSocket();
    } else {
        QObject::timerEvent(event);
    }
}

} // namespace Sockscope
