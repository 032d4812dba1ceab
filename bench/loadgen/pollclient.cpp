#include "pollclient.h"

#include <QHostAddress>
#include <QTcpSocket>

#include <sys/socket.h>

namespace Loadgen {

PollClient::PollClient(quint16 port, EioHandler *handler, QObject *parent)
    : Peer(parent), m_handler(handler), m_port(port)
{
    for (Http *http : { &m_get, &m_post }) {
        http->socket = new QTcpSocket(this);
        connect(http->socket, &QTcpSocket::connected, this,
                [s = http->socket] { s->setSocketOption(QAbstractSocket::LowDelayOption, 1); });
        connect(http->socket, &QTcpSocket::readyRead, this, [this, http] { onReadyRead(http); });
        connect(http->socket, &QTcpSocket::disconnected, this,
                [this] { fail(QStringLiteral("HTTP connection closed")); });
        connect(http->socket, &QTcpSocket::errorOccurred, this,
                [this, http](QAbstractSocket::SocketError) { fail(http->socket->errorString()); });
    }
}

void PollClient::start()
{
    m_get.socket->connectToHost(QHostAddress(QHostAddress::LocalHost), m_port);
    m_post.socket->connectToHost(QHostAddress(QHostAddress::LocalHost), m_port);
    request(&m_get, "GET", {});
}

void PollClient::request(Http *http, const QByteArray &method, const QByteArray &query,
                         const QByteArray &body)
{
    m_out.resize(0);
    m_out.append(method).append(" /socket.io/?EIO=4&transport=polling").append(query);
    m_out.append(" HTTP/1.1\r\nHost: 127.0.0.1:").append(QByteArray::number(m_port));
    m_out.append("\r\nConnection: keep-alive\r\n");
    if (method == "POST") {
        m_out.append("Content-Type: text/plain;charset=UTF-8\r\nContent-Length: ");
        m_out.append(QByteArray::number(body.size())).append("\r\n");
    }
    m_out.append("\r\n").append(body);
    http->busy = true;
    http->socket->write(m_out); // buffered until connected
}

void PollClient::sendRaw(QByteArrayView packet)
{
    if (m_state == State::Closed)
        return;
    if (!m_queue.isEmpty())
        m_queue.append('\x1e');
    m_queue.append(packet.data(), packet.size());
    flush();
}

void PollClient::flush()
{
    if (m_post.busy || m_queue.isEmpty() || m_sid.isEmpty() || m_state == State::Closed)
        return;
    const QByteArray body = std::exchange(m_queue, {});
    request(&m_post, "POST", "&sid=" + m_sid, body);
}

void PollClient::poll()
{
    if (m_state != State::Closed && !m_get.busy)
        request(&m_get, "GET", "&sid=" + m_sid);
}

void PollClient::onReadyRead(Http *http)
{
    http->in.append(http->socket->readAll());
    while (m_state != State::Closed) {
        const qsizetype end = http->in.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        // "HTTP/1.1 200 OK"
        const int status = http->in.mid(9, 3).toInt();
        qsizetype length = -1;
        qsizetype line = http->in.indexOf("\r\n") + 2;
        while (line < end) {
            const qsizetype next = http->in.indexOf("\r\n", line);
            const QByteArrayView header(http->in.constData() + line, next - line);
            if (header.size() > 15 && qstrnicmp(header.data(), "content-length:", 15) == 0)
                length = header.sliced(15).trimmed().toLongLong();
            line = next + 2;
        }
        if (length < 0) {
            fail(QStringLiteral("response without Content-Length"));
            return;
        }
        if (http->in.size() < end + 4 + length)
            return;
        const QByteArray body = http->in.mid(end + 4, length);
        http->in.remove(0, end + 4 + length);
        http->busy = false;
        onResponse(http, status, body);
    }
}

void PollClient::onResponse(Http *http, int status, QByteArrayView body)
{
    if (status != 200) {
        fail(QStringLiteral("HTTP %1: %2").arg(status).arg(QString::fromUtf8(body)));
        return;
    }
    if (http == &m_post) {
        flush();
        return;
    }
    qsizetype start = 0;
    while (start <= body.size() && m_state != State::Closed) {
        qsizetype sep = body.indexOf('\x1e', start);
        if (sep < 0)
            sep = body.size();
        handlePacket(body.sliced(start, sep - start));
        start = sep + 1;
    }
    poll();
}

void PollClient::handlePacket(QByteArrayView packet)
{
    if (packet.isEmpty())
        return;
    switch (packet.front()) {
    case '0': { // open: {"sid":"…",…}
        const qsizetype at = packet.indexOf("\"sid\":\"");
        if (at < 0) {
            fail(QStringLiteral("open packet without sid"));
            return;
        }
        const qsizetype from = at + 7;
        m_sid = packet.sliced(from, packet.indexOf('"', from) - from).toByteArray();
        m_state = State::WaitConnect;
        sendRaw("40");
        return;
    }
    case '2':
        sendRaw("3");
        return;
    case '1':
        fail(QStringLiteral("engine.io close"));
        return;
    case '4': {
        const QByteArrayView sio = packet.sliced(1);
        if (m_state == State::WaitConnect && sio.startsWith("0")) {
            m_state = State::Ready;
            m_handler->clientReady(this);
            return;
        }
        if (m_state == State::WaitConnect && sio.startsWith("4")) {
            fail(QStringLiteral("connect error: ") + QString::fromUtf8(sio));
            return;
        }
        m_handler->clientPacket(this, sio);
        return;
    }
    default: // noop
        return;
    }
}

void PollClient::abort()
{
    if (m_state == State::Closed)
        return;
    m_state = State::Closed;
    for (Http *http : { &m_get, &m_post }) {
        http->socket->disconnect(this);
        if (http->socket->socketDescriptor() >= 0) {
            struct linger l = { 1, 0 };
            ::setsockopt(int(http->socket->socketDescriptor()), SOL_SOCKET, SO_LINGER, &l, sizeof l);
        }
        http->socket->abort();
    }
    deleteLater();
}

void PollClient::fail(const QString &why)
{
    if (m_state == State::Closed)
        return;
    abort();
    m_handler->clientClosed(this, why);
}

} // namespace Loadgen
