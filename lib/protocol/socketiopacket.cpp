#include "socketiopacket.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

using namespace Qt::StringLiterals;

namespace Sockscope {

namespace {

bool isReservedEventName(const QString &name)
{
    if (name.size() < 7 || name.size() > 14)
        return false;
    return name == u"connect" || name == u"connect_error" || name == u"disconnect"
            || name == u"disconnecting" || name == u"newListener" || name == u"removeListener";
}

// An event name from its UTF-8 bytes (no escapes). A stream of events repeats a few names:
// the last few converted are kept, per thread, and shared instead of converted again.
QString eventNameFromUtf8(QByteArrayView utf8)
{
    constexpr int Kept = 4;
    struct Entry
    {
        QByteArray utf8;
        QString name;
    };
    thread_local Entry kept[Kept];
    thread_local int next = 0;
    for (const Entry &e : kept) {
        if (e.utf8.size() == utf8.size() && !e.utf8.isNull() && QByteArrayView(e.utf8) == utf8)
            return e.name;
    }
    Entry &e = kept[next];
    next = (next + 1) % Kept;
    e.utf8 = utf8.toByteArray();
    e.name = QString::fromUtf8(utf8);
    return e.name;
}

// Parses any JSON value (objects, arrays and scalars) from text.
bool parseJson(QByteArrayView text, QJsonValue *out)
{
    QJsonParseError err;
    const char first = text.isEmpty() ? '\0' : text.front();
    if (first == '{' || first == '[') {
        const QJsonDocument d = QJsonDocument::fromJson(text.toByteArray(), &err);
        if (err.error != QJsonParseError::NoError)
            return false;
        *out = d.isArray() ? QJsonValue(d.array()) : QJsonValue(d.object());
        return true;
    }
    QByteArray wrapped;
    wrapped.reserve(text.size() + 2);
    wrapped.append('[').append(text.data(), text.size()).append(']');
    const QJsonDocument d = QJsonDocument::fromJson(wrapped, &err);
    if (err.error != QJsonParseError::NoError || d.array().size() != 1)
        return false;
    *out = d.array().at(0);
    return true;
}

// Appends s as a JSON string.
void appendJsonString(QByteArray *out, const QString &s)
{
    out->append('"');
    const QByteArray utf8 = s.toUtf8();
    for (const char c : utf8) {
        switch (c) {
        case '"': out->append("\\\""); break;
        case '\\': out->append("\\\\"); break;
        case '\n': out->append("\\n"); break;
        case '\r': out->append("\\r"); break;
        case '\t': out->append("\\t"); break;
        case '\b': out->append("\\b"); break;
        case '\f': out->append("\\f"); break;
        default:
            if (uchar(c) < 0x20) {
                static const char hex[] = "0123456789abcdef";
                out->append("\\u00").append(hex[uchar(c) >> 4]).append(hex[uchar(c) & 15]);
            } else {
                out->append(c);
            }
        }
    }
    out->append('"');
}

// The arguments of an EVENT payload as JSON text: the array without its first element (the
// event name, a string or a number). The payload has been parsed already, so it is valid JSON.
QByteArray argumentsAfterName(QByteArrayView payload)
{
    const auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    qsizetype i = 0;
    const qsizetype n = payload.size();
    while (i < n && isSpace(payload[i]))
        ++i;
    if (i >= n || payload[i] != '[')
        return {};
    ++i;
    while (i < n && isSpace(payload[i]))
        ++i;
    if (i < n && payload[i] == '"') {
        for (++i; i < n && payload[i] != '"'; ++i) {
            if (payload[i] == '\\')
                ++i;
        }
        ++i;
    } else {
        while (i < n && payload[i] != ',' && payload[i] != ']' && !isSpace(payload[i]))
            ++i;
    }
    while (i < n && isSpace(payload[i]))
        ++i;
    if (i >= n)
        return {};
    if (payload[i] == ']')
        return QByteArrayLiteral("[]");
    if (payload[i] != ',')
        return {};
    QByteArray out;
    out.reserve(n - i);
    out.append('[').append(payload.sliced(i + 1));
    return out;
}

} // namespace

SocketIoPacket SocketIoPacket::connect(const QString &nsp, const QJsonValue &payload)
{
    SocketIoPacket p;
    p.m_type = Type::Connect;
    p.m_nsp = nsp;
    // A default QJsonValue is null, and "0null" is not a valid CONNECT: no payload instead.
    if (!payload.isNull())
        p.m_payload = payload;
    return p;
}

SocketIoPacket SocketIoPacket::disconnect(const QString &nsp)
{
    SocketIoPacket p;
    p.m_type = Type::Disconnect;
    p.m_nsp = nsp;
    return p;
}

SocketIoPacket SocketIoPacket::connectError(const QString &nsp, const QString &message,
                                            const QJsonValue &data)
{
    SocketIoPacket p;
    p.m_type = Type::ConnectError;
    p.m_nsp = nsp;
    QJsonObject o;
    o.insert(u"message"_s, message);
    if (!data.isUndefined() && !data.isNull())
        o.insert(u"data"_s, data);
    p.m_payload = o;
    return p;
}

SocketIoPacket SocketIoPacket::event(const QString &nsp, const QString &name,
                                     const Arguments &args, qint64 ackId,
                                     const QByteArray &rawArgs)
{
    SocketIoPacket p;
    p.m_nsp = nsp;
    p.m_ackId = ackId;
    if (!rawArgs.isNull()) {
        p.m_type = Type::Event;
        p.m_rawArgs = rawArgs;
        p.m_rawName = name;
        return p;
    }
    QJsonArray a = Json::deconstruct(args, &p.m_attachments);
    a.prepend(name);
    p.m_payload = a;
    p.m_type = p.m_attachments.isEmpty() ? Type::Event : Type::BinaryEvent;
    return p;
}

SocketIoPacket SocketIoPacket::ack(const QString &nsp, qint64 ackId, const Arguments &args,
                                   const QByteArray &rawArgs)
{
    SocketIoPacket p;
    p.m_nsp = nsp;
    p.m_ackId = ackId;
    if (!rawArgs.isNull()) {
        p.m_type = Type::Ack;
        p.m_rawArgs = rawArgs;
        return p;
    }
    p.m_payload = Json::deconstruct(args, &p.m_attachments);
    p.m_type = p.m_attachments.isEmpty() ? Type::Ack : Type::BinaryAck;
    return p;
}

QJsonValue SocketIoPacket::payload() const
{
    if (!m_payload.isUndefined() || m_rawArgs.isNull())
        return m_payload;
    // Built with rawArgs: the payload those bytes stand for.
    QJsonValue args;
    parseJson(m_rawArgs, &args);
    QJsonArray a = args.toArray();
    if (m_type == Type::Event)
        a.prepend(m_rawName);
    return a;
}

QString SocketIoPacket::eventName() const
{
    if (m_type != Type::Event && m_type != Type::BinaryEvent)
        return {};
    if (m_payload.isUndefined() && !m_rawArgs.isNull())
        return m_rawName;
    const QJsonValue first = m_payload.toArray().at(0);
    if (first.isDouble())
        return QString::number(first.toDouble());
    return first.toString();
}

Arguments SocketIoPacket::arguments() const
{
    if (m_payload.isUndefined() && !m_rawArgs.isNull()) {
        QJsonValue args;
        parseJson(m_rawArgs, &args);
        bool ok = true;
        return Json::reconstruct(args, m_attachments, &ok).toList();
    }
    QJsonArray a = payload().toArray();
    if (m_type == Type::Event || m_type == Type::BinaryEvent)
        a.removeFirst();
    bool ok = true;
    return Json::reconstruct(a, m_attachments, &ok).toList();
}

SocketIoPacket::Encoded SocketIoPacket::encode() const
{
    Encoded out;
    QByteArray &t = out.text;
    t.reserve(24 + m_nsp.size() * 3 + m_rawArgs.size() + m_rawName.size() * 3);
    const bool binary = !m_attachments.isEmpty();
    Type type = m_type;
    if (binary && type == Type::Event)
        type = Type::BinaryEvent;
    else if (binary && type == Type::Ack)
        type = Type::BinaryAck;
    else if (!binary && type == Type::BinaryEvent)
        type = Type::Event;
    else if (!binary && type == Type::BinaryAck)
        type = Type::Ack;
    t.append(char('0' + int(type)));
    if (binary) {
        t.append(QByteArray::number(m_attachments.size()));
        t.append('-');
    }
    if (!m_nsp.isEmpty() && m_nsp != u"/") {
        t.append(m_nsp.toUtf8());
        t.append(',');
    }
    if (m_ackId >= 0) {
        char digits[24];
        char *end = digits + sizeof digits;
        char *p = end;
        qint64 id = m_ackId;
        do {
            *--p = char('0' + id % 10);
            id /= 10;
        } while (id > 0);
        t.append(p, end - p);
    }
    if (!m_payload.isUndefined()) {
        t.append(Json::toCompactJson(m_payload));
    } else if (!m_rawArgs.isNull()) {
        // Arguments passed on as they came: no JSON round trip.
        if (type == Type::Event) {
            t.append('[');
            appendJsonString(&t, m_rawName);
            if (m_rawArgs.size() > 2)
                t.append(',').append(QByteArrayView(m_rawArgs).sliced(1));
            else
                t.append(']');
        } else {
            t.append(m_rawArgs);
        }
    }
    out.attachments = m_attachments;
    return out;
}

bool SocketIoPacket::isReservedEventName(const QString &name)
{
    return Sockscope::isReservedEventName(name);
}

QString SocketIoPacket::typeName(Type type)
{
    switch (type) {
    case Type::Connect:
        return u"CONNECT"_s;
    case Type::Disconnect:
        return u"DISCONNECT"_s;
    case Type::Event:
        return u"EVENT"_s;
    case Type::Ack:
        return u"ACK"_s;
    case Type::ConnectError:
        return u"CONNECT_ERROR"_s;
    case Type::BinaryEvent:
        return u"BINARY_EVENT"_s;
    case Type::BinaryAck:
        return u"BINARY_ACK"_s;
    }
    return u"UNKNOWN"_s;
}

QString SocketIoPacket::errorString(Error error)
{
    switch (error) {
    case Error::None:
        return {};
    case Error::EmptyPacket:
        return u"empty Socket.IO packet"_s;
    case Error::UnknownType:
        return u"unknown Socket.IO packet type (expected a digit 0-6)"_s;
    case Error::InvalidAttachmentCount:
        return u"invalid attachment count (expected digits then '-')"_s;
    case Error::TooManyAttachments:
        return u"too many binary attachments in one packet"_s;
    case Error::UnterminatedNamespace:
        return u"namespace not terminated by ','"_s;
    case Error::InvalidAckId:
        return u"invalid ack id (too long)"_s;
    case Error::InvalidJson:
        return u"payload is not valid JSON"_s;
    case Error::InvalidConnectPayload:
        return u"CONNECT payload must be a JSON object"_s;
    case Error::UnexpectedDisconnectPayload:
        return u"DISCONNECT must not carry a payload"_s;
    case Error::InvalidEventPayload:
        return u"EVENT payload must be a non-empty JSON array"_s;
    case Error::MissingEventName:
        return u"EVENT payload must start with the event name"_s;
    case Error::ReservedEventName:
        return u"event name is reserved (connect, connect_error, disconnect, disconnecting, "
               "newListener, removeListener)"_s;
    case Error::InvalidAckPayload:
        return u"ACK payload must be a JSON array"_s;
    case Error::MissingAckId:
        return u"ACK without an ack id"_s;
    case Error::InvalidConnectErrorPayload:
        return u"CONNECT_ERROR payload must be an object or a string"_s;
    case Error::InvalidPlaceholder:
        return u"binary placeholder points at a missing attachment"_s;
    case Error::UnexpectedBinary:
        return u"binary message received when no binary packet was awaiting attachments"_s;
    case Error::UnexpectedText:
        return u"text message received while a binary packet was awaiting attachments"_s;
    }
    return {};
}

SocketIoPacket::Error SocketIoDecoder::parse(const QByteArray &utf8, SocketIoPacket *out,
                                             int maxAttachments)
{
    return parse(utf8, nullptr, out, maxAttachments);
}

SocketIoPacket::Error SocketIoDecoder::parseTaking(QByteArray *utf8, SocketIoPacket *out,
                                                   int maxAttachments)
{
    return parse(*utf8, utf8, out, maxAttachments);
}

// take, when given, is utf8 itself: its bytes may become the arguments.
SocketIoPacket::Error SocketIoDecoder::parse(const QByteArray &utf8, QByteArray *take,
                                             SocketIoPacket *out, int maxAttachments)
{
    using E = SocketIoPacket::Error;
    using T = SocketIoPacket::Type;
    const qsizetype n = utf8.size();
    if (n == 0)
        return E::EmptyPacket;
    const char c = utf8.at(0);
    if (c < '0' || c > '6')
        return E::UnknownType;
    SocketIoPacket p;
    p.m_type = T(c - '0');
    qsizetype i = 1;

    if (p.isBinary()) {
        qsizetype start = i;
        qint64 count = 0;
        while (i < n && utf8.at(i) >= '0' && utf8.at(i) <= '9') {
            count = count * 10 + (utf8.at(i) - '0');
            if (count > maxAttachments)
                return E::TooManyAttachments;
            ++i;
        }
        if (i == start || i >= n || utf8.at(i) != '-')
            return E::InvalidAttachmentCount;
        ++i;
        p.m_expectedAttachments = int(count);
    }

    if (i < n && utf8.at(i) == '/') {
        const qsizetype comma = utf8.indexOf(',', i);
        // "0/chat" with nothing after is a namespace without payload; JSON before the first
        // ',' (as in 2/chat["a",1], where the ',' is inside the payload) means it is missing.
        const QByteArrayView name = QByteArrayView(utf8).sliced(i, (comma < 0 ? n : comma) - i);
        if (name.contains('{') || name.contains('['))
            return E::UnterminatedNamespace;
        p.m_nsp = QString::fromUtf8(name);
        i = comma < 0 ? n : comma + 1;
    }

    {
        qsizetype start = i;
        qint64 id = 0;
        while (i < n && utf8.at(i) >= '0' && utf8.at(i) <= '9') {
            if (i - start >= 15)
                return E::InvalidAckId;
            id = id * 10 + (utf8.at(i) - '0');
            ++i;
        }
        if (i > start)
            p.m_ackId = id;
    }

    const qsizetype payloadStart = i;
    // EVENT and ACK, the hot path: the payload is checked by a scan, not converted; it is
    // converted only if someone asks for payload() or arguments(). Event names with escapes
    // and numeric ones take the general path below.
    if ((p.m_type == T::Event || p.m_type == T::Ack) && i < n) {
        const QByteArrayView payload = QByteArrayView(utf8).sliced(i);
        const qsizetype open = Json::skipWhitespace(payload, 0);
        if (open < payload.size() && payload[open] == '[') {
            const qsizetype end = Json::scanValue(payload, open);
            if (end < 0 || Json::skipWhitespace(payload, end) != payload.size())
                return E::InvalidJson;
            if (p.m_type == T::Ack) {
                if (!p.hasAckId())
                    return E::MissingAckId;
                if (take && take->isDetached()) {
                    QByteArray bytes = std::exchange(*take, QByteArray());
                    bytes.remove(0, payloadStart); // in place (O(1))
                    p.m_rawArgs = std::move(bytes);
                } else {
                    p.m_rawArgs = payload.toByteArray();
                }
                *out = std::move(p);
                return E::None;
            }
            const qsizetype nameAt = Json::skipWhitespace(payload, open + 1);
            if (payload[nameAt] == ']')
                return E::MissingEventName;
            if (payload[nameAt] == '"') {
                const qsizetype nameEnd = Json::scanValue(payload, nameAt);
                const QByteArrayView name = payload.sliced(nameAt + 1, nameEnd - nameAt - 2);
                if (!name.contains('\\')) {
                    p.m_rawName = eventNameFromUtf8(name);
                    if (isReservedEventName(p.m_rawName))
                        return E::ReservedEventName;
                    const qsizetype after = Json::skipWhitespace(payload, nameEnd);
                    if (payload[after] == ']') {
                        p.m_rawArgs = QByteArrayLiteral("[]");
                    } else if (take && take->isDetached()) {
                        // The arguments are the packet's tail, the ',' after the name turned
                        // into '[': the bytes are kept, the head dropped in place (O(1)).
                        const qsizetype comma = payloadStart + after;
                        QByteArray bytes = std::exchange(*take, QByteArray());
                        bytes[comma] = '[';
                        bytes.remove(0, comma);
                        p.m_rawArgs = std::move(bytes);
                    } else { // ','
                        p.m_rawArgs.reserve(payload.size() - after);
                        p.m_rawArgs.append('[').append(payload.sliced(after + 1));
                    }
                    *out = std::move(p);
                    return E::None;
                }
            }
        }
    }
    if (i < n) {
        QJsonValue v;
        if (!parseJson(QByteArrayView(utf8).sliced(i), &v))
            return E::InvalidJson;
        p.m_payload = v;
    }

    switch (p.m_type) {
    case T::Connect:
        if (!p.m_payload.isUndefined() && !p.m_payload.isObject())
            return E::InvalidConnectPayload;
        break;
    case T::Disconnect:
        if (!p.m_payload.isUndefined())
            return E::UnexpectedDisconnectPayload;
        break;
    case T::Event:
    case T::BinaryEvent: {
        if (!p.m_payload.isArray() || p.m_payload.toArray().isEmpty())
            return p.m_payload.isArray() || p.m_payload.isUndefined() ? E::MissingEventName
                                                                       : E::InvalidEventPayload;
        const QJsonValue first = p.m_payload.toArray().at(0);
        if (!first.isString() && !first.isDouble())
            return E::MissingEventName;
        if (first.isString() && isReservedEventName(first.toString()))
            return E::ReservedEventName;
        if (p.m_type == T::Event)
            p.m_rawArgs = argumentsAfterName(QByteArrayView(utf8).sliced(payloadStart));
        break;
    }
    case T::Ack:
    case T::BinaryAck:
        if (!p.hasAckId())
            return E::MissingAckId;
        if (!p.m_payload.isArray())
            return E::InvalidAckPayload;
        if (p.m_type == T::Ack)
            p.m_rawArgs = QByteArrayView(utf8).sliced(payloadStart).toByteArray();
        break;
    case T::ConnectError:
        if (!p.m_payload.isObject() && !p.m_payload.isString())
            return E::InvalidConnectErrorPayload;
        break;
    }
    *out = std::move(p);
    return E::None;
}

void SocketIoDecoder::reset()
{
    m_packet = SocketIoPacket();
    m_reassembling = false;
    m_error = SocketIoPacket::Error::None;
}

SocketIoDecoder::Status SocketIoDecoder::fail(SocketIoPacket::Error e)
{
    m_packet = SocketIoPacket();
    m_reassembling = false;
    m_error = e;
    return Status::Failed;
}

SocketIoDecoder::Status SocketIoDecoder::decodeText(const QByteArray &utf8)
{
    if (m_reassembling)
        return fail(SocketIoPacket::Error::UnexpectedText);
    m_error = SocketIoPacket::Error::None;
    SocketIoPacket p;
    const SocketIoPacket::Error e = parse(utf8, &p, m_maxAttachments);
    if (e != SocketIoPacket::Error::None)
        return fail(e);
    m_packet = std::move(p);
    if (m_packet.isBinary() && m_packet.m_expectedAttachments > 0) {
        m_reassembling = true;
        m_packet.m_attachments.reserve(m_packet.m_expectedAttachments);
        return Status::NeedAttachments;
    }
    if (m_packet.isBinary()) {
        // "50-[…]": a binary packet with no attachments; placeholders would point nowhere.
        bool ok = true;
        Json::reconstruct(m_packet.m_payload, {}, &ok);
        if (!ok)
            return fail(SocketIoPacket::Error::InvalidPlaceholder);
    }
    return Status::Packet;
}

SocketIoDecoder::Status SocketIoDecoder::decodeBinary(const QByteArray &bytes)
{
    if (!m_reassembling)
        return fail(SocketIoPacket::Error::UnexpectedBinary);
    m_packet.m_attachments.append(bytes);
    if (m_packet.m_attachments.size() < m_packet.m_expectedAttachments)
        return Status::NeedAttachments;
    m_reassembling = false;
    bool ok = true;
    Json::reconstruct(m_packet.m_payload, m_packet.m_attachments, &ok);
    if (!ok)
        return fail(SocketIoPacket::Error::InvalidPlaceholder);
    return Status::Packet;
}

} // namespace Sockscope
