#include "jsonlinesformat.h"

#include "handshakerecord.h"
#include "secrets.h"

#include <QDateTime>
#include <QJsonDocument>

#include <limits>

using namespace Qt::StringLiterals;

namespace Sockscope::JsonLinesFormat {

namespace {

constexpr char hexDigit(uint v)
{
    return char(v < 10 ? '0' + v : 'a' + v - 10);
}

// A JSON string as QJsonDocument writes it: UTF-8, the two-character escapes for '"', '\\',
// \b \f \n \r \t, \u00xx for the other control characters, \uxxxx for a lone surrogate.
void appendString(QByteArray &out, QStringView s)
{
    out.append('"');
    const char16_t *p = s.utf16();
    const char16_t *const end = p + s.size();
    while (p != end) {
        // A run of characters written as they are (ids, event names, times: most of a line)
        // goes in at once.
        const char16_t *run = p;
        while (p != end && *p >= 0x20 && *p < 0x80 && *p != u'"' && *p != u'\\')
            ++p;
        if (p != run) {
            const qsizetype at = out.size();
            out.resize(at + (p - run));
            char *d = out.data() + at;
            for (const char16_t *c = run; c != p; ++c)
                *d++ = char(*c);
            if (p == end)
                break;
        }
        const char16_t u = *p++;
        if (u < 0x80) {
            if (u >= 0x20 && u != u'"' && u != u'\\') {
                out.append(char(u));
                continue;
            }
            out.append('\\');
            switch (u) {
            case u'"': out.append('"'); break;
            case u'\\': out.append('\\'); break;
            case 0x08: out.append('b'); break;
            case 0x0c: out.append('f'); break;
            case 0x0a: out.append('n'); break;
            case 0x0d: out.append('r'); break;
            case 0x09: out.append('t'); break;
            default:
                out.append("u00").append(hexDigit(u >> 4)).append(hexDigit(u & 0xf));
            }
        } else if (u < 0x800) {
            out.append(char(0xc0 | (u >> 6))).append(char(0x80 | (u & 0x3f)));
        } else if (QChar::isHighSurrogate(u) && p != end && QChar::isLowSurrogate(*p)) {
            const char32_t c = QChar::surrogateToUcs4(u, *p++);
            out.append(char(0xf0 | (c >> 18)))
                    .append(char(0x80 | ((c >> 12) & 0x3f)))
                    .append(char(0x80 | ((c >> 6) & 0x3f)))
                    .append(char(0x80 | (c & 0x3f)));
        } else if (QChar::isSurrogate(u)) {
            out.append("\\u")
                    .append(hexDigit(u >> 12))
                    .append(hexDigit((u >> 8) & 0xf))
                    .append(hexDigit((u >> 4) & 0xf))
                    .append(hexDigit(u & 0xf));
        } else {
            out.append(char(0xe0 | (u >> 12)))
                    .append(char(0x80 | ((u >> 6) & 0x3f)))
                    .append(char(0x80 | (u & 0x3f)));
        }
    }
    out.append('"');
}

// One line built field by field; the callers add the fields in sorted key order.
class LineWriter
{
public:
    LineWriter() { m_out.reserve(256); m_out.append('{'); }

