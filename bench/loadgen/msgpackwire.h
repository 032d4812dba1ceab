// sockscope-loadgen: the few MessagePack bytes the msgpack parser's echo needs, written and read
// by hand (the generator links no msgpack library, as it parses no JSON).
//
// With the msgpack parser each Socket.IO packet is one msgpack map in one binary WebSocket
// frame: {type, nsp, data?, id?}. Written here: fixmap, fixstr / str 8 / str 16, positive
// fixint / uint 8/16/32/64, fixarray, bin 8/16/32, each in its smallest form (as the Node
// encoder writes them, so an echo comes back byte for byte). Read: a packet's map (keys in any
// order) just enough to get `type` and `id` and the bytes of `data`; every other value is
// skipped by its length without being decoded.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QtGlobal>

#include <limits>

namespace Loadgen::MsgpackWire {

inline void appendUint(QByteArray *out, quint64 n)
{
    auto be = [out](quint64 v, int bytes) {
        for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8)
            out->append(char((v >> shift) & 0xff));
    };
    if (n < 0x80) {
        out->append(char(n));
    } else if (n <= 0xff) {
        out->append(char(0xcc));
        be(n, 1);
    } else if (n <= 0xffff) {
        out->append(char(0xcd));
        be(n, 2);
    } else if (n <= 0xffffffffu) {
        out->append(char(0xce));
        be(n, 4);
    } else {
        out->append(char(0xcf));
        be(n, 8);
    }
}

inline void appendStr(QByteArray *out, QByteArrayView utf8)
{
    const qsizetype n = utf8.size();
    if (n < 32) {
        out->append(char(0xa0 | n));
    } else if (n <= 0xff) {
        out->append(char(0xd9)).append(char(n));
    } else {
        Q_ASSERT(n <= 0xffff);
        out->append(char(0xda)).append(char(n >> 8)).append(char(n & 0xff));
    }
    out->append(utf8.data(), n);
}

inline void appendBin(QByteArray *out, QByteArrayView bytes)
{
    const qsizetype n = bytes.size();
    if (n <= 0xff) {
        out->append(char(0xc4)).append(char(n));
    } else if (n <= 0xffff) {
        out->append(char(0xc5)).append(char(n >> 8)).append(char(n & 0xff));
    } else {
        out->append(char(0xc6));
        for (int shift = 24; shift >= 0; shift -= 8)
            out->append(char((quint32(n) >> shift) & 0xff));
    }
    out->append(bytes.data(), n);
}

inline void appendFixMap(QByteArray *out, int entries)
{
    Q_ASSERT(entries < 16);
    out->append(char(0x80 | entries));
}

inline void appendFixArray(QByteArray *out, int elements)
{
    Q_ASSERT(elements < 16);
    out->append(char(0x90 | elements));
}

// Big-endian unsigned of `bytes` bytes at *pos; false if the input is too short.
inline bool readBe(QByteArrayView v, qsizetype *pos, int bytes, quint64 *n)
{
    if (v.size() - *pos < bytes)
        return false;
    quint64 x = 0;
    for (int i = 0; i < bytes; ++i)
        x = (x << 8) | uchar(v[*pos + i]);
    *pos += bytes;
    *n = x;
    return true;
}

