#include "arguments.h"

#include <array>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

using namespace Qt::StringLiterals;

namespace Sockscope::Json {

namespace {

constexpr int MaxDepth = 64;

QJsonValue deconstructImpl(const QVariant &value, QList<QByteArray> *attachments, int depth)
{
    if (depth > MaxDepth)
        return QJsonValue(QJsonValue::Null);
    switch (value.typeId()) {
    case QMetaType::UnknownType:
    case QMetaType::Nullptr:
        return QJsonValue(QJsonValue::Null);
    case QMetaType::QByteArray: {
        QJsonObject placeholder;
        placeholder.insert(u"_placeholder"_s, true);
        placeholder.insert(u"num"_s, int(attachments->size()));
        attachments->append(value.toByteArray());
        return placeholder;
    }
    case QMetaType::QVariantList:
    case QMetaType::QStringList: {
        QJsonArray a;
        const QVariantList list = value.toList();
        for (const QVariant &v : list)
            a.append(deconstructImpl(v, attachments, depth + 1));
        return a;
    }
    case QMetaType::QVariantMap: {
        QJsonObject o;
        const QVariantMap map = value.toMap();
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            o.insert(it.key(), deconstructImpl(it.value(), attachments, depth + 1));
        return o;
    }
    case QMetaType::QVariantHash: {
        QJsonObject o;
        const QVariantHash hash = value.toHash();
        for (auto it = hash.cbegin(); it != hash.cend(); ++it)
            o.insert(it.key(), deconstructImpl(it.value(), attachments, depth + 1));
        return o;
    }
    case QMetaType::QJsonValue:
        return value.toJsonValue();
    case QMetaType::QJsonObject:
        return value.toJsonObject();
    case QMetaType::QJsonArray:
        return value.toJsonArray();
    case QMetaType::QJsonDocument: {
        const QJsonDocument d = value.toJsonDocument();
        return d.isArray() ? QJsonValue(d.array()) : QJsonValue(d.object());
    }
    default:
        return QJsonValue::fromVariant(value);
    }
}

bool isPlaceholder(const QJsonObject &o)
{
    return o.size() == 2 && o.value(u"_placeholder"_s).toBool() && o.contains(u"num"_s);
}

QVariant reconstructImpl(const QJsonValue &value, const QList<QByteArray> &attachments, bool *ok,
                         int depth)
{
    if (depth > MaxDepth) {
        *ok = false;
        return {};
    }
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        return QVariant::fromValue(nullptr);
    case QJsonValue::Bool:
        return value.toBool();
    case QJsonValue::Double: {
        const double d = value.toDouble();
        const qint64 i = value.toInteger();
        if (double(i) == d)
            return i;
        return d;
    }
    case QJsonValue::String:
        return value.toString();
    case QJsonValue::Array: {
        const QJsonArray a = value.toArray();
        QVariantList list;
        list.reserve(a.size());
        for (const QJsonValue &v : a)
            list.append(reconstructImpl(v, attachments, ok, depth + 1));
        return list;
    }
    case QJsonValue::Object: {
        const QJsonObject o = value.toObject();
        if (isPlaceholder(o)) {
            const QJsonValue num = o.value(u"num"_s);
            const double d = num.toDouble(-1);
            if (!num.isDouble() || d < 0 || d >= double(attachments.size()) || d != qint64(d)) {
                *ok = false;
                return {};
            }
            return attachments.at(qsizetype(d));
        }
        QVariantMap map;
        for (auto it = o.constBegin(); it != o.constEnd(); ++it)
            map.insert(it.key(), reconstructImpl(it.value(), attachments, ok, depth + 1));
        return map;
    }
    }
    return {};
}

QJsonValue displayImpl(const QVariant &value, int depth, qsizetype maxBinary)
{
    if (depth > MaxDepth)
        return QJsonValue(QJsonValue::Null);
    switch (value.typeId()) {
    case QMetaType::QByteArray: {
        const QByteArray bytes = value.toByteArray();
        QJsonObject o;
        o.insert(u"_binary"_s, true);
        o.insert(u"size"_s, qint64(bytes.size()));
        if (maxBinary >= 0 && bytes.size() > maxBinary) {
            o.insert(u"base64"_s, QString::fromLatin1(bytes.left(maxBinary).toBase64()));
            o.insert(u"truncated"_s, true);
        } else {
            o.insert(u"base64"_s, QString::fromLatin1(bytes.toBase64()));
        }
        return o;
    }
    case QMetaType::QVariantList:
    case QMetaType::QStringList: {
        QJsonArray a;
        const QVariantList list = value.toList();
        for (const QVariant &v : list)
            a.append(displayImpl(v, depth + 1, maxBinary));
        return a;
    }
    case QMetaType::QVariantMap: {
        QJsonObject o;
        const QVariantMap map = value.toMap();
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            o.insert(it.key(), displayImpl(it.value(), depth + 1, maxBinary));
        return o;
    }
    default: {
        QList<QByteArray> ignored;
        return deconstructImpl(value, &ignored, depth);
    }
    }
}

QVariant fromDisplay(const QJsonValue &value, bool *ok, QString *error, QString *bad)
{
    if (value.isArray()) {
        QVariantList list;
        for (const QJsonValue &v : value.toArray())
            list.append(fromDisplay(v, ok, error, bad));
        return list;
    }
    if (value.isObject()) {
        const QJsonObject o = value.toObject();
        if (o.value(u"_binary"_s).toBool()) {
            auto decoded = QByteArray::fromBase64Encoding(
                    o.value(u"base64"_s).toString().toLatin1(),
                    QByteArray::AbortOnBase64DecodingErrors);
            if (!decoded) {
                if (*ok)
                    *bad = o.value(u"base64"_s).toString();
                *ok = false;
                *error = u"invalid base64 in a binary argument"_s;
                return {};
            }
            return decoded.decoded;
        }
        QVariantMap map;
        for (auto it = o.constBegin(); it != o.constEnd(); ++it)
            map.insert(it.key(), fromDisplay(it.value(), ok, error, bad));
        return map;
    }
    bool dummy = true;
    return reconstructImpl(value, {}, &dummy, 0);
}

} // namespace

