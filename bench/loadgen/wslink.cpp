#include "wslink.h"

#include <QHostAddress>
#include <QRandomGenerator>
#include <QTcpSocket>
#include <QUrl>
#include <QWebSocket>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace Loadgen {

namespace {

// Closes with RST: a benchmark opening thousands of connections a second must not fill the
// port range with TIME_WAIT.
void resetOnClose(QTcpSocket *socket)
{
    const qintptr fd = socket->socketDescriptor();
    if (fd < 0)
        return;
    struct linger l = { 1, 0 };
    ::setsockopt(int(fd), SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

/*
    RFC 6455 client on a QTcpSocket: the upgrade request, then frames. Text and binary
    messages are handed over without a copy (unless fragmented); pings are answered; frames we
    send are masked (a random key per connection) as the RFC requires of a client.
*/
class LeanLink final : public WsLink
{
public:
    LeanLink(WsListener *listener, QObject *parent)
        : WsLink(parent), m_listener(listener), m_socket(new QTcpSocket(this))
    {
        m_mask = QRandomGenerator::global()->generate() | 0x01010101u;
        connect(m_socket, &QTcpSocket::connected, this, [this] {
            m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            m_socket->write(m_request);
        });
        connect(m_socket, &QTcpSocket::readyRead, this, [this] { onReadyRead(); });
        connect(m_socket, &QTcpSocket::disconnected, this, [this] { gone(QStringLiteral("closed")); });
        connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError) {
            gone(m_socket->errorString());
        });
    }

    void open(quint16 port, const QByteArray &target) override
    {
        m_request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port)
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        if (m_receiveBuffer > 0) {
            openWithReceiveBuffer(port);
            return;
        }
        m_socket->connectToHost(QHostAddress(QHostAddress::LocalHost), port);
    }

    void setReceiveBufferSize(int bytes) override { m_receiveBuffer = bytes; }

    void sendText(QByteArrayView utf8) override { sendFrame(0x1, utf8); }
    void sendBinary(QByteArrayView bytes) override { sendFrame(0x2, bytes); }

    void abort() override
    {
        m_dead = true;
        resetOnClose(m_socket);
        m_socket->abort();
    }

