#include "eventserver.h"

#include "connection.h"
#include "eventserver_p.h"
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

namespace {

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
    d = std::make_unique<EventServerPrivate>(this);
    m_front = new HttpFront(d.get(), this);
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
        c->close(DisconnectReason::ServerShuttingDown);
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

void EventServer::setAdapterFactory(const AdapterFactory &factory)
{
    m_adapterFactory = factory;
    for (Namespace *ns : std::as_const(m_namespaces))
        ns->initAdapter();
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

void EventServer::addPlainConnection(PlainConnection *plain)
{
    // Its messages, frames and close, reported as the server's signals (connected first, so
    // the server's come before those of listeners connected later).
    m_plainConnections.insert(plain->id(), plain);
    connect(plain, &PlainConnection::textMessageReceived, this, [this, plain](const QString &text) {
        Q_EMIT plainMessageReceived(plain, text.toUtf8(), false);
    });
    connect(plain, &PlainConnection::binaryMessageReceived, this,
            [this, plain](const QByteArray &data) { Q_EMIT plainMessageReceived(plain, data, true); });
    connect(plain, &PlainConnection::messageSent, this,
            [this, plain](const QByteArray &data, bool binary) {
                Q_EMIT plainMessageSent(plain, data, binary);
            });
    connect(plain, &PlainConnection::frameReceived, this,
            [this, plain](const WebSocketFrame &frame) { Q_EMIT plainFrame(plain, frame); });
    connect(plain, &PlainConnection::closed, this, [this, plain](int code, const QString &reason) {
        onPlainClosed(plain, code, reason);
    });
}

void EventServer::onPlainClosed(PlainConnection *connection, int code, const QString &reason)
{
    m_plainConnections.remove(connection->id());
    if (connection->isSlowConsumer()) {
        ++m_stats.slowConsumerCloses;
        Q_EMIT statsChanged();
    }
    Q_EMIT plainConnectionClosed(connection, code, reason);
    connection->deleteLater();
}

void EventServer::onWebSocketConnected()
{
    // Only plain WebSocket clients come this way (Engine.IO upgrades: HttpFront::acceptWebSocket).
    while (QWebSocket *ws = m_wsServer->nextPendingConnection()) {
        const QString key = peerKey(ws->peerAddress(), ws->peerPort());
        HandshakeRecord record = m_pendingUpgrades.take(key);
        QObject::disconnect(m_upgradeWatches.take(key));
        if (record.rawRequest.isEmpty()) {
            // Should not happen: every upgrade goes through the front (HttpFront::route).
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
        auto *plain = new PlainConnection(id, ws, record, m_options.maxPayload, m_options.maxBufferedBytes, this);
        addPlainConnection(plain);
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
    case DisconnectReason::SlowConsumer: ++m_stats.slowConsumerCloses; break;
    default: break;
    }
    if (reason != DisconnectReason::TransportClose && reason != DisconnectReason::ServerShuttingDown)
        Q_EMIT statsChanged();
    m_connections.remove(connection->id());
    Q_EMIT connectionClosed(connection, toString(reason));
    connection->deleteLater();
}

// --- EventServerPrivate: the reports that are not inline ---

void EventServerPrivate::reportSocketConnected(Socket *socket)
{
    QPointer<Socket> self(socket);
    Q_EMIT socket->ns()->socketConnected(socket);
    if (self && socket->isConnected()) // a namespace listener may have disconnected it already
        Q_EMIT q->socketConnected(socket);
}

void EventServerPrivate::reportSocketDisconnected(Socket *socket, const QString &reason)
{
    Q_EMIT socket->ns()->socketDisconnected(socket, reason);
    Q_EMIT q->socketDisconnected(socket, reason);
}

void EventServerPrivate::reportNamespaceLimit(const QString &connectionId, const QString &nsp,
                                              const QString &message)
{
    ++q->m_stats.namespaceLimitRefusals;
    Q_EMIT q->statsChanged();
    Q_EMIT q->connectRefused(connectionId, nsp, message);
}

void EventServerPrivate::reportConnectionClosed(Connection *connection, DisconnectReason reason)
{
    q->onConnectionClosed(connection, reason);
}

int EventServerPrivate::connectionCount() const
{
    return int(q->m_connections.size() + q->m_plainConnections.size()
               + q->m_pendingUpgrades.size());
}

HttpFront::Handler::Session EventServerPrivate::session(const QString &sid) const
{
    Session s;
    if (Connection *c = q->m_connections.value(sid)) {
        s.exists = true;
        s.transport = c->transportType();
        s.upgrading = c->isUpgrading();
        s.current = c->m_transport;
    }
    return s;
}

void EventServerPrivate::connectionRequested(Transport *transport, const HandshakeRecord &record,
                                             qint64 openBytes)
{
    auto *connection = new Connection(record.connectionId, transport, record, this);
    q->m_connections.insert(record.connectionId, connection);
    Q_EMIT q->handshakeReceived(record);
    Q_EMIT q->connectionOpened(connection);
    connection->start(openBytes);
}

void EventServerPrivate::upgradeRequested(Transport *probe, const HandshakeRecord &record)
{
    Connection *c = q->m_connections.value(record.connectionId);
    Q_EMIT q->handshakeReceived(record);
    if (!c) {
        probe->close();
        probe->deleteLater();
        return;
    }
    c->attachProbe(probe);
}

void EventServerPrivate::plainUpgradeRequested(QTcpSocket *socket, const HandshakeRecord &record)
{
    q->handOver(socket, record);
}

void EventServerPrivate::reportRefused(const HandshakeRecord &record)
{
    ServerStats &stats = q->m_stats;
    ++stats.requestsRefused;
    switch (record.statusCode) {
    case 503: ++stats.refusedAtCapacity; break;
    case 414: case 431: ++stats.oversizedHeads; break;
    case 413: ++stats.oversizedPayloads; break;
    case 403: ++stats.originRefusals; break;
    default: break;
    }
    Q_EMIT q->statsChanged();
    Q_EMIT q->handshakeReceived(record);
    Q_EMIT q->errorOccurred(QString(), u"refused %1 %2 from %3: %4"_s.arg(
                                               QString::fromLatin1(record.method),
                                               QString::fromUtf8(record.target),
                                               record.remoteAddress.toString(), record.error));
}

void EventServerPrivate::reportTlsFailure(const QString &message)
{
    ++q->m_stats.tlsFailures;
    Q_EMIT q->statsChanged();
    Q_EMIT q->errorOccurred(QString(), message);
}

void EventServerPrivate::reportHandshakeTimeout(const QString &message)
{
    ++q->m_stats.handshakeTimeouts;
    Q_EMIT q->statsChanged();
    Q_EMIT q->errorOccurred(QString(), message);
}

} // namespace Sockscope
