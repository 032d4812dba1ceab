// Unit tests for the HTTP/1.x request head parser and the handshake record built from it.
#include "handshakerecord.h"
#include "httprequest.h"

#include <QCryptographicHash>
#include <QTest>

using namespace Qt::StringLiterals;
using Sockscope::HandshakeRecord;
using Sockscope::HttpHeaders;
using Sockscope::HttpRequest;
using Status = Sockscope::HttpRequest::Status;

namespace Sockscope {
char *toString(HttpRequest::Status s)
{
    static const char *const names[]
            = {"Complete", "Incomplete", "Malformed", "TooLarge", "UriTooLong"};
    return qstrdup(names[int(s)]);
}
} // namespace Sockscope

namespace {

const QByteArray upgradeRequest = "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                                  "Host: 127.0.0.1:8080\r\n"
                                  "Upgrade: websocket\r\n"
                                  "Connection: Upgrade\r\n"
                                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                  "Sec-WebSocket-Version: 13\r\n"
                                  "\r\n"_ba;

QByteArray requestWithHeaders(int count)
{
    QByteArray r = "GET / HTTP/1.1\r\n"_ba;
    for (int i = 0; i < count; ++i)
        r += "X-H" + QByteArray::number(i) + ": v\r\n";
    return r + "\r\n";
}

} // namespace

class tst_HttpRequest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void complete_data();
    void complete();
    void headerLookup();
    void keepAlive_data();
    void keepAlive();
    void query();
    void incomplete_data();
    void incomplete();
    void malformed_data();
    void malformed();
    void chunkedHead();
    void chunked_data();
    void chunked();
    void tooLarge_data();
    void tooLarge();
    void uriTooLong_data();
    void uriTooLong();
    void acceptForKey_data();
    void acceptForKey();
    void handshakeFromRequest();
    void handshakeWithoutUpgrade();
    void compactHandshake();
};

void tst_HttpRequest::complete_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("version");
    QTest::addColumn<QString>("path");
    QTest::addColumn<HttpHeaders>("headers");
    QTest::addColumn<qint64>("contentLength");
    QTest::addColumn<int>("headLength");

    QTest::newRow("websocket upgrade")
            << upgradeRequest << "GET"_ba
            << "/socket.io/?EIO=4&transport=websocket"_ba
            << "HTTP/1.1"_ba << u"/socket.io/"_s
            << HttpHeaders {{"Host", "127.0.0.1:8080"},
                            {"Upgrade", "websocket"},
                            {"Connection", "Upgrade"},
                            {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                            {"Sec-WebSocket-Version", "13"}}
            << qint64(0) << int(upgradeRequest.size());
    QTest::newRow("no headers") << "GET / HTTP/1.0\r\n\r\n"_ba
                                << "GET"_ba
                                << "/"_ba
                                << "HTTP/1.0"_ba << u"/"_s << HttpHeaders() << qint64(0) << 18;
    const QByteArray post = "POST /socket.io/?EIO=4&transport=polling&sid=abc HTTP/1.1\r\n"
                            "Content-Type: text/plain;charset=UTF-8\r\n"
                            "content-length: 5\r\n"
                            "\r\n"_ba;
    QTest::newRow("polling post with body")
            << QByteArray(post + "4hello") << "POST"_ba
            << "/socket.io/?EIO=4&transport=polling&sid=abc"_ba
            << "HTTP/1.1"_ba << u"/socket.io/"_s
            << HttpHeaders {{"Content-Type", "text/plain;charset=UTF-8"}, {"content-length", "5"}}
            << qint64(5) << int(post.size());
    QTest::newRow("value whitespace trimmed, empty value, tab")
            << "OPTIONS * HTTP/1.1\r\nX-A:   spaced\t \r\nX-Empty:\r\nX-Tab: a\tb\r\n\r\n"_ba
            << "OPTIONS"_ba
            << "*"_ba
            << "HTTP/1.1"_ba << u"*"_s
            << HttpHeaders {{"X-A", "spaced"}, {"X-Empty", ""}, {"X-Tab", "a\tb"}} << qint64(0)
            << 61;
    QTest::newRow("percent-encoded path")
            << "GET /a%20b/%E6%97%A5?x=1 HTTP/1.1\r\nHost: h\r\n\r\n"_ba
            << "GET"_ba
            << "/a%20b/%E6%97%A5?x=1"_ba
            << "HTTP/1.1"_ba << u"/a b/日"_s << HttpHeaders {{"Host", "h"}} << qint64(0) << 46;
    QTest::newRow("token method, utf-8 value")
            << QByteArray("M-SEARCH /x HTTP/1.1\r\nX-Name: " + u"日本"_s.toUtf8() + "\r\n\r\n")
            << "M-SEARCH"_ba
            << "/x"_ba
            << "HTTP/1.1"_ba << u"/x"_s << HttpHeaders {{"X-Name", u"日本"_s.toUtf8()}} << qint64(0)
            << 40;
    QTest::newRow("large content length")
            << "PUT /u HTTP/1.1\r\nContent-Length: 123456789012345\r\n\r\n"_ba
            << "PUT"_ba
            << "/u"_ba
            << "HTTP/1.1"_ba << u"/u"_s << HttpHeaders {{"Content-Length", "123456789012345"}}
            << qint64(123456789012345LL) << 52;
    QTest::newRow("content length twice, the same") // RFC 9110 8.6: may be taken as one
            << "POST /u HTTP/1.1\r\nContent-Length: 7\r\ncontent-length: 7\r\n\r\n"_ba
            << "POST"_ba
            << "/u"_ba
            << "HTTP/1.1"_ba << u"/u"_s
            << HttpHeaders {{"Content-Length", "7"}, {"content-length", "7"}} << qint64(7) << 58;
    QTest::newRow("colon in value")
            << "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"_ba
            << "GET"_ba
            << "/"_ba
            << "HTTP/1.1"_ba << u"/"_s << HttpHeaders {{"Host", "[::1]:8080"}} << qint64(0) << 36;
}