    int detach() override
    {
        if (m_dead || m_socket->socketDescriptor() < 0)
            return -1;
        m_socket->flush();
        const int fd = ::dup(int(m_socket->socketDescriptor()));
        m_dead = true;
        m_socket->disconnect(this);
        m_socket->abort(); // closes Qt's descriptor only: the connection lives on in fd
        return fd;
    }

private:
    // QAbstractSocket applies socket options only once it has a descriptor, after the SYN: a
    // socket of our own gets SO_RCVBUF first, connects (blocking: 127.0.0.1 answers at once)
    // and is handed to the QTcpSocket connected.
    void openWithReceiveBuffer(quint16 port)
    {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        QString why;
        if (fd < 0) {
            why = QStringLiteral("socket: ") + QString::fromLocal8Bit(std::strerror(errno));
        } else {
            ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &m_receiveBuffer, sizeof m_receiveBuffer);
            sockaddr_in to = {};
            to.sin_family = AF_INET;
            to.sin_port = htons(port);
            to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (::connect(fd, reinterpret_cast<sockaddr *>(&to), sizeof to) != 0)
                why = QStringLiteral("connect: ") + QString::fromLocal8Bit(std::strerror(errno));
            else if (!m_socket->setSocketDescriptor(fd, QAbstractSocket::ConnectedState))
                why = m_socket->errorString();
        }
        if (!why.isEmpty()) {
            if (fd >= 0)
                ::close(fd);
            // Reported from the event loop, as a refused connectToHost() would be.
            QMetaObject::invokeMethod(this, [this, why] { gone(why); }, Qt::QueuedConnection);
            return;
        }
        m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        m_socket->write(m_request);
    }

    void sendFrame(int opcode, QByteArrayView payload)
    {
        if (m_dead)
            return;
        const qsizetype n = payload.size();
        m_out.resize(0);
        m_out.append(char(0x80 | opcode));
        if (n < 126) {
            m_out.append(char(0x80 | n));
        } else if (n < 65536) {
            m_out.append(char(0x80 | 126)).append(char(n >> 8)).append(char(n & 0xff));
        } else {
            m_out.append(char(0x80 | 127));
            for (int shift = 56; shift >= 0; shift -= 8)
                m_out.append(char((quint64(n) >> shift) & 0xff));
        }
        const uchar key[4] = { uchar(m_mask >> 24), uchar(m_mask >> 16), uchar(m_mask >> 8),
                               uchar(m_mask) };
        m_out.append(reinterpret_cast<const char *>(key), 4);
        const qsizetype start = m_out.size();
        m_out.append(payload.data(), n);
        char *p = m_out.data() + start;
        for (qsizetype i = 0; i < n; ++i)
            p[i] = char(p[i] ^ key[i & 3]);
        m_socket->write(m_out);
    }

    void onReadyRead()
    {
        const qint64 avail = m_socket->bytesAvailable();
        if (avail <= 0)
            return;
        const qsizetype old = m_in.size();
        m_in.resize(old + avail);
        const qint64 got = m_socket->read(m_in.data() + old, avail);
        m_in.resize(old + qMax<qint64>(got, 0));
        qsizetype pos = 0;
        if (!m_upgraded) {
            const qsizetype end = m_in.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            if (!m_in.startsWith("HTTP/1.1 101")) {
                gone(QString::fromLatin1(m_in.left(m_in.indexOf('\r'))));
                return;
            }
            m_upgraded = true;
            pos = end + 4;
            m_listener->wsOpened();
            if (m_dead)
                return;
        }
        const char *d = m_in.constData();
        const qsizetype size = m_in.size();
        while (!m_dead) {
            if (size - pos < 2)
                break;
            const uchar b0 = uchar(d[pos]), b1 = uchar(d[pos + 1]);
            quint64 len = b1 & 0x7f;
            qsizetype header = 2;
            if (len == 126) {
                if (size - pos < 4)
                    break;
                len = (quint64(uchar(d[pos + 2])) << 8) | uchar(d[pos + 3]);
                header = 4;
            } else if (len == 127) {
                if (size - pos < 10)
                    break;
                len = 0;
                for (int i = 0; i < 8; ++i)
                    len = (len << 8) | uchar(d[pos + 2 + i]);
                header = 10;
            }
            if (b1 & 0x80)
                header += 4; // a server never masks; skip the key if one did
            if (quint64(size - pos - header) < len)
                break;
            const QByteArrayView payload(d + pos + header, qsizetype(len));
            pos += header + qsizetype(len);
            handleFrame(b0 & 0x0f, (b0 & 0x80) != 0, payload);
        }
        if (m_dead)
            return;
        if (pos >= m_in.size())
            m_in.resize(0);
        else if (pos > 0)
            m_in.remove(0, pos);
    }

    void handleFrame(int opcode, bool fin, QByteArrayView payload)
    {
        switch (opcode) {
        case 0x0: // continuation
            if (m_fragmentOpcode == 0)
                return;
            m_fragment.append(payload.data(), payload.size());
            if (fin) {
                const int op = m_fragmentOpcode;
                m_fragmentOpcode = 0;
                const QByteArray whole = std::exchange(m_fragment, {});
                if (op == 0x1)
                    m_listener->wsText(whole);
                else
                    m_listener->wsBinary(whole);
            }
            return;
        case 0x1:
            if (!fin) {
                m_fragmentOpcode = 0x1;
                m_fragment = payload.toByteArray();
                return;
            }
            m_listener->wsText(payload);
            return;
        case 0x2:
            if (!fin) {
                m_fragmentOpcode = 0x2;
                m_fragment = payload.toByteArray();
                return;
            }
            m_listener->wsBinary(payload);
            return;
        case 0x8:
            sendFrame(0x8, payload.first(qMin<qsizetype>(payload.size(), 2)));
            m_socket->disconnectFromHost();
            gone(QStringLiteral("close frame"));
            return;
        case 0x9:
            sendFrame(0xA, payload);
            return;
        default:
            return;
        }
    }

    void gone(const QString &why)
    {
        if (m_dead)
            return;
        m_dead = true;
        m_listener->wsClosed(why);
    }

    WsListener *m_listener;
    QTcpSocket *m_socket;
    QByteArray m_request;
    QByteArray m_in;
    QByteArray m_out;
    QByteArray m_fragment;
    int m_fragmentOpcode = 0;
    int m_receiveBuffer = 0;
    quint32 m_mask = 0;
    bool m_upgraded = false;
    bool m_dead = false;
};

// The same over QWebSocket.
class QtLink final : public WsLink
{
public:
    QtLink(WsListener *listener, QObject *parent)
        : WsLink(parent), m_listener(listener), m_socket(new QWebSocket(QString(),
                                                                           QWebSocketProtocol::VersionLatest, this))
    {
        connect(m_socket, &QWebSocket::connected, this, [this] {
            if (!m_dead)
                m_listener->wsOpened();
        });
        connect(m_socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
            if (m_dead)
                return;
            const QByteArray utf8 = text.toUtf8();
            m_listener->wsText(utf8);
        });
        connect(m_socket, &QWebSocket::binaryMessageReceived, this,
                [this](const QByteArray &bytes) {
                    if (!m_dead)
                        m_listener->wsBinary(bytes);
                });
        connect(m_socket, &QWebSocket::disconnected, this, [this] {
            if (m_dead)
                return;
            m_dead = true;
            m_listener->wsClosed(m_socket->errorString());
        });
    }

    void open(quint16 port, const QByteArray &target) override
    {
        m_socket->open(QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(port) + QString::fromLatin1(target)));
    }

    void sendText(QByteArrayView utf8) override
    {
        if (!m_dead)
            m_socket->sendTextMessage(QString::fromUtf8(utf8));
    }

    void sendBinary(QByteArrayView bytes) override
    {
        if (!m_dead)
            m_socket->sendBinaryMessage(bytes.toByteArray());
    }

    void abort() override
    {
        m_dead = true;
        m_socket->abort();
    }

private:
    WsListener *m_listener;
    QWebSocket *m_socket;
    bool m_dead = false;
};

} // namespace

WsLink *WsLink::create(Kind kind, WsListener *listener, QObject *parent)
{
    if (kind == Kind::Qt)
        return new QtLink(listener, parent);
    return new LeanLink(listener, parent);
}

} // namespace Loadgen
