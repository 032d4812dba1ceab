#include "eventclient.h"

#include "acktracker_p.h"
#include "socketioparser.h"

#include <QJsonObject>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QTimerEvent>
#include <QWebSocket>

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
}

EventClient::~EventClient()
{
    teardown();
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
    m_reconnectTimer.stop(); // open() during a backoff connects now, and only once
    setState(State::Connecting);
    startSocket();
}

void EventClient::teardown()
{
    m_heartbeatTimer.stop();
    m_connectTimer.stop();
    for (QWebSocket **ws : { &m_ws, &m_probe }) {
        if (*ws) {
            (*ws)->disconnect(this);
            (*ws)->abort();
            (*ws)->deleteLater();
            *ws = nullptr;
        }
    }
    for (QNetworkReply **reply : { &m_pollReply, &m_postReply }) {
        if (*reply) {
            (*reply)->disconnect(this);
            (*reply)->abort();
            (*reply)->deleteLater();
            *reply = nullptr;
        }
    }
    m_postQueue.clear();
    m_polling = false;
    m_upgradeReady = false;
}

QUrl EventClient::engineUrl(const QString &transport, bool withSid) const
{
    QUrl url;
    const QString scheme = m_url.scheme();
    const bool secure = scheme == u"https" || scheme == u"wss";
    if (transport == u"websocket")
        url.setScheme(secure ? u"wss"_s : u"ws"_s);
    else
        url.setScheme(secure ? u"https"_s : u"http"_s);
    url.setHost(m_url.host());
    url.setPort(m_url.port(secure ? 443 : 80));
    url.setPath(m_options.path);
    QUrlQuery query = m_options.query;
    for (const QString &k : { u"EIO"_s, u"transport"_s, u"sid"_s })
        query.removeAllQueryItems(k);
    query.addQueryItem(u"EIO"_s, u"4"_s);
    query.addQueryItem(u"transport"_s, transport);
    if (withSid)
        query.addQueryItem(u"sid"_s, m_handshake.open.sid);
    url.setQuery(query);
    return url;
}

QNetworkRequest EventClient::httpRequest(const QUrl &url) const
{
    QNetworkRequest request(url);
    for (const auto &h : std::as_const(m_options.extraHeaders))
        request.setRawHeader(h.first, h.second);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setTransferTimeout(0);
    if (url.scheme() == u"https" || url.scheme() == u"wss")
        request.setSslConfiguration(tlsConfiguration());
    return request;
}

QSslConfiguration EventClient::tlsConfiguration() const
{
    QSslConfiguration c = QSslConfiguration::defaultConfiguration();
    if (!m_options.caCertificates.isEmpty())
        c.addCaCertificates(m_options.caCertificates);
    if (m_options.ignoreTlsErrors)
        c.setPeerVerifyMode(QSslSocket::VerifyNone);
    return c;
}

void EventClient::startSocket()
{
    teardown();
    m_errorString.clear();
    if (m_options.parser == ClientOptions::Parser::Msgpack)
        m_parser = std::make_unique<MsgpackSocketIoParser>();
    else
        m_parser = std::make_unique<JsonSocketIoParser>();
    m_id.clear();
    m_recovered = false;
    m_received.clear();
    const QString scheme = m_url.scheme();
    if (scheme != u"http" && scheme != u"https" && scheme != u"ws" && scheme != u"wss") {
        connectFailed(u"unsupported URL scheme \"%1\" (use http, https, ws or wss)"_s.arg(scheme),
                      {}, false);
        return;
    }
    if (m_url.host().isEmpty()) {
        connectFailed(u"the URL has no host"_s, {}, false);
        return;
    }
    m_handshake = ClientHandshake();
    m_handshake.requestHeaders = m_options.extraHeaders;
    m_connectTimer.start(m_options.timeout, this);
    if (m_options.transport != ClientOptions::Transport::WebSocket) {
        startHandshakeGet();
        return;
    }
    const QUrl ws = engineUrl(u"websocket"_s, false);
    m_handshake.url = ws;
    m_handshake.transport = u"websocket"_s;
    m_ws = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    m_ws->setSslConfiguration(tlsConfiguration());
    m_ws->setMaxAllowedIncomingMessageSize(64 * 1024 * 1024);
    connect(m_ws, &QWebSocket::connected, this, &EventClient::onWsConnected);
    connect(m_ws, &QWebSocket::textMessageReceived, this, &EventClient::onWsText);
    connect(m_ws, &QWebSocket::binaryMessageReceived, this, &EventClient::onWsBinary);
    connect(m_ws, &QWebSocket::disconnected, this, &EventClient::onWsDisconnected);
    m_ws->open(httpRequest(ws));
}

