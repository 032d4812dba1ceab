#include "jsonlinesformat.h"

#include "handshakerecord.h"
#include "secrets.h"

#include <QDateTime>
#include <QJsonDocument>

#include <charconv>
#include <cstring>
#include <limits>

#ifdef __SSE2__
#    include <emmintrin.h>
#endif

using namespace Qt::StringLiterals;

namespace Sockscope::JsonLinesFormat {

namespace {

constexpr char hexDigit(uint v) { return char(v < 10 ? '0' + v : 'a' + v - 10); }

// One line built field by field into a buffer grown by hand: a line is a few hundred bytes
// written in small pieces, and QByteArray::append() per piece cost more than the rest of the
// line (issue 18's callgrind profile). The callers add the fields in sorted key order.
class LineWriter
{
public:
    // Appends the line to out, whose capacity is used as it is (a caller that writes many lines
    // keeps one buffer, so a line costs no allocation).
    explicit LineWriter(QByteArray &out, qsizetype sizeHint = 0)
        : m_out(out)
        , m_start(out.size())
    {
        const qsizetype want = m_start + qMax<qsizetype>(256, sizeHint + 192);
        m_out.resize(qMax(want, m_out.capacity()));
        m_p = m_out.data() + m_start;
        m_end = m_out.data() + m_out.size();
        *m_p++ = '{';
    }

    // A JSON string value alone (quotes included) appended to out.
    static void stringValue(QByteArray &out, QStringView value)
    {
        LineWriter w(out, 3 * value.size());
        w.m_p = w.m_out.data() + w.m_start; // no '{'
        w.appendString(value);
        w.m_out.resize(w.position());
    }

    void string(const char *key, QStringView value)
    {
        name(key);
        appendString(value);
    }
    // Like string(), and where the value (quotes included) went in the buffer.
    void string(const char *key, QStringView value, qsizetype *from, qsizetype *to)
    {
        name(key);
        *from = position();
        appendString(value);
        *to = position();
    }
    qsizetype position() const { return m_p - m_out.constData(); }
    void number(const char *key, qint64 value)
    {
        name(key);
        appendNumber(value);
    }
    void boolean(const char *key, bool value)
    {
        name(key);
        if (value)
            put("true", 4);
        else
            put("false", 5);
    }
    void json(const char *key, QByteArrayView text)
    {
        name(key);
        put(text.data(), text.size());
    }
    void connection(const QString &id)
    {
        if (!id.isEmpty())
            string("connection", id);
    }
    void direction(Direction d)
    {
        name("direction");
        if (d == Direction::In)
            put("\"in\"", 4);
        else
            put("\"out\"", 5);
    }
    void time(qint64 ms)
    {
        name("time");
        appendTime(ms);
    }
    void type(QStringView type) { string("type", type); }
    void finish()
    {
        reserve(2);
        *m_p++ = '}';
        *m_p++ = '\n';
        m_out.resize(m_p - m_out.constData()); // shrinking keeps the block: no copy
    }

private:
    void reserve(qsizetype n)
    {
        if (m_end - m_p >= n)
            return;
        const qsizetype used = m_p - m_out.constData();
        m_out.resize(qMax(2 * m_out.size(), used + n));
        m_p = m_out.data() + used;
        m_end = m_out.data() + m_out.size();
    }
    void put(const char *data, qsizetype size)
    {
        reserve(size);
        memcpy(m_p, data, size_t(size));
        m_p += size;
    }
    void name(const char *key)
    {
        const qsizetype n = qsizetype(strlen(key));
        reserve(n + 4);
        if (m_p - m_out.constData() > m_start + 1)
            *m_p++ = ',';
        *m_p++ = '"';
        memcpy(m_p, key, size_t(n));
        m_p += n;
        *m_p++ = '"';
        *m_p++ = ':';
    }
    void appendNumber(qint64 value)
    {
        reserve(24);
        m_p = std::to_chars(m_p, m_end, value).ptr;
    }

