#include "transport_p.h"

#include "httpfront_p.h"
#include "websocketframing.h"

#include <QLoggingCategory>
#include <QTimer>
#include <QTimerEvent>

#include <memory>
#include <utility>

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

void Transport::reportOversized()
{
    if (m_connection)
        m_connection->transportOversized();
}

void Transport::reportClosed(TransportCloseCause cause, const QString &detail)
{
    if (m_connection)
        m_connection->transportClosed(this, cause, detail);
}

using namespace WebSocketFraming;

namespace {

// What a retired socket still reads after the server's close frame, up to the client's
// answer: the transport's reader (a fragmented message may be under way) and the bytes not
// yet parsed.
struct Retired
{
    ClientFrameReader reader;
    QByteArray held;
};

// How long a closed transport's socket waits for the client's close frame.
constexpr int CloseWaitMs = 2000;

} // namespace

WebSocketTransport::WebSocketTransport(QTcpSocket *socket, qint64 maxPayload,
                                       qint64 maxBufferedBytes, QObject *parent)
    : Transport(parent)
    , m_wire(socket)
    , m_home(socket->parent())
    , m_recording(dynamic_cast<RecordingSocket *>(socket))
    , m_reader(maxPayload)
    , m_maxPayload(maxPayload)
    , m_pauseAbove(maxBufferedBytes > 0 ? maxBufferedBytes / 2 : 0)
{
    socket->setParent(this);
    connect(socket, &QIODevice::readyRead, this, &WebSocketTransport::onReadyRead);
    connect(socket, &QAbstractSocket::disconnected, this, &WebSocketTransport::onDisconnected);
    // Frames that came with the request head, or before the connection was bound: read them
    // once the caller has wired the transport up.
    if (socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &WebSocketTransport::onReadyRead, Qt::QueuedConnection);
}

WebSocketTransport::~WebSocketTransport()
{
    if (m_wire) {
        m_wire->disconnect(this);
        m_wire->abort(); // deleted with this, its parent
    }
}

void WebSocketTransport::send(const EngineIoPacket &packet)
{
    if (m_closed || !m_wire || m_wire->state() != QAbstractSocket::ConnectedState)
        return;
    // A server's frame is a short header and the payload as it is (never masked); the type
    // digit of a text packet goes with the header, so the packet's bytes are written as they
    // are, shared by every recipient of a broadcast.
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
    const qint64 counted = data.size() + (packet.isBinary() ? 0 : 1);
    if (m_recording) {
        m_recording->writeFrame(QByteArrayView(head, n), data);
        reportBytesWritten(counted);
    } else if (m_wire->write(head, n) == n && m_wire->write(data) == data.size()) {
        reportBytesWritten(counted);
    }
}

qint64 WebSocketTransport::bufferedBytes() const
{
    return !m_closed && m_wire ? m_wire->bytesToWrite() : 0;
}

void WebSocketTransport::abort()
{
    m_closed = true;
    if (m_wire) {
        m_wire->disconnect(this);
        m_wire->abort(); // what it has not read is dropped with Qt's buffer and ours
    }
}

void WebSocketTransport::sendFrame(Opcode opcode, QByteArrayView payload)
{
    // Control frames only (pongs and closes): rare, so one small array each is fine.
    if (m_wire && m_wire->state() == QAbstractSocket::ConnectedState)
        m_wire->write(serverFrame(opcode, payload));
}

void WebSocketTransport::close()
{
    if (m_closed || !m_wire)
        return;
    m_closed = true;
    sendFrame(Opcode::Close, closePayload(CloseCode::Normal, {}));
    retire(true);
}

void WebSocketTransport::closeWith(quint16 code, const QByteArray &reason)
{
    m_closed = true;
    sendFrame(Opcode::Close, closePayload(code, reason));
    retire(false); // the fault is the client's: no wait for its answer
}

