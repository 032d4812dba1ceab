#include "pollingtransport_p.h"

#include "httpfront_p.h"

using namespace Qt::StringLiterals;

namespace Sockscope {

PollingTransport::PollingTransport(HttpFront *front, qint64 maxBufferedBytes, QObject *parent)
    : Transport(parent)
    , m_front(front)
    , m_holdPostsAbove(maxBufferedBytes > 0 ? maxBufferedBytes / 2 : 0)
{
}

PollingTransport::~PollingTransport()
{
    if (m_get)
        m_get->disconnect(this);
    dropHeldPost();
}

void PollingTransport::send(const EngineIoPacket &packet)
{
    if (m_closed)
        return;
    m_queue.append(packet);
    m_queuedBytes += packet.data().size() + 1;
    if (m_get)
        flush();
}

void PollingTransport::abort()
{
    dropHeldPost();
    m_closed = true;
    m_queue.clear();
    m_queuedBytes = 0;
    if (m_get) {
        m_get->disconnect(this);
        m_get->abort();
        m_get = nullptr;
    }
}

QByteArray PollingTransport::flush()
{
    if (!m_get || m_queue.isEmpty())
        return {};
    const QByteArray body = EngineIoPacket::encodePayload(m_queue);
    m_queue.clear();
    m_queuedBytes = 0;
    QTcpSocket *socket = m_get;
    m_get = nullptr;
    socket->disconnect(this);
    const QByteArray head =
            m_front->respond(socket, m_getRequest, 200, "text/plain; charset=UTF-8", body, m_getCors);
    reportBytesWritten(body.size());
    if (m_heldPost) // from the event loop: flush() may be called from inside a handler
        QMetaObject::invokeMethod(this, &PollingTransport::releaseHeldPost, Qt::QueuedConnection);
    return head;
}

void PollingTransport::releaseHeldPost()
{
    if (!m_heldPost || m_closed || m_queuedBytes > m_holdPostsAbove)
        return;
    QTcpSocket *socket = m_heldPost;
    m_heldPost = nullptr;
    socket->disconnect(this);
    readPost(socket, std::exchange(m_heldRequest, {}), std::exchange(m_heldCors, {}));
}

void PollingTransport::dropHeldPost()
{
    if (QTcpSocket *socket = m_heldPost) {
        m_heldPost = nullptr;
        socket->disconnect(this);
        socket->abort();
    }
}

QByteArray PollingTransport::handleGet(QTcpSocket *socket, const HttpRequest &request,
                                       const HttpHeaders &cors)
{
    if (m_closed) {
        return m_front->respond(socket, request, 400, "application/json",
                                R"({"code":1,"message":"Session ID unknown"})", cors, false);
    }
    if (m_get) {
        // Two GETs at once: the client is broken or hostile. Refuse, then end the session.
        m_front->respond(socket, request, 400, "application/json",
                         R"({"code":3,"message":"Bad request"})", cors, false);
        fail(TransportCloseCause::Error, u"a second GET while one was pending"_s);
        return {};
    }
    m_get = socket;
    m_getRequest = request;
    if (m_upgrading)
        m_queue.append(EngineIoPacket(EngineIoPacket::Type::Noop));
    m_getCors = cors;
    connect(socket, &QTcpSocket::disconnected, this, [this] {
        if (m_closed)
            return;
        fail(TransportCloseCause::Closed, u"the pending GET was closed by the client"_s);
    });
    return flush();
}

void PollingTransport::handlePost(QTcpSocket *socket, const HttpRequest &request,
                                  const HttpHeaders &cors)
{
    if (m_closed) {
        m_front->respond(socket, request, 400, "application/json",
                         R"({"code":1,"message":"Session ID unknown"})", cors, false);
        return;
    }
    if (m_heldPost) {
        // A client sends one POST at a time: a second while one waits is broken or hostile.
        m_front->respond(socket, request, 400, "application/json",
                         R"({"code":3,"message":"Bad request"})", cors, false);
        fail(TransportCloseCause::Error, u"a second POST while one was held"_s);
        return;
    }
    if (m_holdPostsAbove > 0 && m_queuedBytes > m_holdPostsAbove) {
        m_heldPost = socket;
        m_heldRequest = request;
        m_heldCors = cors;
        connect(socket, &QTcpSocket::disconnected, this, [this] {
            m_heldPost = nullptr; // its packets are lost with it, as a POST cut short
        });
        return;
    }
    readPost(socket, request, cors);
}

void PollingTransport::readPost(QTcpSocket *socket, const HttpRequest &request,
                                const HttpHeaders &cors)
{
    QList<EngineIoPacket> packets;
    const EngineIoPacket::Error e = EngineIoPacket::decodePayload(request.body, &packets);
    if (e != EngineIoPacket::Error::None) {
        m_front->respond(socket, request, 400, "application/json",
                         R"({"code":3,"message":"Bad request"})", cors, false);
        fail(TransportCloseCause::ParseError, EngineIoPacket::errorString(e));
        return;
    }
    m_front->respond(socket, request, 200, "text/html", "ok", cors);
    QPointer<PollingTransport> self(this);
    for (EngineIoPacket &p : packets) {
        if (!self || m_closed)
            return;
        const qint64 wireBytes = p.data().size() + 1;
        reportPacket(std::move(p), wireBytes);
    }
}

QList<EngineIoPacket> PollingTransport::takeQueue()
{
    m_queuedBytes = 0;
    if (m_heldPost)
        QMetaObject::invokeMethod(this, &PollingTransport::releaseHeldPost, Qt::QueuedConnection);
    return std::exchange(m_queue, {});
}

void PollingTransport::releasePendingGet()
{
    if (m_get) {
        m_queue.append(EngineIoPacket(EngineIoPacket::Type::Noop));
        flush();
    }
}

void PollingTransport::close()
{
    if (m_closed)
        return;
    if (m_get) {
        m_queue.append(EngineIoPacket(EngineIoPacket::Type::Close));
        flush();
    }
    m_closed = true;
    dropHeldPost();
}

void PollingTransport::fail(TransportCloseCause cause, const QString &detail)
{
    if (m_closed)
        return;
    m_closed = true;
    dropHeldPost();
    if (m_get) {
        m_get->disconnect(this);
        m_get->abort();
        m_get = nullptr;
    }
    reportClosed(cause, detail);
}

} // namespace Sockscope
