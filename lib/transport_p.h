// Sockscope: transports of an Engine.IO connection. Not public API.
#pragma once

#include "engineiopacket.h"

#include <QObject>
#include <QPointer>
#include <QTcpSocket>
#include <QWebSocket>

namespace Sockscope {

class Connection;

/*
    The seam between a Connection and the wire. A transport sends and receives Engine.IO
    packets and says once when it is gone, with a reason ("transport close" or
    "transport error"). WebSocket is one; HTTP long-polling is another.

    It reports to its connection by direct calls, not signals: no connection objects per
    transport, no signal dispatch per packet. setConnection(nullptr) silences it.
*/
class Transport : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    virtual QString name() const = 0;
    virtual void send(const EngineIoPacket &packet) = 0;
    virtual void close() = 0;
    void setConnection(Connection *connection) { m_connection = connection; }

protected:
    // The connection may take the packet's data.
    void reportPacket(EngineIoPacket &&packet, qint64 wireBytes);
    void reportBytesWritten(qint64 bytes);
    void reportClosed(const QString &reason, const QString &detail);

private:
    Connection *m_connection = nullptr;
};

class WebSocketTransport : public Transport
{
    Q_OBJECT
public:
    // wire, when known, is the TCP (or TLS) socket the WebSocket runs on: the transport writes
    // its frames there itself (see send()). Without it, QWebSocket sends them.
    WebSocketTransport(QWebSocket *socket, QTcpSocket *wire, qint64 maxPayload,
                       QObject *parent = nullptr);
    ~WebSocketTransport() override;
    QString name() const override { return QStringLiteral("websocket"); }
    void send(const EngineIoPacket &packet) override;
    void close() override;
    QWebSocket *webSocket() const { return m_socket; }

private:
    void onText(const QString &message);
    void onBinary(const QByteArray &message);
    void onDisconnected();
    void sendThroughQWebSocket(const EngineIoPacket &packet);
    QPointer<QWebSocket> m_socket;
    QPointer<QTcpSocket> m_wire;
    qint64 m_maxPayload;
    bool m_closed = false;
};

} // namespace Sockscope
