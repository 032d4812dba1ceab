#include "msgpack.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtEndian>

#include <cmath>
#include <cstring>
#include <limits>

using namespace Qt::StringLiterals;

namespace Sockscope::Msgpack {

namespace {

// --- encoding ---

void appendBigEndian(QByteArray *out, uchar head, quint64 v, int bytes)
{
    char buf[9];
    buf[0] = char(head);
    for (int i = 0; i < bytes; ++i)
        buf[1 + i] = char(v >> (8 * (bytes - 1 - i)));
    out->append(buf, 1 + bytes);
}

void appendInt(QByteArray *out, qint64 v)
{
    if (v >= 0) {
        if (v < 0x80)
            out->append(char(v));
        else if (v < 0x100)
            appendBigEndian(out, 0xcc, quint64(v), 1);
        else if (v < 0x10000)
            appendBigEndian(out, 0xcd, quint64(v), 2);
        else if (v < 0x100000000LL)
            appendBigEndian(out, 0xce, quint64(v), 4);
        else
            appendBigEndian(out, 0xcf, quint64(v), 8);
    } else {
        if (v >= -0x20)
            out->append(char(v));
        else if (v >= -0x80)
            appendBigEndian(out, 0xd0, quint64(v), 1);
        else if (v >= -0x8000)
            appendBigEndian(out, 0xd1, quint64(v), 2);
        else if (v >= -0x80000000LL)
            appendBigEndian(out, 0xd2, quint64(v), 4);
        else
            appendBigEndian(out, 0xd3, quint64(v), 8);
    }
}

void appendUInt(QByteArray *out, quint64 v)
{
    if (v <= quint64(std::numeric_limits<qint64>::max()))
        appendInt(out, qint64(v));
    else
        appendBigEndian(out, 0xcf, v, 8);
}

void appendDouble(QByteArray *out, double d)
{
    // A whole number is an integer, as JavaScript has it (1.0 is 1); -0 is 0.
    if (std::isfinite(d) && std::floor(d) == d && d >= -9223372036854775808.0
        && d < 9223372036854775808.0) {
        appendInt(out, qint64(d));
        return;
    }
    if (std::isfinite(d) && std::floor(d) == d && d >= 0 && d < 18446744073709551616.0) {
        appendUInt(out, quint64(d));
        return;
    }
    quint64 bits;
    static_assert(sizeof bits == sizeof d);
    memcpy(&bits, &d, sizeof bits);
    appendBigEndian(out, 0xcb, bits, 8);
}

void appendLength(QByteArray *out, qsizetype n, uchar fixBase, int fixMax, uchar h8, uchar h16,
                  uchar h32)
{
    if (n < fixMax)
        out->append(char(fixBase | uchar(n)));
    else if (h8 && n < 0x100)
        appendBigEndian(out, h8, quint64(n), 1);
    else if (n < 0x10000)
        appendBigEndian(out, h16, quint64(n), 2);
    else
        appendBigEndian(out, h32, quint64(n), 4);
}

void appendStringUtf8(QByteArray *out, QByteArrayView utf8)
{
    appendLength(out, utf8.size(), 0xa0, 0x20, 0xd9, 0xda, 0xdb);
    out->append(utf8.data(), utf8.size());
}

void appendString(QByteArray *out, const QString &s) { appendStringUtf8(out, s.toUtf8()); }

void appendBinary(QByteArray *out, QByteArrayView bytes)
{
    if (bytes.size() < 0x100)
        appendBigEndian(out, 0xc4, quint64(bytes.size()), 1);
    else if (bytes.size() < 0x10000)
        appendBigEndian(out, 0xc5, quint64(bytes.size()), 2);
    else
        appendBigEndian(out, 0xc6, quint64(bytes.size()), 4);
    out->append(bytes.data(), bytes.size());
}

void appendArrayHeader(QByteArray *out, qsizetype n)
{
    appendLength(out, n, 0x90, 0x10, 0, 0xdc, 0xdd);
}

void appendMapHeader(QByteArray *out, qsizetype n)
{
    appendLength(out, n, 0x80, 0x10, 0, 0xde, 0xdf);
}

bool isPlaceholder(const QJsonObject &o, const QList<QByteArray> *attachments, qsizetype *index)
{
    if (!attachments || o.size() != 2)
        return false;
    const auto flag = o.constFind(u"_placeholder"_s);
    const auto num = o.constFind(u"num"_s);
    if (flag == o.constEnd() || num == o.constEnd() || !flag->toBool() || !num->isDouble())
        return false;
    const double n = num->toDouble();
    if (n < 0 || n >= double(attachments->size()) || std::floor(n) != n)
        return false;
    *index = qsizetype(n);
    return true;
}

void appendJson(QByteArray *out, const QJsonValue &value, const QList<QByteArray> *attachments)
{
    switch (value.type()) {
    case QJsonValue::Null:
        out->append(char(0xc0));
        break;
    case QJsonValue::Undefined:
        out->append("\xd4\x00\x00", 3);
        break;
    case QJsonValue::Bool:
        out->append(char(value.toBool() ? 0xc3 : 0xc2));
        break;
    case QJsonValue::Double:
        appendDouble(out, value.toDouble());
        break;
    case QJsonValue::String:
        appendString(out, value.toString());
        break;
    case QJsonValue::Array: {
        const QJsonArray a = value.toArray();
        appendArrayHeader(out, a.size());
        for (const QJsonValue &v : a)
            appendJson(out, v, attachments);
        break;
    }
    case QJsonValue::Object: {
        const QJsonObject o = value.toObject();
        qsizetype index = 0;
        if (isPlaceholder(o, attachments, &index)) {
            appendBinary(out, attachments->at(index));
            break;
        }
        appendMapHeader(out, o.size());
        for (auto it = o.constBegin(); it != o.constEnd(); ++it) {
            appendString(out, it.key());
            appendJson(out, it.value(), attachments);
        }
        break;
    }
    }
}

void appendVariant(QByteArray *out, const QVariant &value)
{
    switch (value.typeId()) {
    case QMetaType::UnknownType:
        out->append("\xd4\x00\x00", 3);
        break;
    case QMetaType::Nullptr:
        out->append(char(0xc0));
        break;
    case QMetaType::Bool:
        out->append(char(value.toBool() ? 0xc3 : 0xc2));
        break;
    case QMetaType::Int:
    case QMetaType::Long:
    case QMetaType::LongLong:
    case QMetaType::Short:
    case QMetaType::SChar:
        appendInt(out, value.toLongLong());
        break;
    case QMetaType::UInt:
    case QMetaType::ULong:
    case QMetaType::ULongLong:
    case QMetaType::UShort:
    case QMetaType::UChar:
        appendUInt(out, value.toULongLong());
        break;
    case QMetaType::Double:
    case QMetaType::Float:
        appendDouble(out, value.toDouble());
        break;
    case QMetaType::QString:
        appendString(out, value.toString());
        break;
    case QMetaType::QByteArray:
        appendBinary(out, value.toByteArray());
        break;
    case QMetaType::QVariantList: {
        const QVariantList list = value.toList();
        appendArrayHeader(out, list.size());
        for (const QVariant &v : list)
            appendVariant(out, v);
        break;
    }
    case QMetaType::QStringList: {
        const QStringList list = value.toStringList();
        appendArrayHeader(out, list.size());
        for (const QString &s : list)
            appendString(out, s);
        break;
    }
    case QMetaType::QVariantMap: {
        const QVariantMap map = value.toMap();
        appendMapHeader(out, map.size());
        for (auto it = map.cbegin(); it != map.cend(); ++it) {
            appendString(out, it.key());
            appendVariant(out, it.value());
        }
        break;
    }
    case QMetaType::QVariantHash: {
        const QVariantHash hash = value.toHash();
        appendMapHeader(out, hash.size());
        for (auto it = hash.cbegin(); it != hash.cend(); ++it) {
            appendString(out, it.key());
            appendVariant(out, it.value());
        }
        break;
    }
    case QMetaType::QJsonValue:
        appendJson(out, value.toJsonValue(), nullptr);
        break;
    case QMetaType::QJsonObject:
        appendJson(out, value.toJsonObject(), nullptr);
        break;
    case QMetaType::QJsonArray:
        appendJson(out, value.toJsonArray(), nullptr);
        break;
    case QMetaType::QJsonDocument: {
        const QJsonDocument d = value.toJsonDocument();
        appendJson(out, d.isArray() ? QJsonValue(d.array()) : QJsonValue(d.object()), nullptr);
        break;
    }
    default:
        // Anything else as JSON has it (a date as its text, …).
        appendJson(out, QJsonValue::fromVariant(value), nullptr);
        break;
    }
}

// --- decoding ---

class Reader
{
public:
    Reader(QByteArrayView bytes, int maxDepth)
        : m_bytes(bytes)
        , m_maxDepth(maxDepth)
    {
    }