void WebSocketTransport::retire(bool waitForClient)
{
    // The socket leaves the transport (which its connection may delete at once) for the
    // parent it came with, and ends the TCP connection gracefully: at once, or once the
    // client has answered the close frame (or ended the connection itself), waiting at most
    // CloseWaitMs. It is gone once the connection is; CloseWaitMs after a graceful end that
    // does not come (a client that reads nothing), it is aborted.
    QTcpSocket *wire = m_wire;
    if (!wire)
        return;
    m_wire = nullptr;
    wire->disconnect(this);
    wire->setReadBufferSize(0); // reading may have been paused
    wire->setParent(m_home);
    QObject::connect(wire, &QAbstractSocket::disconnected, wire, &QObject::deleteLater);
    if (wire->state() != QAbstractSocket::ConnectedState) {
        wire->deleteLater();
        return;
    }
    const auto finish = [wire] {
        if (wire->state() == QAbstractSocket::ConnectedState)
            wire->disconnectFromHost();
        if (wire->state() != QAbstractSocket::UnconnectedState) {
            QTimer::singleShot(CloseWaitMs, wire, [wire] {
                wire->abort();
                wire->deleteLater();
            });
        }
    };
    if (!waitForClient) {
        finish();
        return;
    }
    // Closed from a handler while frames were being read: what follows the frame handled is
    // still to be read (the client's close frame may be among it).
    QByteArray rest = m_reading ? m_buffer.sliced(m_pos) : std::exchange(m_held, QByteArray());
    auto state = std::make_shared<Retired>(Retired { std::move(m_reader), std::move(rest) });
    const auto drain = [wire, state, finish] {
        if (wire->state() != QAbstractSocket::ConnectedState)
            return;
        state->held.append(wire->readAll());
        qsizetype pos = 0;
        ClientFrameReader::Message m;
        for (;;) {
            const auto status = state->reader.read(state->held, &pos, &m);
            if (status == ClientFrameReader::Status::NeedMore)
                break;
            if (status == ClientFrameReader::Status::Error || m.opcode == Opcode::Close) {
                state->held = QByteArray();
                finish();
                return;
            }
        }
        state->held.remove(0, pos); // what is left is the start of a frame
    };
    QObject::connect(wire, &QIODevice::readyRead, wire, drain);
    QTimer::singleShot(CloseWaitMs, wire, finish);
    if (wire->bytesAvailable() > 0 || !state->held.isEmpty())
        QMetaObject::invokeMethod(wire, drain, Qt::QueuedConnection);
}

void WebSocketTransport::onReadyRead()
{
    // A handler that runs an event loop (from the call queued by the constructor, which no
    // readyRead guard covers) must not read ahead of the frames still being handled: the
    // outer call reads on once it returns.
    if (m_reading)
        return;
    // Bytes are read into a buffer kept per thread and parsed in place; a connection keeps
    // only the start of a frame not yet complete (an idle one keeps nothing). The buffer is
    // taken while in use, so that a handler running an event loop leaves other transports
    // their own.
    thread_local QByteArray spare;
    constexpr qint64 Chunk = 64 * 1024;
    QPointer<WebSocketTransport> alive(this);
    m_reading = true;
    while (!m_closed && m_wire && m_wire->bytesAvailable() > 0) {
        if (isWriteBacklogged()) {
            pauseReading();
            break;
        }
        const qint64 want = qMin(m_wire->bytesAvailable(), Chunk);
        m_buffer = std::exchange(m_held.isEmpty() ? spare : m_held, QByteArray());
        const qsizetype old = m_buffer.size();
        m_buffer.resize(old + qsizetype(want));
        const qint64 got = m_wire->read(m_buffer.data() + old, want);
        m_buffer.resize(old + qsizetype(qMax<qint64>(got, 0)));
        m_pos = 0;
        for (;;) {
            ClientFrameReader::Message message;
            const auto status = m_reader.read(m_buffer, &m_pos, &message);
            if (status == ClientFrameReader::Status::NeedMore)
                break;
            if (status == ClientFrameReader::Status::Error) {
                const quint16 code = m_reader.errorCode();
                const QString why = m_reader.errorString();
                m_reading = false;
                m_buffer = QByteArray();
                closeWith(code, why.toUtf8());
                if (code == CloseCode::TooBig)
                    reportOversized();
                reportClosed(TransportCloseCause::Error,
                             code == CloseCode::TooBig
                                     ? u"message larger than maxPayload (%1 bytes)"_s.arg(m_maxPayload)
                                     : u"WebSocket close %1: %2"_s.arg(code).arg(why));
                return;
            }
            if (!handle(std::move(message))) {
                if (alive) {
                    m_reading = false;
                    m_buffer = QByteArray();
                }
                return;
            }
        }
        m_buffer.remove(0, m_pos); // O(1) for an unshared array: Qt moves its start
        if (!m_buffer.isEmpty()) {
            // The start of a frame, kept for the next read; copied out of a much larger
            // array, which a client could otherwise pin with one large message and a byte.
            if (m_buffer.capacity() > 4 * m_buffer.size() + 4096)
                m_held = QByteArray(m_buffer.constData(), m_buffer.size());
            else
                m_held = std::move(m_buffer);
        }
        if (!m_buffer.isNull() && m_buffer.capacity() <= 4 * Chunk && spare.isNull()) {
            m_buffer.resize(0); // resize keeps the capacity
            spare = std::move(m_buffer);
        }
        m_buffer = QByteArray();
    }
    m_reading = false;
}

