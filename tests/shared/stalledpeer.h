// A client that stops reading: a raw TCP socket with a small receive buffer that opens an
// Engine.IO WebSocket connection, joins a namespace, and then reads nothing more, so that what
// the server sends it piles up in the server's queue (a Qt client would keep draining into
// its own buffer). The server runs in the test's thread: every wait spins its event loop.
#pragma once

#include "clientframe.h"
#include "loopback.h"

#include <QByteArray>
#include <QString>
#include <QTest>

#include <cerrno>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace Loopback {

class StalledPeer
{
public:
    StalledPeer() = default;
    StalledPeer(const StalledPeer &) = delete;
    StalledPeer &operator=(const StalledPeer &) = delete;
    ~StalledPeer() { abort(); }

    /*
        Connects to 127.0.0.1:port, upgrades to WebSocket on path and joins nsp. Returns the
        Engine.IO sid (the server's connection id), empty on failure. From then on nothing is
        read: the kernel's buffers fill (a few KiB on this side) and the rest waits in the
        server.
    */
    QString open(quint16 port, const QString &nsp = QStringLiteral("/"),
                 const QByteArray &path = "/socket.io/")
    {
        if (!connectTo(port) || !write(upgradeRequest(port, path + "?EIO=4&transport=websocket")))
            return abortWith();
        if (!readUntil("\"sid\":\""))
            return abortWith();
        const qsizetype at = m_read.indexOf("\"sid\":\"") + 7;
        const QString sid = QString::fromLatin1(m_read.mid(at, m_read.indexOf('"', at) - at));
        const QByteArray connect = nsp == u"/" ? QByteArray("40") : "40" + nsp.toUtf8() + ',';
        if (!write(clientFrame(0x1, connect)))
            return abortWith();
        // The CONNECT's answer carries the socket's sid: the second "sid" seen.
        if (!readUntil("\"sid\":\"", m_read.indexOf("\"sid\":\"") + 1))
            return abortWith();
        return sid;
    }

    // A plain WebSocket client on path (the server's plainPath): true once upgraded.
    bool openPlain(quint16 port, const QByteArray &path = "/ws")
    {
        if (!connectTo(port) || !write(upgradeRequest(port, path)) || !readUntil("\r\n\r\n")) {
            abort();
            return false;
        }
        return m_read.startsWith("HTTP/1.1 101");
    }

    // Sends an Engine.IO text packet ("42[\"e\"]"); the peer still reads nothing.
    bool send(const QByteArray &packet) { return write(clientFrame(0x1, packet)); }

    // Whether the server closed the TCP connection (reads what is there to find out).
    bool isClosedByServer()
    {
        char buf[65536];
        for (;;) {
            const ssize_t n = ::recv(m_fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n == 0)
                return true;
            if (n < 0)
                return errno != EAGAIN && errno != EWOULDBLOCK;
        }
    }

    // Reads everything that has arrived (the peer reading again); false once the server has
    // ended the connection. What was read is in received().
    bool readSome()
    {
        char buf[65536];
        for (;;) {
            const ssize_t n = ::recv(m_fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0) {
                m_read.append(buf, n);
                continue;
            }
            return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
        }
    }
    QByteArray received() const { return m_read; }

    void abort()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
    }

private:
    bool connectTo(quint16 port)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (m_fd < 0)
            return false;
        const int small = 4096; // before connect(), so the window is small from the start
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
        sockaddr_in to = {};
        to.sin_family = AF_INET;
        to.sin_port = htons(port);
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        // Loopback: the kernel completes the handshake from the listen queue, no event loop.
        return ::connect(m_fd, reinterpret_cast<const sockaddr *>(&to), sizeof to) == 0;
    }
    QString abortWith()
    {
        abort();
        return {};
    }
    bool write(const QByteArray &bytes)
    {
        qsizetype done = 0;
        while (done < bytes.size()) {
            const ssize_t n = ::send(m_fd, bytes.constData() + done, size_t(bytes.size() - done),
                                     MSG_NOSIGNAL);
            if (n <= 0)
                return false;
            done += n;
        }
        return true;
    }
    // Reads (without blocking the server's event loop) until needle appears at or after from.
    bool readUntil(const QByteArray &needle, qsizetype from = 0)
    {
        return QTest::qWaitFor(
                [&] {
                    char buf[4096];
                    const ssize_t n = ::recv(m_fd, buf, sizeof buf, MSG_DONTWAIT);
                    if (n > 0)
                        m_read.append(buf, n);
                    return m_read.indexOf(needle, from) >= 0;
                },
                5000);
    }

    int m_fd = -1;
    QByteArray m_read;
};

/*
    Calls send() until queued() (a connection's bufferedBytes()) is over bytes and has not
    moved for an event-loop pass: the kernel has taken all it will by then, whichever write path
    the server takes (Qt's socket writes only when its notifier fires).
*/
template<typename Queued, typename Send>
bool fillQueue(Queued queued, Send send, qint64 bytes, int timeoutMs = 20000)
{
    qint64 last = -1;
    return QTest::qWaitFor(
            [&] {
                const qint64 now = queued();
                if (now > bytes && now == last)
                    return true;
                last = now;
                if (now <= bytes) {
                    for (int i = 0; i < 8; ++i)
                        send();
                }
                return false;
            },
            timeoutMs);
}

} // namespace Loopback