    bool value(QVariant *out, int depth);
    bool atEnd() const { return m_pos == m_bytes.size(); }
    qsizetype pos() const { return m_pos; }
    QString error() const { return m_error; }
    bool fail(const QString &why)
    {
        if (m_error.isEmpty())
            m_error = why;
        return false;
    }

private:
    qsizetype left() const { return m_bytes.size() - m_pos; }
    const uchar *at() const { return reinterpret_cast<const uchar *>(m_bytes.data()) + m_pos; }
    // Reads a big-endian unsigned of n bytes (the head byte already taken).
    bool readUInt(int n, quint64 *v, uchar head);
    // A length just read: are there that many bytes (or elements, each at least
    // minBytesEach long) left?
    bool checkLength(quint64 n, int minBytesEach, uchar head);
    bool readExt(qsizetype length, QVariant *out, uchar head, qsizetype headAt);
    bool container(uchar head, quint64 n, QVariant *out, int depth);

    QByteArrayView m_bytes;
    qsizetype m_pos = 0;
    int m_maxDepth;
    QString m_error;
};

QString hexByte(uchar b) { return u"0x%1"_s.arg(uint(b), 2, 16, QLatin1Char('0')); }

bool Reader::readUInt(int n, quint64 *v, uchar head)
{
    if (left() < n)
        return fail(u"truncated: %1 at offset %2 needs %3 more bytes, %4 left"_s.arg(hexByte(head))
                            .arg(m_pos - 1)
                            .arg(n)
                            .arg(left()));
    quint64 r = 0;
    for (int i = 0; i < n; ++i)
        r = (r << 8) | at()[i];
    m_pos += n;
    *v = r;
    return true;
}

bool Reader::checkLength(quint64 n, int minBytesEach, uchar head)
{
    if (n > quint64(left()) / quint64(minBytesEach)) {
        const bool map = (head >= 0x80 && head < 0x90) || head == 0xde || head == 0xdf;
        const bool array = (head >= 0x90 && head < 0xa0) || head == 0xdc || head == 0xdd;
        const QString what = map ? u"entries"_s : array ? u"elements"_s : u"bytes"_s;
        return fail(u"%1 declares %2 %3 but only %4 bytes are left (offset %5)"_s.arg(hexByte(head))
                            .arg(n)
                            .arg(what)
                            .arg(left())
                            .arg(m_pos));
    }
    return true;
}

bool Reader::container(uchar head, quint64 n, QVariant *out, int depth)
{
    const bool isMap = (head >= 0x80 && head < 0x90) || head == 0xde || head == 0xdf;
    if (depth >= m_maxDepth)
        return fail(u"nesting deeper than %1 levels at offset %2"_s.arg(m_maxDepth).arg(m_pos - 1));
    if (!checkLength(n, isMap ? 2 : 1, head))
        return false;
    if (!isMap) {
        QVariantList list;
        list.reserve(qsizetype(n));
        for (quint64 i = 0; i < n; ++i) {
            QVariant v;
            if (!value(&v, depth + 1))
                return false;
            list.append(std::move(v));
        }
        *out = std::move(list);
        return true;
    }
    QVariantMap map;
    for (quint64 i = 0; i < n; ++i) {
        const qsizetype keyAt = m_pos;
        QVariant key;
        if (!value(&key, depth + 1))
            return false;
        QString name;
        if (key.typeId() == QMetaType::QString)
            name = key.toString();
        else if (key.typeId() == QMetaType::LongLong)
            name = QString::number(key.toLongLong());
        else
            return fail(u"map key at offset %1 is neither a string nor an integer"_s.arg(keyAt));
        QVariant v;
        if (!value(&v, depth + 1))
            return false;
        map.insert(name, std::move(v));
    }
    *out = std::move(map);
    return true;
}

bool Reader::readExt(qsizetype length, QVariant *out, uchar head, qsizetype headAt)
{
    if (left() < 1 + length)
        return fail(
                u"truncated: ext %1 at offset %2 declares %3 bytes, %4 left"_s.arg(hexByte(head))
                        .arg(headAt)
                        .arg(length + 1)
                        .arg(left()));
    const qint8 type = qint8(at()[0]);
    const QByteArrayView data = m_bytes.sliced(m_pos + 1, length);
    m_pos += 1 + length;
    const auto be = [&](qsizetype from, int n) {
        quint64 r = 0;
        for (int i = 0; i < n; ++i)
            r = (r << 8) | uchar(data[from + i]);
        return r;
    };
    const auto date = [](qint64 ms) {
        return QVariant(QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs));
    };
    if (type == 0 && head == 0xd4) {
        *out = QVariant(); // undefined
    } else if (type == 0 && head == 0xd7) {
        *out = date(qint64(be(0, 8))); // a date: milliseconds since the epoch, signed
    } else if (type == 0 && (head == 0xc7 || head == 0xc8 || head == 0xc9)) {
        *out = data.toByteArray(); // an ArrayBuffer
    } else if (type == -1 && length == 4) {
        *out = date(qint64(be(0, 4)) * 1000);
    } else if (type == -1 && length == 8) {
        const quint64 v = be(0, 8);
        *out = date(qint64(v & 0x3ffffffffULL) * 1000 + qint64(v >> 34) / 1000000);
    } else if (type == -1 && length == 12) {
        *out = date(qint64(be(4, 8)) * 1000 + qint64(be(0, 4)) / 1000000);
    } else {
        *out = QVariantList {qint64(type), data.toByteArray()};
    }
    return true;
}

bool Reader::value(QVariant *out, int depth)
{
    if (m_pos >= m_bytes.size())
        return fail(u"truncated: a value expected at offset %1"_s.arg(m_pos));
    const qsizetype headAt = m_pos;
    const uchar b = at()[0];
    ++m_pos;
    quint64 n = 0;
    if (b < 0x80) {
        *out = qint64(b);
        return true;
    }
    if (b >= 0xe0) {
        *out = qint64(qint8(b));
        return true;
    }
    if (b < 0x90)
        return container(b, b & 0x0f, out, depth);
    if (b < 0xa0)
        return container(b, b & 0x0f, out, depth);
    if (b < 0xc0) {
        n = b & 0x1f;
        if (!checkLength(n, 1, b))
            return false;
        *out = QString::fromUtf8(m_bytes.sliced(m_pos, qsizetype(n)));
        m_pos += qsizetype(n);
        return true;
    }
    switch (b) {
    case 0xc0:
        *out = QVariant::fromValue(nullptr);
        return true;
    case 0xc2:
    case 0xc3:
        *out = b == 0xc3;
        return true;
    case 0xc4:
    case 0xc5:
    case 0xc6:
        if (!readUInt(1 << (b - 0xc4), &n, b) || !checkLength(n, 1, b))
            return false;
        *out = m_bytes.sliced(m_pos, qsizetype(n)).toByteArray();
        m_pos += qsizetype(n);
        return true;
    case 0xc7:
    case 0xc8:
    case 0xc9:
        if (!readUInt(1 << (b - 0xc7), &n, b) || !checkLength(n, 1, b))
            return false;
        return readExt(qsizetype(n), out, b, headAt);
    case 0xca: {
        if (!readUInt(4, &n, b))
            return false;
        const quint32 bits = quint32(n);
        float f;
        memcpy(&f, &bits, sizeof f);
        *out = double(f);
        return true;
    }
    case 0xcb: {
        if (!readUInt(8, &n, b))
            return false;
        double d;
        memcpy(&d, &n, sizeof d);
        *out = d;
        return true;
    }
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf:
        if (!readUInt(1 << (b - 0xcc), &n, b))
            return false;
        if (n > quint64(std::numeric_limits<qint64>::max()))
            *out = double(n);
        else
            *out = qint64(n);
        return true;
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: {
        const int size = 1 << (b - 0xd0);
        if (!readUInt(size, &n, b))
            return false;
        // Sign-extend from size bytes.
        const int shift = 64 - 8 * size;
        *out = qint64(n << shift) >> shift;
        return true;
    }
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8:
        return readExt(qsizetype(1) << (b - 0xd4), out, b, headAt);
    case 0xd9:
    case 0xda:
    case 0xdb:
        if (!readUInt(1 << (b - 0xd9), &n, b) || !checkLength(n, 1, b))
            return false;
        *out = QString::fromUtf8(m_bytes.sliced(m_pos, qsizetype(n)));
        m_pos += qsizetype(n);
        return true;
    case 0xdc:
    case 0xdd:
        if (!readUInt(b == 0xdc ? 2 : 4, &n, b))
            return false;
        return container(b, n, out, depth);
    case 0xde:
    case 0xdf:
        if (!readUInt(b == 0xde ? 2 : 4, &n, b))
            return false;
        return container(b, n, out, depth);
    default: // 0xc1, never used
        return fail(u"invalid type byte %1 at offset %2"_s.arg(hexByte(b)).arg(m_pos - 1));
    }
}

} // namespace

void append(QByteArray *out, const QVariant &value) { appendVariant(out, value); }

void append(QByteArray *out, const QJsonValue &value, const QList<QByteArray> *attachments)
{
    appendJson(out, value, attachments && !attachments->isEmpty() ? attachments : nullptr);
}

QByteArray encode(const QVariant &value)
{
    QByteArray out;
    appendVariant(&out, value);
    return out;
}

bool decode(QByteArrayView bytes, QVariant *out, QString *errorString, int maxDepth)
{
    Reader r(bytes, maxDepth);
    QVariant v;
    bool ok = r.value(&v, 0);
    if (ok && !r.atEnd())
        ok = r.fail(
                u"%1 bytes after the value (offset %2)"_s.arg(bytes.size() - r.pos()).arg(r.pos()));
    if (!ok) {
        if (errorString)
            *errorString = r.error();
        return false;
    }
    *out = std::move(v);
    return true;
}

} // namespace Sockscope::Msgpack
