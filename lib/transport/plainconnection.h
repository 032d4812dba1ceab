// Sockscope: a plain WebSocket client (no Socket.IO), served on the plain path.
#pragma once

#include "handshakerecord.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QMetaType>
#include <QObject>
#include <QPointer>

QT_BEGIN_NAMESPACE
class QWebSocket;
QT_END_NAMESPACE

namespace Sockscope {

// One WebSocket frame as it arrived or left, for a frame-by-frame view.
struct WebSocketFrame
{
    enum class Opcode { Text, Binary, Continuation, Ping, Pong, Close };
    Opcode opcode = Opcode::Text;
    bool incoming = true;
    bool fin = true; // last frame of its message
    qint64 length = 0; // payload bytes
    QByteArray payload; // the first 4 KiB of it
    int closeCode = 0; // Close frames
    QString closeReason;
    QDateTime time;

    static QString opcodeName(Opcode opcode);
};

/*
    A browser's bare `new WebSocket('ws://host:port/ws')`: no Engine.IO, no Socket.IO, just
    messages. The server keeps one of these per client on the plain path and reports its
    messages, frames and close like any other connection.
*/
class PlainConnection : public QObject
{
    Q_OBJECT
public:
    ~PlainConnection() override;

    QString id() const { return m_id; }
    const HandshakeRecord &handshake() const { return m_handshake; }
    QHostAddress remoteAddress() const { return m_handshake.remoteAddress; }
    quint16 remotePort() const { return m_handshake.remotePort; }
    QString subprotocol() const; // accepted, empty if none
    QStringList offeredSubprotocols() const;
    QDateTime openedAt() const { return m_openedAt; }
    bool isOpen() const { return !m_closed; }
    quint64 messagesReceived() const { return m_messagesIn; }
    quint64 messagesSent() const { return m_messagesOut; }
    quint64 bytesReceived() const { return m_bytesIn; }
    quint64 bytesSent() const { return m_bytesOut; }
    // Bytes sent that the kernel has not taken yet. A message that would take them over the
    // server's maxBufferedBytes is not sent: the TCP connection is dropped at once (a close
    // frame would wait behind the bytes the client does not read) and closed() reports 1008
    // "slow consumer".
    qint64 bufferedBytes() const;
    bool isSlowConsumer() const { return m_slowConsumer; }

    bool sendText(const QString &text);
    bool sendBinary(const QByteArray &data);
    void ping(const QByteArray &payload = {});
    void close(int code = 1000, const QString &reason = {});

Q_SIGNALS:
    void textMessageReceived(const QString &text);
    void binaryMessageReceived(const QByteArray &data);
    void frameReceived(const Sockscope::WebSocketFrame &frame); // incoming and outgoing
    // A message sent with sendText() (as UTF-8) or sendBinary().
    void messageSent(const QByteArray &data, bool binary);
    void closed(int code, const QString &reason);

public:
    // Made by the server for each plain client it accepts (the socket becomes a child).
    PlainConnection(const QString &id, QWebSocket *socket, const HandshakeRecord &handshake,
                    qint64 maxPayload, qint64 maxBufferedBytes, QObject *parent);

private:
    void frame(WebSocketFrame::Opcode opcode, bool incoming, bool fin, const QByteArray &payload);
    void onDisconnected();
    bool fitsBudget(qint64 bytes);

    QString m_id;
    QPointer<QWebSocket> m_socket;
    HandshakeRecord m_handshake;
    QDateTime m_openedAt;
    bool m_inTextMessage = false;
    bool m_inBinaryMessage = false;
    bool m_closed = false;
    bool m_closeSent = false;
    bool m_slowConsumer = false;
    qint64 m_maxBuffered = 0;
    quint64 m_messagesIn = 0;
    quint64 m_messagesOut = 0;
    quint64 m_bytesIn = 0;
    quint64 m_bytesOut = 0;
};

} // namespace Sockscope

Q_DECLARE_METATYPE(Sockscope::WebSocketFrame)
