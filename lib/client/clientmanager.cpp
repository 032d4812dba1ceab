#include "clientmanager.h"

#include "socketioparser.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QTimerEvent>
#include <QWebSocket>

using namespace Qt::StringLiterals;

namespace Sockscope {

ClientManager::ClientManager(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<Sockscope::ClientHandshake>();
}

ClientManager::~ClientManager()
{
    teardown();
    // The sockets made by socket() are children: they are deleted after this, and must not
    // call back.
    for (EventClient *s : std::as_const(m_sockets))
        s->m_manager = nullptr;
    m_sockets.clear();
}

EventClient *ClientManager::socket(const QString &nsp)
{
    const QString name = nsp.isEmpty() ? u"/"_s : nsp;
    for (EventClient *s : std::as_const(m_sockets)) {
        if (s->namespaceName() == name)
            return s;
    }
    return new EventClient(this, name);
}

QList<EventClient *> ClientManager::sockets() const
{
    return m_sockets;
}

QList<QPointer<EventClient>> ClientManager::guardedSockets() const
{
    QList<QPointer<EventClient>> list;
    list.reserve(m_sockets.size());
    for (EventClient *s : m_sockets)
        list.append(s);
    return list;
}

void ClientManager::attach(EventClient *socket)
{
    m_sockets.append(socket);
}

void ClientManager::detach(EventClient *socket)
{
    m_sockets.removeAll(socket);
    if (!hasOpenSockets() && m_state != State::Closed)
        closeTransport(nullptr);
}

bool ClientManager::hasOpenSockets() const
{
    for (EventClient *s : m_sockets) {
        if (s->m_active)
            return true;
    }
    return false;
}

bool ClientManager::hasConnectedSockets() const
{
    for (EventClient *s : m_sockets) {
        if (s->isConnected())
            return true;
    }
    return false;
}

void ClientManager::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void ClientManager::open()
{
    if (m_state == State::Opening || m_state == State::Open)
        return;
    m_attempt = 0;
    m_reconnectTimer.stop(); // open() during a backoff connects now, and only once
    setState(State::Opening);
    startTransport();
}

void ClientManager::socketOpened(EventClient *socket)
{
    if (m_state == State::Open)
        socket->managerOpened(m_handshake); // joins now
    else if (m_state == State::Closed || m_state == State::Reconnecting)
        open(); // it joins when the connection is open
}

void ClientManager::socketConnected()
{
    m_attempt = 0;
}

void ClientManager::socketClosed(EventClient *socket, const SocketIoPacket *farewell)
{
    Q_UNUSED(socket);
    if (hasOpenSockets()) {
        if (farewell && m_state == State::Open)
            sendPacket(*farewell);
        return;
    }
    closeTransport(farewell);
}

void ClientManager::close()
{
    for (const QPointer<EventClient> &s : guardedSockets()) {
        if (s && s->m_active)
            s->close();
    }
    if (m_state != State::Closed)
        closeTransport(nullptr);
}

void ClientManager::closeTransport(const SocketIoPacket *farewell)
{
    m_reconnectTimer.stop();
    m_heartbeatTimer.stop();
    const bool wasOpen = m_state == State::Open;
    if (wasOpen && m_polling && !m_ws) {
        // Goes in the farewell POST below: a POST started now would be aborted by teardown().
        if (farewell)
            m_postQueue.append(engineMessages(*farewell));
    } else if (wasOpen && farewell) {
        sendPacket(*farewell);
    }
    if (m_ws) {
        m_ws->disconnect(this);
        m_ws->close();
        m_ws->deleteLater();
        m_ws = nullptr;
    }
    if (m_polling && wasOpen && m_nam) {
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
    const bool wasClosed = m_state == State::Closed;
    setState(State::Closed);
    if (!wasClosed)
        Q_EMIT closed(toString(DisconnectReason::IoClientDisconnect));
}

void ClientManager::teardown()
{
    m_heartbeatTimer.stop();
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

QUrl ClientManager::engineUrl(const QString &transport, bool withSid) const
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

QNetworkRequest ClientManager::httpRequest(const QUrl &url) const
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

QSslConfiguration ClientManager::tlsConfiguration() const
{
    QSslConfiguration c = QSslConfiguration::defaultConfiguration();
    if (!m_options.caCertificates.isEmpty())
        c.addCaCertificates(m_options.caCertificates);
    if (m_options.ignoreTlsErrors)
        c.setPeerVerifyMode(QSslSocket::VerifyNone);
    return c;
}

void ClientManager::startTransport()
{
    teardown();
    m_errorString.clear();
    if (m_options.parser == ClientOptions::Parser::Msgpack)
        m_parser = std::make_unique<MsgpackSocketIoParser>();
    else
        m_parser = std::make_unique<JsonSocketIoParser>();
    for (const QPointer<EventClient> &s : guardedSockets()) {
        if (s)
            s->managerStarting();
    }
    const QString scheme = m_url.scheme();
    if (scheme != u"http" && scheme != u"https" && scheme != u"ws" && scheme != u"wss") {
        connectFailed(u"unsupported URL scheme \"%1\" (use http, https, ws or wss)"_s.arg(scheme),
                      false);
        return;
    }
    if (m_url.host().isEmpty()) {
        connectFailed(u"the URL has no host"_s, false);
        return;
    }
    m_handshake = ClientHandshake();
    m_handshake.requestHeaders = m_options.extraHeaders;
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
    connect(m_ws, &QWebSocket::textMessageReceived, this, &ClientManager::onWsText);
    connect(m_ws, &QWebSocket::binaryMessageReceived, this, &ClientManager::onWsBinary);
    connect(m_ws, &QWebSocket::disconnected, this, &ClientManager::onWsDisconnected);
    m_ws->open(httpRequest(ws));
}

void ClientManager::startHandshakeGet()
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

void ClientManager::poll()
{
    if (!m_polling || m_pollReply || m_upgradeReady)
        return;
    m_pollReply = m_nam->get(httpRequest(engineUrl(u"polling"_s, true)));
    QNetworkReply *reply = m_pollReply;
    connect(reply, &QNetworkReply::finished, this, [this, reply] { onPollFinished(reply, false); });
}

QString ClientManager::describeHttpError(QNetworkReply *reply, const QByteArray &body) const
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

void ClientManager::onPollFinished(QNetworkReply *reply, bool handshake)
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
        if (handshake || !hasConnectedSockets()) {
            connectFailed(message, true);
        } else {
            reportError(u"poll failed: "_s + message);
            drop(DisconnectReason::TransportError, true);
        }
        return;
    }
    QList<EngineIoPacket> packets;
    const EngineIoPacket::Error e = EngineIoPacket::decodePayload(body, &packets);
    if (e != EngineIoPacket::Error::None) {
        reportError(EngineIoPacket::errorString(e));
        drop(DisconnectReason::ParseError, true);
        return;
    }
    QPointer<ClientManager> self(this);
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

void ClientManager::sendEngine(const EngineIoPacket &packet)
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

void ClientManager::flushPosts()
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
            reportError(u"POST failed: "_s + describeHttpError(reply, reply->readAll()));
            drop(DisconnectReason::TransportError, true);
            return;
        }
        if (m_upgradeReady && !m_pollReply)
            finishUpgrade();
        else
            flushPosts();
    });
}

