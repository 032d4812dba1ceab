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

    if (r.hasHeader("transfer-encoding"))
        return Status::Malformed; // chunked bodies are not accepted: a length is required
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
