// Sockscope: one Engine.IO session.
#pragma once

#include "engineiopacket.h"
#include "handshakerecord.h"
#include "reasons.h"
#include "socketiopacket.h"
#include "transportlistener.h"

#include <QBasicTimer>
#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QStringList>

#include <memory>

namespace Sockscope {

class EventServer;
class Namespace;
class Socket;
struct PersistedSession;
class EventServerPrivate;
class SocketIoParser;

/*
    A connection is one Engine.IO session (its sid) over a transport. It sends the open packet,
    owns the heartbeat (the server pings every pingInterval; a peer that does not answer within
    pingTimeout is dropped with "ping timeout"), closes itself if no namespace is joined within
    connectTimeout, and decodes Socket.IO packets for the sockets it carries.

    Every fatal path goes through one close function: timers stop, sockets get the reason once,
    the transport is closed, connectionClosed is emitted once.
*/
class Connection : public QObject, private TransportListener
{
    Q_OBJECT
public:
    ~Connection() override;

    QString id() const { return m_id; }
    QString transportName() const;
    TransportType transportType() const;
    // The handshake as it was recorded (kept compact; see HandshakeRecord::Compact).
    HandshakeRecord handshake() const { return m_handshake.expanded(m_id); }
    QHostAddress remoteAddress() const { return m_handshake.remoteAddress; }
    quint16 remotePort() const { return m_handshake.remotePort; }
    QDateTime openedAt() const { return m_openedAt; }
    // When the connection moved from polling to WebSocket; null if it did not.
    QDateTime upgradedAt() const { return m_upgradedAt; }
    QList<Socket *> sockets() const { return m_sockets; }
    bool isOpen() const { return !m_closed; }
    // The Socket.IO wire format the connection speaks: "json" or "msgpack". With
    // ServerOptions::Parser::Auto, "json" until the first Socket.IO message says otherwise.
    QString parserName() const;
    // Whether it speaks the msgpack format (a broadcast picks the bytes by it).
    bool usesMsgpack() const { return m_usesMsgpack; }
    // A WebSocket probe is under way (the connection is on polling).
    bool isUpgrading() const { return m_probe != nullptr; }

    qint64 lastPingRoundTrip() const { return m_lastRtt; } // ms, -1 before the first pong
    quint64 bytesReceived() const { return m_bytesIn; }
    quint64 bytesSent() const { return m_bytesOut; }
    // Bytes queued for the client that the kernel has not taken yet (see
    // ServerOptions::maxBufferedBytes); 0 once closed.
    qint64 bufferedBytes() const;
    // Volatile events dropped for this connection (see ServerOptions::volatileBufferedBytes).
    quint64 volatileDropped() const { return m_volatileDropped; }

    void close(DisconnectReason reason = DisconnectReason::ForcedServerClose);
    // The same, by the reason's text (toString()); a text that is none of them closes with
    // ForcedServerClose.
    void close(const QString &reason);

Q_SIGNALS:
    void pingRoundTripMeasured(qint64 ms);
    void upgraded(const QString &transport);
    void closed(const QString &reason);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    friend class EventServerPrivate; // creates it, hands it a probe
    friend class Socket;
    friend class Namespace;
    friend class Broadcast;

    Connection(const QString &id, Transport *transport, const HandshakeRecord &handshake,
               EventServerPrivate *server);
    // Starts the heartbeat and the connect timeout; the front sent the open packet
    // (openBytes long).
    void start(qint64 openBytes);
    void bindTransport(Transport *transport);
    // TransportListener: called by the transport and the upgrade probe.
    void transportPacket(Transport *transport, EngineIoPacket &&packet,
                         qint64 wireBytes) override;
    void transportBytesWritten(qint64 bytes) override { m_bytesOut += quint64(bytes); }
    void transportOversized() override;
    void transportClosed(Transport *transport, TransportCloseCause cause,
                         const QString &detail) override;
    // A WebSocket opened for this sid while on polling: the upgrade probe.
    void attachProbe(Transport *probe);
    void handleProbePacket(const EngineIoPacket &packet);
    void dropProbe();
    void sendEngine(const EngineIoPacket &packet);
    // Whether the handshake record still keeps packets (ServerOptions::handshakePackets).
    bool keepsPackets() const { return m_packetsToKeep > 0; }
    // Keeps one of the connection's first packets in its handshake record (heartbeats not).
    void keepPacket(const EngineIoPacket &packet, bool outgoing);
    // Encoded by the connection's parser; false if not sent (see sendEncoded()).
    bool sendPacket(const SocketIoPacket &packet);
    // Encoded already by a parser of the same format (a broadcast encodes once). Returns
    // false if nothing was sent: the connection is closed, a volatile event was dropped, or
    // the packet was over the write budget (the connection is then closed as a slow consumer).
    bool sendEncoded(const SocketIoPacket::Encoded &encoded, bool isVolatile = false);
    // Whether bytes more may be queued; if not, closes the connection as a slow consumer.
    bool fitsBudget(qint64 bytes);
    void handleEnginePacket(EngineIoPacket &&packet);
    // Parser::Auto: the first Socket.IO message picks the connection's parser.
    void decideParser(const EngineIoPacket &firstMessage);
    void handleSocketIoPacket(SocketIoPacket packet);
    void handleConnect(const SocketIoPacket &packet);
    // Makes the socket for a CONNECT (with a persisted session: the restored one), asks the
    // connect hooks and answers.
    void connectSocket(Namespace *ns, const QJsonObject &auth, const PersistedSession *session);
    void fail(DisconnectReason reason, const QString &message);
    void closeConnection(DisconnectReason reason, bool closeTransport = true);
    void removeSocket(Socket *socket);
    Socket *socketFor(const QString &nsp) const;

    QString m_id;
    Transport *m_transport = nullptr;
    Transport *m_probe = nullptr;
    QDateTime m_upgradedAt;
    QBasicTimer m_upgradeTimer;
    HandshakeRecord::Compact m_handshake;
    EventServerPrivate *m_server = nullptr;
    QDateTime m_openedAt;
    // One per namespace joined: a short list (a QHash costs over 1 KiB even with one entry).
    QList<Socket *> m_sockets;
    QStringList m_restoring; // namespaces whose CONNECT waits for Adapter::restoreSession
    // Socket.IO packets to Engine.IO messages and back (see ServerOptions::parser).
    std::unique_ptr<SocketIoParser> m_parser;
    bool m_parserDecided = true; // false under Parser::Auto until the first message
    bool m_usesMsgpack = false;
    QBasicTimer m_pingTimer;
    QBasicTimer m_pongTimer;
    bool m_pongTimerRefreshed = false; // once per ping, by any other packet (as Node.js does)
    QBasicTimer m_connectTimer;
    QElapsedTimer m_pingSent;
    qint64 m_lastRtt = -1;
    quint64 m_bytesIn = 0;
    quint64 m_bytesOut = 0;
    quint64 m_volatileDropped = 0;
    bool m_overBudget = false; // a slow consumer: its transport dropped, its close queued
    bool m_closed = false;
    bool m_everConnected = false;
    // How many more packets the handshake record keeps (ServerOptions::handshakePackets).
    quint8 m_packetsToKeep = 0;
};

} // namespace Sockscope
