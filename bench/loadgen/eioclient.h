// sockscope-loadgen: a minimal Engine.IO v4 / Socket.IO v5 client over a WsLink. It speaks the
// wire text itself (40, 42<id>[…], 43<id>[…], 2/3 heartbeat) and never parses JSON, so that
// the generator costs far less per message than the servers it measures. With the msgpack
// parser (setMsgpack()) the Socket.IO packets are msgpack maps in binary frames instead
// (msgpackwire.h); the Engine.IO open and heartbeat stay text.
#pragma once

#include "wslink.h"

#include <QByteArray>
#include <QObject>

namespace Loadgen {

class Peer;

class EioHandler
{
public:
    virtual ~EioHandler() = default;
    // The namespace answered CONNECT: the socket may emit.
    virtual void clientReady(Peer *client) = 0;
    // A Socket.IO packet for this socket (the Engine.IO "4" stripped): "2[…]", "3<id>[…]", …
    virtual void clientPacket(Peer *client, QByteArrayView packet) = 0;
    // msgpack parser: one Socket.IO packet, a whole binary message (a msgpack map).
    virtual void clientBinary(Peer *client, QByteArrayView packet)
    {
        Q_UNUSED(client);
        Q_UNUSED(packet);
    }
    // Closed or refused before or after ready; the client deletes itself later.
    virtual void clientClosed(Peer *client, const QString &why) = 0;
};

// One Socket.IO client in namespace "/", over WebSocket or long-polling.
class Peer : public QObject
{
public:
    using QObject::QObject;
    virtual void start() = 0;
    // Sends a whole Engine.IO text packet, e.g. "42[\"x\"]" (message + EVENT).
    virtual void sendRaw(QByteArrayView packet) = 0;
    // Sends one Socket.IO packet of the msgpack parser (a binary message). Only the
    // WebSocket client can; the long-polling one sends nothing.
    virtual void sendBinary(QByteArrayView packet) { Q_UNUSED(packet); }
    // Drops the connection(s) with a reset; no callback follows. Deletes itself later.
    virtual void abort() = 0;
    // See WsLink::detach(); the peer deletes itself later.
    virtual int park() { return -1; }

    int index = -1; // for the owner
    qint64 startedAtNs = 0;
    qint64 sentAtNs = 0;
};

class EioClient final : public Peer, private WsListener
{
public:
    EioClient(WsLink::Kind kind, quint16 port, EioHandler *handler, QObject *parent = nullptr);
    void start() override;
    // See WsLink::setReceiveBufferSize(); before start().
    void setReceiveBufferSize(int bytes) { m_link->setReceiveBufferSize(bytes); }
    // CONNECT and the packets after it as msgpack maps in binary frames. Before start().
    void setMsgpack(bool on) { m_msgpack = on; }
    void sendRaw(QByteArrayView packet) override { m_link->sendText(packet); }
    void sendBinary(QByteArrayView packet) override { m_link->sendBinary(packet); }
    void abort() override;
    int park() override;

private:
    enum class State { Connecting, WaitConnect, Ready, Closed };
    void wsOpened() override { }
    void wsText(QByteArrayView text) override;
    void wsBinary(QByteArrayView bytes) override;
    void wsClosed(const QString &why) override;

    WsLink *m_link;
    EioHandler *m_handler;
    quint16 m_port;
    State m_state = State::Connecting;
    bool m_msgpack = false;
};

} // namespace Loadgen