void tst_HttpRequest::complete()
{
    QFETCH(QByteArray, raw);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, version);
    QFETCH(QString, path);
    QFETCH(HttpHeaders, headers);
    QFETCH(qint64, contentLength);
    QFETCH(int, headLength);

    HttpRequest r;
    QCOMPARE(HttpRequest::parse(raw, &r), Status::Complete);
    QCOMPARE(r.method, method);
    QCOMPARE(r.target, target);
    QCOMPARE(r.version, version);
    QCOMPARE(r.path(), path);
    QCOMPARE(r.headers, headers);
    QCOMPARE(r.contentLength, contentLength);
    QCOMPARE(r.headLength, headLength);
    QVERIFY(raw.left(headLength).endsWith("\r\n\r\n"));
    QVERIFY(raw.indexOf("\r\n\r\n") + 4 == headLength);
}

void tst_HttpRequest::headerLookup()
{
    const QByteArray raw = "GET / HTTP/1.1\r\n"
                           "HOST: example.com\r\n"
                           "connection: keep-alive, Upgrade\r\n"
                           "Upgrade: WebSocket\r\n"
                           "X-Dup: first\r\n"
                           "x-dup: second\r\n"
                           "\r\n"_ba;
    HttpRequest r;
    QCOMPARE(HttpRequest::parse(raw, &r), Status::Complete);
    for (const char *name : {"host", "Host", "HOST", "hOsT"}) {
        QVERIFY(r.hasHeader(name));
        QCOMPARE(r.header(name), "example.com"_ba);
    }
    QCOMPARE(r.header("x-dup"), "first"_ba); // the first value
    QVERIFY(!r.hasHeader("missing"));
    QVERIFY(r.header("missing").isEmpty());
    QVERIFY(!r.hasHeader("hos")); // whole names only
    QVERIFY(r.headerHasToken("Connection", "upgrade"));
    QVERIFY(r.headerHasToken("CONNECTION", "Keep-Alive"));
    QVERIFY(!r.headerHasToken("connection", "close"));
    QVERIFY(!r.headerHasToken("connection", "keep")); // tokens, not substrings
    QVERIFY(r.headerHasToken("upgrade", "websocket"));
    QVERIFY(r.headerHasToken("x-dup", "second")); // every field with that name
    QVERIFY(!r.headerHasToken("missing", "x"));
}

