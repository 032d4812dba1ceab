// Sockscope: MessagePack values, the encoding of the msgpack wire format. Pure: no QObject, no I/O.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonValue>
#include <QList>
#include <QString>
#include <QVariant>

namespace Sockscope::Msgpack {

/*
    MessagePack (msgpack.org) for the values Arguments hold, written the way the Node.js
    msgpack format of Socket.IO writes them, so both sides send the same bytes:

    value                         encoded as
    JSON null (std::nullptr_t)    c0 nil
    undefined (invalid QVariant)  d4 00 00 (fixext 1, type 0)
    bool                          c2 / c3
    integer, or a whole double    the smallest of: positive fixint, uint 8/16/32/64, negative
      within 64 bits              fixint, int 8/16/32/64
    other double (NaN, ±inf too)  cb float 64
    string (UTF-8)                fixstr, str 8/16/32
    QByteArray (binary)           bin 8/16/32
    list                          fixarray, array 16/32
    map (QVariantMap/Hash,        fixmap, map 16/32, string keys
      QJsonObject)

    Decoding reads all of the above and also float 32 (as a double), uint 64 above the qint64
    range (as a double), ext of type 0 with any length (a browser's ArrayBuffer: binary),
    dates (fixext 8 type 0, milliseconds; timestamp ext -1) as their ISO 8601 text, as JSON
    would carry them, other ext types as [type, bytes], and integer map keys as their decimal
    text. Integers come back as qint64, floats as double, nil as std::nullptr_t, the undefined
    ext as an invalid QVariant.

    The decoder is bounded: nesting deeper than maxDepth fails, every declared length is
    checked against the bytes left before anything is allocated for it, and the input must be
    exactly one value.
*/

constexpr int DefaultMaxDepth = 64;

// Appends value's encoding to *out. QJsonValue, QJsonObject and QJsonArray are accepted too.
void append(QByteArray *out, const QVariant &value);
// A JSON value; when attachments is given, an object {"_placeholder":true,"num":N} with N in
// range is written as attachment N (bin), so a packet built for the JSON format is sent whole.
void append(QByteArray *out, const QJsonValue &value,
            const QList<QByteArray> *attachments = nullptr);
QByteArray encode(const QVariant &value);

// Decodes the one value that bytes holds. On failure returns false and, when errorString is
// given, says what is wrong and at which offset.
bool decode(QByteArrayView bytes, QVariant *out, QString *errorString = nullptr,
            int maxDepth = DefaultMaxDepth);

} // namespace Sockscope::Msgpack
