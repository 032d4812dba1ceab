#include "websocketframing.h"

#include <cstring>
#include <utility>

using namespace Qt::StringLiterals;

namespace Sockscope::WebSocketFraming {

namespace {

constexpr quint64 HighBits = 0x8080808080808080ULL;

// Unmasks n bytes of in into out (they may be the same), the key starting at its first byte.
// Returns whether any byte of the result is outside ASCII.
bool unmask(char *out, const char *in, qsizetype n, const uchar key[4])
{
    quint64 key8;
    std::memcpy(&key8, key, 4);
    std::memcpy(reinterpret_cast<char *>(&key8) + 4, key, 4);
    quint64 seen = 0;
    qsizetype i = 0;
    for (; i + 8 <= n; i += 8) {
        quint64 v;
        std::memcpy(&v, in + i, 8);
        v ^= key8;
        std::memcpy(out + i, &v, 8);
        seen |= v;
    }
    uchar tail = 0;
    for (; i < n; ++i) {
        const uchar c = uchar(in[i]) ^ key[i & 3];
        out[i] = char(c);
        tail |= c;
    }
    return (seen & HighBits) != 0 || (tail & 0x80) != 0;
}

bool isCloseCodeAllowed(quint16 code)
{
    // 1004-1006 and 1015 are reserved (never on the wire); 1016-2999 unassigned.
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014)
            || (code >= 3000 && code <= 4999);
}

} // namespace

int writeServerHeader(char *out, Opcode opcode, quint64 length)
{
    out[0] = char(0x80 | quint8(opcode)); // FIN
    if (length < 126) {
        out[1] = char(length); // mask bit clear: a server never masks
        return 2;
    }
    if (length <= 0xFFFF) {
        out[1] = char(126);
        out[2] = char(length >> 8);
        out[3] = char(length & 0xFF);
        return 4;
    }
    out[1] = char(127);
    for (int i = 0; i < 8; ++i)
        out[2 + i] = char((length >> (56 - 8 * i)) & 0xFF);
    return 10;
}

QByteArray serverFrame(Opcode opcode, QByteArrayView payload)
{
    char head[MaxServerHeaderSize];
    const int n = writeServerHeader(head, opcode, quint64(payload.size()));
    QByteArray frame;
    frame.reserve(n + payload.size());
    frame.append(head, n);
    frame.append(payload);
    return frame;
}

QByteArray closePayload(quint16 code, QByteArrayView reason)
{
    qsizetype n = qMin<qsizetype>(reason.size(), 123);
    // Back off to the start of a character if the cut fell inside one.
    if (n < reason.size()) {
        while (n > 0 && (uchar(reason.at(n)) & 0xC0) == 0x80)
            --n;
    }
    QByteArray p;
    p.reserve(2 + n);
    p.append(char(code >> 8));
    p.append(char(code & 0xFF));
    p.append(reason.first(n));
    return p;
}

bool parseClosePayload(QByteArrayView payload, quint16 *code, QByteArray *reason, quint16 *error)
{
    if (payload.isEmpty()) {
        *code = CloseCode::NoStatus;
        reason->clear();
        return true;
    }
    if (payload.size() < 2) {
        *error = CloseCode::ProtocolError; // a code is two bytes
        return false;
    }
    const quint16 c = quint16((uchar(payload.at(0)) << 8) | uchar(payload.at(1)));
    if (!isCloseCodeAllowed(c)) {
        *error = CloseCode::ProtocolError;
        return false;
    }
    const QByteArrayView why = payload.sliced(2);
    if (!isValidUtf8(why)) {
        *error = CloseCode::InvalidPayload;
        return false;
    }
    *code = c;
    *reason = why.toByteArray();
    return true;
}

bool isValidUtf8(QByteArrayView bytes)
{
    const uchar *p = reinterpret_cast<const uchar *>(bytes.data());
    const uchar *const end = p + bytes.size();
    while (p < end) {
        if (end - p >= 8) {
            quint64 v;
            std::memcpy(&v, p, 8);
            if ((v & HighBits) == 0) {
                p += 8;
                continue;
            }
        }
        const uchar c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        // The second byte's range depends on the first (Unicode 15, table 3-7); the rest are
        // 80..BF.
        int more;
        uchar lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            more = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            more = 2;
            if (c == 0xE0)
                lo = 0xA0; // no overlong forms
            else if (c == 0xED)
                hi = 0x9F; // no surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            more = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F; // nothing past U+10FFFF
        } else {
            return false; // a continuation byte, C0/C1, or F5..FF
        }
        if (end - p <= more)
            return false;
        if (p[1] < lo || p[1] > hi)
            return false;
        for (int i = 2; i <= more; ++i) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
        }
        p += more + 1;
    }
    return true;
}

