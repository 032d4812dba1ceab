// What counts as secret, and redacting it from an auth payload and a handshake record: the
// header list and the raw request bytes alike, whatever the case or spacing.
#include <handshakerecord.h>
#include <httprequest.h>
#include <secrets.h>

#include <QTest>

using namespace Qt::StringLiterals;
using namespace Sockscope;

class tst_Secrets : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void secretHeaders_data();
    void secretHeaders();
    void authKeepsKeys();
    void redactRequest_data();
    void redactRequest();
};

void tst_Secrets::secretHeaders_data()
{
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<bool>("secret");
    QTest::newRow("authorization") << QByteArray("Authorization") << true;
    QTest::newRow("lower") << QByteArray("authorization") << true;
    QTest::newRow("cookie") << QByteArray("COOKIE") << true;
    QTest::newRow("proxy") << QByteArray("Proxy-Authorization") << true;
    QTest::newRow("padded") << QByteArray(" Cookie ") << true;
    QTest::newRow("set-cookie is ours, not the client's") << QByteArray("Set-Cookie") << false;
    QTest::newRow("key") << QByteArray("Sec-WebSocket-Key") << false;
    QTest::newRow("empty") << QByteArray() << false;
}

void tst_Secrets::secretHeaders()
{
    QFETCH(QByteArray, name);
    QFETCH(bool, secret);
    QCOMPARE(Secrets::isSecretHeader(name), secret);
}

void tst_Secrets::authKeepsKeys()
{
    const QJsonObject auth { { u"token"_s, u"abc"_s }, { u"n"_s, 3 }, { u"nested"_s, QJsonObject { { u"x"_s, 1 } } } };
    const QJsonObject r = Secrets::redactAuth(auth);
    QCOMPARE(r.keys(), auth.keys());
    for (const QString &k : r.keys())
        QCOMPARE(r.value(k).toString(), u"[redacted]"_s);
    QVERIFY(Secrets::redactAuth({}).isEmpty());
}

void tst_Secrets::redactRequest_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("crlf") << QByteArray("GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer x\r\n"
                                        "Cookie: a=1; b=2\r\n\r\n")
                          << QByteArray("GET / HTTP/1.1\r\nHost: h\r\nAuthorization: [redacted]\r\n"
                                        "Cookie: [redacted]\r\n\r\n");
    QTest::newRow("bare lf, odd case, no space")
            << QByteArray("GET / HTTP/1.1\nauthorization:Basic eA==\nX: y\n\n")
            << QByteArray("GET / HTTP/1.1\nauthorization: [redacted]\nX: y\n\n");
    QTest::newRow("folded value")
            << QByteArray("GET / HTTP/1.1\r\nCookie: a=1\r\n  b=2\r\nHost: h\r\n\r\n")
            << QByteArray("GET / HTTP/1.1\r\nCookie: [redacted]\r\n [redacted]\r\nHost: h\r\n\r\n");
    QTest::newRow("request line and body untouched")
            << QByteArray("GET /?Cookie: x HTTP/1.1\r\nHost: h\r\n\r\nCookie: body")
            << QByteArray("GET /?Cookie: x HTTP/1.1\r\nHost: h\r\n\r\nCookie: body");
    QTest::newRow("nothing secret") << QByteArray("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
                                    << QByteArray("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
}

void tst_Secrets::redactRequest()
{
    QFETCH(QByteArray, raw);
    QFETCH(QByteArray, expected);
    HandshakeRecord r;
    r.rawRequest = raw;
    r.headers = { { "Host", "h" }, { "Authorization", "Bearer x" }, { "cookie", "a=1" } };
    r.secWebSocketKey = "dGhlIHNhbXBsZSBub25jZQ==";
    const HandshakeRecord red = Secrets::redact(r);
    QCOMPARE(red.rawRequest, expected);
    QCOMPARE(red.headers.at(0).second, QByteArray("h"));
    QCOMPARE(red.headers.at(1).second, QByteArray("[redacted]"));
    QCOMPARE(red.headers.at(2).second, QByteArray("[redacted]"));
    QCOMPARE(red.secWebSocketKey, r.secWebSocketKey);
    QCOMPARE(r.headers.at(1).second, QByteArray("Bearer x")); // the original is left alone
}

QTEST_GUILESS_MAIN(tst_Secrets)
#include "tst_secrets.moc"