void tst_HttpRequest::keepAlive_data()
{
    QTest::addColumn<QByteArray>("version");
    QTest::addColumn<QByteArray>("connection"); // empty: no Connection header
    QTest::addColumn<bool>("keepAlive");

    QTest::newRow("1.1 default") << "HTTP/1.1"_ba << QByteArray() << true;
    QTest::newRow("1.1 close") << "HTTP/1.1"_ba
                               << "close"_ba << false;
    QTest::newRow("1.1 Close") << "HTTP/1.1"_ba
                               << "Close"_ba << false;
    QTest::newRow("1.1 upgrade, close") << "HTTP/1.1"_ba
                                        << "Upgrade, close"_ba << false;
    QTest::newRow("1.1 keep-alive") << "HTTP/1.1"_ba
                                    << "keep-alive"_ba << true;
    QTest::newRow("1.1 upgrade") << "HTTP/1.1"_ba
                                 << "Upgrade"_ba << true;
    QTest::newRow("1.0 default") << "HTTP/1.0"_ba << QByteArray() << false;
    QTest::newRow("1.0 keep-alive") << "HTTP/1.0"_ba
                                    << "keep-alive"_ba << true;
    QTest::newRow("1.0 Keep-Alive") << "HTTP/1.0"_ba
                                    << "Keep-Alive"_ba << true;
    QTest::newRow("1.0 close") << "HTTP/1.0"_ba
                               << "close"_ba << false;
    QTest::newRow("1.0 upgrade") << "HTTP/1.0"_ba
                                 << "Upgrade"_ba << false;
}

void tst_HttpRequest::keepAlive()
{
    QFETCH(QByteArray, version);
    QFETCH(QByteArray, connection);
    QFETCH(bool, keepAlive);

    QByteArray raw = "GET / " + version + "\r\nHost: h\r\n";
    if (!connection.isEmpty())
        raw += "Connection: " + connection + "\r\n";
    raw += "\r\n";
    HttpRequest r;
    QCOMPARE(HttpRequest::parse(raw, &r), Status::Complete);
    QCOMPARE(r.keepAlive(), keepAlive);
}

void tst_HttpRequest::query()
{
    HttpRequest r;
    QCOMPARE(HttpRequest::parse("GET /socket.io/?EIO=4&transport=polling&t=N8hyd6w&sid=a%2Bb "
                                "HTTP/1.1\r\n\r\n"_ba,
                                &r),
             Status::Complete);
    const QUrlQuery q = r.query();
    QCOMPARE(q.queryItemValue(u"EIO"_s), u"4"_s);
    QCOMPARE(q.queryItemValue(u"transport"_s), u"polling"_s);
    QCOMPARE(q.queryItemValue(u"t"_s), u"N8hyd6w"_s);
    QCOMPARE(q.queryItemValue(u"sid"_s, QUrl::FullyDecoded), u"a+b"_s);
    QVERIFY(!q.hasQueryItem(u"missing"_s));
    QCOMPARE(q.queryItems().size(), 4);
    QCOMPARE(r.path(), u"/socket.io/"_s);

    QCOMPARE(HttpRequest::parse("GET /plain HTTP/1.1\r\n\r\n"_ba, &r), Status::Complete);
    QVERIFY(r.query().isEmpty());
    QCOMPARE(r.path(), u"/plain"_s);

    QCOMPARE(HttpRequest::parse("GET /e? HTTP/1.1\r\n\r\n"_ba, &r), Status::Complete);
    QVERIFY(r.query().isEmpty());
    QCOMPARE(r.path(), u"/e"_s);
}

void tst_HttpRequest::incomplete_data()
{
    QTest::addColumn<QByteArray>("full");

    QTest::newRow("websocket upgrade") << upgradeRequest;
    QTest::newRow("no headers") << "GET / HTTP/1.1\r\n\r\n"_ba;
    QTest::newRow("post") << "POST /p?x=1 HTTP/1.0\r\nContent-Length: 3\r\n\r\n"_ba;
}

void tst_HttpRequest::incomplete()
{
    QFETCH(QByteArray, full);

    HttpRequest complete;
    QCOMPARE(HttpRequest::parse(full, &complete), Status::Complete);
    QCOMPARE(complete.headLength, int(full.size()));

    // Cut anywhere before the end of the head: more bytes are needed, and nothing is filled.
    for (qsizetype cut = 0; cut < full.size(); ++cut) {
        HttpRequest r;
        r.method = "untouched";
        const Status s = HttpRequest::parse(full.left(cut), &r);
        QVERIFY2(s == Status::Incomplete, qPrintable(u"cut at %1 gave %2"_s.arg(cut).arg(int(s))));
        QCOMPARE(r.method, "untouched"_ba);
    }
    // Body bytes after the head do not matter.
    HttpRequest r;
    QCOMPARE(HttpRequest::parse(full + "abc\r\n\r\n", &r), Status::Complete);
    QCOMPARE(r.headLength, int(full.size()));
}

