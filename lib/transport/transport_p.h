// Sockscope: transports of an Engine.IO connection. Not public API.
#pragma once

#include "engineiopacket.h"
#include "reasons.h"
#include "transportlistener.h"
#include "websocketframing.h"

#include <QBasicTimer>
#include <QObject>
#include <QPointer>
#include <QTcpSocket>

namespace Sockscope {

class RecordingSocket;

/*
    The seam between a Connection and the wire. A transport sends and receives Engine.IO
    packets and says once when it is gone, with a cause (TransportCloseCause: "transport
    close", "transport error" or "parse error"). WebSocket is one; HTTP long-polling is another.

    It reports to its connection (a TransportListener) by direct calls, not signals: no
    connection objects per transport, no signal dispatch per packet. setConnection(nullptr)
    silences it.
*/
class Transport : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    virtual TransportType type() const = 0;
    QString name() const { return toString(type()); }
    virtual void send(const EngineIoPacket &packet) = 0;
    virtual void close() = 0;
    // Bytes sent that the kernel has not taken yet: the write budget's measure
    // (ServerOptions::maxBufferedBytes).
    virtual qint64 bufferedBytes() const = 0;
    // Ends the transport at once, dropping what the client has not taken, and reports nothing
    // (a slow consumer: a close packet would wait behind the bytes it does not read).
    virtual void abort() = 0;
    void setConnection(TransportListener *connection) { m_connection = connection; }

protected:
    // The connection may take the packet's data.
    void reportPacket(EngineIoPacket &&packet, qint64 wireBytes);
    void reportBytesWritten(qint64 bytes);
    void reportClosed(TransportCloseCause cause, const QString &detail);
    // A message over maxPayload was refused (counted in the server's stats); reportClosed
    // follows.
    void reportOversized();

private:
    TransportListener *m_connection = nullptr;
};

/*
    Engine.IO over WebSocket, on a TCP (or TLS) socket whose upgrade has been answered (the
    101 written): frames are read and written here, on the socket itself (see
    websocketframing.h for what is checked). Each text message is one Engine.IO packet, its
    type digit first; each binary message is one binary packet. Pings are answered with
    pongs; a close frame is answered and ends the transport; a bad frame closes it with the
    RFC's code for the fault ("transport error").

    QWebSocket is not used on this path: it would take each message's UTF-8 to a QString and
    the server back to UTF-8, with a signal and several allocations per message, where here a
    message is one array, unmasked straight out of the bytes read.
*/
class WebSocketTransport : public Transport
{
    Q_OBJECT
public:
    // Takes the socket (it becomes a child of the transport). Bytes already read past the
    // request head are the client's first frames. With a write budget (maxBufferedBytes > 0),
    // reading pauses while more than half of it waits to be written to the client: a client
    // that sends requests faster than it reads the answers is slowed down (TCP's own flow
    // control holds it back), not dropped as a slow consumer.
    WebSocketTransport(QTcpSocket *socket, qint64 maxPayload, qint64 maxBufferedBytes = 0,
                       QObject *parent = nullptr);
    ~WebSocketTransport() override;
    TransportType type() const override { return TransportType::WebSocket; }
    void send(const EngineIoPacket &packet) override;
    qint64 bufferedBytes() const override;
    void abort() override;
    // Sends a close frame (1000), then the socket waits a moment for the client's own close
    // frame before it ends the TCP connection; it outlives the transport for that.
    void close() override;

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    void onReadyRead();
    void onDisconnected();
    // Returns false once the transport is closed (nothing more may be read).
    bool handle(WebSocketFraming::ClientFrameReader::Message &&message);
    void sendFrame(WebSocketFraming::Opcode opcode, QByteArrayView payload);
    void closeWith(quint16 code, const QByteArray &reason);
    void retire(bool waitForClient);
    bool isWriteBacklogged() const;
    void pauseReading();
    void resumeReadingWhenDrained();

    QPointer<QTcpSocket> m_wire;
    QPointer<QObject> m_home; // the socket's parent before the transport took it
    RecordingSocket *m_recording = nullptr; // m_wire, when it is the front's plain TCP socket
    WebSocketFraming::ClientFrameReader m_reader;
    QByteArray m_held; // the start of a frame not yet complete
    QByteArray m_buffer; // what onReadyRead is parsing, and how far it is
    qsizetype m_pos = 0;
    bool m_reading = false;
    qint64 m_maxPayload;
    qint64 m_pauseAbove = 0; // bytes waiting to be written; 0: reading never pauses
    bool m_paused = false;
    QBasicTimer m_resumeTimer;
    bool m_closed = false;
};

} // namespace Sockscope