void EventClient::startHandshakeGet()
{
    if (!m_nam)
        m_nam = new QNetworkAccessManager(this);
    const QUrl url = engineUrl(u"polling"_s, false);
    m_handshake.url = url;
    m_handshake.transport = u"polling"_s;
    m_polling = true;
    m_pollReply = m_nam->get(httpRequest(url));
    QNetworkReply *reply = m_pollReply;
    connect(reply, &QNetworkReply::finished, this, [this, reply] { onPollFinished(reply, true); });
}

void EventClient::poll()
{
    if (!m_polling || m_pollReply || m_upgradeReady)
        return;
    m_pollReply = m_nam->get(httpRequest(engineUrl(u"polling"_s, true)));
    QNetworkReply *reply = m_pollReply;
    connect(reply, &QNetworkReply::finished, this, [this, reply] { onPollFinished(reply, false); });
}

QString EventClient::describeHttpError(QNetworkReply *reply, const QByteArray &body) const
{
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 0)
        return reply->errorString();
    const QJsonObject o = QJsonDocument::fromJson(body).object();
    QString message = o.value(u"message"_s).toString();
    if (message.isEmpty())
        message = QString::fromUtf8(body.left(200)).trimmed();
    if (status == 404)
        return u"HTTP 404 at %1: wrong path? (the server does not serve Engine.IO there)"_s.arg(
                reply->url().path());
    if (status == 403)
        return u"HTTP 403: the server refused this origin (%1)"_s.arg(message);
    if (o.value(u"code"_s).toInt(-1) == 5)
        return u"HTTP 400: Engine.IO version mismatch (%1)"_s.arg(message);
    return u"HTTP %1: %2"_s.arg(status).arg(message);
}

void EventClient::onPollFinished(QNetworkReply *reply, bool handshake)
{
    reply->deleteLater();
    if (reply != m_pollReply)
        return;
    m_pollReply = nullptr;
    const QByteArray body = reply->readAll();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (handshake) {
        m_handshake.statusCode = status;
        for (const auto &h : reply->rawHeaderPairs())
            m_handshake.responseHeaders.append({ h.first, h.second });
    }
    if (reply->error() != QNetworkReply::NoError || status != 200) {
        const QString message = describeHttpError(reply, body);
        if (handshake || m_state != State::Connected) {
            connectFailed(message, {}, true);
        } else {
            Q_EMIT errorOccurred(u"poll failed: "_s + message);
            drop(DisconnectReason::TransportError, true);
        }
        return;
    }
    QList<EngineIoPacket> packets;
    const EngineIoPacket::Error e = EngineIoPacket::decodePayload(body, &packets);
    if (e != EngineIoPacket::Error::None) {
        Q_EMIT errorOccurred(EngineIoPacket::errorString(e));
        drop(DisconnectReason::ParseError, true);
        return;
    }
    QPointer<EventClient> self(this);
    for (const EngineIoPacket &p : std::as_const(packets)) {
        handleEngine(p);
        if (!self || !m_polling)
            return;
    }
    if (m_upgradeReady) {
        if (!m_postReply) // else the POST's completion finishes the upgrade
            finishUpgrade();
        return;
    }
    poll();
}

void EventClient::sendEngine(const EngineIoPacket &packet)
{
    if (m_ws) {
        if (packet.isBinary())
            m_ws->sendBinaryMessage(packet.data());
        else
            m_ws->sendTextMessage(QString::fromUtf8(packet.encodeText()));
        return;
    }
    if (m_polling) {
        m_postQueue.append(packet);
        flushPosts();
    }
}