// Moves *pos past the one value that starts there. False on truncated or unknown input or
// nesting deeper than depth.
inline bool skipValue(QByteArrayView v, qsizetype *pos, int depth = 32)
{
    if (depth <= 0 || *pos >= v.size())
        return false;
    const uchar h = uchar(v[(*pos)++]);
    quint64 n = 0; // bytes to skip, or elements (arrays) / entries (maps)
    int kind = 0; // 0: bytes, 1: array, 2: map
    if (h < 0x80 || h >= 0xe0 || h == 0xc0 || h == 0xc2 || h == 0xc3)
        return true; // fixint, negative fixint, nil, false, true
    if (h >= 0x80 && h <= 0x8f) {
        n = h & 0x0f;
        kind = 2;
    } else if (h >= 0x90 && h <= 0x9f) {
        n = h & 0x0f;
        kind = 1;
    } else if (h >= 0xa0 && h <= 0xbf) {
        n = h & 0x1f;
    } else {
        switch (h) {
        case 0xc4:
        case 0xd9:
            if (!readBe(v, pos, 1, &n))
                return false;
            break; // bin 8, str 8
        case 0xc5:
        case 0xda:
            if (!readBe(v, pos, 2, &n))
                return false;
            break; // bin 16, str 16
        case 0xc6:
        case 0xdb:
            if (!readBe(v, pos, 4, &n))
                return false;
            break; // bin 32, str 32
        case 0xc7:
            if (!readBe(v, pos, 1, &n))
                return false;
            ++n;
            break; // ext 8: type + data
        case 0xc8:
            if (!readBe(v, pos, 2, &n))
                return false;
            ++n;
            break;
        case 0xc9:
            if (!readBe(v, pos, 4, &n))
                return false;
            ++n;
            break;
        case 0xca:
            n = 4;
            break; // float 32
        case 0xcb:
            n = 8;
            break; // float 64
        case 0xcc:
        case 0xd0:
            n = 1;
            break;
        case 0xcd:
        case 0xd1:
            n = 2;
            break;
        case 0xce:
        case 0xd2:
            n = 4;
            break;
        case 0xcf:
        case 0xd3:
            n = 8;
            break;
        case 0xd4:
            n = 2;
            break; // fixext 1, 2, 4, 8, 16: type + data
        case 0xd5:
            n = 3;
            break;
        case 0xd6:
            n = 5;
            break;
        case 0xd7:
            n = 9;
            break;
        case 0xd8:
            n = 17;
            break;
        case 0xdc:
            if (!readBe(v, pos, 2, &n))
                return false;
            kind = 1;
            break;
        case 0xdd:
            if (!readBe(v, pos, 4, &n))
                return false;
            kind = 1;
            break;
        case 0xde:
            if (!readBe(v, pos, 2, &n))
                return false;
            kind = 2;
            break;
        case 0xdf:
            if (!readBe(v, pos, 4, &n))
                return false;
            kind = 2;
            break;
        default:
            return false; // 0xc1: never used
        }
    }
    if (kind == 0) {
        if (quint64(v.size() - *pos) < n)
            return false;
        *pos += qsizetype(n);
        return true;
    }
    const quint64 values = kind == 2 ? 2 * n : n;
    if (quint64(v.size() - *pos) < values) // each value takes a byte at least
        return false;
    for (quint64 i = 0; i < values; ++i) {
        if (!skipValue(v, pos, depth - 1))
            return false;
    }
    return true;
}

// An unsigned integer (positive fixint, uint 8/16/32/64); false for anything else.
inline bool readUint(QByteArrayView v, qsizetype *pos, quint64 *n)
{
    if (*pos >= v.size())
        return false;
    const uchar h = uchar(v[(*pos)++]);
    if (h < 0x80) {
        *n = h;
        return true;
    }
    if (h >= 0xcc && h <= 0xcf)
        return readBe(v, pos, 1 << (h - 0xcc), n);
    return false;
}

// A string's bytes (fixstr, str 8/16/32); false for anything else.
inline bool readStr(QByteArrayView v, qsizetype *pos, QByteArrayView *s)
{
    if (*pos >= v.size())
        return false;
    const uchar h = uchar(v[(*pos)++]);
    quint64 n = 0;
    if (h >= 0xa0 && h <= 0xbf)
        n = h & 0x1f;
    else if (h < 0xd9 || h > 0xdb || !readBe(v, pos, 1 << (h - 0xd9), &n))
        return false;
    if (quint64(v.size() - *pos) < n)
        return false;
    *s = v.sliced(*pos, qsizetype(n));
    *pos += qsizetype(n);
    return true;
}

struct Packet
{
    int type = -1;
    qint64 id = -1; // -1: none
    QByteArrayView data; // the encoded value of "data", empty if absent
};

// Reads one packet map {type, nsp, data?, id?} that fills `v` exactly, keys in any order.
inline bool readPacket(QByteArrayView v, Packet *p)
{
    qsizetype pos = 0;
    if (v.isEmpty())
        return false;
    const uchar h = uchar(v[pos++]);
    quint64 entries = 0;
    if (h >= 0x80 && h <= 0x8f)
        entries = h & 0x0f;
    else if (!(h == 0xde && readBe(v, &pos, 2, &entries))
             && !(h == 0xdf && readBe(v, &pos, 4, &entries)))
        return false;
    for (quint64 i = 0; i < entries; ++i) {
        QByteArrayView key;
        if (!readStr(v, &pos, &key))
            return false;
        if (key == "type" || key == "id") {
            quint64 n = 0;
            if (!readUint(v, &pos, &n) || n > quint64(std::numeric_limits<qint64>::max()))
                return false;
            if (key == "type")
                p->type = n > 255 ? 255 : int(n);
            else
                p->id = qint64(n);
        } else {
            const qsizetype start = pos;
            if (!skipValue(v, &pos))
                return false;
            if (key == "data")
                p->data = v.sliced(start, pos - start);
        }
    }
    return pos == v.size() && p->type >= 0;
}

} // namespace Loadgen::MsgpackWire
