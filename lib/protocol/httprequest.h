// Sockscope: a small, strict HTTP/1.x request head parser. Pure; caps every size.
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrlQuery>

namespace Sockscope {

using HttpHeaders = QList<QPair<QByteArray, QByteArray>>;

/*
    The head of one HTTP/1.x request: request line and header fields, up to the empty line.

        GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n
        Host: 127.0.0.1:8080\r\n
        ...\r\n
        \r\n

    parse() looks at the bytes received so far (peeked, not consumed) and says whether the
    head is complete, needs more bytes, or is malformed, with the HTTP status to answer.
*/
class HttpRequest
{
public:
    enum class Status { Complete, Incomplete, Malformed, TooLarge, UriTooLong };

    static Status parse(const QByteArray &bytes, HttpRequest *out, int maxHeadBytes = 16384,
                        int maxHeaders = 100);

    QByteArray method;
    QByteArray target; // path and query as sent
    QByteArray version; // "HTTP/1.1"
    HttpHeaders headers;
    int headLength = 0; // bytes of the head, including the final CRLFCRLF
    qint64 contentLength = 0;
    QByteArray body; // filled by the front when the whole body has arrived

    QString path() const;
    QUrlQuery query() const;
    // First value of a header, matched case-insensitively; empty if absent.
    QByteArray header(QByteArrayView name) const;
    bool hasHeader(QByteArrayView name) const;
    // True if a comma-separated header (Connection, Upgrade) holds token, case-insensitively.
    bool headerHasToken(QByteArrayView name, QByteArrayView token) const;
    bool keepAlive() const;
};

} // namespace Sockscope
