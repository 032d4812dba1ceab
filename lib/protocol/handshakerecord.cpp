#include "handshakerecord.h"

#include "socketiopacket.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace Sockscope {

QByteArray HandshakeRecord::header(QByteArrayView name) const
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

QByteArray HandshakeRecord::responseHeader(QByteArrayView name) const
{
    const QList<QByteArray> lines = headLines(rawResponse);
    const qsizetype i = headerLine(lines, name);
    if (i < 0)
        return {};
    const QByteArray &line = lines.at(i);
    return line.mid(line.indexOf(':') + 1).trimmed();
}

QList<QByteArray> HandshakeRecord::headLines(const QByteArray &head)
{
    QList<QByteArray> lines;
    for (QByteArray line : head.split('\n')) {
        if (line.endsWith('\r'))
            line.chop(1);
        if (line.isEmpty())
            break;
        lines.append(line);
    }
    return lines;
}

qsizetype HandshakeRecord::headerLine(const QList<QByteArray> &lines, QByteArrayView name)
{
    for (qsizetype i = 1; i < lines.size(); ++i) { // line 0: the request or status line
        const qsizetype colon = lines.at(i).indexOf(':');
        if (colon > 0
            && QByteArrayView(lines.at(i)).first(colon).trimmed().compare(name, Qt::CaseInsensitive)
                    == 0)
            return i;
    }
    return -1;
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
    c.firstPackets = firstPackets;
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
    r.firstPackets = firstPackets;
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

HandshakeRecord::Packet HandshakeRecord::Packet::of(const EngineIoPacket &packet, bool outgoing,
                                                    qint64 msAfter)
{
    Packet p;
    p.outgoing = outgoing;
    p.msAfter = msAfter;
    p.binary = packet.isBinary();
    if (p.binary) {
        p.size = packet.data().size();
        p.wire = packet.data().left(MaxBytes);
    } else {
        p.size = packet.data().size() + 1;
        p.wire = QByteArray::number(int(packet.type())) + packet.data().left(MaxBytes - 1);
    }
    return p;
}

QString HandshakeRecord::Packet::wireText() const
{
    const QString arrow = outgoing ? u"→ "_s : u"← "_s;
    if (binary)
        return arrow + u"binary message, %1 bytes"_s.arg(size);
    return arrow + QString::fromUtf8(wire) + (isTruncated() ? u"…"_s : QString());
}

namespace {

QString json(const QJsonValue &v)
{
    if (v.isObject())
        return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    if (v.isArray())
        return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
    const QString one
            = QString::fromUtf8(QJsonDocument(QJsonArray {v}).toJson(QJsonDocument::Compact));
    return one.mid(1, one.size() - 2);
}

} // namespace

QString HandshakeRecord::Packet::decoded() const
{
    using T = EngineIoPacket::Type;
    if (binary) {
        return u"Engine.IO message, binary (%1 bytes): a msgpack packet or an attachment"_s.arg(
                size);
    }
    EngineIoPacket packet;
    if (EngineIoPacket::decodeText(wire, &packet) != EngineIoPacket::Error::None)
        return u"not an Engine.IO packet"_s;
    const QString engine = u"Engine.IO "_s + EngineIoPacket::typeName(packet.type());
    switch (packet.type()) {
    case T::Open: {
        QStringList lines {engine + u": the session's parameters"_s};
        const QJsonObject open = QJsonDocument::fromJson(packet.data()).object();
        for (auto it = open.begin(); it != open.end(); ++it)
            lines.append(u"%1: %2"_s.arg(it.key(), json(it.value())));
        return lines.join(u'\n');
    }
    case T::Ping:
    case T::Pong:
        return packet.data() == "probe"
                ? engine + u" probe: is the new WebSocket working? (the upgrade's test)"_s
                : engine;
    case T::Upgrade:
        return engine + u": the client moves the session to this WebSocket"_s;
    case T::Close:
        return engine + u": the session ends"_s;
    case T::Noop:
        return engine + u": ends a pending poll before the upgrade"_s;
    case T::Message:
        break;
    }
    if (isTruncated())
        return engine + u" (%1 bytes, cut)"_s.arg(size);
    SocketIoPacket io;
    if (SocketIoDecoder::parse(packet.data(), &io) != SocketIoPacket::Error::None)
        return engine + u": "_s + QString::fromUtf8(packet.data());
    QStringList lines {engine + u" → Socket.IO "_s + SocketIoPacket::typeName(io.type())
                       + u" · namespace "_s + io.nsp()
                       + (io.hasAckId() ? u" · ack id %1"_s.arg(io.ackId()) : QString())};
    switch (io.type()) {
    case SocketIoPacket::Type::Connect:
        if (io.payload().isObject())
            lines.append((outgoing ? u"answer: "_s : u"auth: "_s) + json(io.payload()));
        break;
    case SocketIoPacket::Type::Event:
    case SocketIoPacket::Type::BinaryEvent: {
        lines.append(u"event: "_s + io.eventName());
        QJsonArray args = io.payload().toArray();
        if (!args.isEmpty())
            args.removeFirst(); // the name
        lines.append(u"arguments: "_s + json(args));
        break;
    }
    default:
        if (!io.payload().isUndefined())
            lines.append(u"payload: "_s + json(io.payload()));
        break;
    }
    return lines.join(u'\n');
}

} // namespace Sockscope