void tst_HttpRequest::malformed_data()
{
    QTest::addColumn<QByteArray>("raw");

    // Refused before the head is complete.
    QTest::newRow("tls client hello") << "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"_ba;
    QTest::newRow("nul") << QByteArray("GET /\0", 6);
    QTest::newRow("leading space, incomplete") << " GET / HTTP/1.1\r\n"_ba;
    QTest::newRow("bare LF in request line, incomplete") << "GET / HTTP/1.1\nHost: x"_ba;
    QTest::newRow("json") << R"({"hello":1})"_ba;

    // Refused once the head is complete.
    QTest::newRow("garbage") << "hello world\r\n\r\n"_ba;
    QTest::newRow("empty request line") << "\r\n\r\n"_ba;
    QTest::newRow("two parts") << "GET /\r\n\r\n"_ba;
    QTest::newRow("four parts") << "GET / x HTTP/1.1\r\n\r\n"_ba;
    QTest::newRow("double space") << "GET  / HTTP/1.1\r\n\r\n"_ba;
    QTest::newRow("trailing space") << "GET / HTTP/1.1 \r\n\r\n"_ba;
    QTest::newRow("leading space") << " GET / HTTP/1.1\r\n\r\n"_ba;
    QTest::newRow("method with bracket") << "GE(T / HTTP/1.1\r\n\r\n"_ba;
    QTest::newRow("method with slash") << "GET/ / HTTP/1.1\r\n\r\n"_ba;
    QTest::newRow("version 2.0") << "GET / HTTP/2.0\r\n\r\n"_ba;
    QTest::newRow("version 0.9") << "GET / HTTP/0.9\r\n\r\n"_ba;
    QTest::newRow("version lowercase") << "GET / http/1.1\r\n\r\n"_ba;
    QTest::newRow("version missing digit") << "GET / HTTP/1.\r\n\r\n"_ba;
    QTest::newRow("version junk") << "GET / HTTP/1.1x\r\n\r\n"_ba;
    QTest::newRow("target with control char") << "GET /a\x01 b HTTP/1.1\r\n\r\n"_ba;
    QTest::newRow("target with DEL") << "GET /a\x7f HTTP/1.1\r\n\r\n"_ba;
    QTest::newRow("bare LF between headers") << "GET / HTTP/1.1\r\nA: 1\nB: 2\r\n\r\n"_ba;
    QTest::newRow("bare CR in value") << "GET / HTTP/1.1\r\nA: 1\r2\r\n\r\n"_ba;
    QTest::newRow("obs-fold space") << "GET / HTTP/1.1\r\nX-A: one\r\n two\r\n\r\n"_ba;
    QTest::newRow("obs-fold tab") << "GET / HTTP/1.1\r\nX-A: one\r\n\ttwo\r\n\r\n"_ba;
    QTest::newRow("space before first header") << "GET / HTTP/1.1\r\n Host: x\r\n\r\n"_ba;
    QTest::newRow("header without colon") << "GET / HTTP/1.1\r\nHost example.com\r\n\r\n"_ba;
    QTest::newRow("header empty name") << "GET / HTTP/1.1\r\n: value\r\n\r\n"_ba;
    QTest::newRow("space before colon") << "GET / HTTP/1.1\r\nHost : x\r\n\r\n"_ba;
    QTest::newRow("space in name") << "GET / HTTP/1.1\r\nX Y: x\r\n\r\n"_ba;
    QTest::newRow("non-ascii name") << "GET / HTTP/1.1\r\nX-\xc3\xa9: x\r\n\r\n"_ba;
    QTest::newRow("control char in value") << "GET / HTTP/1.1\r\nX-A: a\x01z\r\n\r\n"_ba;
    QTest::newRow("escape in value") << "GET / HTTP/1.1\r\nX-A: \x1b[31m\r\n\r\n"_ba;
    QTest::newRow("DEL in value") << "GET / HTTP/1.1\r\nX-A: a\x7fz\r\n\r\n"_ba;
    QTest::newRow("nul in value") << QByteArray("GET / HTTP/1.1\r\nX-A: a\0z\r\n\r\n", 28);
    QTest::newRow("transfer-encoding gzip, chunked")
            << "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"_ba;
    QTest::newRow("transfer-encoding twice")
            << "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"_ba;
    QTest::newRow("transfer-encoding any case")
            << "POST / HTTP/1.1\r\ntransfer-ENCODING: identity\r\n\r\n"_ba;
    QTest::newRow("transfer-encoding with length")
            << "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"_ba;
    QTest::newRow("content-length letters") << "POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n"_ba;
    QTest::newRow("content-length negative") << "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"_ba;
    QTest::newRow("content-length hex") << "POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n"_ba;
    QTest::newRow("content-length plus") << "POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n"_ba;
    QTest::newRow("content-length list") << "POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n"_ba;
    QTest::newRow("content-length huge")
            << "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n"_ba;
    QTest::newRow("content-length minus zero")
            << "POST / HTTP/1.1\r\nContent-Length: -0\r\n\r\n"_ba;
    QTest::newRow("content-length twice, different")
            << "POST / HTTP/1.1\r\nContent-Length: 3\r\ncontent-length: 30\r\n\r\n"_ba;
    QTest::newRow("content-length empty")
            << "POST / HTTP/1.1\r\nContent-Length: \r\n\r\n"_ba;
    QTest::newRow("content-length empty after one")
            << "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length:\r\n\r\n"_ba;
    QTest::newRow("content-length 16 digits")
            << "POST / HTTP/1.1\r\nContent-Length: 1000000000000000\r\n\r\n"_ba;
}

