// The front's decisions: which requests are Engine.IO's, which are refused and how, which
// are static files, which are plain WebSocket upgrades. The server is told only what it
// creates or counts (HttpFront::Handler).
#include "httpfront_p.h"

#include "engineiopacket.h"
#include "pollingtransport_p.h"
#include "serveroptions.h"
#include "staticfiles_p.h"
#include "transport_p.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QJsonObject>

#include <climits>

using namespace Qt::StringLiterals;

namespace Sockscope {

namespace {

// The Engine.IO error body: {"code":N,"message":"…"}.
QByteArray engineError(int code, const char *message)
{
    QJsonObject o;
    o.insert(u"code"_s, code);
    o.insert(u"message"_s, QString::fromLatin1(message));
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

} // namespace

EngineIoPacket HttpFront::openPacket(const QString &sid, TransportType transport) const
{
    const ServerOptions &o = m_handler->options();
    EngineIoOpen open;
    open.sid = sid;
    if (transport == TransportType::Polling)
        open.upgrades = QStringList { u"websocket"_s };
    open.pingInterval = o.pingInterval;
    open.pingTimeout = o.pingTimeout;
    open.maxPayload = o.maxPayload;
    return EngineIoPacket(EngineIoPacket::Type::Open, open.toJson());
}

void HttpFront::refuse(QTcpSocket *socket, HandshakeRecord record, int status,
                       const QByteArray &body, const QString &why, const HttpHeaders &extra)
{
    HttpRequest request;
    HttpRequest::parse(record.rawRequest, &request, INT_MAX);
    if (request.headLength == 0)
        socket->readAll(); // not HTTP: consume what was peeked so closing does not reset
    const bool json = body.startsWith('{');
    unwatch(socket);
    record.statusCode = status;
    record.rawResponse = respond(socket, request, status,
                                 json ? "application/json" : "text/plain; charset=utf-8", body,
                                 extra, false);
    record.error = why;
    m_handler->reportRefused(record);
}

HttpHeaders HttpFront::corsHeaders(const HttpRequest &request) const
{
    const ServerOptions &options = m_handler->options();
    HttpHeaders h;
    const QByteArray origin = request.header("origin");
    if (origin.isEmpty())
        return h;
    if (options.allowedOrigins.isEmpty() || options.allowedOrigins.contains(u"*"_s)) {
        h.append(qMakePair(QByteArray("Access-Control-Allow-Origin"), QByteArray("*")));
    } else if (options.isOriginAllowed(QString::fromUtf8(origin))) {
        // An explicit origin may send credentials (cookies, withCredentials).
        h.append(qMakePair(QByteArray("Access-Control-Allow-Origin"), QByteArray(origin)));
        h.append(qMakePair(QByteArray("Access-Control-Allow-Credentials"), QByteArray("true")));
        h.append(qMakePair(QByteArray("Vary"), QByteArray("Origin")));
    }
    return h;
}

bool HttpFront::serveStatic(QTcpSocket *socket, const HttpRequest &request)
{
    const ServerOptions &options = m_handler->options();
    const QString path = request.path();
    QByteArray content;
    QByteArray type;
    if (options.serveClient && path == options.path + u"socket.io.js"_s) {
        content = staticFileContent(StaticFile::ClientScript, options.path);
        type = "application/javascript; charset=utf-8";
    } else if (options.serveDemoPage && (path == u"/" || path == u"/index.html")) {
        content = staticFileContent(StaticFile::DemoPage, options.path);
        type = "text/html; charset=utf-8";
    } else {
        return false;
    }
    if (request.method != "GET" && request.method != "HEAD") {
        respond(socket, request, 405, "text/plain; charset=utf-8",
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
        respond(socket, request, 304, {}, {}, headers);
    else
        respond(socket, request, 200, type, content, headers);
    return true;
}

void HttpFront::route(QTcpSocket *socket, const HttpRequest &request, HandshakeRecord record)
{
    const ServerOptions &options = m_handler->options();
    if (m_handler->isClosing()) {
        refuse(socket, record, 503, "Server shutting down\n", u"server shutting down"_s);
        return;
    }
    if (serveStatic(socket, request))
        return;
    const QString path = request.path();
    if (options.maxConnections > 0 && !request.query().hasQueryItem(u"sid"_s)
        && m_handler->connectionCount() >= options.maxConnections) {
        refuse(socket, record, 503,
               "Server at capacity: " + QByteArray::number(options.maxConnections)
                       + " connections\n",
               u"at capacity (%1 connections)"_s.arg(options.maxConnections));
        return;
    }
    if (!options.plainPath.isEmpty()
        && (path == options.plainPath || path == options.plainPath + u'/')) {
        routePlain(socket, request, record);
        return;
    }
    const QString base = options.path;
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
    if (!options.isOriginAllowed(origin)) {
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
        respond(socket, request, 204, {}, {}, h);
        return;
    }
    if (eio != u"4") {
        refuse(socket, record, 400, engineError(5, "Unsupported protocol version"),
               eio.isEmpty() ? (record.isUpgrade && !options.plainPath.isEmpty()
                                        ? u"missing EIO query parameter: a plain WebSocket client? "
                                          "Those connect to %1"_s.arg(options.plainPath)
                                        : u"missing EIO query parameter (this server speaks EIO=4)"_s)
                             : u"Engine.IO version %1 requested; this server speaks EIO=4"_s.arg(eio),
               cors);
        return;
    }
    TransportType type;
    if (!fromString(transport, &type)) {
        refuse(socket, record, 400, engineError(0, "Transport unknown"),
               u"unknown transport \"%1\""_s.arg(transport), cors);
        return;
    }
    if (type == TransportType::Polling && !record.isUpgrade) {
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
        const Handler::Session session = m_handler->session(sid);
        if (!session.exists) {
            refuse(socket, record, 400, engineError(1, "Session ID unknown"),
                   u"no session %1 to upgrade"_s.arg(sid));
            return;
        }
        record.connectionId = sid; // an upgrade of this connection
        if (session.transport != TransportType::Polling || session.upgrading) {
            // As the Node.js server does: the WebSocket opens (101), then closes at once.
            // Refused with 400 instead, some clients report an uncaught error, not a close.
            record.transport = toString(TransportType::WebSocket);
            record.error = u"session %1 is already on WebSocket or upgrading: this WebSocket "
                           u"was opened and closed at once"_s.arg(sid);
            acceptWebSocket(socket, request, record, true);
            return;
        }
    }

    record.transport = toString(TransportType::WebSocket);
    acceptWebSocket(socket, request, record);
}

void HttpFront::acceptWebSocket(QTcpSocket *socket, const HttpRequest &request,
                                HandshakeRecord record, bool closeAtOnce)
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

    auto *transport = new WebSocketTransport(socket, m_handler->options().maxPayload,
                                             m_handler->options().maxBufferedBytes);
    if (closeAtOnce) {
        transport->close(); // the socket leaves it and waits for the client's close frame
        transport->deleteLater();
        m_handler->reportRefused(record);
        return;
    }
    if (!record.connectionId.isEmpty()) {
        // The upgrade probe of a polling connection.
        m_handler->upgradeRequested(transport, record);
        return;
    }
    record.connectionId = m_handler->newSessionId();
    const EngineIoPacket open = openPacket(record.connectionId, TransportType::WebSocket);
    transport->send(open);
    if (m_handler->options().handshakePackets > 0)
        record.firstPackets.append(HandshakeRecord::Packet::of(open, true));
    m_handler->connectionRequested(transport, record, open.data().size() + 1);
}

void HttpFront::handlePolling(QTcpSocket *socket, const HttpRequest &request,
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
        auto *transport = new PollingTransport(this, m_handler->options().maxBufferedBytes);
        record.transport = toString(TransportType::Polling);
        record.connectionId = m_handler->newSessionId();
        const EngineIoPacket open = openPacket(record.connectionId, TransportType::Polling);
        transport->send(open); // queued: the GET is answered with it
        if (m_handler->options().handshakePackets > 0)
            record.firstPackets.append(HandshakeRecord::Packet::of(open, true));
        record.rawResponse = transport->handleGet(socket, request, cors);
        record.statusCode = 200;
        m_handler->connectionRequested(transport, record, open.data().size() + 1);
        return;
    }
    const QString sid = query.queryItemValue(u"sid"_s);
    const Handler::Session session = m_handler->session(sid);
    if (!session.exists) {
        refuse(socket, record, 400, engineError(1, "Session ID unknown"),
               u"no session %1"_s.arg(sid), cors);
        return;
    }
    auto *polling = qobject_cast<PollingTransport *>(session.current);
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

void HttpFront::routePlain(QTcpSocket *socket, const HttpRequest &request, HandshakeRecord record)
{
    const ServerOptions &options = m_handler->options();
    const QString origin = QString::fromUtf8(request.header("origin"));
    if (!options.isOriginAllowed(origin)) {
        refuse(socket, record, 403, "Origin not allowed\n", u"origin %1 is not allowed"_s.arg(origin));
        return;
    }
    if (request.query().hasQueryItem(u"EIO"_s)) {
        refuse(socket, record, 400,
               "This is the plain WebSocket endpoint; Socket.IO clients connect to "
                       + options.path.toUtf8() + '\n',
               u"a Socket.IO client on the plain WebSocket path %1"_s.arg(options.plainPath));
        return;
    }
    if (!record.isUpgrade || request.method != "GET") {
        refuse(socket, record, 426,
               "Plain WebSocket endpoint: open it with new WebSocket('ws://host:port"
                       + options.plainPath.toUtf8() + "')\n",
               u"plain WebSocket path requested without a WebSocket upgrade"_s,
               { { "Upgrade", "websocket" } });
        return;
    }
    record.transport = u"websocket (plain)"_s;
    m_handler->plainUpgradeRequested(socket, record);
}

} // namespace Sockscope
