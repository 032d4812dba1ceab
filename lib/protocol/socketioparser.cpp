#include "socketioparser.h"

#include "msgpack.h"

#include <cmath>

using namespace Qt::StringLiterals;

namespace Sockscope {

JsonSocketIoParser::~JsonSocketIoParser() = default;

SocketIoParser::Status JsonSocketIoParser::decode(EngineIoPacket &&message, SocketIoPacket *out)
{
    QByteArray data = message.takeData();
    if (!message.isBinary() && !(m_decoder && m_decoder->isReassembling())) {
        // The usual case, a text packet on its own: no decoder state needed. An event's
        // arguments keep the received bytes (a binary packet's header leaves them here).
        const SocketIoPacket::Error e = SocketIoDecoder::parseTaking(&data, out, m_maxAttachments);
        if (e != SocketIoPacket::Error::None) {
            m_error = e;
            return Status::Failed;
        }
        if (!out->isBinary())
            return Status::Packet;
        // BINARY_EVENT / BINARY_ACK: its attachments follow; the decoder reassembles.
    }
    if (!m_decoder)
        m_decoder = std::make_unique<SocketIoDecoder>(m_maxAttachments);
    const SocketIoDecoder::Status status =
            message.isBinary() ? m_decoder->decodeBinary(data) : m_decoder->decodeText(data);
    switch (status) {
    case SocketIoDecoder::Status::Packet:
        *out = m_decoder->takePacket();
        return Status::Packet;
    case SocketIoDecoder::Status::NeedAttachments:
        return Status::NeedMore;
    case SocketIoDecoder::Status::Failed:
        m_error = m_decoder->error();
        return Status::Failed;
    }
    return Status::Failed;
}

QString JsonSocketIoParser::errorString() const
{
    return SocketIoPacket::errorString(m_error);
}

void JsonSocketIoParser::reset()
{
    if (m_decoder)
        m_decoder->reset();
}

} // namespace Sockscope

// --- the msgpack format ---