    void string(const char *key, QStringView value)
    {
        name(key);
        appendString(m_out, value);
    }
    void number(const char *key, qint64 value)
    {
        name(key);
        m_out.append(QByteArray::number(value));
    }
    void boolean(const char *key, bool value)
    {
        name(key);
        m_out.append(value ? "true" : "false");
    }
    void json(const char *key, QByteArrayView text)
    {
        name(key);
        m_out.append(text);
    }
    void connection(const QString &id)
    {
        if (!id.isEmpty())
            string("connection", id);
    }
    void direction(Direction d) { string("direction", d == Direction::In ? u"in" : u"out"); }
    void time(qint64 ms) { string("time", timeText(ms)); }
    void type(QStringView type) { string("type", type); }
    QByteArray finish()
    {
        m_out.append("}\n");
        return std::move(m_out);
    }

private:
    void name(const char *key)
    {
        if (m_out.size() > 1)
            m_out.append(',');
        m_out.append('"').append(key).append("\":");
    }
    QByteArray m_out;
};

// The arguments array: the text it arrived as when known (one line), else the display form.
void appendArguments(LineWriter &w, const EventArguments &args)
{
    const QByteArray text = args.json();
    if (!text.isNull()) {
        if (!text.contains('\n') && !text.contains('\r')) {
            w.json("args", text);
        } else {
            // Raw line breaks can only be whitespace between tokens (strings escape theirs).
            QByteArray oneLine = text;
            oneLine.replace('\n', ' ').replace('\r', ' ');
            w.json("args", oneLine);
        }
        return;
    }
    w.json("args", Json::toCompactJson(Json::toDisplayJson(args.values(), MaxBinaryBytes)));
}

} // namespace

QString timeText(qint64 ms)
{
    // Lines come many a second: the date and time up to the second are made once per second.
    thread_local qint64 cachedSecond = std::numeric_limits<qint64>::min();
    thread_local QString cachedPrefix; // "2026-11-26T10:00:00."
    const qint64 second = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    if (second != cachedSecond) {
        cachedSecond = second;
        cachedPrefix = QDateTime::fromMSecsSinceEpoch(second * 1000, Qt::UTC)
                               .toString(u"yyyy-MM-dd'T'HH:mm:ss."_s);
    }
    const int milli = int(ms - second * 1000);
    QString text;
    text.reserve(cachedPrefix.size() + 4);
    text.append(cachedPrefix);
    text.append(QChar(u'0' + milli / 100)).append(QChar(u'0' + milli / 10 % 10));
    text.append(QChar(u'0' + milli % 10)).append(u'Z');
    return text;
}

QByteArray eventLine(qint64 timeMs, const SocketFields &socket, Direction direction,
                     const QString &event, const EventArguments &args, qint64 ackId,
                     const QString &offset)
{
    LineWriter w;
    if (ackId >= 0)
        w.number("ackId", ackId);
    appendArguments(w, args);
    w.connection(socket.connection);
    w.direction(direction);
    w.string("event", event);
    w.string("namespace", socket.nsp);
    if (!offset.isEmpty())
        w.string("offset", offset);
    w.string("socket", socket.socket);
    w.time(timeMs);
    w.type(u"event");
    return w.finish();
}

QByteArray ackLine(qint64 timeMs, const SocketFields &socket, Direction direction, qint64 ackId,
                   const EventArguments &args, qint64 roundTripMs)
{
    LineWriter w;
    w.number("ackId", ackId);
    appendArguments(w, args);
    w.connection(socket.connection);
    w.direction(direction);
    w.string("namespace", socket.nsp);
    if (direction == Direction::In && roundTripMs >= 0)
        w.number("roundTripMs", roundTripMs);
    w.string("socket", socket.socket);
    w.time(timeMs);
    w.type(u"ack");
    return w.finish();
}

QByteArray ackTimeoutLine(qint64 timeMs, const SocketFields &socket, Direction direction,
                          qint64 ackId, qint64 waitedMs)
{
    LineWriter w;
    w.number("ackId", ackId);
    w.connection(socket.connection);
    w.direction(direction);
    w.string("namespace", socket.nsp);
    w.string("socket", socket.socket);
    w.time(timeMs);
    w.boolean("timedOut", true);
    w.type(u"ack");
    w.number("waitedMs", waitedMs);
    return w.finish();
}

QByteArray plainMessageLine(qint64 timeMs, const QString &connection, Direction direction,
                            const QByteArray &data, bool binary)
{
    LineWriter w;
    if (binary)
        w.json("base64", QByteArray('"' + data.left(MaxBinaryBytes).toBase64() + '"'));
    w.string("connection", connection);
    w.direction(direction);
    w.string("opcode", binary ? u"binary" : u"text");
    w.number("size", data.size());
    if (!binary)
        w.string("text", QString::fromUtf8(data));
    w.time(timeMs);
    if (binary && data.size() > MaxBinaryBytes)
        w.boolean("truncated", true);
    w.type(u"plain_message");
    return w.finish();
}

QByteArray plainCloseLine(qint64 timeMs, const QString &connection, int code,
                          const QString &reason)
{
    LineWriter w;
    w.number("code", code);
    w.string("connection", connection);
    w.string("reason", reason);
    w.time(timeMs);
    w.type(u"plain_close");
    return w.finish();
}

QByteArray droppedLine(qint64 timeMs, quint64 count)
{
    LineWriter w;
    w.json("count", QByteArray::number(count));
    w.time(timeMs);
    w.type(u"log_dropped");
    return w.finish();
}

QByteArray connectLine(qint64 timeMs, const SocketFields &socket, const QJsonObject &auth,
                       const QString &remote, bool revealSecrets, bool recovered)
{
    QJsonObject o;
    o.insert(u"socket"_s, socket.socket);
    if (recovered)
        o.insert(u"recovered"_s, true);
    o.insert(u"namespace"_s, socket.nsp);
    if (!socket.connection.isEmpty())
        o.insert(u"connection"_s, socket.connection);
    o.insert(u"auth"_s, revealSecrets ? auth : Secrets::redactAuth(auth));
    o.insert(u"remote"_s, remote);
    return line(u"connect"_s, timeMs, o);
}

QByteArray handshakeLine(qint64 timeMs, const HandshakeRecord &r, bool revealSecrets)
{
    QJsonObject o;
    if (!r.connectionId.isEmpty())
        o.insert(u"connection"_s, r.connectionId);
    o.insert(u"remote"_s, u"%1:%2"_s.arg(r.remoteAddress.toString()).arg(r.remotePort));
    o.insert(u"method"_s, QString::fromLatin1(r.method));
    o.insert(u"target"_s, QString::fromUtf8(r.target));
    o.insert(u"status"_s, r.statusCode);
    if (!r.transport.isEmpty())
        o.insert(u"transport"_s, r.transport);
    QJsonObject headers;
    for (const auto &h : r.headers) {
        const QString value = !revealSecrets && Secrets::isSecretHeader(h.first)
                ? Secrets::Redacted.toString()
                : QString::fromUtf8(h.second);
        headers.insert(QString::fromLatin1(h.first), value);
    }
    o.insert(u"headers"_s, headers);
    if (!r.secWebSocketKey.isEmpty()) {
        o.insert(u"secWebSocketKey"_s, QString::fromLatin1(r.secWebSocketKey));
        o.insert(u"sha1"_s, QString::fromLatin1(r.sha1.toHex()));
        o.insert(u"secWebSocketAccept"_s, QString::fromLatin1(r.secWebSocketAccept));
    }
    if (!r.error.isEmpty())
        o.insert(u"error"_s, r.error);
    return line(u"handshake"_s, timeMs, o);
}

QByteArray line(const QString &type, qint64 timeMs, const QJsonObject &fields)
{
    QJsonObject o = fields;
    o.insert(u"type"_s, type);
    o.insert(u"time"_s, timeText(timeMs));
    QByteArray text = QJsonDocument(o).toJson(QJsonDocument::Compact);
    text.append('\n');
    return text;
}

} // namespace Sockscope::JsonLinesFormat
