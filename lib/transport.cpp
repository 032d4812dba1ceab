#include "transport_p.h"

#include "connection.h"
#include "websocketframing.h"

#include <QLoggingCategory>
#include <QStringDecoder>

using namespace Qt::StringLiterals;

namespace Sockscope {

void Transport::reportPacket(EngineIoPacket &&packet, qint64 wireBytes)
{
    if (m_connection)
        m_connection->transportPacket(this, std::move(packet), wireBytes);
}

void Transport::reportBytesWritten(qint64 bytes)
{
    if (m_connection)
        m_connection->transportBytesWritten(bytes);
}

void Transport::reportClosed(const QString &reason, const QString &detail)
{
    if (m_connection)
        m_connection->transportClosed(this, reason, detail);
}

WebSocketTransport::WebSocketTransport(QWebSocket *socket, QTcpSocket *wire, qint64 maxPayload,
                                       QObject *parent)
    : Transport(parent), m_socket(socket), m_wire(wire), m_maxPayload(maxPayload)
{
    socket->setParent(this);
    socket->setMaxAllowedIncomingMessageSize(quint64(maxPayload));
    socket->setMaxAllowedIncomingFrameSize(quint64(maxPayload));
    connect(socket, &QWebSocket::textMessageReceived, this, &WebSocketTransport::onText);
    connect(socket, &QWebSocket::binaryMessageReceived, this, &WebSocketTransport::onBinary);
    connect(socket, &QWebSocket::disconnected, this, &WebSocketTransport::onDisconnected);
}

WebSocketTransport::~WebSocketTransport()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

void WebSocketTransport::send(const EngineIoPacket &packet)
{
    if (m_closed || !m_socket)
        return;
    if (!m_wire || m_socket->state() != QAbstractSocket::ConnectedState) {
        sendThroughQWebSocket(packet);
        return;
    }
    // The frame is written here: QWebSocket's text API would take the packet's UTF-8 bytes to
    // a QString and back, and copy them into a frame of its own. A server's frame is a short
    // header and the payload as it is (never masked); QWebSocket writes its own frames (pongs,
    // the closing handshake) whole to the same socket, so frames never interleave.
    using namespace WebSocketFraming;
    const QByteArray &data = packet.data();
    char head[MaxServerHeaderSize + 1];
    int n;
    if (packet.isBinary()) {
        n = writeServerHeader(head, Opcode::Binary, quint64(data.size()));
    } else {
        n = writeServerHeader(head, Opcode::Text, quint64(data.size()) + 1);
        head[n++] = char('0' + int(packet.type()));
    }
    // Counted as the other paths count: the Engine.IO packet, not the frame's header.
    if (m_wire->write(head, n) == n && m_wire->write(data) == data.size())
        reportBytesWritten(data.size() + (packet.isBinary() ? 0 : 1));
}

void WebSocketTransport::sendThroughQWebSocket(const EngineIoPacket &packet)
{
    qint64 n;
    if (packet.isBinary()) {
        n = m_socket->sendBinaryMessage(packet.data());
    } else {
        // QWebSocket takes text as a QString. A broadcast hands every recipient the same
        // bytes: convert them once per thread, not once per recipient.
        thread_local QByteArray lastData;
        thread_local EngineIoPacket::Type lastType = EngineIoPacket::Type::Noop;
        thread_local QString lastText;
        const QByteArray &data = packet.data();
        if (!data.isSharedWith(lastData) || packet.type() != lastType || data.isEmpty()) {
            QString text(data.size() + 1, Qt::Uninitialized); // UTF-16 units <= UTF-8 bytes
            QChar *out = text.data();
            *out++ = QLatin1Char(char('0' + int(packet.type())));
            QStringDecoder utf8(QStringDecoder::Utf8);
            out = utf8.appendToBuffer(out, data);
            text.truncate(out - text.constData());
            lastData = data;
            lastType = packet.type();
            lastText = std::move(text);
        }
        n = m_socket->sendTextMessage(lastText);
    }
    if (n > 0)
        reportBytesWritten(n);
}

void WebSocketTransport::close()
{
    if (m_closed || !m_socket)
        return;
    m_closed = true;
    m_socket->disconnect(this);
    m_socket->close(QWebSocketProtocol::CloseCodeNormal);
}

void WebSocketTransport::onText(const QString &message)
{
    // The type digit, then the data converted to UTF-8 once, without the digit.
    const QChar c = message.isEmpty() ? QChar() : message.front();
    if (c >= u'0' && c <= u'6') {
        // The arguments keep this array (the event log holds it for a row's life), so it
        // should not be larger than its bytes: toUtf8() allocates three per character, and
        // keeps them. ASCII, the usual case, converts 1:1 into an array of the right size.
        const QStringView text = QStringView(message).sliced(1);
        QByteArray data = QtPrivate::isAscii(text) ? text.toLatin1() : text.toUtf8();
        if (data.capacity() - data.size() > 64)
            data.squeeze();
        const qint64 wireBytes = data.size() + 1;
        reportPacket(EngineIoPacket(EngineIoPacket::Type(c.unicode() - u'0'), std::move(data)),
                     wireBytes);
        return;
    }
    const QByteArray utf8 = message.toUtf8();
    EngineIoPacket packet;
    const EngineIoPacket::Error e = EngineIoPacket::decodeText(utf8, &packet);
    if (e != EngineIoPacket::Error::None) {
        m_closed = true;
        m_socket->disconnect(this);
        m_socket->close(QWebSocketProtocol::CloseCodeProtocolError);
        reportClosed(u"parse error"_s, EngineIoPacket::errorString(e));
        return;
    }
    reportPacket(std::move(packet), utf8.size());
}

void WebSocketTransport::onBinary(const QByteArray &message)
{
    reportPacket(EngineIoPacket::binaryMessage(message), message.size());
}

void WebSocketTransport::onDisconnected()
{
    if (m_closed)
        return;
    m_closed = true;
    const auto code = m_socket->closeCode();
    QString reason = u"transport close"_s;
    QString detail;
    if (code == QWebSocketProtocol::CloseCodeTooMuchData) {
        reason = u"transport error"_s;
        detail = u"message larger than maxPayload (%1 bytes)"_s.arg(m_maxPayload);
    } else if (code != QWebSocketProtocol::CloseCodeNormal
               && code != QWebSocketProtocol::CloseCodeGoingAway
               && code != QWebSocketProtocol::CloseCodeMissingStatusCode) {
        if (code == QWebSocketProtocol::CloseCodeProtocolError
            || code == QWebSocketProtocol::CloseCodeWrongDatatype) {
            reason = u"transport error"_s;
        }
        detail = u"close code %1 %2"_s.arg(int(code)).arg(m_socket->closeReason());
    }
    reportClosed(reason, detail);
}

} // namespace Sockscope