void tst_HttpRequest::chunkedHead()
{
    HttpRequest r;
    QCOMPARE(HttpRequest::parse("POST / HTTP/1.1\r\ntransfer-ENCODING: Chunked\r\n\r\n3\r\n"_ba, &r),
             Status::Complete);
    QVERIFY(r.chunked);
    QCOMPARE(r.contentLength, 0);
    QCOMPARE(HttpRequest::parse("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\n"_ba, &r),
             Status::Complete);
    QVERIFY(!r.chunked);
}

void tst_HttpRequest::chunked_data()
{
    using C = HttpRequest::ChunkedStatus;
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<qint64>("maxBody");
    QTest::addColumn<C>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<qint64>("consumed"); // -1: the whole wire
    QTest::newRow("one chunk") << "5\r\nhello\r\n0\r\n\r\n"_ba << qint64(100) << C::Complete << "hello"_ba << qint64(-1);
    QTest::newRow("several, hex sizes")
            << "3\r\n40a\r\nA\r\n0123456789\r\n1\r\n]\r\n0\r\n\r\n"_ba << qint64(100) << C::Complete
            << "40a0123456789]"_ba << qint64(-1);
    QTest::newRow("empty body") << "0\r\n\r\n"_ba << qint64(100) << C::Complete << ""_ba << qint64(-1);
    QTest::newRow("extensions and trailers")
            << "4;name=value\r\n4:hi\r\n0;x\r\nX-Trailer: 1\r\n\r\n"_ba << qint64(100)
            << C::Complete << "4:hi"_ba << qint64(-1);
    QTest::newRow("next request after it")
            << "2\r\nok\r\n0\r\n\r\nGET / HTTP/1.1\r\n"_ba << qint64(100) << C::Complete << "ok"_ba << qint64(12);
    QTest::newRow("binary data with CRLF inside")
            << "4\r\n\r\n\x1e\x00\r\n0\r\n\r\n"_ba << qint64(100) << C::Complete
            << QByteArray("\r\n\x1e\x00", 4) << qint64(-1);
    QTest::newRow("size only") << "5\r\n"_ba << qint64(100) << C::Incomplete << ""_ba << qint64(0);
    QTest::newRow("data cut") << "5\r\nhel"_ba << qint64(100) << C::Incomplete << ""_ba << qint64(0);
    QTest::newRow("no last chunk") << "5\r\nhello\r\n"_ba << qint64(100) << C::Incomplete << ""_ba << qint64(0);
    QTest::newRow("no final CRLF") << "5\r\nhello\r\n0\r\n"_ba << qint64(100) << C::Incomplete << ""_ba << qint64(0);
    QTest::newRow("nothing yet") << ""_ba << qint64(100) << C::Incomplete << ""_ba << qint64(0);
    QTest::newRow("size not hex") << "5g\r\nhello\r\n0\r\n\r\n"_ba << qint64(100) << C::Malformed << ""_ba << qint64(0);
    QTest::newRow("negative size") << "-5\r\nhello\r\n0\r\n\r\n"_ba << qint64(100) << C::Malformed << ""_ba << qint64(0);
    QTest::newRow("empty size") << "\r\nhello\r\n0\r\n\r\n"_ba << qint64(100) << C::Malformed << ""_ba << qint64(0);
    QTest::newRow("data longer than size") << "3\r\nhello\r\n0\r\n\r\n"_ba << qint64(100) << C::Malformed << ""_ba << qint64(0);
    QTest::newRow("size of 16 digits") << "1000000000000000\r\n"_ba << qint64(100) << C::Malformed << ""_ba << qint64(0);
    QTest::newRow("trailer without colon") << "0\r\nbad\r\n\r\n"_ba << qint64(100) << C::Malformed << ""_ba << qint64(0);
    QTest::newRow("size line too long") << QByteArray(5000, '0') << qint64(100000) << C::Malformed << ""_ba << qint64(0);
    QTest::newRow("over maxBody in one chunk") << "b\r\n"_ba << qint64(10) << C::TooLarge << ""_ba << qint64(0);
    QTest::newRow("over maxBody in two") << "6\r\nhello!\r\n6\r\n"_ba << qint64(10) << C::TooLarge << ""_ba << qint64(0);
    QTest::newRow("exactly maxBody") << "a\r\n0123456789\r\n0\r\n\r\n"_ba << qint64(10) << C::Complete << "0123456789"_ba << qint64(-1);
    QByteArray tiny;
    for (int i = 0; i < 20000; ++i)
        tiny += "1\r\nx\r\n";
    QTest::newRow("a flood of tiny chunks") << tiny << qint64(20000) << C::TooLarge << ""_ba << qint64(0);
}