QJsonValue deconstruct(const QVariant &value, QList<QByteArray> *attachments)
{
    return deconstructImpl(value, attachments, 0);
}

QJsonArray deconstruct(const Arguments &args, QList<QByteArray> *attachments)
{
    QJsonArray a;
    for (const QVariant &v : args)
        a.append(deconstructImpl(v, attachments, 1));
    return a;
}

QVariant reconstruct(const QJsonValue &value, const QList<QByteArray> &attachments, bool *ok)
{
    *ok = true;
    return reconstructImpl(value, attachments, ok, 0);
}

QJsonValue toDisplayJson(const QVariant &value, qsizetype maxBinaryBytes)
{
    return displayImpl(value, 0, maxBinaryBytes);
}

QJsonArray toDisplayJson(const Arguments &args, qsizetype maxBinaryBytes)
{
    QJsonArray a;
    for (const QVariant &v : args)
        a.append(displayImpl(v, 1, maxBinaryBytes));
    return a;
}

bool parseArguments(const QByteArray &json, Arguments *out, QString *errorString, int *errorOffset)
{
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &err);
    QString message;
    int offset = -1;
    if (err.error != QJsonParseError::NoError) {
        message = err.errorString();
        offset = qMin(err.offset, int(json.size())); // Qt may point past the end
    } else if (!doc.isArray()) {
        message = u"arguments must be a JSON array, such as [\"hello\", 42]"_s;
        offset = 0;
    } else {
        bool ok = true;
        QString bad;
        const QVariant v = fromDisplay(doc.array(), &ok, &message, &bad);
        if (ok) {
            *out = v.toList();
            return true;
        }
        // Point at the first bad base64 string where it appears as such, else at the start.
        const qsizetype at = json.indexOf(QByteArray('"' + bad.toUtf8() + '"'));
        offset = at < 0 ? 0 : int(at + 1);
    }
    if (errorString)
        *errorString = message;
    if (errorOffset)
        *errorOffset = offset;
    return false;
}

QByteArray toCompactJson(const QJsonValue &value)
{
    if (value.isArray())
        return QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact);
    if (value.isObject())
        return QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
    QByteArray wrapped = QJsonDocument(QJsonArray { value }).toJson(QJsonDocument::Compact);
    return wrapped.mid(1, wrapped.size() - 2);
}

