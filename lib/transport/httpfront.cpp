#include "httpfront_p.h"

#include "directwriter_p.h"
#include "httprequest.h"
#include "serveroptions.h"

#include <QTimer>

#include <algorithm>
#include <vector>
#include <utility>

using namespace Qt::StringLiterals;

namespace Sockscope {

void Recording::record(const char *data, qint64 len)
{
    if (m_complete)
        return;
    const qsizetype before = m_head.size();
    m_head.append(data, qsizetype(len));
    const qsizetype end = m_head.indexOf("\r\n\r\n", qMax<qsizetype>(0, before - 3));
    if (end >= 0) {
        m_head.truncate(end + 4);
        m_head.squeeze(); // kept for the connection's lifetime: no spare capacity
        m_complete = true;
        if (onResponseHead) {
            onResponseHead(m_head);
            onResponseHead = nullptr; // called once: free what it holds
        }
    } else if (m_head.size() > 65536) {
        m_complete = true; // not HTTP; stop copying
        m_head.clear();
    }
}

RecordingSocket::RecordingSocket(HttpFront *front)
    : RecordingSocketT<QTcpSocket>(front), m_front(DirectWriter::isEnabled() ? front : nullptr)
{
}

RecordingSocket::~RecordingSocket()
{
    if (m_queued && m_front)
        m_front->forgetSend(this);
}

qint64 RecordingSocket::bytesToWrite() const
{
    return m_pending.size() + m_overflowBytes + QTcpSocket::bytesToWrite();
}

void RecordingSocket::disconnectFromHost()
{
    // Closed already: close() below dealt with what was gathered.
    if (isOpen()) {
        sendPending();
        refill(true);
    }
    QTcpSocket::disconnectFromHost();
}

void RecordingSocket::close()
{
    // abort() drops the write channel before it calls close(): then nothing gathered may go
    // out (and Qt's buffer is gone, so nothing may be handed to it either).
    if (isOpen() && writeChannelCount() > 0) {
        sendPending();
        refill(true);
    } else {
        m_pending = QByteArray();
        m_overflow = QList<QByteArray>();
        m_overflowFirst = 0;
        m_overflowBytes = 0;
    }
    QTcpSocket::close();
}

void RecordingSocket::writeFrame(QByteArrayView head, const QByteArray &payload)
{
    if (m_overflowBytes == 0 && QTcpSocket::bytesToWrite() < OverflowAfter) {
        write(head.data(), head.size());
        write(payload);
        return;
    }
    if (state() != ConnectedState)
        return;
    overflow(head.toByteArray());
    overflow(payload);
}

void RecordingSocket::overflow(QByteArray bytes)
{
    if (bytes.isEmpty())
        return;
    if (!m_refillConnected) {
        // Made on the first overflow only: most sockets never need it.
        m_refillConnected = true;
        QObject::connect(this, &QIODevice::bytesWritten, this, [this] { refill(); });
    }
    m_overflowBytes += bytes.size();
    m_overflow.append(std::move(bytes));
}

void RecordingSocket::refill(bool all)
{
    while (m_overflowFirst < m_overflow.size()
           && (all || QTcpSocket::bytesToWrite() < OverflowAfter)) {
        QByteArray bytes = std::exchange(m_overflow[m_overflowFirst++], QByteArray());
        m_overflowBytes -= bytes.size();
        DirectWriter::countToQt(bytes.size());
        QTcpSocket::writeData(bytes.constData(), bytes.size());
    }
    if (m_overflowFirst == m_overflow.size()) {
        m_overflow.clear(); // keeps the capacity for the next burst
        m_overflowFirst = 0;
    } else if (m_overflowFirst > 1024 && m_overflowFirst * 2 > m_overflow.size()) {
        m_overflow.remove(0, m_overflowFirst);
        m_overflowFirst = 0;
    }
}

qint64 RecordingSocket::writeData(const char *data, qint64 len)
{
    if (m_overflowBytes > 0 && state() == ConnectedState) {
        // Behind the frames waiting (a control frame, or a frame by another path).
        overflow(QByteArray(data, qsizetype(len)));
        return len;
    }
    // Qt's own path where there is no direct send, behind Qt's buffer while it holds anything,
    // and wherever Qt must report the error.
    if (!m_front || state() != ConnectedState || QTcpSocket::bytesToWrite() > 0) {
        DirectWriter::countToQt(len);
        return RecordingSocketT<QTcpSocket>::writeData(data, len);
    }
    record(data, len);
    // Room for a pass's worth of small writes at once (a frame's header, then its payload,
    // and often several frames): the array lives until the pass's send.
    if (m_pending.isNull())
        m_pending.reserve(qMax(qsizetype(len), qsizetype(2048)));
    m_pending.append(data, qsizetype(len));
    if (!m_queued) {
        m_queued = true;
        m_front->queueSend(this);
    }
    return len;
}

void RecordingSocket::sendPending()
{
    if (m_pending.isEmpty())
        return;
    const QByteArray bytes = std::exchange(m_pending, QByteArray()); // releases the array
    const qintptr fd = socketDescriptor();
    if (state() != ConnectedState || fd < 0 || writeChannelCount() == 0)
        return; // aborted or closed meanwhile: as Qt drops its buffer then
    const qsizetype sent = DirectWriter::send(fd, bytes);
    if (sent < bytes.size()) { // not recorded again: record() saw these bytes
        DirectWriter::countToQt(bytes.size() - sent);
        QTcpSocket::writeData(bytes.constData() + sent, bytes.size() - sent);
    }
}

HttpFront::HttpFront(Handler *handler, QObject *parent) : QTcpServer(parent), m_handler(handler) { }

void HttpFront::queueSend(RecordingSocket *socket)
{
    m_sendQueue.push_back(socket);
    if (!m_sendPosted) {
        m_sendPosted = true;
        QMetaObject::invokeMethod(this, &HttpFront::sendQueued, Qt::QueuedConnection);
    }
}

void HttpFront::forgetSend(RecordingSocket *socket)
{
    m_sendQueue.erase(std::remove(m_sendQueue.begin(), m_sendQueue.end(), socket), m_sendQueue.end());
    std::replace(m_sending.begin(), m_sending.end(), socket, static_cast<RecordingSocket *>(nullptr));
}

void HttpFront::sendQueued()
{
    m_sendPosted = false;
    m_sending.swap(m_sendQueue); // both keep their capacity: no allocation per pass
    for (RecordingSocket *socket : m_sending) {
        if (socket)
            socket->sendFromQueue();
    }
    m_sending.clear();
}

void HttpFront::incomingConnection(qintptr descriptor)
{
    const QSslConfiguration tls = m_handler->options().tls;
    if (tls.isNull()) {
        auto *socket = new RecordingSocket(this);
        if (!socket->setSocketDescriptor(descriptor)) {
            delete socket;
            return;
        }
        setUp(socket);
        return;
    }
    auto *socket = new RecordingSslSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    socket->setSslConfiguration(tls);
    connect(socket, &QSslSocket::sslErrors, socket, [this, socket](const QList<QSslError> &errors) {
        m_handler->reportTlsFailure(u"TLS handshake with %1 failed: %2"_s.arg(
                socket->peerAddress().toString(), errors.value(0).errorString()));
    });
    connect(socket, &QAbstractSocket::errorOccurred, socket, [this, socket](QAbstractSocket::SocketError e) {
        if (e == QAbstractSocket::SslHandshakeFailedError) {
            m_handler->reportTlsFailure(u"TLS handshake with %1 failed: %2"_s.arg(
                    socket->peerAddress().toString(), socket->errorString()));
            socket->abort();
        }
    });
    setUp(socket);
    socket->startServerEncryption();
}

void HttpFront::setUp(QTcpSocket *socket)
{
    Recording::of(socket)->serial = ++m_serial;
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    watch(socket);
}

void HttpFront::watch(QTcpSocket *socket)
{
    auto *timer = socket->findChild<QTimer *>(u"handshakeTimer"_s, Qt::FindDirectChildrenOnly);
    if (!timer) {
        timer = new QTimer(socket);
        timer->setObjectName(u"handshakeTimer"_s);
        timer->setSingleShot(true);
        connect(timer, &QTimer::timeout, socket, [this, socket, timer] {
            if (socket->bytesAvailable() > 0) {
                m_handler->reportHandshakeTimeout(
                        u"%1:%2 sent no complete request within %3 ms"_s
                                .arg(socket->peerAddress().toString())
                                .arg(socket->peerPort())
                                .arg(timer->interval()));
            }
            socket->abort();
            socket->deleteLater();
        });
    }
    timer->start(m_handler->options().handshakeTimeout);
    Recording *recording = Recording::of(socket);
    if (!recording->watched) {
        recording->watched = true;
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { readHead(socket); });
    }
    // A request already waiting (pipelined behind the last one): read once the caller is done.
    // By then the socket may be gone, or handed on (an upgrade): then it is not watched.
    if (socket->bytesAvailable() > 0) {
        QMetaObject::invokeMethod(
                socket,
                [this, socket] {
                    if (Recording::of(socket)->watched)
                        readHead(socket);
                },
                Qt::QueuedConnection);
    }
}

