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
    // Transfer-Encoding: chunked (the only transfer coding accepted; with a Content-Length
    // too, the request is malformed). The body's length is then known once it is decoded.
    bool chunked = false;
    QByteArray body; // filled by the front when the whole body has arrived
    // The body's bytes on the wire (the chunked coding included), set by the front with body.
    qint64 wireBodyLength = 0;

    enum class ChunkedStatus { Complete, Incomplete, Malformed, TooLarge };
    /*
        Decodes a chunked body (RFC 9112, section 7.1) from bytes, which start where the head
        ends: chunk sizes in hex (extensions after ';' ignored), each chunk's data and CRLF,
        the last chunk "0", trailer fields (ignored) and the final CRLF. A decoded body over
        maxBody, or more than maxBody + 64 KiB of coding on the wire (a flood of tiny chunks),
        is TooLarge. On Complete, *consumed is the coding's length in bytes.
    */
    static ChunkedStatus decodeChunked(QByteArrayView bytes, qint64 maxBody, QByteArray *body,
                                       qint64 *consumed);

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