    // A JSON string as QJsonDocument writes it: UTF-8, the two-character escapes for '"',
    // '\\', \b \f \n \r \t, \u00xx for the other control characters, \uxxxx for a lone
    // surrogate.
    void appendString(QStringView s)
    {
        // Three bytes per UTF-16 unit hold any UTF-8 (a surrogate pair is four bytes for two
        // units); an escape reserves its own extra bytes.
        reserve(2 + 3 * s.size());
        char *d = m_p;
        *d++ = '"';
        const char16_t *p = s.utf16();
        const char16_t *const end = p + s.size();
        while (p != end) {
#ifdef __SSE2__
            // Eight characters at a time while they are printable ASCII that needs no escape
            // (ids, names, times: most of a line).
            while (end - p >= 8) {
                const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
                // Signed compares: units from 0x8000 up are negative, so "< 0x20" takes them.
                const __m128i bad
                        = _mm_or_si128(_mm_or_si128(_mm_cmpgt_epi16(v, _mm_set1_epi16(0x7e)),
                                                    _mm_cmplt_epi16(v, _mm_set1_epi16(0x20))),
                                       _mm_or_si128(_mm_cmpeq_epi16(v, _mm_set1_epi16(u'"')),
                                                    _mm_cmpeq_epi16(v, _mm_set1_epi16(u'\\'))));
                if (_mm_movemask_epi8(bad) != 0)
                    break;
                _mm_storel_epi64(reinterpret_cast<__m128i *>(d), _mm_packus_epi16(v, v));
                d += 8;
                p += 8;
            }
            if (p == end)
                break;
#endif
            const char16_t u = *p++;
            if (u < 0x80) {
                if (u >= 0x20 && u != u'"' && u != u'\\') {
                    *d++ = char(u);
                    continue;
                }
                m_p = d;
                reserve(6 + 3 * (end - p) + 1);
                d = m_p;
                *d++ = '\\';
                switch (u) {
                case u'"':
                    *d++ = '"';
                    break;
                case u'\\':
                    *d++ = '\\';
                    break;
                case 0x08:
                    *d++ = 'b';
                    break;
                case 0x0c:
                    *d++ = 'f';
                    break;
                case 0x0a:
                    *d++ = 'n';
                    break;
                case 0x0d:
                    *d++ = 'r';
                    break;
                case 0x09:
                    *d++ = 't';
                    break;
                default:
                    *d++ = 'u';
                    *d++ = '0';
                    *d++ = '0';
                    *d++ = hexDigit(u >> 4);
                    *d++ = hexDigit(u & 0xf);
                }
            } else if (u < 0x800) {
                *d++ = char(0xc0 | (u >> 6));
                *d++ = char(0x80 | (u & 0x3f));
            } else if (QChar::isHighSurrogate(u) && p != end && QChar::isLowSurrogate(*p)) {
                const char32_t c = QChar::surrogateToUcs4(u, *p++);
                *d++ = char(0xf0 | (c >> 18));
                *d++ = char(0x80 | ((c >> 12) & 0x3f));
                *d++ = char(0x80 | ((c >> 6) & 0x3f));
                *d++ = char(0x80 | (c & 0x3f));
            } else if (QChar::isSurrogate(u)) {
                m_p = d;
                reserve(6 + 3 * (end - p) + 1);
                d = m_p;
                *d++ = '\\';
                *d++ = 'u';
                *d++ = hexDigit(u >> 12);
                *d++ = hexDigit((u >> 8) & 0xf);
                *d++ = hexDigit((u >> 4) & 0xf);
                *d++ = hexDigit(u & 0xf);
            } else {
                *d++ = char(0xe0 | (u >> 12));
                *d++ = char(0x80 | ((u >> 6) & 0x3f));
                *d++ = char(0x80 | (u & 0x3f));
            }
        }
        *d++ = '"';
        m_p = d;
    }

    // "2026-11-26T10:00:00.123Z", the part up to the second made once a second.
    void appendTime(qint64 ms)
    {
        thread_local qint64 cachedSecond = std::numeric_limits<qint64>::min();
        thread_local QByteArray cachedPrefix; // "\"2026-11-26T10:00:00."
        const qint64 second = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
        if (second != cachedSecond) {
            cachedSecond = second;
            cachedPrefix = '"'
                    + QDateTime::fromMSecsSinceEpoch(second * 1000, Qt::UTC)
                              .toString(u"yyyy-MM-dd'T'HH:mm:ss."_s)
                              .toLatin1();
        }
        const int milli = int(ms - second * 1000);
        reserve(cachedPrefix.size() + 5);
        memcpy(m_p, cachedPrefix.constData(), size_t(cachedPrefix.size()));
        m_p += cachedPrefix.size();
        *m_p++ = char('0' + milli / 100);
        *m_p++ = char('0' + milli / 10 % 10);
        *m_p++ = char('0' + milli % 10);
        *m_p++ = 'Z';
        *m_p++ = '"';
    }

