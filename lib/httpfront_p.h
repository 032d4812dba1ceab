// Sockscope: the front door. Not public API.
#pragma once

#include "handshakerecord.h"
#include "httprequest.h"

#include <QTcpServer>
#include <QSslSocket>
#include <QTcpSocket>

#include <functional>

namespace Sockscope {

class EventServer;

/*
    What the front keeps on each accepted socket: a serial number, whether it is reading a
    request head, and a copy of the head of the first response written to it, so the handshake
    inspector can show our answer byte for byte (also when QWebSocketServer writes it).
*/
class Recording
{
public:
    virtual ~Recording() = default;
    quint64 serial = 0;
    bool watched = false; // the front is reading a request head on it
    QByteArray responseHead() const { return m_head; }
    bool isResponseComplete() const { return m_complete; }
    std::function<void(const QByteArray &head)> onResponseHead;

    static Recording *of(QTcpSocket *socket) { return dynamic_cast<Recording *>(socket); }

protected:
    void record(const char *data, qint64 len);

private:
    QByteArray m_head;
    bool m_complete = false;
};

// A plain or a TLS socket that records its first response head as it is written.
template<class Socket>
class RecordingSocketT : public Socket, public Recording
{
public:
    using Socket::Socket;

protected:
    qint64 writeData(const char *data, qint64 len) override
    {
        record(data, len);
        return Socket::writeData(data, len);
    }
};
using RecordingSocket = RecordingSocketT<QTcpSocket>;
using RecordingSslSocket = RecordingSocketT<QSslSocket>;

/*
    Accepts TCP connections and reads each request head by peeking, without consuming it, so
    that the exact bytes stay available for QWebSocketServer::handleConnection and for the
    handshake record. Stalled or oversized heads are refused here.
*/
class HttpFront : public QTcpServer
{
    Q_OBJECT
public:
    explicit HttpFront(EventServer *server);

    // Reads the next request on this socket (a new connection, or keep-alive after a response).
    void watch(QTcpSocket *socket);
    void unwatch(QTcpSocket *socket);
    // Consumes the request's bytes, writes a complete response, then either watches for the
    // next request (keep-alive) or closes. Returns the response head as written.
    QByteArray respond(QTcpSocket *socket, const HttpRequest &request, int status,
                       const QByteArray &contentType, const QByteArray &body,
                       const HttpHeaders &extra = {}, bool keepAlive = true);
    static QByteArray reasonPhrase(int status);
    QByteArray lastResponseHead() const { return m_lastHead; }

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    void readHead(QTcpSocket *socket);
    void setUp(QTcpSocket *socket);
    EventServer *m_server;
    quint64 m_serial = 0;
    QByteArray m_lastHead;
};

} // namespace Sockscope