void EventClient::flushPosts()
{
    // While the upgrade completes, packets wait to go over the WebSocket.
    if (!m_polling || m_postReply || m_upgradeReady || m_postQueue.isEmpty()
        || m_handshake.open.sid.isEmpty())
        return;
    const QByteArray body = EngineIoPacket::encodePayload(m_postQueue);
    m_postQueue.clear();
    QNetworkRequest request = httpRequest(engineUrl(u"polling"_s, true));
    request.setRawHeader("Content-Type", "text/plain;charset=UTF-8");
    m_postReply = m_nam->post(request, body);
    QNetworkReply *reply = m_postReply;
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        reply->deleteLater();
        if (reply != m_postReply)
            return;
        m_postReply = nullptr;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (reply->error() != QNetworkReply::NoError || status != 200) {
            Q_EMIT errorOccurred(u"POST failed: "_s + describeHttpError(reply, reply->readAll()));
            drop(DisconnectReason::TransportError, true);
            return;
        }
        if (m_upgradeReady && !m_pollReply)
            finishUpgrade();
        else
            flushPosts();
    });
}

void EventClient::startProbe()
{
    m_probe = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    m_probe->setSslConfiguration(tlsConfiguration());
    m_probe->setMaxAllowedIncomingMessageSize(64 * 1024 * 1024);
    connect(m_probe, &QWebSocket::connected, this, [this] {
        m_probe->sendTextMessage(u"2probe"_s);
    });
    connect(m_probe, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
        if (text != u"3probe" || m_upgradeReady)
            return;
        // Pause polling: the pending GET comes back (the server answers it with a noop).
        m_upgradeReady = true;
        if (!m_pollReply && !m_postReply)
            finishUpgrade();
    });
    connect(m_probe, &QWebSocket::disconnected, this, [this] {
        // The probe failed: stay on polling.
        if (!m_probe)
            return;
        m_probe->deleteLater();
        m_probe = nullptr;
        if (m_upgradeReady) {
            m_upgradeReady = false;
            poll();
        }
    });
    m_probe->open(httpRequest(engineUrl(u"websocket"_s, true)));
}

void EventClient::finishUpgrade()
{
    if (!m_probe)
        return;
    m_upgradeReady = false;
    m_polling = false;
    m_ws = m_probe;
    m_probe = nullptr;
    m_ws->disconnect(this);
    connect(m_ws, &QWebSocket::textMessageReceived, this, &EventClient::onWsText);
    connect(m_ws, &QWebSocket::binaryMessageReceived, this, &EventClient::onWsBinary);
    connect(m_ws, &QWebSocket::disconnected, this, &EventClient::onWsDisconnected);
    m_ws->sendTextMessage(u"5"_s);
    const QList<EngineIoPacket> queued = std::exchange(m_postQueue, {});
    for (const EngineIoPacket &p : queued)
        sendEngine(p);
    m_handshake.transport = u"websocket"_s;
    m_handshake.upgradedAt = QDateTime::currentDateTimeUtc();
    Q_EMIT upgraded(m_handshake.transport);
}

