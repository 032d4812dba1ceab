#include "eventserver.h"

#include "connection.h"
#include "httpfront_p.h"
#include "httprequest.h"
#include "listeners_p.h"
#include "plainconnection.h"
#include "pollingtransport_p.h"
#include "socket.h"
#include "transport_p.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QWebSocket>
#include <QWebSocketServer>

#include <algorithm>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcServer, "sockscope.server", QtWarningMsg)

namespace Sockscope {

QByteArray embeddedFile(QLatin1StringView name); // generated: webresources.cpp

namespace {

QByteArray engineError(int code, const char *message)
{
    QJsonObject o;
    o.insert(u"code"_s, code);
    o.insert(u"message"_s, QString::fromLatin1(message));
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QString peerKey(const QHostAddress &address, quint16 port)
{
    return address.toString() + u'|' + QString::number(port);
}

} // namespace

EventServer::EventServer(QObject *parent) : EventServer(ServerOptions(), parent) { }

EventServer::EventServer(const ServerOptions &options, QObject *parent)
    : QObject(parent), m_options(options)
{
    qRegisterMetaType<Sockscope::HandshakeRecord>();
    qRegisterMetaType<Sockscope::Arguments>("Sockscope::Arguments");
    qRegisterMetaType<Sockscope::Ack>();
    qRegisterMetaType<Sockscope::WebSocketFrame>();
    qRegisterMetaType<Sockscope::EventArguments>();
    qRegisterMetaType<Sockscope::PlainConnection *>();
    // The signals name these by pointer to types moc only saw declared: register them so that
    // queued connections and QSignalSpy can carry them.
    qRegisterMetaType<Sockscope::Socket *>();
    qRegisterMetaType<Sockscope::Connection *>();
    m_front = new HttpFront(this);
    m_wsServer = new QWebSocketServer(u"Sockscope"_s, QWebSocketServer::NonSecureMode, this);
    connect(m_wsServer, &QWebSocketServer::newConnection, this,
            &EventServer::onWebSocketConnected);
    of(u"/"_s);
}

EventServer::~EventServer()
{
    close();
    // A plain client that has not answered the closing handshake is still connected: end it
    // now, without its goodbye reaching a server that is half destroyed.
    const auto plains = std::exchange(m_plainConnections, {});
    for (PlainConnection *p : plains) {
        QObject::disconnect(p, nullptr, this, nullptr);
        delete p;
    }
}

void EventServer::setOptions(const ServerOptions &options)
{
    m_options = options;
    m_wsServer->setSupportedSubprotocols(m_options.plainSubprotocols);
}

bool EventServer::listen(const QHostAddress &address, quint16 port)
{
    const QString invalid = m_options.validate();
    if (!invalid.isEmpty()) {
        m_error = Error::InvalidOptions;
        m_errorString = invalid;
        return false;
    }
    if (m_front->isListening())
        m_front->close();
    m_wsServer->setSupportedSubprotocols(m_options.plainSubprotocols);
    if (!m_front->listen(address, port)) {
        m_error = Error::ListenFailed;
        m_errorString = u"cannot listen on %1:%2: %3"_s.arg(address.toString())
                                .arg(port)
                                .arg(m_front->errorString());
        return false;
    }
    m_error = Error::NoError;
    m_errorString.clear();
    m_closing = false;
    Q_EMIT listeningChanged(true);
    return true;
}

bool EventServer::isListening() const
{
    return m_front->isListening();
}

QHostAddress EventServer::serverAddress() const
{
    return m_front->serverAddress();
}

quint16 EventServer::serverPort() const
{
    return m_front->serverPort();
}

void EventServer::close()
{
    m_closing = true;
    const bool wasListening = m_front->isListening();
    m_front->close();
    const auto connections = m_connections.values();
    for (Connection *c : connections)
        c->closeConnection(DisconnectReason::ServerShuttingDown);
    const auto plains = m_plainConnections.values();
    for (PlainConnection *p : plains)
        p->close(int(QWebSocketProtocol::CloseCodeGoingAway), u"server shutting down"_s);
    m_pendingUpgrades.clear();
    m_upgradeWatches.clear();
    if (wasListening)
        Q_EMIT listeningChanged(false);
}

Namespace *EventServer::of(const QString &name)
{
    QString n = name.isEmpty() ? u"/"_s : name;
    if (!n.startsWith(u'/'))
        n.prepend(u'/');
    if (Namespace *ns = m_namespaces.value(n))
        return ns;
    auto *ns = new Namespace(n, this);
    m_namespaces.insert(n, ns);
    return ns;
}

Socket *EventServer::socket(const QString &id) const
{
    for (Namespace *ns : m_namespaces) {
        if (Socket *s = ns->socket(id))
            return s;
    }
    return nullptr;
}

int EventServer::send(const QString &event, const Arguments &args)
{
    return of(u"/"_s)->send(event, args);
}

namespace {
const QMetaMethod *watchedSignals()
{
    static const QMetaMethod watched[] = {
        QMetaMethod::fromSignal(&EventServer::eventReceived),
        QMetaMethod::fromSignal(&EventServer::eventReceivedRaw),
        QMetaMethod::fromSignal(&EventServer::ackSent),
        QMetaMethod::fromSignal(&EventServer::ackSentRaw),
        QMetaMethod::fromSignal(&EventServer::eventSent),
    };
    return watched;
}
} // namespace

void EventServer::connectNotify(const QMetaMethod &signal)
{
    noteListenerChange(m_listenStates, watchedSignals(), WatchedSignalCount, signal, true);
}

void EventServer::disconnectNotify(const QMetaMethod &signal)
{
    noteListenerChange(m_listenStates, watchedSignals(), WatchedSignalCount, signal, false);
}

bool EventServer::listens(WatchedSignal signal) const
{
    return isListened(m_listenStates[signal],
                      [&] { return isSignalConnected(watchedSignals()[signal]); });
}

QByteArray EventServer::rawJsonOf(const Arguments &args) const
{
    if (args.isEmpty())
        return {};
    for (qsizetype i = m_rawArguments.size() - 1; i >= 0; --i) {
        const ReceivedArguments *received = m_rawArguments.at(i).args;
        if (received->isConverted() && args.isSharedWith(received->values()))
            return m_rawArguments.at(i).json;
    }
    return {};
}

void EventServer::addObserver(EventObserver *observer)
{
    if (observer && std::find(m_observers.begin(), m_observers.end(), observer) == m_observers.end())
        m_observers.push_back(observer);
}

void EventServer::removeObserver(EventObserver *observer)
{
    m_observers.erase(std::remove(m_observers.begin(), m_observers.end(), observer),
                      m_observers.end());
}

bool EventServer::isReceivedJson(const QByteArray &json) const
{
    for (const RawArguments &r : m_rawArguments) {
        if (r.json.isSharedWith(json))
            return true;
    }
    return false;
}

QString EventServer::generateId() const
{
    // 15 random bytes are 20 characters of URL-safe base64, as the Node.js server's ids.
    for (;;) {
        quint32 words[4];
        QRandomGenerator::system()->fillRange(words);
        const QByteArray raw(reinterpret_cast<const char *>(words), 15);
        const QString id = QString::fromLatin1(
                raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
        if (!m_connections.contains(id) && !socket(id))
            return id;
    }
}

void EventServer::refuse(QTcpSocket *socket, HandshakeRecord record, int status,
                         const QByteArray &body, const QString &why, const HttpHeaders &extra)
{
    HttpRequest request;
    HttpRequest::parse(record.rawRequest, &request, INT_MAX);
    if (request.headLength == 0)
        socket->readAll(); // not HTTP: consume what was peeked so closing does not reset
    const bool json = body.startsWith('{');
    m_front->unwatch(socket);
    ++m_stats.requestsRefused;
    switch (status) {
    case 503: ++m_stats.refusedAtCapacity; break;
    case 414: case 431: ++m_stats.oversizedHeads; break;
    case 413: ++m_stats.oversizedPayloads; break;
    case 403: ++m_stats.originRefusals; break;
    default: break;
    }
    Q_EMIT statsChanged();
    record.statusCode = status;
    record.rawResponse = m_front->respond(
            socket, request, status, json ? "application/json" : "text/plain; charset=utf-8",
            body, extra, false);
    record.error = why;
    Q_EMIT handshakeReceived(record);
    Q_EMIT errorOccurred(QString(), u"refused %1 %2 from %3: %4"_s.arg(
                                            QString::fromLatin1(record.method),
                                            QString::fromUtf8(record.target),
                                            record.remoteAddress.toString(), why));
}

HttpHeaders EventServer::corsHeaders(const HttpRequest &request) const
{
    HttpHeaders h;
    const QByteArray origin = request.header("origin");
    if (origin.isEmpty())
        return h;
    if (m_options.allowedOrigins.isEmpty() || m_options.allowedOrigins.contains(u"*"_s)) {
        h.append(qMakePair(QByteArray("Access-Control-Allow-Origin"), QByteArray("*")));
    } else if (m_options.isOriginAllowed(QString::fromUtf8(origin))) {
        // An explicit origin may send credentials (cookies, withCredentials).
        h.append(qMakePair(QByteArray("Access-Control-Allow-Origin"), QByteArray(origin)));
        h.append(qMakePair(QByteArray("Access-Control-Allow-Credentials"), QByteArray("true")));
        h.append(qMakePair(QByteArray("Vary"), QByteArray("Origin")));
    }
    return h;
}

bool EventServer::serveStatic(QTcpSocket *socket, const HttpRequest &request)
{
    const QString path = request.path();
    QByteArray content;
    QByteArray type;
    if (m_options.serveClient && path == m_options.path + u"socket.io.js"_s) {
        content = embeddedFile(QLatin1StringView("socket.io.js"));
        type = "application/javascript; charset=utf-8";
    } else if (m_options.serveDemoPage && (path == u"/" || path == u"/index.html")) {
        content = embeddedFile(QLatin1StringView("index.html"));
        type = "text/html; charset=utf-8";
    } else {
        return false;
    }
    if (request.method != "GET" && request.method != "HEAD") {
        m_front->respond(socket, request, 405, "text/plain; charset=utf-8",
                         "Method not allowed\n", { { "Allow", "GET, HEAD" } }, false);
        return true;
    }
    const QByteArray etag = '"' + QCryptographicHash::hash(content, QCryptographicHash::Sha1)
                                          .toHex()
                                          .left(20)
            + '"';
    HttpHeaders headers = corsHeaders(request);
    headers.append(qMakePair(QByteArray("Cache-Control"), QByteArray("public, max-age=0, must-revalidate")));
    headers.append(qMakePair(QByteArray("ETag"), QByteArray(etag)));
    if (request.header("if-none-match") == etag)
        m_front->respond(socket, request, 304, {}, {}, headers);
    else
        m_front->respond(socket, request, 200, type, content, headers);
    return true;
}

void EventServer::routeRequest(QTcpSocket *socket, const HttpRequest &request,
                               HandshakeRecord record)
{
    if (m_closing) {
        refuse(socket, record, 503, "Server shutting down\n", u"server shutting down"_s);
        return;
    }
    if (serveStatic(socket, request))
        return;
    const QString path = request.path();
    if (m_options.maxConnections > 0 && !request.query().hasQueryItem(u"sid"_s)
        && m_connections.size() + m_plainConnections.size() + m_pendingUpgrades.size()
                >= m_options.maxConnections) {
        refuse(socket, record, 503,
               "Server at capacity: " + QByteArray::number(m_options.maxConnections)
                       + " connections\n",
               u"at capacity (%1 connections)"_s.arg(m_options.maxConnections));
        return;
    }
    if (!m_options.plainPath.isEmpty()
        && (path == m_options.plainPath || path == m_options.plainPath + u'/')) {
        routePlain(socket, request, record);
        return;
    }
    const QString base = m_options.path;
    const bool engine = path == base || path + u'/' == base;
    if (!engine) {
        refuse(socket, record, 404, "Not found\n", u"no such path: %1"_s.arg(path));
        return;
    }
    const HttpHeaders cors = corsHeaders(request);
    const QUrlQuery query = request.query();
    const QString eio = query.queryItemValue(u"EIO"_s);
    const QString transport = query.queryItemValue(u"transport"_s);
    const QString origin = QString::fromUtf8(request.header("origin"));
    if (!m_options.isOriginAllowed(origin)) {
        refuse(socket, record, 403, engineError(4, "Forbidden"),
               u"origin %1 is not allowed"_s.arg(origin));
        return;
    }
    if (request.method == "OPTIONS") {
        // CORS preflight.
        HttpHeaders h = cors;
        h.append(qMakePair(QByteArray("Access-Control-Allow-Methods"), QByteArray("GET, POST, OPTIONS")));
        const QByteArray wanted = request.header("access-control-request-headers");
        if (!wanted.isEmpty())
            h.append(qMakePair(QByteArray("Access-Control-Allow-Headers"), QByteArray(wanted)));
        h.append(qMakePair(QByteArray("Access-Control-Max-Age"), QByteArray("86400")));
        m_front->respond(socket, request, 204, {}, {}, h);
        return;
    }
    if (eio != u"4") {
        refuse(socket, record, 400, engineError(5, "Unsupported protocol version"),
               eio.isEmpty() ? (record.isUpgrade && !m_options.plainPath.isEmpty()
                                        ? u"missing EIO query parameter: a plain WebSocket client? "
                                          "Those connect to %1"_s.arg(m_options.plainPath)
                                        : u"missing EIO query parameter (this server speaks EIO=4)"_s)
                             : u"Engine.IO version %1 requested; this server speaks EIO=4"_s.arg(eio),
               cors);
        return;
    }
    if (transport != u"websocket" && transport != u"polling") {
        refuse(socket, record, 400, engineError(0, "Transport unknown"),
               u"unknown transport \"%1\""_s.arg(transport), cors);
        return;
    }
    if (transport == u"polling" && !record.isUpgrade) {
        handlePolling(socket, request, record, cors);
        return;
    }
    if (request.method != "GET") {
        refuse(socket, record, 400, engineError(2, "Bad handshake method"),
               u"WebSocket handshake with method %1"_s.arg(QString::fromLatin1(request.method)));
        return;
    }
    if (!record.isUpgrade || !request.headerHasToken("connection", "upgrade")) {
        refuse(socket, record, 400, engineError(3, "Bad request"),
               u"transport=websocket without a WebSocket upgrade"_s, cors);
        return;
    }
    if (query.hasQueryItem(u"sid"_s)) {
        const QString sid = query.queryItemValue(u"sid"_s);
        Connection *c = m_connections.value(sid);
        if (!c) {
            refuse(socket, record, 400, engineError(1, "Session ID unknown"),
                   u"no session %1 to upgrade"_s.arg(sid));
            return;
        }
        if (c->transportType() != TransportType::Polling || c->m_probe) {
            refuse(socket, record, 400, engineError(3, "Bad request"),
                   u"session %1 is already on WebSocket or upgrading"_s.arg(sid));
            return;
        }
        record.connectionId = sid; // an upgrade of this connection
    }

    record.transport = u"websocket"_s;
    acceptWebSocket(socket, request, record);
}

void EventServer::acceptWebSocket(QTcpSocket *socket, const HttpRequest &request,
                                  HandshakeRecord record)
{
    // RFC 6455, 4.2.1: HTTP/1.1 or later, version 13, and a key of 16 bytes in base64. (The
    // method, Upgrade and Connection were checked by the router.)
    if (request.version != "HTTP/1.1") {
        refuse(socket, record, 400, engineError(3, "Bad request"),
               u"WebSocket upgrade over %1 (HTTP/1.1 is needed)"_s.arg(
                       QString::fromLatin1(request.version)));
        return;
    }
    const QByteArray version = request.header("sec-websocket-version");
    if (version != "13") {
        refuse(socket, record, 400, engineError(3, "Bad request"),
               version.isEmpty() ? u"WebSocket upgrade without Sec-WebSocket-Version"_s
                                 : u"Sec-WebSocket-Version %1 is not spoken (13 is)"_s.arg(
                                           QString::fromLatin1(version)),
               { { "Sec-WebSocket-Version", "13" } });
        return;
    }
    const auto key = QByteArray::fromBase64Encoding(record.secWebSocketKey,
                                                    QByteArray::AbortOnBase64DecodingErrors);
    if (!key || key.decoded.size() != 16) {
        refuse(socket, record, 400, engineError(3, "Bad request"),
               record.secWebSocketKey.isEmpty()
                       ? u"WebSocket upgrade without Sec-WebSocket-Key"_s
                       : u"Sec-WebSocket-Key is not 16 bytes in base64"_s);
        return;
    }
    // The request is consumed; anything after it is the client's first frames.
    socket->read(request.headLength + qMax<qint64>(request.contentLength, 0));
    const QByteArray head = "HTTP/1.1 101 Switching Protocols\r\n"
                            "Upgrade: websocket\r\n"
                            "Connection: Upgrade\r\n"
                            "Sec-WebSocket-Accept: "
            + record.secWebSocketAccept + "\r\n\r\n";
    socket->write(head);
    record.statusCode = 101;
    record.rawResponse = head;
    socket->disconnect(socket); // the front's deleteLater-on-disconnect: the transport owns it

    auto *transport = new WebSocketTransport(socket, m_options.maxPayload);
    if (!record.connectionId.isEmpty()) {
        // The upgrade probe of a polling connection.
        Connection *c = m_connections.value(record.connectionId);
        Q_EMIT handshakeReceived(record);
        if (!c) {
            transport->close();
            transport->deleteLater();
            return;
        }
        c->attachProbe(transport);
        return;
    }
    const QString id = generateId();
    record.connectionId = id;
    auto *connection = new Connection(id, transport, record, this);
    m_connections.insert(id, connection);
    Q_EMIT handshakeReceived(record);
    Q_EMIT connectionOpened(connection);
    connection->start();
}

void EventServer::handOver(QTcpSocket *socket, const HandshakeRecord &record)
{
    const QString key = peerKey(socket->peerAddress(), socket->peerPort());
    m_pendingUpgrades.insert(key, record);
    if (Recording *recording = Recording::of(socket)) {
        recording->onResponseHead = [this, key](const QByteArray &head) {
                    auto it = m_pendingUpgrades.find(key);
                    if (it == m_pendingUpgrades.end())
                        return;
                    it->rawResponse = head;
                    const QList<QByteArray> line = head.left(head.indexOf('\r')).split(' ');
                    it->statusCode = line.size() > 1 ? line.at(1).toInt() : 0;
                    if (it->statusCode != 101) {
                        HandshakeRecord refused = m_pendingUpgrades.take(key);
                        refused.error = u"the WebSocket layer refused the upgrade"_s;
                        Q_EMIT handshakeReceived(refused);
                    }
                };
        // After the handover the socket may be deleted by QWebSocketServer on failure.
        m_upgradeWatches.insert(key, connect(socket, &QObject::destroyed, this, [this, key] {
                                    m_pendingUpgrades.remove(key);
                                    m_upgradeWatches.remove(key);
                                }));
    }
    socket->disconnect(socket); // drop the front's deleteLater-on-disconnect; Qt owns it now
    m_wsServer->handleConnection(socket);
}

void EventServer::handlePolling(QTcpSocket *socket, const HttpRequest &request,
                                HandshakeRecord record, const HttpHeaders &cors)
{
    const QUrlQuery query = request.query();
    if (!query.hasQueryItem(u"sid"_s)) {
        if (request.method != "GET") {
            refuse(socket, record, 400, engineError(2, "Bad handshake method"),
                   u"polling handshake with method %1"_s.arg(QString::fromLatin1(request.method)),
                   cors);
            return;
        }
        const QString id = generateId();
        auto *transport = new PollingTransport(m_front);
        record.transport = u"polling"_s;
        record.connectionId = id;
        auto *connection = new Connection(id, transport, record, this);
        m_connections.insert(id, connection);
        connection->start(); // queues the open packet
        transport->handleGet(socket, request, cors); // answers with the open packet
        connection->m_handshake.statusCode = 200;
        connection->m_handshake.rawResponse = m_front->lastResponseHead();
        record.statusCode = 200;
        record.rawResponse = connection->m_handshake.rawResponse;
        Q_EMIT handshakeReceived(record);
        Q_EMIT connectionOpened(connection);
        return;
    }
    const QString sid = query.queryItemValue(u"sid"_s);
    Connection *c = m_connections.value(sid);
    if (!c) {
        refuse(socket, record, 400, engineError(1, "Session ID unknown"),
               u"no session %1"_s.arg(sid), cors);
        return;
    }
    auto *polling = qobject_cast<PollingTransport *>(c->m_transport);
    if (!polling) {
        refuse(socket, record, 400, engineError(3, "Bad request"),
               u"session %1 has upgraded to WebSocket; polling refused"_s.arg(sid), cors);
        return;
    }
    if (request.method == "GET") {
        polling->handleGet(socket, request, cors);
    } else if (request.method == "POST") {
        polling->handlePost(socket, request, cors);
    } else {
        refuse(socket, record, 400, engineError(3, "Bad request"),
               u"method %1 on a polling session"_s.arg(QString::fromLatin1(request.method)), cors);
    }
}

void EventServer::routePlain(QTcpSocket *socket, const HttpRequest &request, HandshakeRecord record)
{
    const QString origin = QString::fromUtf8(request.header("origin"));
    if (!m_options.isOriginAllowed(origin)) {
        refuse(socket, record, 403, "Origin not allowed\n", u"origin %1 is not allowed"_s.arg(origin));
        return;
    }
    if (request.query().hasQueryItem(u"EIO"_s)) {
        refuse(socket, record, 400,
               "This is the plain WebSocket endpoint; Socket.IO clients connect to "
                       + m_options.path.toUtf8() + '\n',
               u"a Socket.IO client on the plain WebSocket path %1"_s.arg(m_options.plainPath));
        return;
    }
    if (!record.isUpgrade || request.method != "GET") {
        refuse(socket, record, 426,
               "Plain WebSocket endpoint: open it with new WebSocket('ws://host:port"
                       + m_options.plainPath.toUtf8() + "')\n",
               u"plain WebSocket path requested without a WebSocket upgrade"_s,
               { { "Upgrade", "websocket" } });
        return;
    }
    record.transport = u"websocket (plain)"_s;
    handOver(socket, record);
}

void EventServer::onPlainClosed(PlainConnection *connection, int code, const QString &reason)
{
    m_plainConnections.remove(connection->id());
    Q_EMIT plainConnectionClosed(connection, code, reason);
    connection->deleteLater();
}

void EventServer::onWebSocketConnected()
{
    // Only plain WebSocket clients come this way (Engine.IO upgrades: acceptWebSocket).
    while (QWebSocket *ws = m_wsServer->nextPendingConnection()) {
        const QString key = peerKey(ws->peerAddress(), ws->peerPort());
        HandshakeRecord record = m_pendingUpgrades.take(key);
        QObject::disconnect(m_upgradeWatches.take(key));
        if (record.rawRequest.isEmpty()) {
            // Should not happen: every upgrade goes through routeRequest.
            record.time = QDateTime::currentDateTimeUtc();
            record.remoteAddress = ws->peerAddress();
            record.remotePort = ws->peerPort();
            record.transport = u"websocket (plain)"_s;
        }
        if (m_closing) {
            ws->close(QWebSocketProtocol::CloseCodeGoingAway);
            ws->deleteLater();
            continue;
        }
        if (record.statusCode == 0)
            record.statusCode = 101;
        const QString id = generateId();
        record.connectionId = id;
        auto *plain = new PlainConnection(id, ws, record, this);
        m_plainConnections.insert(id, plain);
        Q_EMIT handshakeReceived(record);
        Q_EMIT plainConnectionOpened(plain);
    }
}

void EventServer::onConnectionClosed(Connection *connection, DisconnectReason reason)
{
    switch (reason) {
    case DisconnectReason::PingTimeout: ++m_stats.pingTimeouts; break;
    case DisconnectReason::ConnectTimeout: ++m_stats.connectTimeouts; break;
    case DisconnectReason::ParseError: ++m_stats.parseErrors; break;
    case DisconnectReason::TransportError: ++m_stats.transportErrors; break;
    default: break;
    }
    if (reason != DisconnectReason::TransportClose && reason != DisconnectReason::ServerShuttingDown)
        Q_EMIT statsChanged();
    m_connections.remove(connection->id());
    Q_EMIT connectionClosed(connection, toString(reason));
    connection->deleteLater();
}

} // namespace Sockscope