namespace Sockscope {

namespace {

// A packet's numbers come as msgpack integers; a whole float is accepted as JavaScript
// would take it.
bool toInteger(const QVariant &v, qint64 *out)
{
    if (v.typeId() == QMetaType::LongLong) {
        *out = v.toLongLong();
        return true;
    }
    if (v.typeId() == QMetaType::Double) {
        const double d = v.toDouble();
        if (std::floor(d) == d && d >= -9007199254740992.0 && d <= 9007199254740992.0) {
            *out = qint64(d);
            return true;
        }
    }
    return false;
}

} // namespace

SocketIoParser::Status MsgpackSocketIoParser::fail(const QString &why)
{
    m_error = why;
    return Status::Failed;
}

SocketIoParser::Status MsgpackSocketIoParser::decode(EngineIoPacket &&message, SocketIoPacket *out)
{
    using E = SocketIoPacket::Error;
    using T = SocketIoPacket::Type;
    if (!message.isBinary())
        return fail(u"text message on a msgpack connection (every packet is one binary message)"_s);
    const QByteArray data = message.takeData();
    if (!startsWithMap(data))
        return fail(u"msgpack packet is not a map"_s);
    QVariant decoded;
    QString why;
    if (!Msgpack::decode(data, &decoded, &why))
        return fail(u"invalid msgpack: "_s + why);
    const QVariantMap map = decoded.toMap();
    const auto field = [&map](const QString &key) {
        const auto it = map.constFind(key);
        return it == map.cend() ? QVariant() : *it; // absent and undefined alike
    };

    qint64 type = -1;
    if (!toInteger(field(u"type"_s), &type) || type < 0 || type > int(T::ConnectError))
        return fail(u"invalid packet type (expected an integer 0-4)"_s);
    const QVariant nspValue = field(u"nsp"_s);
    if (nspValue.typeId() != QMetaType::QString)
        return fail(u"invalid namespace (expected a string)"_s);
    const QString nsp = nspValue.toString();
    qint64 id = -1;
    const QVariant idValue = field(u"id"_s);
    if (idValue.isValid() && (!toInteger(idValue, &id) || id < 0))
        return fail(u"invalid ack id (expected a non-negative integer)"_s);
    const QVariant payload = field(u"data"_s);
    const bool hasData = payload.isValid();

    switch (T(type)) {
    case T::Connect:
        if (hasData && payload.typeId() != QMetaType::QVariantMap)
            return fail(SocketIoPacket::errorString(E::InvalidConnectPayload));
        *out = SocketIoPacket::connect(nsp, hasData ? Json::toDisplayJson(payload) : QJsonValue());
        return Status::Packet;
    case T::Disconnect:
        if (hasData)
            return fail(SocketIoPacket::errorString(E::UnexpectedDisconnectPayload));
        *out = SocketIoPacket::disconnect(nsp);
        return Status::Packet;
    case T::Event: {
        if (payload.typeId() != QMetaType::QVariantList)
            return fail(SocketIoPacket::errorString(E::InvalidEventPayload));
        QVariantList args = payload.toList();
        if (args.isEmpty())
            return fail(SocketIoPacket::errorString(E::InvalidEventPayload));
        const QVariant first = args.takeFirst();
        QString name;
        if (first.typeId() == QMetaType::QString)
            name = first.toString();
        else if (first.typeId() == QMetaType::LongLong)
            name = QString::number(first.toLongLong());
        else if (first.typeId() == QMetaType::Double)
            name = QString::number(first.toDouble());
        else
            return fail(SocketIoPacket::errorString(E::MissingEventName));
        if (SocketIoPacket::isReservedEventName(name))
            return fail(SocketIoPacket::errorString(E::ReservedEventName));
        *out = SocketIoPacket::event(nsp, name, args, id);
        return Status::Packet;
    }
    case T::Ack:
        if (payload.typeId() != QMetaType::QVariantList)
            return fail(SocketIoPacket::errorString(E::InvalidAckPayload));
        if (id < 0)
            return fail(SocketIoPacket::errorString(E::MissingAckId));
        *out = SocketIoPacket::ack(nsp, id, payload.toList());
        return Status::Packet;
    case T::ConnectError: {
        if (payload.typeId() != QMetaType::QString && payload.typeId() != QMetaType::QVariantMap)
            return fail(SocketIoPacket::errorString(E::InvalidConnectErrorPayload));
        SocketIoPacket p = SocketIoPacket::connectError(nsp, QString());
        p.setPayload(Json::toDisplayJson(payload));
        *out = std::move(p);
        return Status::Packet;
    }
    case T::BinaryEvent:
    case T::BinaryAck:
        break;
    }
    return fail(u"invalid packet type (expected an integer 0-4)"_s);
}

SocketIoPacket::Encoded MsgpackSocketIoParser::encode(const SocketIoPacket &packet) const
{
    using T = SocketIoPacket::Type;
    SocketIoPacket::Encoded out;
    out.binary = true;
    T type = packet.type();
    if (type == T::BinaryEvent)
        type = T::Event;
    else if (type == T::BinaryAck)
        type = T::Ack;
    const QJsonValue payload = packet.payload();
    const bool hasData = !payload.isUndefined();
    const bool hasId = packet.hasAckId();
    QByteArray &b = out.text;
    b.reserve(64);
    b.append(char(0x80 | (2 + int(hasData) + int(hasId))));
    b.append("\xa4type", 5);
    b.append(char(type)); // a positive fixint
    b.append("\xa3nsp", 4);
    Msgpack::append(&b, QVariant(packet.nsp()));
    if (hasData) {
        b.append("\xa4" "data", 5);
        const QList<QByteArray> attachments = packet.attachments();
        Msgpack::append(&b, payload, &attachments);
    }
    if (hasId) {
        b.append("\xa2id", 3);
        Msgpack::append(&b, QVariant(packet.ackId()));
    }
    return out;
}

} // namespace Sockscope