void EventClient::close()
{
    m_userClosed = true;
    m_reconnectTimer.stop();
    m_connectTimer.stop();
    m_heartbeatTimer.stop();
    const bool wasConnected = m_state == State::Connected;
    if (wasConnected && m_polling && !m_ws) {
        // Goes in the farewell POST below: a POST started now would be aborted by teardown().
        m_postQueue.append(engineMessages(SocketIoPacket::disconnect(namespaceName())));
    } else if (wasConnected) {
        sendPacket(SocketIoPacket::disconnect(namespaceName()));
    }
    if (m_ws) {
        m_ws->disconnect(this);
        m_ws->close();
        m_ws->deleteLater();
        m_ws = nullptr;
    }
    if (m_polling && wasConnected && m_nam) {
        // Tell the server over polling too, with the close packet; the reply is not awaited.
        // The pending GET is left open until the POST is answered: ended first, it would tell
        // the server "transport close" before the DISCONNECT arrives (the server answers it
        // with a noop once it has the close packet).
        m_postQueue.append(EngineIoPacket(EngineIoPacket::Type::Close));
        QNetworkRequest request = httpRequest(engineUrl(u"polling"_s, true));
        request.setRawHeader("Content-Type", "text/plain;charset=UTF-8");
        QNetworkReply *bye = m_nam->post(request, EngineIoPacket::encodePayload(m_postQueue));
        QNetworkReply *get = std::exchange(m_pollReply, nullptr);
        if (get)
            get->disconnect(this);
        connect(bye, &QNetworkReply::finished, bye, [bye, get] {
            bye->deleteLater();
            if (get) {
                get->abort();
                get->deleteLater();
            }
        });
    }
    teardown();
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
    sendPacket(SocketIoPacket::event(namespaceName(), event, args));
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
    sendPacket(SocketIoPacket::event(namespaceName(), event, args, id));
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

QList<EngineIoPacket> EventClient::engineMessages(const SocketIoPacket &packet) const
{
    const SocketIoPacket::Encoded e = m_parser->encode(packet);
    if (e.binary) // msgpack: the whole packet is one binary message
        return { EngineIoPacket::binaryMessage(e.text) };
    QList<EngineIoPacket> messages { EngineIoPacket::message(e.text) };
    for (const QByteArray &a : e.attachments)
        messages.append(EngineIoPacket::binaryMessage(a));
    return messages;
}

void EventClient::sendPacket(const SocketIoPacket &packet)
{
    const QList<EngineIoPacket> messages = engineMessages(packet);
    for (const EngineIoPacket &m : messages)
        sendEngine(m);
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
        drop(DisconnectReason::ParseError, true);
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
        if (m_polling && m_options.transport == ClientOptions::Transport::Auto
            && m_handshake.open.upgrades.contains(u"websocket"_s))
            startProbe();
        QJsonObject auth = m_options.auth;
        if (!m_pid.isEmpty()) {
            // Recovery: the session to take back, and the last event seen of it.
            if (!auth.contains(u"pid"_s))
                auth.insert(u"pid"_s, m_pid);
            if (!auth.contains(u"offset"_s) && !m_lastOffset.isEmpty())
                auth.insert(u"offset"_s, m_lastOffset);
        }
        sendPacket(SocketIoPacket::connect(namespaceName(),
                                           auth.isEmpty() ? QJsonValue(QJsonValue::Undefined)
                                                          : QJsonValue(auth)));
        break;
    }
    case T::Ping:
        resetHeartbeat();
        sendEngine(EngineIoPacket(T::Pong, packet.data()));
        break;
    case T::Close:
        drop(DisconnectReason::TransportClose, true);
        break;
    case T::Message: {
        SocketIoPacket decoded;
        const SocketIoParser::Status s = m_parser->decode(EngineIoPacket(packet), &decoded);
        if (s == SocketIoParser::Status::Packet) {
            handleSocketIo(decoded);
        } else if (s == SocketIoParser::Status::Failed) {
            Q_EMIT errorOccurred(m_parser->errorString());
            drop(DisconnectReason::ParseError, true);
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
        m_attempt = 0;
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
        drop(DisconnectReason::IoServerDisconnect, false);
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
            self->sendPacket(SocketIoPacket::ack(self->namespaceName(), id, reply));
            Q_EMIT self->ackSent(id, reply);
        });
    }
    m_eventOffset = offset;
    if (m_handlers.dispatch(name, ReceivedArguments(args), ack, [&] { return bool(self); }))
        Q_EMIT eventReceived(name, args, ack);
    if (self)
        m_eventOffset.clear();
}

void EventClient::onWsDisconnected()
{
    if (m_state == State::Connected) {
        const auto code = m_ws->closeCode();
        const bool error = code == QWebSocketProtocol::CloseCodeProtocolError
                || code == QWebSocketProtocol::CloseCodeTooMuchData
                || code == QWebSocketProtocol::CloseCodeWrongDatatype;
        drop(error ? DisconnectReason::TransportError : DisconnectReason::TransportClose, true);
    } else {
        QString message = m_ws ? m_ws->errorString() : QString();
        if (message.isEmpty() || message == u"Unknown error")
            message = u"the connection closed before the handshake completed"_s;
        connectFailed(message, {}, true);
    }
}

void EventClient::drop(DisconnectReason reason, bool mayReconnect)
{
    const bool wasConnected = m_state == State::Connected;
    teardown();
    setState(State::Disconnected);
    QPointer<EventClient> self(this);
    if (wasConnected)
        Q_EMIT disconnected(toString(reason));
    if (self)
        m_acks->cancelAll(m_id); // after the state is settled: callbacks may act on it
    if (self && mayReconnect && !m_userClosed && m_options.reconnection
        && m_state == State::Disconnected)
        scheduleReconnect();
}

void EventClient::connectFailed(const QString &message, const QJsonValue &data, bool mayReconnect)
{
    m_errorString = message;
    teardown();
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
        drop(DisconnectReason::PingTimeout, true);
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
