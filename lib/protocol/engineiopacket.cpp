#include "engineiopacket.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace Sockscope {

QByteArray EngineIoPacket::encodeText() const
{
    QByteArray out;
    out.reserve(m_data.size() + 1);
    out.append(char('0' + int(m_type)));
    out.append(m_data);
    return out;
}

EngineIoPacket::Error EngineIoPacket::decodeText(const QByteArray &frame, EngineIoPacket *out)
{
    if (frame.isEmpty())
        return Error::EmptyPacket;
    const char c = frame.at(0);
    if (c < '0' || c > '6')
        return Error::UnknownType;
    *out = EngineIoPacket(Type(c - '0'), frame.mid(1));
    return Error::None;
}

QByteArray EngineIoPacket::encodePayload(const QList<EngineIoPacket> &packets)
{
    QByteArray out;
    for (qsizetype i = 0; i < packets.size(); ++i) {
        if (i)
            out.append('\x1e');
        const EngineIoPacket &p = packets.at(i);
        if (p.m_binary) {
            out.append('b');
            out.append(p.m_data.toBase64());
        } else {
            out.append(p.encodeText());
        }
    }
    return out;
}

EngineIoPacket::Error EngineIoPacket::decodePayload(const QByteArray &payload,
                                                    QList<EngineIoPacket> *out, int maxPackets)
{
    out->clear();
    if (payload.isEmpty())
        return Error::EmptyPacket;
    qsizetype start = 0;
    while (start <= payload.size()) {
        qsizetype end = payload.indexOf('\x1e', start);
        if (end < 0)
            end = payload.size();
        if (out->size() >= maxPackets) {
            out->clear();
            return Error::TooManyPackets;
        }
        const QByteArray part = payload.mid(start, end - start);
        if (part.startsWith('b')) {
            auto decoded = QByteArray::fromBase64Encoding(
                    part.mid(1), QByteArray::Base64Encoding | QByteArray::AbortOnBase64DecodingErrors);
            if (!decoded) {
                out->clear();
                return Error::InvalidBase64;
            }
            out->append(binaryMessage(decoded.decoded));
        } else {
            EngineIoPacket p;
            const Error e = decodeText(part, &p);
            if (e != Error::None) {
                out->clear();
                return e;
            }
            out->append(p);
        }
        start = end + 1;
    }
    return Error::None;
}

QString EngineIoPacket::errorString(Error error)
{
    switch (error) {
    case Error::None:
        return {};
    case Error::EmptyPacket:
        return u"empty Engine.IO packet"_s;
    case Error::UnknownType:
        return u"unknown Engine.IO packet type (expected a digit 0-6)"_s;
    case Error::BinaryNotMessage:
        return u"binary data outside a message packet"_s;
    case Error::InvalidBase64:
        return u"invalid base64 in a binary polling packet"_s;
    case Error::TooManyPackets:
        return u"too many packets in one polling payload"_s;
    }
    return {};
}

QString EngineIoPacket::typeName(Type type)
{
    static const char *const names[] = { "open", "close", "ping", "pong", "message", "upgrade", "noop" };
    const int i = int(type);
    return i >= 0 && i < 7 ? QString::fromLatin1(names[i]) : u"unknown"_s;
}

QByteArray EngineIoOpen::toJson() const
{
    QJsonObject o;
    o.insert(u"sid"_s, sid);
    o.insert(u"upgrades"_s, QJsonArray::fromStringList(upgrades));
    o.insert(u"pingInterval"_s, pingInterval);
    o.insert(u"pingTimeout"_s, pingTimeout);
    o.insert(u"maxPayload"_s, maxPayload);
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

bool EngineIoOpen::fromJson(const QByteArray &json, EngineIoOpen *out)
{
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject())
        return false;
    const QJsonObject o = doc.object();
    if (!o.value(u"sid"_s).isString())
        return false;
    EngineIoOpen r;
    r.sid = o.value(u"sid"_s).toString();
    for (const QJsonValue &v : o.value(u"upgrades"_s).toArray())
        r.upgrades.append(v.toString());
    r.pingInterval = o.value(u"pingInterval"_s).toInt(r.pingInterval);
    r.pingTimeout = o.value(u"pingTimeout"_s).toInt(r.pingTimeout);
    r.maxPayload = qint64(o.value(u"maxPayload"_s).toDouble(double(r.maxPayload)));
    *out = r;
    return true;
}

} // namespace Sockscope