    QByteArray &m_out; // while writing, its size is its capacity; m_p is where the next byte goes
    const qsizetype m_start;
    char *m_p = nullptr;
    char *m_end = nullptr;
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

namespace {

// eventLine(), and where the values of "connection" (none when empty) and "socket" went.
void writeEventLine(QByteArray &out, qint64 timeMs, const SocketFields &socket, Direction direction,
                    const QString &event, const EventArguments &args, qint64 ackId,
                    const QString &offset, qsizetype spans[4])
{
    LineWriter w(out, args.json().size() + 3 * event.size());
    if (ackId >= 0)
        w.number("ackId", ackId);
    appendArguments(w, args);
    spans[0] = spans[1] = w.position();
    if (!socket.connection.isEmpty())
        w.string("connection", socket.connection, &spans[0], &spans[1]);
    w.direction(direction);
    w.string("event", event);
    w.string("namespace", socket.nsp);
    if (!offset.isEmpty())
        w.string("offset", offset);
    w.string("socket", socket.socket, &spans[2], &spans[3]);
    w.time(timeMs);
    w.type(u"event");
    w.finish();
}

} // namespace

void eventLine(QByteArray &out, qint64 timeMs, const SocketFields &socket, Direction direction,
               const QString &event, const EventArguments &args, qint64 ackId,
               const QString &offset)
{
    qsizetype spans[4];
    writeEventLine(out, timeMs, socket, direction, event, args, ackId, offset, spans);
}

void SharedEventLines::append(QByteArray &out, qint64 timeMs, const SocketFields &socket,
                              Direction direction, const QString &event, const EventArguments &args,
                              qint64 ackId, const QString &offset)
{
    const QByteArray json = args.json();
    const bool same = !json.isNull() && json.constData() == m_args.constData()
            && json.size() == m_args.size() && timeMs == m_timeMs && direction == m_direction
            && ackId == m_ackId && socket.connection.isEmpty() == m_noConnection && event == m_event
            && socket.nsp == m_nsp && offset == m_offset;
    if (!same) {
        const qsizetype at = out.size();
        qsizetype spans[4];
        writeEventLine(out, timeMs, socket, direction, event, args, ackId, offset, spans);
        if (json.isNull())
            return; // arguments without their text: nothing tells that the next ones are alike
        m_line = out.sliced(at);
        for (int i = 0; i < 4; ++i)
            m_spans[i] = spans[i] - at;
        m_args = json;
        m_timeMs = timeMs;
        m_direction = direction;
        m_ackId = ackId;
        m_noConnection = socket.connection.isEmpty();
        m_event = event;
        m_nsp = socket.nsp;
        m_offset = offset;
        return;
    }
    // The prepared line with this socket's two values in place of the first one's.
    const char *line = m_line.constData();
    out.append(line, m_spans[0]);
    if (!m_noConnection)
        LineWriter::stringValue(out, socket.connection);
    out.append(line + m_spans[1], m_spans[2] - m_spans[1]);
    LineWriter::stringValue(out, socket.socket);
    out.append(line + m_spans[3], m_line.size() - m_spans[3]);
}

void ackLine(QByteArray &out, qint64 timeMs, const SocketFields &socket, Direction direction,
             qint64 ackId, const EventArguments &args, qint64 roundTripMs)
{
    LineWriter w(out, args.json().size());
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
    w.finish();
}

void ackTimeoutLine(QByteArray &out, qint64 timeMs, const SocketFields &socket, Direction direction,
                    qint64 ackId, qint64 waitedMs)
{
    LineWriter w(out);
    w.number("ackId", ackId);
    w.connection(socket.connection);
    w.direction(direction);
    w.string("namespace", socket.nsp);
    w.string("socket", socket.socket);
    w.time(timeMs);
    w.boolean("timedOut", true);
    w.type(u"ack");
    w.number("waitedMs", waitedMs);
    w.finish();
}

void plainMessageLine(QByteArray &out, qint64 timeMs, const QString &connection,
                      Direction direction, const QByteArray &data, bool binary)
{
    LineWriter w(out);
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
    w.finish();
}

void plainCloseLine(QByteArray &out, qint64 timeMs, const QString &connection, int code,
                    const QString &reason)
{
    LineWriter w(out);
    w.number("code", code);
    w.string("connection", connection);
    w.string("reason", reason);
    w.time(timeMs);
    w.type(u"plain_close");
    w.finish();
}

QByteArray droppedLine(qint64 timeMs, quint64 count)
{
    QByteArray out;
    LineWriter w(out);
    w.json("count", QByteArray::number(count));
    w.time(timeMs);
    w.type(u"log_dropped");
    w.finish();
    return out;
}

QByteArray eventLine(qint64 timeMs, const SocketFields &socket, Direction direction,
                     const QString &event, const EventArguments &args, qint64 ackId,
                     const QString &offset)
{
    QByteArray line;
    eventLine(line, timeMs, socket, direction, event, args, ackId, offset);
    return line;
}

QByteArray ackLine(qint64 timeMs, const SocketFields &socket, Direction direction, qint64 ackId,
                   const EventArguments &args, qint64 roundTripMs)
{
    QByteArray line;
    ackLine(line, timeMs, socket, direction, ackId, args, roundTripMs);
    return line;
}

QByteArray ackTimeoutLine(qint64 timeMs, const SocketFields &socket, Direction direction,
                          qint64 ackId, qint64 waitedMs)
{
    QByteArray line;
    ackTimeoutLine(line, timeMs, socket, direction, ackId, waitedMs);
    return line;
}

QByteArray plainMessageLine(qint64 timeMs, const QString &connection, Direction direction,
                            const QByteArray &data, bool binary)
{
    QByteArray line;
    plainMessageLine(line, timeMs, connection, direction, data, binary);
    return line;
}

QByteArray plainCloseLine(qint64 timeMs, const QString &connection, int code, const QString &reason)
{
    QByteArray line;
    plainCloseLine(line, timeMs, connection, code, reason);
    return line;
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