ClientFrameReader::Status ClientFrameReader::fail(quint16 code, const QString &why)
{
    m_errorCode = code;
    m_errorString = why;
    m_fragments = QByteArray();
    m_inMessage = false;
    return Status::Error;
}

ClientFrameReader::Status ClientFrameReader::read(QByteArrayView data, qsizetype *pos,
                                                  Message *out)
{
    if (m_errorCode)
        return Status::Error;
    for (;;) {
        const qsizetype avail = data.size() - *pos;
        if (avail < 2)
            return Status::NeedMore;
        const uchar *h = reinterpret_cast<const uchar *>(data.data()) + *pos;
        const bool fin = h[0] & 0x80;
        const uchar op = h[0] & 0x0F;
        if (h[0] & 0x70)
            return fail(CloseCode::ProtocolError, u"reserved bits set in a frame (no extension was agreed)"_s);
        const bool control = op >= 0x8;
        if (op != 0x0 && op != 0x1 && op != 0x2 && op != 0x8 && op != 0x9 && op != 0xA)
            return fail(CloseCode::ProtocolError, u"unknown frame opcode 0x%1"_s.arg(op, 0, 16));
        if (!(h[1] & 0x80))
            return fail(CloseCode::ProtocolError, u"a client frame that is not masked"_s);
        quint64 length = h[1] & 0x7F;
        qsizetype headerSize = 2;
        if (control && !fin)
            return fail(CloseCode::ProtocolError, u"a fragmented control frame"_s);
        if (control && length > 125)
            return fail(CloseCode::ProtocolError, u"a control frame longer than 125 bytes"_s);
        if (length == 126) {
            if (avail < 4)
                return Status::NeedMore;
            length = (quint64(h[2]) << 8) | h[3];
            headerSize = 4;
        } else if (length == 127) {
            if (avail < 10)
                return Status::NeedMore;
            length = 0;
            for (int i = 0; i < 8; ++i)
                length = (length << 8) | h[2 + i];
            if (length >> 63)
                return fail(CloseCode::ProtocolError, u"a frame length with its top bit set"_s);
            headerSize = 10;
        }
        if (!control) {
            if (op == 0x0 && !m_inMessage)
                return fail(CloseCode::ProtocolError, u"a continuation frame outside a fragmented message"_s);
            if (op != 0x0 && m_inMessage)
                return fail(CloseCode::ProtocolError, u"a new message inside a fragmented one"_s);
            const quint64 held = quint64(op == 0x0 ? m_fragments.size() : 0);
            if (m_max >= 0 && length + held > quint64(m_max))
                return fail(CloseCode::TooBig, u"message larger than %1 bytes"_s.arg(m_max));
        }
        headerSize += 4; // the masking key
        if (avail < headerSize || quint64(avail - headerSize) < length)
            return Status::NeedMore;
        const uchar *key = h + headerSize - 4;
        const char *payload = reinterpret_cast<const char *>(h) + headerSize;
        const qsizetype n = qsizetype(length);
        *pos += headerSize + n;

        if (control || (op != 0x0 && fin)) {
            // A control frame, or a whole message in one frame: one array of the right size.
            QByteArray bytes(n, Qt::Uninitialized);
            const bool wide = unmask(bytes.data(), payload, n, key);
            if (op == 0x1 && wide && !isValidUtf8(bytes))
                return fail(CloseCode::InvalidPayload, u"a text message that is not valid UTF-8"_s);
            if (op == 0x8) {
                quint16 code = 0;
                quint16 error = 0;
                QByteArray reason;
                if (!parseClosePayload(bytes, &code, &reason, &error))
                    return fail(error, u"an invalid close frame"_s);
            }
            out->opcode = Opcode(op);
            out->payload = std::move(bytes);
            return Status::Message;
        }
        // A fragment: joined with the others until the final one.
        if (op != 0x0) {
            m_inMessage = true;
            m_fragmentOpcode = Opcode(op);
            m_fragments.clear();
        }
        const qsizetype old = m_fragments.size();
        m_fragments.resize(old + n);
        unmask(m_fragments.data() + old, payload, n, key);
        if (!fin)
            continue;
        m_inMessage = false;
        QByteArray message = std::exchange(m_fragments, QByteArray());
        if (m_fragmentOpcode == Opcode::Text && !isValidUtf8(message))
            return fail(CloseCode::InvalidPayload, u"a text message that is not valid UTF-8"_s);
        out->opcode = m_fragmentOpcode;
        out->payload = std::move(message);
        return Status::Message;
    }
}

} // namespace Sockscope::WebSocketFraming
