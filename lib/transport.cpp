#include "transport_p.h"

#include <QLoggingCategory>

using namespace Qt::StringLiterals;

namespace Sockscope {

WebSocketTransport::WebSocketTransport(QWebSocket *socket, qint64 maxPayload, QObject *parent)
    : Transport(parent), m_socket(socket), m_maxPayload(maxPayload)
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
    qint64 n;
    if (packet.isBinary()) {
        n = m_socket->sendBinaryMessage(packet.data());
    } else {
        n = m_socket->sendTextMessage(QString::fromUtf8(packet.encodeText()));
    }
    if (n > 0)
        Q_EMIT bytesWritten(n);
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
    const QByteArray utf8 = message.toUtf8();
    EngineIoPacket packet;
    const EngineIoPacket::Error e = EngineIoPacket::decodeText(utf8, &packet);
    if (e != EngineIoPacket::Error::None) {
        m_closed = true;
        m_socket->disconnect(this);
        m_socket->close(QWebSocketProtocol::CloseCodeProtocolError);
        Q_EMIT closed(u"parse error"_s, EngineIoPacket::errorString(e));
        return;
    }
    Q_EMIT packetReceived(packet, utf8.size());
}

void WebSocketTransport::onBinary(const QByteArray &message)
{
    Q_EMIT packetReceived(EngineIoPacket::binaryMessage(message), message.size());
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
    Q_EMIT closed(reason, detail);
}

} // namespace Sockscope
