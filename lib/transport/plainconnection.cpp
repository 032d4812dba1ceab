#include "plainconnection.h"

#include "serveroptions.h"

#include <QWebSocket>

using namespace Qt::StringLiterals;

namespace Sockscope {

QString WebSocketFrame::opcodeName(Opcode opcode)
{
    switch (opcode) {
    case Opcode::Text: return u"text"_s;
    case Opcode::Binary: return u"binary"_s;
    case Opcode::Continuation: return u"continuation"_s;
    case Opcode::Ping: return u"ping"_s;
    case Opcode::Pong: return u"pong"_s;
    case Opcode::Close: return u"close"_s;
    }
    return {};
}

PlainConnection::PlainConnection(const QString &id, QWebSocket *socket,
                                 const HandshakeRecord &handshake, qint64 maxPayload,
                                 qint64 maxBufferedBytes, QObject *parent)
    : QObject(parent)
    , m_id(id)
    , m_socket(socket)
    , m_handshake(handshake)
    , m_openedAt(QDateTime::currentDateTimeUtc())
    , m_maxBuffered(maxBufferedBytes)
{
    socket->setParent(this);
    const qint64 max = maxPayload;
    socket->setMaxAllowedIncomingMessageSize(quint64(max));
    socket->setMaxAllowedIncomingFrameSize(quint64(max));
    connect(socket, &QWebSocket::textFrameReceived, this, [this](const QString &f, bool last) {
        const QByteArray utf8 = f.toUtf8();
        frame(m_inTextMessage ? WebSocketFrame::Opcode::Continuation : WebSocketFrame::Opcode::Text,
              true, last, utf8);
        m_inTextMessage = !last;
        m_bytesIn += quint64(utf8.size());
    });
    connect(socket, &QWebSocket::binaryFrameReceived, this, [this](const QByteArray &f, bool last) {
        frame(m_inBinaryMessage ? WebSocketFrame::Opcode::Continuation
                                : WebSocketFrame::Opcode::Binary,
              true, last, f);
        m_inBinaryMessage = !last;
        m_bytesIn += quint64(f.size());
    });
    connect(socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
        ++m_messagesIn;
        Q_EMIT textMessageReceived(text);
    });
    connect(socket, &QWebSocket::binaryMessageReceived, this, [this](const QByteArray &data) {
        ++m_messagesIn;
        Q_EMIT binaryMessageReceived(data);
    });
    connect(socket, &QWebSocket::pong, this, [this](quint64, const QByteArray &payload) {
        frame(WebSocketFrame::Opcode::Pong, true, true, payload);
    });
    connect(socket, &QWebSocket::disconnected, this, &PlainConnection::onDisconnected);
}

PlainConnection::~PlainConnection()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

QString PlainConnection::subprotocol() const
{
    return m_socket ? m_socket->subprotocol() : QString();
}

QStringList PlainConnection::offeredSubprotocols() const
{
    QStringList out;
    for (const QByteArray &p : m_handshake.header("sec-websocket-protocol").split(',')) {
        const QString s = QString::fromUtf8(p.trimmed());
        if (!s.isEmpty())
            out.append(s);
    }
    return out;
}

void PlainConnection::frame(WebSocketFrame::Opcode opcode, bool incoming, bool fin,
                            const QByteArray &payload)
{
    WebSocketFrame f;
    f.opcode = opcode;
    f.incoming = incoming;
    f.fin = fin;
    f.length = payload.size();
    f.payload = payload.left(4096);
    f.time = QDateTime::currentDateTimeUtc();
    Q_EMIT frameReceived(f);
}

qint64 PlainConnection::bufferedBytes() const
{
    return m_closed || !m_socket ? 0 : m_socket->bytesToWrite();
}

bool PlainConnection::fitsBudget(qint64 bytes)
{
    if (m_maxBuffered <= 0
        || ServerOptions::fitsWriteBudget(m_maxBuffered, m_socket->bytesToWrite(), bytes))
        return true;
    // Dropped now, with what it has not read; reported from the event loop, so that a sender
    // looping over connections does not see them go in the middle of its loop.
    m_closed = true;
    m_slowConsumer = true;
    m_socket->disconnect(this);
    m_socket->abort();
    QMetaObject::invokeMethod(this, [this] { Q_EMIT closed(1008, u"slow consumer"_s); },
                              Qt::QueuedConnection);
    return false;
}

bool PlainConnection::sendText(const QString &text)
{
    if (m_closed || !m_socket)
        return false;
    const QByteArray utf8 = text.toUtf8();
    if (!fitsBudget(utf8.size()))
        return false;
    m_socket->sendTextMessage(text);
    ++m_messagesOut;
    m_bytesOut += quint64(utf8.size());
    frame(WebSocketFrame::Opcode::Text, false, true, utf8);
    Q_EMIT messageSent(utf8, false);
    return true;
}

bool PlainConnection::sendBinary(const QByteArray &data)
{
    if (m_closed || !m_socket || !fitsBudget(data.size()))
        return false;
    m_socket->sendBinaryMessage(data);
    ++m_messagesOut;
    m_bytesOut += quint64(data.size());
    frame(WebSocketFrame::Opcode::Binary, false, true, data);
    Q_EMIT messageSent(data, true);
    return true;
}

void PlainConnection::ping(const QByteArray &payload)
{
    if (m_closed || !m_socket)
        return;
    m_socket->ping(payload.left(125));
    frame(WebSocketFrame::Opcode::Ping, false, true, payload.left(125));
}

void PlainConnection::close(int code, const QString &reason)
{
    if (m_closed || !m_socket || m_closeSent)
        return;
    m_closeSent = true;
    WebSocketFrame f;
    f.opcode = WebSocketFrame::Opcode::Close;
    f.incoming = false;
    f.closeCode = code;
    f.closeReason = reason;
    f.time = QDateTime::currentDateTimeUtc();
    Q_EMIT frameReceived(f);
    m_socket->close(QWebSocketProtocol::CloseCode(code), reason);
}

void PlainConnection::onDisconnected()
{
    if (m_closed)
        return;
    m_closed = true;
    const int code = int(m_socket->closeCode());
    const QString reason = m_socket->closeReason();
    if (!m_closeSent) {
        WebSocketFrame f;
        f.opcode = WebSocketFrame::Opcode::Close;
        f.incoming = true;
        f.closeCode = code;
        f.closeReason = reason;
        f.time = QDateTime::currentDateTimeUtc();
        Q_EMIT frameReceived(f);
    }
    Q_EMIT closed(code, reason);
}

} // namespace Sockscope