void HttpFront::unwatch(QTcpSocket *socket)
{
    if (Recording *recording = Recording::of(socket))
        recording->watched = false;
    disconnect(socket, &QTcpSocket::readyRead, this, nullptr);
    if (auto *timer = socket->findChild<QTimer *>(u"handshakeTimer"_s, Qt::FindDirectChildrenOnly))
        delete timer;
}

void HttpFront::readHead(QTcpSocket *socket)
{
    const ServerOptions &options = m_handler->options();
    const int maxHead = options.maxRequestHeadBytes;
    // Peek only what has arrived: peek(n) allocates n bytes, and the head is kept in the
    // handshake record for the connection's lifetime.
    QByteArray bytes = socket->peek(qMin<qint64>(socket->bytesAvailable(), maxHead + 1));
    HttpRequest request;
    const HttpRequest::Status status = HttpRequest::parse(bytes, &request, maxHead);
    if (status == HttpRequest::Status::Incomplete)
        return;

    HttpRequest::ChunkedStatus chunked = HttpRequest::ChunkedStatus::Complete;
    if (status == HttpRequest::Status::Complete && request.chunked) {
        // Wait for the last chunk; the decoded body is capped by maxPayload, the coding too.
        const qint64 most = request.headLength + options.maxPayload + 64 * 1024 + 1;
        bytes = socket->peek(qMin(socket->bytesAvailable(), most));
        qint64 consumed = 0;
        chunked = HttpRequest::decodeChunked(QByteArrayView(bytes).sliced(request.headLength),
                                             options.maxPayload, &request.body, &consumed);
        if (chunked == HttpRequest::ChunkedStatus::Incomplete)
            return;
        if (chunked == HttpRequest::ChunkedStatus::Complete) {
            request.wireBodyLength = consumed;
            bytes.truncate(request.headLength + consumed);
        }
    } else if (status == HttpRequest::Status::Complete && request.contentLength > 0
               && request.contentLength <= options.maxPayload) {
        // Wait for the whole body; it is capped by maxPayload.
        const qint64 total = request.headLength + request.contentLength;
        if (socket->bytesAvailable() < total)
            return;
        bytes = socket->peek(total);
        request.body = bytes.mid(request.headLength);
        request.wireBodyLength = request.contentLength;
    }

    // The request is settled: stop watching; from here the router owns the socket.
    unwatch(socket);

    HandshakeRecord record;
    if (status == HttpRequest::Status::Complete) {
        record = HandshakeRecord::fromRequest(request, bytes);
    } else {
        record.time = QDateTime::currentDateTimeUtc();
        record.rawRequest = bytes.left(maxHead);
    }
    record.id = Recording::of(socket)->serial;
    record.remoteAddress = socket->peerAddress();
    record.remotePort = socket->peerPort();

    switch (status) {
    case HttpRequest::Status::Complete:
        if (chunked == HttpRequest::ChunkedStatus::TooLarge) {
            refuse(socket, record, 413, "Payload too large\n",
                   u"chunked request body over maxPayload (%1 bytes)"_s.arg(options.maxPayload));
            return;
        }
        if (chunked == HttpRequest::ChunkedStatus::Malformed) {
            refuse(socket, record, 400, "Bad request\n", u"malformed chunked request body"_s);
            return;
        }
        if (request.contentLength > options.maxPayload) {
            refuse(socket, record, 413, "Payload too large\n",
                             u"request body of %1 bytes is over maxPayload (%2)"_s
                                     .arg(request.contentLength)
                                     .arg(options.maxPayload));
            return;
        }
        route(socket, request, record);
        return;
    case HttpRequest::Status::TooLarge:
        refuse(socket, record, 431, "Request header fields too large\n",
                         u"request head larger than %1 bytes"_s.arg(maxHead));
        return;
    case HttpRequest::Status::UriTooLong:
        refuse(socket, record, 414, "URI too long\n", u"request target too long"_s);
        return;
    case HttpRequest::Status::Malformed:
    case HttpRequest::Status::Incomplete:
        refuse(socket, record, 400, "Bad request\n", u"malformed HTTP request"_s);
        return;
    }
}

QByteArray HttpFront::respond(QTcpSocket *socket, const HttpRequest &request, int status,
                              const QByteArray &contentType, const QByteArray &body,
                              const HttpHeaders &extra, bool keepAlive)
{
    // Consume exactly this request; anything after it is the next one.
    socket->read(request.headLength + request.wireBodyLength);
    const bool alive = keepAlive && request.keepAlive();
    QByteArray head = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
    if (!contentType.isEmpty())
        head += "Content-Type: " + contentType + "\r\n";
    for (const auto &h : extra)
        head += h.first + ": " + h.second + "\r\n";
    head += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    head += alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
    head += "\r\n";
    socket->write(request.method == "HEAD" ? head : head + body);
    if (alive) {
        watch(socket);
    } else {
        socket->disconnectFromHost();
    }
    return head;
}

QByteArray HttpFront::reasonPhrase(int status)
{
    switch (status) {
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Error";
    }
}

} // namespace Sockscope
