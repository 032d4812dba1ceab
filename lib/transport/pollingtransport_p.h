// Sockscope: the HTTP long-polling transport. Not public API.
#pragma once

#include "httprequest.h"
#include "transport_p.h"

#include <QPointer>
#include <QTcpSocket>

namespace Sockscope {

class HttpFront;

/*
    Engine.IO over HTTP long-polling. The client holds one GET open to receive (answered as
    soon as packets are queued, batched with 0x1e, binary as "b" + base64) and POSTs what it
    sends. A second GET while one is pending is a protocol error and closes the session.
*/
class PollingTransport : public Transport
{
    Q_OBJECT
public:
    // With a write budget (maxBufferedBytes > 0), a POST that comes while more than half of
    // it waits for a GET is held, unanswered and unread, until a GET takes the packets: the
    // polling client, which sends one POST at a time, is slowed down rather than dropped as a
    // slow consumer for answers it has not fetched yet.
    PollingTransport(HttpFront *front, qint64 maxBufferedBytes = 0, QObject *parent = nullptr);
    ~PollingTransport() override;
    TransportType type() const override { return TransportType::Polling; }
    void send(const EngineIoPacket &packet) override;
    void close() override;
    // The packets waiting for a GET (a pending GET takes them at once).
    qint64 bufferedBytes() const override { return m_queuedBytes; }
    void abort() override;

    // The request is answered here (now or when packets are queued). Returns the response
    // head if it was answered at once.
    QByteArray handleGet(QTcpSocket *socket, const HttpRequest &request, const HttpHeaders &cors);
    void handlePost(QTcpSocket *socket, const HttpRequest &request, const HttpHeaders &cors);
    bool hasPendingGet() const { return bool(m_get); }
    // For an upgrade: the packets not yet delivered, to send over the new transport.
    QList<EngineIoPacket> takeQueue();
    // Answers a pending GET with a noop (to release it during an upgrade).
    void releasePendingGet();
    // While a WebSocket probe is under way, GETs are answered at once with a noop.
    void setUpgrading(bool upgrading) { m_upgrading = upgrading; }

private:
    QByteArray flush();
    void readPost(QTcpSocket *socket, const HttpRequest &request, const HttpHeaders &cors);
    void releaseHeldPost();
    void dropHeldPost();
    void fail(TransportCloseCause cause, const QString &detail);

    HttpFront *m_front;
    QPointer<QTcpSocket> m_get;
    HttpRequest m_getRequest;
    HttpHeaders m_getCors;
    QList<EngineIoPacket> m_queue;
    qint64 m_queuedBytes = 0;
    qint64 m_holdPostsAbove = 0; // 0: POSTs are never held
    QPointer<QTcpSocket> m_heldPost;
    HttpRequest m_heldRequest;
    HttpHeaders m_heldCors;
    bool m_closed = false;
    bool m_upgrading = false;
};

} // namespace Sockscope
