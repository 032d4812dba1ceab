#include "connection.h"

#include "eventserver_p.h"
#include "namespace.h"
#include "socket.h"
#include "socketioparser.h"
#include "pollingtransport_p.h"
#include "transport_p.h"

#include <QJsonObject>
#include <QPointer>
#include <QLoggingCategory>
#include <QTimerEvent>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcEngine, "sockscope.engineio", QtWarningMsg)

namespace Sockscope {

Connection::Connection(const QString &id, Transport *transport, const HandshakeRecord &handshake,
                       EventServerPrivate *server)
    : QObject(server->server())
    , m_id(id)
    , m_transport(transport)
    , m_handshake(handshake.compact())
    , m_server(server)
    , m_openedAt(QDateTime::currentDateTimeUtc())
    , m_parser(server->createParser(server->options().parser))
    , m_parserDecided(server->options().parser != ServerOptions::Parser::Auto)
    , m_usesMsgpack(server->options().parser == ServerOptions::Parser::Msgpack)
    , m_packetsToKeep(quint8(qBound(
              qsizetype(0), server->options().handshakePackets - handshake.firstPackets.size(),
              qsizetype(64))))
{
    bindTransport(transport);
}

void Connection::bindTransport(Transport *transport)
{
    m_transport = transport;
    transport->setParent(this);
    transport->setConnection(this);
}

void Connection::transportPacket(Transport *transport, EngineIoPacket &&packet,
                                 qint64 wireBytes)
{
    m_bytesIn += quint64(wireBytes);
    if (Q_UNLIKELY(keepsPackets()))
        keepPacket(packet, false);
    if (transport == m_transport)
        handleEnginePacket(std::move(packet));
    else if (transport == m_probe)
        handleProbePacket(packet);
}

void Connection::transportOversized()
{
    m_server->reportOversizedPayload(); // statsChanged() follows with the close
}

void Connection::transportClosed(Transport *transport, TransportCloseCause cause,
                                 const QString &detail)
{
    if (transport == m_transport) {
        if (!detail.isEmpty())
            m_server->reportError(m_id, detail);
        closeConnection(toDisconnectReason(cause), false);
    } else if (transport == m_probe) {
        dropProbe();
    }
}

void Connection::attachProbe(Transport *probe)
{
    probe->setParent(this);
    if (m_closed || m_probe || m_transport->type() != TransportType::Polling) {
        probe->close();
        probe->deleteLater();
        return;
    }
    m_probe = probe;
    probe->setConnection(this);
    m_upgradeTimer.start(10000, this);
}

void Connection::dropProbe()
{
    m_upgradeTimer.stop();
    if (!m_probe)
        return;
    m_probe->setConnection(nullptr);
    m_probe->close();
    m_probe->deleteLater();
    m_probe = nullptr;
    if (auto *polling = qobject_cast<PollingTransport *>(m_transport))
        polling->setUpgrading(false);
}

void Connection::handleProbePacket(const EngineIoPacket &packet)
{
    using T = EngineIoPacket::Type;
    auto *polling = qobject_cast<PollingTransport *>(m_transport);
    if (packet.type() == T::Ping && packet.data() == "probe") {
        const EngineIoPacket pong(T::Pong, "probe");
        if (Q_UNLIKELY(keepsPackets()))
            keepPacket(pong, true);
        m_probe->send(pong);
        if (polling) {
            polling->setUpgrading(true);
            polling->releasePendingGet();
        }
        return;
    }
    if (packet.type() == T::Upgrade && polling) {
        m_upgradeTimer.stop();
        Transport *ws = m_probe;
        m_probe = nullptr;
        ws->setConnection(nullptr);
        const QList<EngineIoPacket> queued = polling->takeQueue();
        polling->releasePendingGet();
        polling->setConnection(nullptr);
        polling->close();
        polling->deleteLater();
        bindTransport(ws);
        m_upgradedAt = QDateTime::currentDateTimeUtc();
        for (const EngineIoPacket &p : queued)
            m_transport->send(p);
        Q_EMIT upgraded(m_transport->name());
        m_server->reportConnectionUpgraded(this);
        return;
    }
    // Anything else on the probe before the upgrade is a protocol error: drop the probe only.
    m_server->reportError(m_id, u"unexpected %1 packet during the upgrade probe"_s.arg(
                                                 EngineIoPacket::typeName(packet.type())));
    dropProbe();
}

Connection::~Connection()
{
    for (Socket *s : std::as_const(m_sockets))
        s->m_connection = nullptr;
    if (m_transport)
        m_transport->setConnection(nullptr);
    if (m_probe)
        m_probe->setConnection(nullptr);
}

QString Connection::transportName() const
{
    return m_transport ? m_transport->name() : QString();
}

TransportType Connection::transportType() const
{
    return m_transport ? m_transport->type() : TransportType::WebSocket;
}

void Connection::start(qint64 openBytes)
{
    const ServerOptions &o = m_server->options();
    m_bytesOut += quint64(openBytes);
    m_pingTimer.start(o.pingInterval, Qt::PreciseTimer, this);
    m_connectTimer.start(o.connectTimeout, this);
}

void Connection::close(DisconnectReason reason)
{
    closeConnection(reason);
}

void Connection::close(const QString &reason)
{
    DisconnectReason r = DisconnectReason::ForcedServerClose;
    fromString(reason, &r);
    closeConnection(r);
}

void Connection::sendEngine(const EngineIoPacket &packet)
{
    if (!m_closed && !m_overBudget) {
        if (Q_UNLIKELY(keepsPackets()))
            keepPacket(packet, true);
        m_transport->send(packet);
    }
}

void Connection::keepPacket(const EngineIoPacket &packet, bool outgoing)
{
    using T = EngineIoPacket::Type;
    // The heartbeat would take the places of the packets worth showing.
    if ((packet.type() == T::Ping || packet.type() == T::Pong) && packet.data() != "probe")
        return;
    m_handshake.firstPackets.append(HandshakeRecord::Packet::of(
            packet, outgoing, m_handshake.time.msecsTo(QDateTime::currentDateTimeUtc())));
    --m_packetsToKeep;
}

bool Connection::sendPacket(const SocketIoPacket &packet)
{
    return !m_closed && !m_overBudget && sendEncoded(m_parser->encode(packet));
}

qint64 Connection::bufferedBytes() const
{
    return m_closed || m_overBudget ? 0 : m_transport->bufferedBytes();
}

bool Connection::fitsBudget(qint64 bytes)
{
    const qint64 max = m_server->options().maxBufferedBytes;
    if (max <= 0 || ServerOptions::fitsWriteBudget(max, m_transport->bufferedBytes(), bytes))
        return true;
    // Nothing more is queued. The transport is dropped with what the client has not taken
    // (a close packet would wait behind it), and the connection closed from the event loop:
    // a broadcast or a handler sending in a loop goes on with the other recipients, and
    // meets no disconnect signals in the middle of its loop.
    m_overBudget = true;
    m_transport->abort();
    QMetaObject::invokeMethod(this, [this] { closeConnection(DisconnectReason::SlowConsumer, false); },
                              Qt::QueuedConnection);
    return false;
}

bool Connection::sendEncoded(const SocketIoPacket::Encoded &encoded, bool isVolatile)
{
    if (m_closed || m_overBudget)
        return false;
    if (isVolatile && m_transport->bufferedBytes() > ServerOptions::volatileBufferedBytes) {
        ++m_volatileDropped;
        m_server->reportVolatileDropped();
        return false;
    }
    qint64 bytes = encoded.text.size() + 1;
    for (const QByteArray &a : encoded.attachments)
        bytes += a.size();
    if (!fitsBudget(bytes))
        return false;
    if (Q_UNLIKELY(keepsPackets())) {
        keepPacket(encoded.binary ? EngineIoPacket::binaryMessage(encoded.text)
                                  : EngineIoPacket::message(encoded.text),
                   true);
        for (const QByteArray &a : encoded.attachments) {
            if (keepsPackets())
                keepPacket(EngineIoPacket::binaryMessage(a), true);
        }
    }
    if (Q_UNLIKELY(encoded.binary)) { // the msgpack format: one binary message
        m_transport->send(EngineIoPacket::binaryMessage(encoded.text));
        return true;
    }
    m_transport->send(EngineIoPacket::message(encoded.text));
    for (const QByteArray &a : encoded.attachments)
        m_transport->send(EngineIoPacket::binaryMessage(a));
    return true;
}

void Connection::timerEvent(QTimerEvent *event)
{
    const int id = event->timerId();
    if (id == m_pingTimer.timerId()) {
        m_pingTimer.stop();
        sendEngine(EngineIoPacket(EngineIoPacket::Type::Ping));
        m_pingSent.start();
        m_pongTimer.start(m_server->options().pingTimeout, Qt::PreciseTimer, this);
        m_pongTimerRefreshed = false;
    } else if (id == m_pongTimer.timerId()) {
        m_pongTimer.stop();
        m_server->reportError(
                m_id, u"no pong within %1 ms"_s.arg(m_server->options().pingTimeout));
        closeConnection(DisconnectReason::PingTimeout);
    } else if (id == m_upgradeTimer.timerId()) {
        m_server->reportError(m_id, u"upgrade probe not completed within 10 s"_s);
        dropProbe();
    } else if (id == m_connectTimer.timerId()) {
        m_connectTimer.stop();
        if (!m_everConnected) {
            m_server->reportError(
                    m_id, u"no namespace joined within %1 ms"_s.arg(m_server->options().connectTimeout));
            closeConnection(DisconnectReason::ConnectTimeout);
        }
    } else {
        QObject::timerEvent(event);
    }
}

void Connection::handleEnginePacket(EngineIoPacket &&packet)
{
    if (m_closed)
        return;
    using T = EngineIoPacket::Type;
    // A peer still sending is alive: its pong may be queued behind a large upload (a polling
    // client sends one POST at a time). Like the Node.js server, give it once more time.
    if (packet.type() != T::Pong && m_pongTimer.isActive() && !m_pongTimerRefreshed) {
        m_pongTimer.start(m_server->options().pingTimeout, Qt::PreciseTimer, this);
        m_pongTimerRefreshed = true;
    }
    switch (packet.type()) {
    case T::Pong:
        if (m_pongTimer.isActive()) {
            m_pongTimer.stop();
            m_lastRtt = m_pingSent.elapsed();
            Q_EMIT pingRoundTripMeasured(m_lastRtt);
            m_pingTimer.start(m_server->options().pingInterval, Qt::PreciseTimer, this);
        }
        break;
    case T::Ping:
        // "2probe" starts an upgrade probe; a plain ping is answered too.
        sendEngine(EngineIoPacket(T::Pong, packet.data()));
        break;
    case T::Message: {
        if (Q_UNLIKELY(!m_parserDecided))
            decideParser(packet);
        SocketIoPacket p;
        switch (m_parser->decode(std::move(packet), &p)) {
        case SocketIoParser::Status::Packet:
            handleSocketIoPacket(std::move(p));
            break;
        case SocketIoParser::Status::NeedMore:
            break;
        case SocketIoParser::Status::Failed:
            fail(DisconnectReason::ParseError, m_parser->errorString());
            break;
        }
        break;
    }
    case T::Close:
        // The client's goodbye over polling: a GET it left pending is answered with a noop,
        // as the Node.js server answers it, not with a close packet of ours.
        if (auto *polling = qobject_cast<PollingTransport *>(m_transport))
            polling->releasePendingGet();
        closeConnection(DisconnectReason::TransportClose);
        break;
    case T::Open:
    case T::Upgrade:
    case T::Noop:
        break;
    }
}

QString Connection::parserName() const
{
    return m_parser->formatName();
}

void Connection::decideParser(const EngineIoPacket &firstMessage)
{
    m_parserDecided = true;
    // A text message keeps the JSON parser; so does binary that is no msgpack map (the JSON
    // parser then refuses it as a binary message with no packet awaiting it).
    if (firstMessage.isBinary() && MsgpackSocketIoParser::startsWithMap(firstMessage.data())) {
        m_parser = m_server->createParser(ServerOptions::Parser::Msgpack);
        m_usesMsgpack = true;
    }
    qCDebug(lcEngine) << m_id << "speaks" << m_parser->formatName();
}

void Connection::handleSocketIoPacket(SocketIoPacket packet)
{
    using T = SocketIoPacket::Type;
    if (packet.type() == T::Connect) {
        handleConnect(packet);
        return;
    }
    Socket *socket = socketFor(packet.nsp());
    if (!socket) {
        fail(DisconnectReason::ParseError,
             u"%1 for namespace %2 before its CONNECT"_s.arg(SocketIoPacket::typeName(packet.type()),
                                                             packet.nsp()));
        return;
    }
    switch (packet.type()) {
    case T::Disconnect:
        m_sockets.removeOne(socket);
        socket->finish(DisconnectReason::ClientNamespaceDisconnect);
        socket->deleteLater();
        break;
    case T::Event:
    case T::BinaryEvent:
        if (socket->isConnected())
            socket->handleEvent(packet);
        break;
    case T::Ack:
    case T::BinaryAck:
        if (socket->isConnected())
            socket->handleAck(packet);
        break;
    case T::ConnectError:
        fail(DisconnectReason::ParseError, u"a client may not send CONNECT_ERROR"_s);
        break;
    case T::Connect:
        break;
    }
}

void Connection::handleConnect(const SocketIoPacket &packet)
{
    const QString nsp = packet.nsp();
    Namespace *ns = m_server->server()->findNamespace(nsp);
    if (!ns) {
        sendPacket(SocketIoPacket::connectError(nsp, u"Invalid namespace"_s));
        m_server->reportConnectRefused(m_id, nsp, u"Invalid namespace"_s);
        return;
    }
    if (!socketFor(nsp) && m_sockets.size() >= m_server->options().maxNamespacesPerConnection) {
        const QString message = u"Too many namespaces on one connection (%1)"_s.arg(
                m_server->options().maxNamespacesPerConnection);
        sendPacket(SocketIoPacket::connectError(nsp, message));
        m_server->reportNamespaceLimit(m_id, nsp, message);
        return;
    }
    if (Socket *existing = socketFor(nsp)) {
        QJsonObject answer;
        answer.insert(u"sid"_s, existing->id());
        sendPacket(SocketIoPacket::connect(nsp, answer));
        return;
    }
    if (m_restoring.contains(nsp))
        return; // a second CONNECT while the first one's session is looked up
    const QJsonObject auth = packet.payload().toObject();
    if (Q_UNLIKELY(m_server->options().maxDisconnectionDuration > 0)
        && auth.value(u"pid"_s).isString() && auth.value(u"offset"_s).isString()) {
        // Connection state recovery: the adapter may answer later (a cluster asks the others).
        m_restoring.append(nsp);
        QPointer<Namespace> target(ns);
        ns->adapter()->restoreSession(
                auth.value(u"pid"_s).toString(), auth.value(u"offset"_s).toString(), this,
                [this, target, nsp, auth](bool found, const PersistedSession &session) {
                    m_restoring.removeOne(nsp);
                    if (m_closed || !target || socketFor(nsp))
                        return;
                    // A session whose id is back already (another connection took it) is not
                    // handed out twice.
                    const bool usable =
                            found && !session.sid.isEmpty() && !target->socket(session.sid);
                    connectSocket(target, auth, usable ? &session : nullptr);
                });
        return;
    }
    connectSocket(ns, auth, nullptr);
}

void Connection::connectSocket(Namespace *ns, const QJsonObject &auth,
                               const PersistedSession *session)
{
    const QString nsp = ns->name();
    auto *socket = new Socket(this, ns, auth);
    if (session)
        socket->restore(*session);
    // As Node's default (skipMiddlewares), a recovered socket is not asked about again.
    for (const ConnectHook &hook : session ? QList<ConnectHook>() : ns->m_hooks) {
        const ConnectDecision decision = hook(socket);
        if (!decision.accepted) {
            delete socket;
            sendPacket(SocketIoPacket::connectError(nsp, decision.message, decision.data));
            m_server->reportConnectRefused(m_id, nsp, decision.message);
            return;
        }
        if (m_closed) { // the hook closed the connection
            delete socket;
            return;
        }
    }
    m_sockets.append(socket);
    m_everConnected = true;
    m_connectTimer.stop();
    socket->markConnected();
}

void Connection::removeSocket(Socket *socket)
{
    m_sockets.removeOne(socket);
    socket->deleteLater();
}

Socket *Connection::socketFor(const QString &nsp) const
{
    for (Socket *s : m_sockets) {
        if (s->namespaceName() == nsp)
            return s;
    }
    return nullptr;
}

void Connection::fail(DisconnectReason reason, const QString &message)
{
    m_server->reportError(m_id, message);
    closeConnection(reason);
}

void Connection::closeConnection(DisconnectReason reason, bool closeTransport)
{
    if (m_closed)
        return;
    m_closed = true;
    m_pingTimer.stop();
    m_pongTimer.stop();
    m_connectTimer.stop();
    m_upgradeTimer.stop();
    m_parser->reset();
    if (m_probe) {
        m_probe->setConnection(nullptr);
        m_probe->close();
        m_probe = nullptr;
    }
    const auto sockets = m_sockets;
    m_sockets.clear();
    for (Socket *s : sockets) {
        s->finish(reason);
        s->deleteLater();
    }
    if (closeTransport)
        m_transport->close();
    Q_EMIT closed(toString(reason));
    m_server->reportConnectionClosed(this, reason);
}

} // namespace Sockscope
