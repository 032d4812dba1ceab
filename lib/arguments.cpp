#include "arguments.h"

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

} // namespace Sockscope::Json
