#include "connection.h"

#include "eventserver.h"
#include "namespace.h"
#include "socket.h"
#include "pollingtransport_p.h"
#include "transport_p.h"

#include <QJsonObject>
#include <QLoggingCategory>
#include <QTimerEvent>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcEngine, "sockscope.engineio", QtWarningMsg)

namespace Sockscope {

Connection::Connection(const QString &id, Transport *transport, const HandshakeRecord &handshake,
                       EventServer *server)
    : QObject(server)
    , m_id(id)
    , m_transport(transport)
    , m_handshake(handshake.compact())
    , m_server(server)
    , m_openedAt(QDateTime::currentDateTimeUtc())
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
    if (transport == m_transport)
        handleEnginePacket(std::move(packet));
    else if (transport == m_probe)
        handleProbePacket(packet);
}

void Connection::transportOversized()
{
    ++m_server->m_stats.oversizedPayloads; // statsChanged() follows with the close
}

void Connection::transportClosed(Transport *transport, TransportCloseCause cause,
                                 const QString &detail)
{
    if (transport == m_transport) {
        if (!detail.isEmpty())
            Q_EMIT m_server->errorOccurred(m_id, detail);
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
        m_probe->send(EngineIoPacket(T::Pong, "probe"));
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
        Q_EMIT m_server->connectionUpgraded(this);
        return;
    }
    // Anything else on the probe before the upgrade is a protocol error: drop the probe only.
    Q_EMIT m_server->errorOccurred(m_id, u"unexpected %1 packet during the upgrade probe"_s.arg(
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

void Connection::start()
{
    const ServerOptions &o = m_server->m_options;
    EngineIoOpen open;
    open.sid = m_id;
    if (m_transport->type() == TransportType::Polling)
        open.upgrades = QStringList { u"websocket"_s };
    open.pingInterval = o.pingInterval;
    open.pingTimeout = o.pingTimeout;
    open.maxPayload = o.maxPayload;
    sendEngine(EngineIoPacket(EngineIoPacket::Type::Open, open.toJson()));
    m_pingTimer.start(o.pingInterval, this);
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
    if (!m_closed)
        m_transport->send(packet);
}

void Connection::sendEncoded(const SocketIoPacket::Encoded &encoded)
{
    if (m_closed)
        return;
    m_transport->send(EngineIoPacket::message(encoded.text));
    for (const QByteArray &a : encoded.attachments)
        m_transport->send(EngineIoPacket::binaryMessage(a));
}

void Connection::timerEvent(QTimerEvent *event)
{
    const int id = event->timerId();
    if (id == m_pingTimer.timerId()) {
        m_pingTimer.stop();
        sendEngine(EngineIoPacket(EngineIoPacket::Type::Ping));
        m_pingSent.start();
        m_pongTimer.start(m_server->m_options.pingTimeout, this);
        m_pongTimerRefreshed = false;
    } else if (id == m_pongTimer.timerId()) {
        m_pongTimer.stop();
        Q_EMIT m_server->errorOccurred(
                m_id, u"no pong within %1 ms"_s.arg(m_server->m_options.pingTimeout));
        closeConnection(DisconnectReason::PingTimeout);
    } else if (id == m_upgradeTimer.timerId()) {
        Q_EMIT m_server->errorOccurred(m_id, u"upgrade probe not completed within 10 s"_s);
        dropProbe();
    } else if (id == m_connectTimer.timerId()) {
        m_connectTimer.stop();
        if (!m_everConnected) {
            Q_EMIT m_server->errorOccurred(
                    m_id, u"no namespace joined within %1 ms"_s.arg(m_server->m_options.connectTimeout));
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
        m_pongTimer.start(m_server->m_options.pingTimeout, this);
        m_pongTimerRefreshed = true;
    }
    switch (packet.type()) {
    case T::Pong:
        if (m_pongTimer.isActive()) {
            m_pongTimer.stop();
            m_lastRtt = m_pingSent.elapsed();
            Q_EMIT pingRoundTripMeasured(m_lastRtt);
            m_pingTimer.start(m_server->m_options.pingInterval, this);
        }
        break;
    case T::Ping:
        // "2probe" starts an upgrade probe; a plain ping is answered too.
        sendEngine(EngineIoPacket(T::Pong, packet.data()));
        break;
    case T::Message: {
        const int maxAttachments = m_server->m_options.maxAttachments;
        QByteArray data = packet.takeData();
        if (!packet.isBinary() && !(m_decoder && m_decoder->isReassembling())) {
            // The usual case, a text packet on its own: no decoder state needed. An event's
            // arguments keep the received bytes (a binary packet's header leaves them here).
            SocketIoPacket p;
            const SocketIoPacket::Error e =
                    SocketIoDecoder::parseTaking(&data, &p, maxAttachments);
            if (e != SocketIoPacket::Error::None) {
                fail(DisconnectReason::ParseError, SocketIoPacket::errorString(e));
                break;
            }
            if (!p.isBinary()) {
                handleSocketIoPacket(std::move(p));
                break;
            }
            // BINARY_EVENT / BINARY_ACK: its attachments follow; the decoder reassembles.
        }
        if (!m_decoder)
            m_decoder = std::make_unique<SocketIoDecoder>(maxAttachments);
        const SocketIoDecoder::Status status =
                packet.isBinary() ? m_decoder->decodeBinary(data) : m_decoder->decodeText(data);
        if (status == SocketIoDecoder::Status::Packet)
            handleSocketIoPacket(m_decoder->takePacket());
        else if (status == SocketIoDecoder::Status::Failed)
            fail(DisconnectReason::ParseError, m_decoder->errorString());
        break;
    }
    case T::Close:
        closeConnection(DisconnectReason::TransportClose);
        break;
    case T::Open:
    case T::Upgrade:
    case T::Noop:
        break;
    }
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
    case T::Ack:
    case T::BinaryAck:
        socket->handlePacket(packet);
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
    Namespace *ns = m_server->findNamespace(nsp);
    if (!ns) {
        sendEncoded(SocketIoPacket::connectError(nsp, u"Invalid namespace"_s).encode());
        Q_EMIT m_server->connectRefused(m_id, nsp, u"Invalid namespace"_s);
        return;
    }
    if (!socketFor(nsp) && m_sockets.size() >= m_server->m_options.maxNamespacesPerConnection) {
        const QString message = u"Too many namespaces on one connection (%1)"_s.arg(
                m_server->m_options.maxNamespacesPerConnection);
        sendEncoded(SocketIoPacket::connectError(nsp, message).encode());
        ++m_server->m_stats.namespaceLimitRefusals;
        Q_EMIT m_server->statsChanged();
        Q_EMIT m_server->connectRefused(m_id, nsp, message);
        return;
    }
    if (Socket *existing = socketFor(nsp)) {
        QJsonObject answer;
        answer.insert(u"sid"_s, existing->id());
        sendEncoded(SocketIoPacket::connect(nsp, answer).encode());
        return;
    }
    auto *socket = new Socket(this, ns, packet.payload().toObject());
    for (const ConnectHook &hook : std::as_const(ns->m_hooks)) {
        const ConnectDecision decision = hook(socket);
        if (!decision.accepted) {
            delete socket;
            sendEncoded(SocketIoPacket::connectError(nsp, decision.message, decision.data).encode());
            Q_EMIT m_server->connectRefused(m_id, nsp, decision.message);
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
    Q_EMIT m_server->errorOccurred(m_id, message);
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
    if (m_decoder)
        m_decoder->reset();
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
    m_server->onConnectionClosed(this, reason);
}

} // namespace Sockscope