void tst_HttpRequest::chunked()
{
    QFETCH(QByteArray, wire);
    QFETCH(qint64, maxBody);
    QFETCH(HttpRequest::ChunkedStatus, status);
    QFETCH(QByteArray, body);
    QFETCH(qint64, consumed);
    QByteArray out = "untouched";
    qint64 used = 0;
    QCOMPARE(HttpRequest::decodeChunked(wire, maxBody, &out, &used), status);
    if (status == HttpRequest::ChunkedStatus::Complete) {
        QCOMPARE(out, body);
        QCOMPARE(used, consumed < 0 ? wire.size() : consumed);
        // The same bytes in any two pieces: incomplete until the whole coding is there.
        for (qsizetype cut = 0; cut < used; ++cut) {
            QByteArray part;
            QCOMPARE(HttpRequest::decodeChunked(QByteArrayView(wire).first(cut), maxBody, &part, nullptr),
                     HttpRequest::ChunkedStatus::Incomplete);
        }
    } else {
        QCOMPARE(out, "untouched"_ba);
    }
}

void tst_HttpRequest::malformed()
{
    QFETCH(QByteArray, raw);

    HttpRequest r;
    r.method = "untouched";
    QCOMPARE(HttpRequest::parse(raw, &r), Status::Malformed);
    QCOMPARE(r.method, "untouched"_ba);
}

void tst_HttpRequest::tooLarge_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<int>("maxHeadBytes");
    QTest::addColumn<int>("maxHeaders");
    QTest::addColumn<Status>("status");

    const QByteArray head = "GET / HTTP/1.1\r\nX-Pad: "_ba;
    auto padded = [&](int total) {
        return QByteArray(head + QByteArray(total - head.size() - 4, 'a') + "\r\n\r\n");
    };
    QTest::newRow("head at the default limit") << padded(16384) << 16384 << 100 << Status::Complete;
    QTest::newRow("head one byte over the default limit")
            << padded(16385) << 16384 << 100 << Status::TooLarge;
    QTest::newRow("head far over") << padded(100000) << 16384 << 100 << Status::TooLarge;
    QTest::newRow("small limit, at") << padded(64) << 64 << 100 << Status::Complete;
    QTest::newRow("small limit, over") << padded(65) << 64 << 100 << Status::TooLarge;
    QTest::newRow("incomplete, at the limit")
            << padded(200).left(200 - 4) << 196 << 100 << Status::Incomplete;
    QTest::newRow("incomplete, over the limit")
            << padded(200).left(200 - 4) << 195 << 100 << Status::TooLarge;
    QTest::newRow("incomplete, endless header")
            << QByteArray(head + QByteArray(20000, 'a')) << 16384 << 100 << Status::TooLarge;
    QTest::newRow("100 headers") << requestWithHeaders(100) << 16384 << 100 << Status::Complete;
    QTest::newRow("101 headers") << requestWithHeaders(101) << 16384 << 100 << Status::TooLarge;
    QTest::newRow("3 of 3 headers") << requestWithHeaders(3) << 16384 << 3 << Status::Complete;
    QTest::newRow("4 of 3 headers") << requestWithHeaders(4) << 16384 << 3 << Status::TooLarge;
}

