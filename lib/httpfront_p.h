// Sockscope: the front door. Not public API.
#pragma once

#include "handshakerecord.h"

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

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    void readHead(RecordingSocket *socket);
    EventServer *m_server;
    quint64 m_serial = 0;
};

} // namespace Sockscope
