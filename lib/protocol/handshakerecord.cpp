#include "handshakerecord.h"

#include <QCryptographicHash>

namespace Sockscope {

QByteArray HandshakeRecord::header(QByteArrayView name) const
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

void HandshakeRecord::computeAccept()
{
    secWebSocketKey = header("sec-websocket-key");
    if (secWebSocketKey.isEmpty())
        return;
    keyWithGuid = secWebSocketKey + WebSocketGuid.toByteArray();
    sha1 = QCryptographicHash::hash(keyWithGuid, QCryptographicHash::Sha1);
    secWebSocketAccept = sha1.toBase64();
}

QByteArray HandshakeRecord::acceptForKey(const QByteArray &key)
{
    return QCryptographicHash::hash(QByteArray(key + WebSocketGuid.toByteArray()),
                                    QCryptographicHash::Sha1)
            .toBase64();
}

HandshakeRecord HandshakeRecord::fromRequest(const HttpRequest &request, const QByteArray &raw)
{
    HandshakeRecord r;
    r.time = QDateTime::currentDateTimeUtc();
    // A copy of exactly the head: raw may be a larger buffer (the body, or spare capacity).
    r.rawRequest = QByteArray(raw.constData(), qMin<qsizetype>(raw.size(), request.headLength));
    r.method = request.method;
    r.target = request.target;
    r.httpVersion = request.version;
    r.headers = request.headers;
    r.headers.squeeze(); // kept for the connection's lifetime: no spare capacity
    r.isUpgrade = request.headerHasToken("upgrade", "websocket");
    if (r.isUpgrade)
        r.computeAccept();
    return r;
}

HandshakeRecord::Compact HandshakeRecord::compact() const
{
    Compact c;
    c.rawRequest = rawRequest;
    c.rawResponse = rawResponse;
    c.transport = transport;
    c.error = error;
    c.time = time;
    c.remoteAddress = remoteAddress;
    c.id = id;
    c.statusCode = statusCode;
    c.remotePort = remotePort;
    c.isUpgrade = isUpgrade;
    return c;
}

HandshakeRecord HandshakeRecord::Compact::expanded(const QString &connectionId) const
{
    HandshakeRecord r;
    HttpRequest request;
    if (!rawRequest.isEmpty()
        && HttpRequest::parse(rawRequest, &request, int(rawRequest.size()) + 1)
                == HttpRequest::Status::Complete) {
        r = fromRequest(request, rawRequest);
    } else {
        r.rawRequest = rawRequest;
    }
    r.rawResponse = rawResponse;
    r.transport = transport;
    r.error = error;
    r.time = time;
    r.remoteAddress = remoteAddress;
    r.id = id;
    r.statusCode = statusCode;
    r.remotePort = remotePort;
    r.isUpgrade = isUpgrade;
    r.connectionId = connectionId;
    if (isUpgrade && r.secWebSocketKey.isEmpty())
        r.computeAccept();
    return r;
}

} // namespace Sockscope