void ClientManager::startProbe()
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

void ClientManager::finishUpgrade()
{
    if (!m_probe)
        return;
    m_upgradeReady = false;
    m_polling = false;
    m_ws = m_probe;
    m_probe = nullptr;
    m_ws->disconnect(this);
    connect(m_ws, &QWebSocket::textMessageReceived, this, &ClientManager::onWsText);
    connect(m_ws, &QWebSocket::binaryMessageReceived, this, &ClientManager::onWsBinary);
    connect(m_ws, &QWebSocket::disconnected, this, &ClientManager::onWsDisconnected);
    m_ws->sendTextMessage(u"5"_s);
    const QList<EngineIoPacket> queued = std::exchange(m_postQueue, {});
    for (const EngineIoPacket &p : queued)
        sendEngine(p);
    m_handshake.transport = u"websocket"_s;
    m_handshake.upgradedAt = QDateTime::currentDateTimeUtc();
    Q_EMIT upgraded(m_handshake.transport);
    for (const QPointer<EventClient> &s : guardedSockets()) {
        if (s && s->m_active)
            Q_EMIT s->upgraded(m_handshake.transport);
    }
}

QList<EngineIoPacket> ClientManager::engineMessages(const SocketIoPacket &packet) const
{
    const SocketIoPacket::Encoded e = m_parser->encode(packet);
    if (e.binary) // msgpack: the whole packet is one binary message
        return { EngineIoPacket::binaryMessage(e.text) };
    QList<EngineIoPacket> messages { EngineIoPacket::message(e.text) };
    for (const QByteArray &a : e.attachments)
        messages.append(EngineIoPacket::binaryMessage(a));
    return messages;
}

void ClientManager::sendPacket(const SocketIoPacket &packet)
{
    if (!m_parser)
        return;
    const QList<EngineIoPacket> messages = engineMessages(packet);
    for (const EngineIoPacket &m : messages)
        sendEngine(m);
}

void ClientManager::onWsText(const QString &text)
{
    EngineIoPacket packet;
    const EngineIoPacket::Error e = EngineIoPacket::decodeText(text.toUtf8(), &packet);
    if (e != EngineIoPacket::Error::None) {
        reportError(EngineIoPacket::errorString(e));
        drop(DisconnectReason::ParseError, true);
        return;
    }
    handleEngine(packet);
}

