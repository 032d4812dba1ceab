#include "secrets.h"
#include "socketiopacket.h"

#include <QList>

namespace Sockscope::Secrets {

bool isSecretHeader(QByteArrayView name)
{
    const QByteArrayView n = name.trimmed();
    return n.compare("authorization", Qt::CaseInsensitive) == 0
            || n.compare("cookie", Qt::CaseInsensitive) == 0
            || n.compare("proxy-authorization", Qt::CaseInsensitive) == 0;
}

QJsonObject redactAuth(const QJsonObject &auth)
{
    QJsonObject o;
    for (auto it = auth.begin(); it != auth.end(); ++it)
        o.insert(it.key(), Redacted.toString());
    return o;
}

HandshakeRecord redact(const HandshakeRecord &record)
{
    HandshakeRecord r = record;
    const QByteArray marker = Redacted.toLatin1();
    for (auto &h : r.headers) {
        if (isSecretHeader(h.first))
            h.second = marker;
    }
    // The request head: header lines are "Name: value\r\n" after the request line; a value
    // folded onto following lines (obsolete, but possible) is hidden too.
    QList<QByteArray> lines = r.rawRequest.split('\n');
    bool hiding = false;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        QByteArray &line = lines[i];
        const bool cr = line.endsWith('\r');
        const QByteArray body = cr ? line.chopped(1) : line;
        if (body.isEmpty()) // end of the head
            break;
        if (hiding && (body.startsWith(' ') || body.startsWith('\t'))) {
            line = QByteArray(" ") + marker + (cr ? "\r" : "");
            continue;
        }
        const qsizetype colon = body.indexOf(':');
        hiding = colon > 0 && isSecretHeader(QByteArrayView(body).first(colon));
        if (hiding)
            line = body.left(colon + 1) + ' ' + marker + (cr ? "\r" : "");
    }
    r.rawRequest = lines.join('\n');
    // A client's CONNECT among the first packets: its auth values.
    for (HandshakeRecord::Packet &p : r.firstPackets) {
        if (p.outgoing || p.binary || !p.wire.startsWith("40"))
            continue;
        SocketIoPacket connect;
        if (p.isTruncated()
            || SocketIoDecoder::parse(p.wire.mid(1), &connect) != SocketIoPacket::Error::None) {
            p.wire = "40" + marker; // cannot be read, so not shown
            p.size = p.wire.size();
            continue;
        }
        if (!connect.payload().isObject())
            continue;
        connect.setPayload(redactAuth(connect.payload().toObject()));
        p.wire = '4' + connect.encode().text;
        p.size = p.wire.size();
    }
    return r;
}

} // namespace Sockscope::Secrets
