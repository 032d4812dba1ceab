// Sockscope: the front door. Not public API.
#pragma once

#include "handshakerecord.h"
#include "httprequest.h"

#include <QTcpServer>
#include <QTcpSocket>

#include <functional>

namespace Sockscope {

class EventServer;

/*
    A QTcpSocket that keeps a copy of the head of the first response written to it, so the
    handshake inspector can show our answer byte for byte (also when QWebSocketServer writes it).
*/
class RecordingSocket : public QTcpSocket
{
    Q_OBJECT
public:
    using QTcpSocket::QTcpSocket;
    quint64 serial = 0;
    bool watched = false; // the front is reading a request head on it
    QByteArray responseHead() const { return m_head; }
    bool isResponseComplete() const { return m_complete; }

Q_SIGNALS:
    void responseHeadWritten(const QByteArray &head);

protected:
    qint64 writeData(const char *data, qint64 len) override;

private:
    QByteArray m_head;
    bool m_complete = false;
};

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
    void watch(RecordingSocket *socket);
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
    void readHead(RecordingSocket *socket);
    EventServer *m_server;
    quint64 m_serial = 0;
    QByteArray m_lastHead;
};

} // namespace Sockscope