void tst_HttpRequest::tooLarge()
{
    QFETCH(QByteArray, raw);
    QFETCH(int, maxHeadBytes);
    QFETCH(int, maxHeaders);
    QFETCH(Status, status);

    HttpRequest r;
    QCOMPARE(HttpRequest::parse(raw, &r, maxHeadBytes, maxHeaders), status);
    if (status == Status::Complete)
        QCOMPARE(r.headLength, int(raw.size()));
}

void tst_HttpRequest::uriTooLong_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<Status>("status");

    auto request = [](int targetLength) {
        return QByteArray("GET /" + QByteArray(targetLength - 1, 'a')
                          + " HTTP/1.1\r\nHost: h\r\n\r\n");
    };
    QTest::newRow("8192") << request(8192) << Status::Complete;
    QTest::newRow("8193") << request(8193) << Status::UriTooLong;
    QTest::newRow("12000") << request(12000) << Status::UriTooLong;
    // A request line that never ends is refused as soon as it is too long for any target.
    QTest::newRow("endless request line")
            << QByteArray("GET /" + QByteArray(9000, 'a')) << Status::UriTooLong;
    QTest::newRow("short request line so far")
            << QByteArray("GET /" + QByteArray(8000, 'a')) << Status::Incomplete;
}

void tst_HttpRequest::uriTooLong()
{
    QFETCH(QByteArray, raw);
    QFETCH(Status, status);

    HttpRequest r;
    QCOMPARE(HttpRequest::parse(raw, &r), status);
    if (status == Status::Complete)
        QCOMPARE(r.target.size(), 8192);
}

void tst_HttpRequest::acceptForKey_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QByteArray>("accept");

    // RFC 6455, section 1.3.
    QTest::newRow("rfc 6455") << "dGhlIHNhbXBsZSBub25jZQ=="_ba
                              << "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="_ba;
    QTest::newRow("second vector") << "x3JJHMbDL1EzLkh9GBhXDw=="_ba
                                   << "HSmrc0sMlYUkAGmm5OPpG2HaGWk="_ba;
}

void tst_HttpRequest::acceptForKey()
{
    QFETCH(QByteArray, key);
    QFETCH(QByteArray, accept);

    QCOMPARE(HandshakeRecord::acceptForKey(key), accept);
}

