#include "eventserver.h"

#include "connection.h"
#include "httpfront_p.h"
#include "httprequest.h"
#include "socket.h"
#include "transport_p.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QWebSocket>
#include <QWebSocketServer>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcServer, "sockscope.server", QtWarningMsg)

namespace Sockscope {

namespace {

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Error";
    }
}

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
    m_front = new HttpFront(this);
    m_wsServer = new QWebSocketServer(u"Sockscope"_s, QWebSocketServer::NonSecureMode, this);
    connect(m_wsServer, &QWebSocketServer::newConnection, this,
            &EventServer::onWebSocketConnected);
    of(u"/"_s);
}

EventServer::~EventServer()
{
    close();
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
        c->closeConnection(u"server shutting down"_s);
    m_pendingUpgrades.clear();
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
                         const QByteArray &body, const QString &why)
{
    socket->readAll(); // consume what was peeked so closing does not reset the connection
    const bool json = body.startsWith('{');
    QByteArray head = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status)
            + "\r\nContent-Type: " + (json ? "application/json" : "text/plain; charset=utf-8")
            + "\r\nContent-Length: " + QByteArray::number(body.size())
            + "\r\nConnection: close\r\n\r\n";
    socket->write(head + body);
    socket->disconnectFromHost();
    record.statusCode = status;
    record.rawResponse = head;
    record.error = why;
    Q_EMIT handshakeReceived(record);
    Q_EMIT errorOccurred(QString(), u"refused %1 %2 from %3: %4"_s.arg(
                                            QString::fromLatin1(record.method),
                                            QString::fromUtf8(record.target),
                                            record.remoteAddress.toString(), why));
}

void EventServer::routeRequest(QTcpSocket *socket, const HttpRequest &request,
                               HandshakeRecord record)
{
    if (m_closing) {
        refuse(socket, record, 503, "Server shutting down\n", u"server shutting down"_s);
        return;
    }
    const QString path = request.path();
    const QString base = m_options.path;
    const bool engine = path == base || path + u'/' == base;
    if (!engine) {
        refuse(socket, record, 404, "Not found\n", u"no such path: %1"_s.arg(path));
        return;
    }
    const QUrlQuery query = request.query();
    const QString eio = query.queryItemValue(u"EIO"_s);
    const QString transport = query.queryItemValue(u"transport"_s);
    if (eio != u"4") {
        refuse(socket, record, 400, engineError(5, "Unsupported protocol version"),
               eio.isEmpty() ? u"missing EIO query parameter (this server speaks EIO=4)"_s
                             : u"Engine.IO version %1 requested; this server speaks EIO=4"_s.arg(eio));
        return;
    }
    if (transport != u"websocket" && transport != u"polling") {
        refuse(socket, record, 400, engineError(0, "Transport unknown"),
               u"unknown transport \"%1\""_s.arg(transport));
        return;
    }
    const QString origin = QString::fromUtf8(request.header("origin"));
    if (!m_options.isOriginAllowed(origin)) {
        refuse(socket, record, 403, engineError(4, "Forbidden"),
               u"origin %1 is not allowed"_s.arg(origin));
        return;
    }
    if (transport == u"polling") {
        refuse(socket, record, 400, engineError(0, "Transport unknown"),
               u"HTTP long-polling is not served; connect with transport=websocket"_s);
        return;
    }
    if (request.method != "GET") {
        refuse(socket, record, 400, engineError(2, "Bad handshake method"),
               u"WebSocket handshake with method %1"_s.arg(QString::fromLatin1(request.method)));
        return;
    }
    if (!record.isUpgrade || !request.headerHasToken("connection", "upgrade")) {
        refuse(socket, record, 400, engineError(3, "Bad request"),
               u"transport=websocket without a WebSocket upgrade"_s);
        return;
    }
    if (query.hasQueryItem(u"sid"_s)) {
        refuse(socket, record, 400, engineError(1, "Session ID unknown"),
               u"no session %1 to upgrade"_s.arg(query.queryItemValue(u"sid"_s)));
        return;
    }

    record.transport = u"websocket"_s;
    const QString key = peerKey(socket->peerAddress(), socket->peerPort());
    m_pendingUpgrades.insert(key, record);
    if (auto *recording = qobject_cast<RecordingSocket *>(socket)) {
        connect(recording, &RecordingSocket::responseHeadWritten, this,
                [this, key](const QByteArray &head) {
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
                });
        // After the handover the socket may be deleted by QWebSocketServer on failure.
        connect(recording, &QObject::destroyed, this, [this, key] { m_pendingUpgrades.remove(key); });
    }
    socket->disconnect(socket); // drop the front's deleteLater-on-disconnect; Qt owns it now
    m_wsServer->handleConnection(socket);
}

void EventServer::onWebSocketConnected()
{
    while (QWebSocket *ws = m_wsServer->nextPendingConnection()) {
        const QString key = peerKey(ws->peerAddress(), ws->peerPort());
        HandshakeRecord record = m_pendingUpgrades.take(key);
        if (record.rawRequest.isEmpty()) {
            // Should not happen: every upgrade goes through routeRequest.
            record.time = QDateTime::currentDateTimeUtc();
            record.remoteAddress = ws->peerAddress();
            record.remotePort = ws->peerPort();
            record.transport = u"websocket"_s;
        }
        if (m_closing) {
            ws->close(QWebSocketProtocol::CloseCodeGoingAway);
            ws->deleteLater();
            continue;
        }
        const QString id = generateId();
        record.connectionId = id;
        if (record.statusCode == 0)
            record.statusCode = 101;
        auto *transport = new WebSocketTransport(ws, m_options.maxPayload);
        auto *connection = new Connection(id, transport, record, this);
        m_connections.insert(id, connection);
        Q_EMIT handshakeReceived(record);
        Q_EMIT connectionOpened(connection);
        connection->start();
    }
}

void EventServer::onConnectionClosed(Connection *connection, const QString &reason)
{
    m_connections.remove(connection->id());
    Q_EMIT connectionClosed(connection, reason);
    connection->deleteLater();
}

} // namespace Sockscope
