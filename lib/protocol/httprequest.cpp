#include "httprequest.h"

#include <QUrl>

namespace Sockscope {

namespace {

bool isTokenChar(char c)
{
    if (c >= 'a' && c <= 'z')
        return true;
    if (c >= 'A' && c <= 'Z')
        return true;
    if (c >= '0' && c <= '9')
        return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

} // namespace

HttpRequest::Status HttpRequest::parse(const QByteArray &bytes, HttpRequest *out,
                                       int maxHeadBytes, int maxHeaders)
{
    const qsizetype end = bytes.indexOf("\r\n\r\n");
    if (end < 0) {
        // Line-level checks before the head is complete, so garbage is refused early.
        const qsizetype firstLine = bytes.indexOf("\r\n");
        const QByteArray line = firstLine < 0 ? bytes : bytes.left(firstLine);
        if (firstLine < 0 && line.size() > 8192)
            return Status::UriTooLong;
        for (char c : line) {
            if (c == '\0' || (c == '\n'))
                return Status::Malformed;
        }
        if (!line.isEmpty() && !isTokenChar(line.at(0)))
            return Status::Malformed;
        if (bytes.size() > maxHeadBytes)
            return Status::TooLarge;
        return Status::Incomplete;
    }
    if (end + 4 > maxHeadBytes)
        return Status::TooLarge;

    HttpRequest r;
    r.headLength = int(end + 4);
    const QByteArray head = bytes.left(end + 1); // every line keeps its CR
    const QList<QByteArray> lines = head.split('\n');
    if (lines.isEmpty())
        return Status::Malformed;

    QByteArray requestLine = lines.at(0);
    if (!requestLine.endsWith('\r'))
        return Status::Malformed;
    if (requestLine.endsWith('\r'))
        requestLine.chop(1);
    const QList<QByteArray> parts = requestLine.split(' ');
    if (parts.size() != 3)
        return Status::Malformed;
    r.method = parts.at(0);
    r.target = parts.at(1);
    r.version = parts.at(2);
    if (r.method.isEmpty() || r.target.isEmpty())
        return Status::Malformed;
    for (char c : r.method) {
        if (!isTokenChar(c))
            return Status::Malformed;
    }
    if (r.version != "HTTP/1.1" && r.version != "HTTP/1.0")
        return Status::Malformed;
    if (r.target.size() > 8192)
        return Status::UriTooLong;
    for (char c : r.target) {
        if (uchar(c) <= 0x20 || uchar(c) == 0x7f)
            return Status::Malformed;
    }

    for (qsizetype i = 1; i < lines.size(); ++i) {
        QByteArray line = lines.at(i);
        if (!line.endsWith('\r'))
            return Status::Malformed;
        line.chop(1);
        if (line.isEmpty())
            return Status::Malformed;
        if (line.at(0) == ' ' || line.at(0) == '\t')
            return Status::Malformed; // obsolete line folding
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return Status::Malformed;
        const QByteArray name = line.left(colon);
        for (char c : name) {
            if (!isTokenChar(c))
                return Status::Malformed;
        }
        const QByteArray value = line.mid(colon + 1).trimmed();
        for (char c : value) {
            if ((uchar(c) < 0x20 && c != '\t') || uchar(c) == 0x7f)
                return Status::Malformed;
        }
        if (r.headers.size() >= maxHeaders)
            return Status::TooLarge;
        r.headers.append({ name, value });
    }

    if (r.hasHeader("transfer-encoding")) {
        // Only the chunked coding, alone, and never beside a Content-Length (which a proxy
        // might believe instead: the body would be split two ways).
        int codings = 0;
        for (const auto &h : std::as_const(r.headers)) {
            if (h.first.compare("transfer-encoding", Qt::CaseInsensitive) != 0)
                continue;
            if (++codings > 1 || h.second.compare("chunked", Qt::CaseInsensitive) != 0)
                return Status::Malformed;
        }
        if (r.hasHeader("content-length"))
            return Status::Malformed;
        r.chunked = true;
    }
    // Every Content-Length line must be plain digits, and all must agree: two different
    // lengths (or an empty one) would let a proxy and us split the body differently.
    qint64 length = -1;
    for (const auto &h : std::as_const(r.headers)) {
        if (h.first.compare("content-length", Qt::CaseInsensitive) != 0)
            continue;
        const QByteArray &cl = h.second;
        if (cl.isEmpty() || cl.size() > 15)
            return Status::Malformed;
        for (char c : cl) {
            if (c < '0' || c > '9') // no sign, no list, no spaces
                return Status::Malformed;
        }
        const qint64 n = cl.toLongLong();
        if (length >= 0 && length != n)
            return Status::Malformed;
        length = n;
    }
    if (length >= 0)
        r.contentLength = length;
    *out = std::move(r);
    return Status::Complete;
}

HttpRequest::ChunkedStatus HttpRequest::decodeChunked(QByteArrayView bytes, qint64 maxBody,
                                                      QByteArray *body, qint64 *consumed)
{
    constexpr qint64 CodingAllowance = 64 * 1024;
    const qint64 maxWire = maxBody + CodingAllowance;
    QByteArray out;
    qsizetype pos = 0;
    // One line (without its CRLF) from pos, or Incomplete / Malformed.
    const auto line = [&](QByteArrayView *text) -> ChunkedStatus {
        const qsizetype end = bytes.indexOf("\r\n", pos);
        if (end < 0) {
            return bytes.size() - pos > 4096 ? ChunkedStatus::Malformed
                                             : (bytes.size() > maxWire ? ChunkedStatus::TooLarge
                                                                       : ChunkedStatus::Incomplete);
        }
        *text = bytes.sliced(pos, end - pos);
        pos = end + 2;
        return ChunkedStatus::Complete;
    };
    for (;;) {
        QByteArrayView sizeLine;
        if (const auto st = line(&sizeLine); st != ChunkedStatus::Complete)
            return st;
        const qsizetype semi = sizeLine.indexOf(';');
        const QByteArrayView digits = (semi < 0 ? sizeLine : sizeLine.first(semi)).trimmed();
        if (digits.isEmpty() || digits.size() > 15)
            return ChunkedStatus::Malformed;
        qint64 size = 0;
        for (char c : digits) {
            const int v = c >= '0' && c <= '9' ? c - '0'
                    : c >= 'a' && c <= 'f'     ? c - 'a' + 10
                    : c >= 'A' && c <= 'F'     ? c - 'A' + 10
                                               : -1;
            if (v < 0)
                return ChunkedStatus::Malformed;
            size = size * 16 + v;
        }
        if (out.size() + size > maxBody)
            return ChunkedStatus::TooLarge;
        if (size == 0)
            break;
        if (bytes.size() - pos < size + 2)
            return bytes.size() > maxWire ? ChunkedStatus::TooLarge : ChunkedStatus::Incomplete;
        if (bytes.sliced(pos + size, 2) != QByteArrayView("\r\n"))
            return ChunkedStatus::Malformed;
        out.append(bytes.sliced(pos, size));
        pos += size + 2;
        if (pos > maxWire)
            return ChunkedStatus::TooLarge;
    }
    // Trailer fields, ignored, up to the empty line.
    for (;;) {
        QByteArrayView trailer;
        if (const auto st = line(&trailer); st != ChunkedStatus::Complete)
            return st;
        if (trailer.isEmpty())
            break;
        if (!trailer.contains(':'))
            return ChunkedStatus::Malformed;
    }
    if (body)
        *body = std::move(out);
    if (consumed)
        *consumed = pos;
    return ChunkedStatus::Complete;
}

QString HttpRequest::path() const
{
    const qsizetype q = target.indexOf('?');
    return QUrl::fromPercentEncoding(q < 0 ? target : target.left(q));
}

QUrlQuery HttpRequest::query() const
{
    const qsizetype q = target.indexOf('?');
    if (q < 0)
        return {};
    return QUrlQuery(QString::fromUtf8(target.mid(q + 1)));
}

QByteArray HttpRequest::header(QByteArrayView name) const
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

bool HttpRequest::hasHeader(QByteArrayView name) const
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

bool HttpRequest::headerHasToken(QByteArrayView name, QByteArrayView token) const
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) != 0)
            continue;
        for (const QByteArray &part : h.second.split(',')) {
            if (part.trimmed().compare(token, Qt::CaseInsensitive) == 0)
                return true;
        }
    }
    return false;
}

bool HttpRequest::keepAlive() const
{
    if (version == "HTTP/1.0")
        return headerHasToken("connection", "keep-alive");
    return !headerHasToken("connection", "close");
}

} // namespace Sockscope