bool WebSocketTransport::isWriteBacklogged() const
{
    return m_pauseAbove > 0 && m_wire->bytesToWrite() > m_pauseAbove;
}

void WebSocketTransport::pauseReading()
{
    if (m_paused)
        return;
    m_paused = true;
    // Qt stops reading from the kernel (its buffer holds a byte or more): the client's bytes
    // wait in the kernel, and TCP holds the client back.
    m_wire->setReadBufferSize(1);
    connect(m_wire, &QIODevice::bytesWritten, this, &WebSocketTransport::resumeReadingWhenDrained,
            Qt::UniqueConnection);
    m_resumeTimer.start(0, this);
}

void WebSocketTransport::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_resumeTimer.timerId()) {
        m_resumeTimer.stop();
        resumeReadingWhenDrained();
    } else {
        Transport::timerEvent(event);
    }
}

void WebSocketTransport::resumeReadingWhenDrained()
{
    if (!m_paused || m_closed || !m_wire)
        return;
    if (m_wire->bytesToWrite() > m_pauseAbove / 2) {
        // Qt's buffer says when it writes (bytesWritten); bytes sent straight to the kernel
        // do not, so look again a little later too.
        if (!m_resumeTimer.isActive())
            m_resumeTimer.start(10, this);
        return;
    }
    m_paused = false;
    m_resumeTimer.stop();
    disconnect(m_wire, &QIODevice::bytesWritten, this,
               &WebSocketTransport::resumeReadingWhenDrained);
    m_wire->setReadBufferSize(0);
    if (m_wire->bytesAvailable() > 0)
        onReadyRead();
}

bool WebSocketTransport::handle(ClientFrameReader::Message &&message)
{
    // A handler may close the transport, or delete it with its connection (or its server).
    QPointer<WebSocketTransport> self(this);
    switch (message.opcode) {
    case Opcode::Text: {
        QByteArray &data = message.payload;
        const char c = data.isEmpty() ? '\0' : data.front();
        if (c >= '0' && c <= '6') {
            const qint64 wireBytes = data.size();
            data.remove(0, 1); // O(1): Qt moves the start of an unshared array
            reportPacket(EngineIoPacket(EngineIoPacket::Type(c - '0'), std::move(data)), wireBytes);
            return self && !m_closed;
        }
        EngineIoPacket packet;
        const EngineIoPacket::Error e = EngineIoPacket::decodeText(data, &packet);
        if (e != EngineIoPacket::Error::None) {
            closeWith(CloseCode::ProtocolError, "not an Engine.IO packet");
            reportClosed(TransportCloseCause::ParseError, EngineIoPacket::errorString(e));
            return false;
        }
        reportPacket(std::move(packet), data.size());
        return self && !m_closed;
    }
    case Opcode::Binary: {
        const qint64 wireBytes = message.payload.size();
        reportPacket(EngineIoPacket::binaryMessage(std::move(message.payload)), wireBytes);
        return self && !m_closed;
    }
    case Opcode::Ping:
        sendFrame(Opcode::Pong, message.payload);
        return true;
    case Opcode::Pong:
        return true; // unasked, or an answer to nothing we sent: ignored, as RFC 6455 allows
    case Opcode::Close: {
        quint16 code = CloseCode::NoStatus;
        quint16 error = 0;
        QByteArray reason;
        parseClosePayload(message.payload, &code, &reason, &error); // checked by the reader
        m_closed = true;
        // Answered with the same code (none if it sent none), then the TCP connection ends.
        sendFrame(Opcode::Close, code == CloseCode::NoStatus ? QByteArray()
                                                             : closePayload(code, {}));
        retire(false);
        // A client's own fault is a transport error; an ordinary goodbye is said without a
        // detail; any other code is reported with its reason.
        const bool fault = code == CloseCode::ProtocolError || code == CloseCode::InvalidPayload;
        const bool ordinary = code == CloseCode::Normal || code == CloseCode::GoingAway
                || code == CloseCode::NoStatus;
        reportClosed(fault ? TransportCloseCause::Error : TransportCloseCause::Closed,
                     ordinary ? QString()
                              : u"close code %1 %2"_s.arg(code).arg(QString::fromUtf8(reason)).trimmed());
        return false;
    }
    case Opcode::Continuation:
        break; // never a whole message
    }
    return true;
}

void WebSocketTransport::onDisconnected()
{
    if (m_closed)
        return;
    m_closed = true;
    reportClosed(TransportCloseCause::Closed, QString());
}

} // namespace Sockscope