void ClientManager::onWsBinary(const QByteArray &bytes)
{
    handleEngine(EngineIoPacket::binaryMessage(bytes));
}

void ClientManager::reportError(const QString &message)
{
    QPointer<ClientManager> self(this);
    Q_EMIT errorOccurred(message);
    for (const QPointer<EventClient> &s : guardedSockets()) {
        if (self && s && s->m_active)
            Q_EMIT s->errorOccurred(message);
    }
}

void ClientManager::resetHeartbeat()
{
    m_heartbeatTimer.start(m_handshake.open.pingInterval + m_handshake.open.pingTimeout, this);
}

void ClientManager::handleEngine(const EngineIoPacket &packet)
{
    using T = EngineIoPacket::Type;
    switch (packet.type()) {
    case T::Open: {
        if (!EngineIoOpen::fromJson(packet.data(), &m_handshake.open)) {
            connectFailed(u"the server's open packet is not valid"_s, true);
            return;
        }
        resetHeartbeat();
        setState(State::Open);
        QPointer<ClientManager> self(this);
        Q_EMIT opened(m_handshake);
        if (!self || m_state != State::Open)
            return;
        if (m_polling && m_options.transport == ClientOptions::Transport::Auto
            && m_handshake.open.upgrades.contains(u"websocket"_s))
            startProbe();
        // Every open socket joins its namespace, in the order the sockets were made.
        for (const QPointer<EventClient> &s : guardedSockets()) {
            if (!self || m_state != State::Open)
                return;
            if (s && s->m_active)
                s->managerOpened(m_handshake);
        }
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
            for (EventClient *socket : std::as_const(m_sockets)) {
                if (socket->namespaceName() == decoded.nsp()) {
                    socket->handleSocketIo(decoded);
                    break;
                }
            }
        } else if (s == SocketIoParser::Status::Failed) {
            reportError(m_parser->errorString());
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

void ClientManager::onWsDisconnected()
{
    if (hasConnectedSockets()) {
        const auto code = m_ws->closeCode();
        const bool error = code == QWebSocketProtocol::CloseCodeProtocolError
                || code == QWebSocketProtocol::CloseCodeTooMuchData
                || code == QWebSocketProtocol::CloseCodeWrongDatatype;
        drop(error ? DisconnectReason::TransportError : DisconnectReason::TransportClose, true);
    } else {
        QString message = m_ws ? m_ws->errorString() : QString();
        if (message.isEmpty() || message == u"Unknown error")
            message = u"the connection closed before the handshake completed"_s;
        connectFailed(message, true);
    }
}

void ClientManager::drop(DisconnectReason reason, bool mayReconnect)
{
    teardown();
    const bool retry = mayReconnect && m_options.reconnection && hasOpenSockets();
    setState(State::Closed);
    QPointer<ClientManager> self(this);
    Q_EMIT closed(toString(reason));
    for (const QPointer<EventClient> &s : guardedSockets()) {
        if (s && self)
            s->managerDropped(reason, retry);
    }
    if (self && retry && m_state == State::Closed && hasOpenSockets())
        scheduleReconnect();
}

void ClientManager::connectFailed(const QString &message, bool mayReconnect)
{
    m_errorString = message;
    teardown();
    const bool retry = mayReconnect && m_options.reconnection && hasOpenSockets();
    setState(State::Closed);
    QPointer<ClientManager> self(this);
    Q_EMIT openFailed(message);
    for (const QPointer<EventClient> &s : guardedSockets()) {
        if (s && self)
            s->managerFailed(message, retry);
    }
    if (self && retry && m_state == State::Closed && hasOpenSockets())
        scheduleReconnect();
}

void ClientManager::failConnection(const QString &message)
{
    connectFailed(message, true);
}

void ClientManager::scheduleReconnect()
{
    if (m_options.reconnectionAttempts >= 0 && m_attempt >= m_options.reconnectionAttempts) {
        const QString message = u"gave up after %1 reconnection attempts"_s.arg(m_attempt);
        Q_EMIT errorOccurred(message);
        for (const QPointer<EventClient> &s : guardedSockets()) {
            if (s && s->m_active)
                s->managerGaveUp(message);
        }
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
    m_reconnectTimer.start(ms, this);
    Q_EMIT reconnecting(m_attempt, ms);
    for (const QPointer<EventClient> &s : guardedSockets()) {
        if (s && s->m_active)
            s->managerReconnecting(m_attempt, ms);
    }
}

void ClientManager::timerEvent(QTimerEvent *event)
{
    const int id = event->timerId();
    if (id == m_heartbeatTimer.timerId()) {
        drop(DisconnectReason::PingTimeout, true);
    } else if (id == m_reconnectTimer.timerId()) {
        m_reconnectTimer.stop();
        setState(State::Opening);
        startTransport();
    } else {
        QObject::timerEvent(event);
    }
}

} // namespace Sockscope
