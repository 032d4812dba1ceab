#include "pollingtransport_p.h"

#include "httpfront_p.h"

using namespace Qt::StringLiterals;

namespace Sockscope {

PollingTransport::PollingTransport(HttpFront *front, QObject *parent)
    : Transport(parent), m_front(front)
{
}

PollingTransport::~PollingTransport()
{
    if (m_get)
        m_get->disconnect(this);
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
    return head;
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
}

void PollingTransport::fail(TransportCloseCause cause, const QString &detail)
{
    if (m_closed)
        return;
    m_closed = true;
    if (m_get) {
        m_get->disconnect(this);
        m_get->abort();
        m_get = nullptr;
    }
    reportClosed(cause, detail);
}

} // namespace Sockscope