qsizetype skipWhitespaceFrom(QByteArrayView text, qsizetype i)
{
    while (i < text.size()) {
        const char c = text[i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        ++i;
    }
    return i;
}

namespace {

constexpr int MaxScanDepth = 1024; // as QJsonDocument's parser

// The index past one UTF-8 sequence starting with a byte >= 0x80, or -1 if it is not
// well-formed (overlong forms, surrogates and code points above U+10FFFF included).
qsizetype scanUtf8(QByteArrayView t, qsizetype i)
{
    const auto b = [&](qsizetype k) { return k < t.size() ? uchar(t[k]) : 0u; };
    const auto cont = [](uint c) { return (c & 0xC0) == 0x80; };
    const uint c0 = uchar(t[i]);
    if (c0 >= 0xC2 && c0 <= 0xDF)
        return cont(b(i + 1)) ? i + 2 : -1;
    if (c0 >= 0xE0 && c0 <= 0xEF) {
        const uint c1 = b(i + 1);
        if (!cont(c1) || !cont(b(i + 2)) || (c0 == 0xE0 && c1 < 0xA0) || (c0 == 0xED && c1 >= 0xA0))
            return -1;
        return i + 3;
    }
    if (c0 >= 0xF0 && c0 <= 0xF4) {
        const uint c1 = b(i + 1);
        if (!cont(c1) || !cont(b(i + 2)) || !cont(b(i + 3)) || (c0 == 0xF0 && c1 < 0x90)
            || (c0 == 0xF4 && c1 >= 0x90))
            return -1;
        return i + 4;
    }
    return -1;
}

// Bytes that may stand in a JSON string as they are, in the ASCII range.
constexpr auto plainStringByte = [] {
    std::array<bool, 256> table {};
    for (int c = 0x20; c < 0x80; ++c)
        table[size_t(c)] = c != '"' && c != '\\';
    return table;
}();

qsizetype scanString(QByteArrayView t, qsizetype i) // t[i] == '"'
{
    const auto isHex = [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    };
    const char *const data = t.data();
    const qsizetype n = t.size();
    for (++i; i < n;) {
        // Most bytes are plain ASCII: skip them 16 at a time where SSE2 is at hand.
#ifdef __SSE2__
        {
            const __m128i quote = _mm_set1_epi8('"');
            const __m128i backslash = _mm_set1_epi8('\\');
            const __m128i space = _mm_set1_epi8(0x1f);
            while (i + 16 <= n) {
                const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(data + i));
                // Signed compare: bytes >= 0x80 are negative, so "v <= 0x1f" catches them too.
                const __m128i special = _mm_or_si128(
                        _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                        _mm_cmplt_epi8(v, _mm_add_epi8(space, _mm_set1_epi8(1))));
                const int mask = _mm_movemask_epi8(special);
                if (mask) {
                    i += qCountTrailingZeroBits(uint(mask));
                    break;
                }
                i += 16;
            }
        }
#endif
        while (i < n && plainStringByte[uchar(data[i])])
            ++i;
        if (i >= n)
            return -1;
        const char c = data[i];
        if (c == '"')
            return i + 1;
        if (c == '\\') {
            if (i + 1 >= t.size())
                return -1;
            const char e = t[i + 1];
            if (e == 'u') {
                if (i + 5 >= t.size() || !isHex(t[i + 2]) || !isHex(t[i + 3]) || !isHex(t[i + 4])
                    || !isHex(t[i + 5]))
                    return -1;
                i += 6;
            } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n'
                       || e == 'r' || e == 't') {
                i += 2;
            } else {
                return -1;
            }
        } else if (uchar(c) < 0x20) {
            return -1;
        } else if (uchar(c) >= 0x80) {
            i = scanUtf8(t, i);
            if (i < 0)
                return -1;
        } else {
            ++i;
        }
    }
    return -1;
}

qsizetype scanNumber(QByteArrayView t, qsizetype i)
{
    const qsizetype start = i;
    bool exponent = false;
    const auto digit = [&](qsizetype k) { return k < t.size() && t[k] >= '0' && t[k] <= '9'; };
    if (i < t.size() && t[i] == '-')
        ++i;
    if (!digit(i))
        return -1;
    if (t[i] == '0') {
        ++i;
    } else {
        while (digit(i))
            ++i;
    }
    if (i < t.size() && t[i] == '.') {
        ++i;
        if (!digit(i))
            return -1;
        while (digit(i))
            ++i;
    }
    if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
        exponent = true;
        ++i;
        if (i < t.size() && (t[i] == '+' || t[i] == '-'))
            ++i;
        if (!digit(i))
            return -1;
        while (digit(i))
            ++i;
    }
    // A number a double cannot hold (1e400, 1e-400, 400 digits) is refused, as Qt's parser
    // refuses it when the arguments are converted (Node.js would make it Infinity or 0).
    if (exponent || i - start > 300) {
        bool ok = false;
        (void)t.sliced(start, i - start).toDouble(&ok);
        if (!ok)
            return -1;
    }
    return i;
}

qsizetype scanLiteral(QByteArrayView t, qsizetype i, QByteArrayView word)
{
    return t.sliced(i).startsWith(word) ? i + word.size() : -1;
}

qsizetype scanValueAt(QByteArrayView t, qsizetype i, int depth)
{
    i = skipWhitespace(t, i);
    if (i >= t.size())
        return -1;
    switch (t[i]) {
    case '"':
        return scanString(t, i);
    case 't':
        return scanLiteral(t, i, "true");
    case 'f':
        return scanLiteral(t, i, "false");
    case 'n':
        return scanLiteral(t, i, "null");
    case '[':
    case '{': {
        if (depth >= MaxScanDepth)
            return -1;
        const bool object = t[i] == '{';
        const char close = object ? '}' : ']';
        i = skipWhitespace(t, i + 1);
        if (i < t.size() && t[i] == close)
            return i + 1;
        for (;;) {
            if (object) {
                i = skipWhitespace(t, i);
                if (i >= t.size() || t[i] != '"')
                    return -1;
                i = scanString(t, i);
                if (i < 0)
                    return -1;
                i = skipWhitespace(t, i);
                if (i >= t.size() || t[i] != ':')
                    return -1;
                ++i;
            }
            i = scanValueAt(t, i, depth + 1);
            if (i < 0)
                return -1;
            i = skipWhitespace(t, i);
            if (i >= t.size())
                return -1;
            if (t[i] == close)
                return i + 1;
            if (t[i] != ',')
                return -1;
            ++i;
        }
    }
    default:
        return scanNumber(t, i);
    }
}

} // namespace

qsizetype scanValue(QByteArrayView text, qsizetype from)
{
    return scanValueAt(text, from, 0);
}

} // namespace Sockscope::Json
