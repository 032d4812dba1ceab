#include "httpfront_p.h"

#include "eventserver.h"
#include "httprequest.h"

#include <QTimer>

using namespace Qt::StringLiterals;

namespace Sockscope {

qint64 RecordingSocket::writeData(const char *data, qint64 len)
{
    if (!m_complete) {
        const qsizetype before = m_head.size();
        m_head.append(data, qsizetype(len));
        const qsizetype end = m_head.indexOf("\r\n\r\n", qMax<qsizetype>(0, before - 3));
        if (end >= 0) {
            m_head.truncate(end + 4);
            m_complete = true;
            Q_EMIT responseHeadWritten(m_head);
        } else if (m_head.size() > 65536) {
            m_complete = true; // not HTTP; stop copying
        }
    }
    return QTcpSocket::writeData(data, len);
}

HttpFront::HttpFront(EventServer *server) : QTcpServer(server), m_server(server) { }

void HttpFront::incomingConnection(qintptr descriptor)
{
    auto *socket = new RecordingSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    socket->serial = ++m_serial;
    auto *timer = new QTimer(socket);
    timer->setObjectName(u"handshakeTimer"_s);
    timer->setSingleShot(true);
    connect(timer, &QTimer::timeout, socket, [this, socket] {
        Q_EMIT m_server->errorOccurred(QString(),
                                       u"%1:%2 sent no complete request within %3 ms"_s
                                               .arg(socket->peerAddress().toString())
                                               .arg(socket->peerPort())
                                               .arg(m_server->options().handshakeTimeout));
        socket->abort();
        socket->deleteLater();
    });
    timer->start(m_server->options().handshakeTimeout);
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] { readHead(socket); });
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
}

void HttpFront::readHead(RecordingSocket *socket)
{
    const int maxHead = m_server->options().maxRequestHeadBytes;
    const QByteArray bytes = socket->peek(maxHead + 1);
    HttpRequest request;
    const HttpRequest::Status status = HttpRequest::parse(bytes, &request, maxHead);
    if (status == HttpRequest::Status::Incomplete)
        return;

    // The head is settled: stop watching it; from here the router owns the socket.
    disconnect(socket, &QTcpSocket::readyRead, this, nullptr);
    if (auto *timer = socket->findChild<QTimer *>(u"handshakeTimer"_s, Qt::FindDirectChildrenOnly))
        delete timer;

    HandshakeRecord record;
    if (status == HttpRequest::Status::Complete) {
        record = HandshakeRecord::fromRequest(request, bytes);
    } else {
        record.time = QDateTime::currentDateTimeUtc();
        record.rawRequest = bytes.left(maxHead);
    }
    record.id = socket->serial;
    record.remoteAddress = socket->peerAddress();
    record.remotePort = socket->peerPort();

    switch (status) {
    case HttpRequest::Status::Complete:
        m_server->routeRequest(socket, request, record);
        return;
    case HttpRequest::Status::TooLarge:
        m_server->refuse(socket, record, 431, "Request header fields too large\n",
                         u"request head larger than %1 bytes"_s.arg(maxHead));
        return;
    case HttpRequest::Status::UriTooLong:
        m_server->refuse(socket, record, 414, "URI too long\n", u"request target too long"_s);
        return;
    case HttpRequest::Status::Malformed:
    case HttpRequest::Status::Incomplete:
        m_server->refuse(socket, record, 400, "Bad request\n", u"malformed HTTP request"_s);
        return;
    }
}

} // namespace Sockscope