void tst_HttpRequest::handshakeFromRequest()
{
    const QByteArray raw = upgradeRequest + "\x81\x05hello"_ba; // a frame right behind the head
    HttpRequest request;
    QCOMPARE(HttpRequest::parse(raw, &request), Status::Complete);

    const HandshakeRecord h = HandshakeRecord::fromRequest(request, raw);
    QCOMPARE(h.rawRequest, upgradeRequest); // the head only, byte for byte
    QCOMPARE(h.method, "GET"_ba);
    QCOMPARE(h.target, "/socket.io/?EIO=4&transport=websocket"_ba);
    QCOMPARE(h.httpVersion, "HTTP/1.1"_ba);
    QCOMPARE(h.headers, request.headers);
    QCOMPARE(h.header("sec-websocket-version"), "13"_ba);
    QCOMPARE(h.header("HOST"), "127.0.0.1:8080"_ba);
    QVERIFY(h.time.isValid());
    QVERIFY(h.isUpgrade);

    QCOMPARE(h.secWebSocketKey, "dGhlIHNhbXBsZSBub25jZQ=="_ba);
    QCOMPARE(h.keyWithGuid, "dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11"_ba);
    QCOMPARE(h.sha1.size(), 20);
    QCOMPARE(h.sha1.toHex(), "b37a4f2cc0624f1690f64606cf385945b2bec4ea"_ba);
    QCOMPARE(h.secWebSocketAccept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="_ba);
    QCOMPARE(h.secWebSocketAccept, h.sha1.toBase64());
    QCOMPARE(h.secWebSocketAccept, HandshakeRecord::acceptForKey(h.secWebSocketKey));

    // "Upgrade: WebSocket" in any case counts.
    QByteArray mixed = upgradeRequest;
    mixed.replace("Upgrade: websocket", "upgrade: WebSocket");
    QCOMPARE(HttpRequest::parse(mixed, &request), Status::Complete);
    const HandshakeRecord m = HandshakeRecord::fromRequest(request, mixed);
    QVERIFY(m.isUpgrade);
    QCOMPARE(m.secWebSocketAccept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="_ba);
}

void tst_HttpRequest::handshakeWithoutUpgrade()
{
    const QByteArray raw = "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\n"
                           "Host: h\r\n"
                           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                           "\r\n"_ba;
    HttpRequest request;
    QCOMPARE(HttpRequest::parse(raw, &request), Status::Complete);
    const HandshakeRecord h = HandshakeRecord::fromRequest(request, raw);
    QVERIFY(!h.isUpgrade);
    QCOMPARE(h.rawRequest, raw);
    QVERIFY(h.secWebSocketKey.isEmpty());
    QVERIFY(h.keyWithGuid.isEmpty());
    QVERIFY(h.sha1.isEmpty());
    QVERIFY(h.secWebSocketAccept.isEmpty());

    // An upgrade without a key has nothing to compute.
    const QByteArray noKey
            = "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"_ba;
    QCOMPARE(HttpRequest::parse(noKey, &request), Status::Complete);
    const HandshakeRecord k = HandshakeRecord::fromRequest(request, noKey);
    QVERIFY(k.isUpgrade);
    QVERIFY(k.secWebSocketKey.isEmpty());
    QVERIFY(k.sha1.isEmpty());
    QVERIFY(k.secWebSocketAccept.isEmpty());
}

// What a connection keeps of its handshake gives back the whole record.
void tst_HttpRequest::compactHandshake()
{
    const QByteArray raw = upgradeRequest + "next request bytes";
    HttpRequest request;
    QCOMPARE(HttpRequest::parse(raw, &request), Status::Complete);
    HandshakeRecord h = HandshakeRecord::fromRequest(request, raw);
    h.id = 7;
    h.remoteAddress = QHostAddress(u"127.0.0.1"_s);
    h.remotePort = 4242;
    h.transport = u"websocket"_s;
    h.rawResponse = "HTTP/1.1 101 Switching Protocols\r\n\r\n"_ba;
    h.statusCode = 101;
    h.error = u"none"_s;

    const HandshakeRecord back = h.compact().expanded(u"sid1"_s);
    QCOMPARE(back.connectionId, u"sid1"_s);
    QCOMPARE(back.rawRequest, upgradeRequest);
    QCOMPARE(back.rawResponse, h.rawResponse);
    QCOMPARE(back.method, "GET"_ba);
    QCOMPARE(back.target, h.target);
    QCOMPARE(back.httpVersion, h.httpVersion);
    QCOMPARE(back.headers, h.headers);
    QCOMPARE(back.secWebSocketKey, h.secWebSocketKey);
    QCOMPARE(back.keyWithGuid, h.keyWithGuid);
    QCOMPARE(back.sha1, h.sha1);
    QCOMPARE(back.secWebSocketAccept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="_ba);
    QCOMPARE(back.time, h.time);
    QCOMPARE(back.id, quint64(7));
    QCOMPARE(back.remoteAddress, h.remoteAddress);
    QCOMPARE(back.remotePort, quint16(4242));
    QCOMPARE(back.transport, h.transport);
    QCOMPARE(back.statusCode, 101);
    QCOMPARE(back.error, h.error);
    QVERIFY(back.isUpgrade);

    // A record without a request (refused before one was complete) stays as it was.
    HandshakeRecord empty;
    empty.error = u"stalled"_s;
    const HandshakeRecord e = empty.compact().expanded(QString());
    QVERIFY(e.rawRequest.isEmpty());
    QVERIFY(e.method.isEmpty());
    QCOMPARE(e.error, u"stalled"_s);
}

QTEST_GUILESS_MAIN(tst_HttpRequest)

#include "tst_httprequest.moc"
