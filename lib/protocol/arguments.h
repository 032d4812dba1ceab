// Sockscope: event arguments and their conversions to and from JSON.
#pragma once

#include <QByteArray>
#include <QJsonArray>
#include <QJsonValue>
#include <QList>
#include <QVariant>

namespace Sockscope {

/*
    The arguments of an event: a list of JSON values and binary blobs, binary in any position
    and at any depth.

    JSON null is a QVariant holding std::nullptr_t, booleans are bool, integers qint64, other
    numbers double, strings QString, arrays QVariantList, objects QVariantMap; a QByteArray
    anywhere is a binary blob (sent as a Socket.IO attachment). QJsonValue, QJsonObject and
    QJsonArray are accepted on the way out, too.
*/
using Arguments = QVariantList;

namespace Json {

// Replaces every QByteArray with {"_placeholder":true,"num":N} and appends it to attachments.
QJsonValue deconstruct(const QVariant &value, QList<QByteArray> *attachments);
QJsonArray deconstruct(const Arguments &args, QList<QByteArray> *attachments);

// The reverse: placeholders become the attachments they point at. Returns false (and leaves
// ok false) if a placeholder points outside attachments.
QVariant reconstruct(const QJsonValue &value, const QList<QByteArray> &attachments, bool *ok);

// A JSON view of arguments for logs and JSON lines: binary becomes
// {"_binary":true,"size":N,"base64":"…"}. With maxBinaryBytes >= 0, a longer blob shows only
// its first maxBinaryBytes (and "truncated":true), so a log line stays cheap.
QJsonValue toDisplayJson(const QVariant &value, qsizetype maxBinaryBytes = -1);
QJsonArray toDisplayJson(const Arguments &args, qsizetype maxBinaryBytes = -1);

// Parses a JSON array typed by a person or a command line into arguments. Objects of the
// display form {"_binary":true,"base64":…} become binary again. On error returns false and
// fills errorString with the reason and errorOffset with the character it points at.
bool parseArguments(const QByteArray &json, Arguments *out, QString *errorString = nullptr,
                    int *errorOffset = nullptr);

// Compact JSON text of a value, for one-line previews and JSON lines.
QByteArray toCompactJson(const QJsonValue &value);

// Checks the one JSON value (RFC 8259, strings well-formed UTF-8, nesting up to 1,024 levels)
// that starts at text[from] after optional whitespace, without building it. Returns the index
// just past the value, or -1 if there is no valid value there. Pure and allocation-free: the
// hot path validates event payloads with it and converts them only when asked.
qsizetype scanValue(QByteArrayView text, qsizetype from = 0);
// text[from..] skipped over JSON whitespace. Inline: compact JSON, the usual case, has none.
qsizetype skipWhitespaceFrom(QByteArrayView text, qsizetype from);
inline qsizetype skipWhitespace(QByteArrayView text, qsizetype from)
{
    if (from < text.size() && uchar(text[from]) > ' ')
        return from;
    return skipWhitespaceFrom(text, from);
}

} // namespace Json
} // namespace Sockscope
