// HTTP long-polling and the upgrade, spoken by hand over raw TCP: every refusal is answered
// correctly while the server keeps serving another client.
#include "writepath.h"

#include <connection.h>
#include <eventclient.h>
#include <eventserver.h>
#include <socket.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>

using namespace Qt::StringLiterals;
using namespace Sockscope;

namespace {

struct Response
{
    int status = 0;
    QByteArray head;
    QByteArray body;
    QByteArray header(QByteArrayView name) const
    {
        for (const QByteArray &line : head.split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
                return line.mid(colon + 1).trimmed();
        }
        return {};
    }
};

// Reads one HTTP response (head + Content-Length body) from a socket, waiting up to 5 s
// while the event loop runs (the server lives in this thread).
Response readResponse(QTcpSocket &s)
{
    Response r;
    QByteArray buf;
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < 5000) {
        if (s.bytesAvailable() == 0) {
            if (s.state() != QAbstractSocket::ConnectedState)
                break;
            QTest::qWait(5);
            continue;
        }
        buf += s.read(s.bytesAvailable());
        const qsizetype end = buf.indexOf("\r\n\r\n");
        if (end < 0)
            continue;
        r.head = buf.left(end);
        r.status = r.head.mid(9, 3).toInt();
        const qsizetype length = r.header("content-length").toLongLong();
        if (buf.size() - end - 4 >= length) {
            r.body = buf.mid(end + 4, length);
            s.read(0);
            return r;
        }
    }
    return r;
}

Response exchange(QTcpSocket &s, const QByteArray &request)
{
    s.write(request);
    return readResponse(s);
}

QByteArray get(const QString &target)
{
    return "GET " + target.toUtf8() + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
}

QByteArray post(const QString &target, const QByteArray &body)
{
    return "POST " + target.toUtf8() + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n"
            + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

} // namespace

class tst_Polling : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void handshakeAndEvents();
    void refusals_data();
    void refusals();
    void oversizedPost();
    void chunkedPost();
    void chunkedPostRefused_data();
    void chunkedPostRefused();
    void clientCloseAnswersPendingGetWithNoop();
    void malformedPayloadClosesSession();
    void duplicateGetClosesSession();
    void stalledRequestTimesOut();
    void corsPreflightAndHeaders();
    void upgradeDance();
    void strayGetAfterUpgrade();
    void servesClientScriptWithEtag();
    void cleanupTestCase();

private:
    QString openSession(QTcpSocket &s);
    void checkOthersStillServed();

    EventServer *m_server = nullptr;
    EventClient *m_bystander = nullptr;
    const WritePath::Counts m_writes; // from before the first test
};

void tst_Polling::init()
{
    ServerOptions o;
    o.maxPayload = 1000;
    o.handshakeTimeout = 500;
    o.pingInterval = 5000;
    o.pingTimeout = 5000;
    m_server = new EventServer(o);
    QVERIFY(m_server->listen(QHostAddress::LocalHost, 0));
    connect(m_server, &EventServer::socketConnected, m_server, [](Socket *s) {
        s->on(u"echo"_s, [s](const Arguments &args, const Ack &ack) {
            if (ack.isRequested())
                ack.reply(args);
            else
                s->send(u"echo"_s, args);
        });
    });
    // A well-behaved client that must keep being served whatever the others do.
    m_bystander = new EventClient;
    m_bystander->setUrl(QUrl(u"http://127.0.0.1:%1/"_s.arg(m_server->serverPort())));
    QSignalSpy connected(m_bystander, &EventClient::connected);
    m_bystander->open();
    QTRY_COMPARE(connected.size(), 1);
}

void tst_Polling::cleanup()
{
    delete m_bystander;
    delete m_server;
}

void tst_Polling::checkOthersStillServed()
{
    QVERIFY(m_bystander->isConnected());
    Arguments reply;
    bool got = false;
    m_bystander->send(u"echo"_s, { u"still here"_s }, [&](const AckResult &r) {
        reply = r.args;
        got = !r.timedOut && !r.cancelled;
    }, 5000);
    QTRY_VERIFY(got);
    QCOMPARE(reply, Arguments { u"still here"_s });
}

QString tst_Polling::openSession(QTcpSocket &s)
{
    s.connectToHost(QHostAddress::LocalHost, m_server->serverPort());
    if (!s.waitForConnected(3000))
        return {};
    const Response r = exchange(s, get(u"/socket.io/?EIO=4&transport=polling"_s));
    if (r.status != 200 || !r.body.startsWith('0'))
        return {};
    return QJsonDocument::fromJson(r.body.mid(1)).object().value(u"sid"_s).toString();
}

void tst_Polling::handshakeAndEvents()
{
    QSignalSpy handshakes(m_server, &EventServer::handshakeReceived);
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, m_server->serverPort());
    QVERIFY(s.waitForConnected(3000));
    Response r = exchange(s, get(u"/socket.io/?EIO=4&transport=polling"_s));
    QCOMPARE(r.status, 200);
    QVERIFY(r.header("content-type").startsWith("text/plain"));
    QVERIFY(r.body.startsWith("0{"));
    const QJsonObject open = QJsonDocument::fromJson(r.body.mid(1)).object();
    const QString sid = open.value(u"sid"_s).toString();
    QCOMPARE(sid.size(), 20);
    QCOMPARE(open.value(u"upgrades"_s).toArray().at(0).toString(), u"websocket"_s);
    QCOMPARE(open.value(u"maxPayload"_s).toInt(), 1000);

    QTRY_VERIFY(!handshakes.isEmpty());
    const auto record = handshakes.last().at(0).value<HandshakeRecord>();
    QCOMPARE(record.transport, u"polling"_s);
    QCOMPARE(record.connectionId, sid);
    QCOMPARE(record.statusCode, 200);
    QVERIFY(record.rawRequest.startsWith("GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\n"));
    QVERIFY(record.rawResponse.startsWith("HTTP/1.1 200 OK\r\n"));

    // Keep-alive: CONNECT and an event in one POST on the same TCP connection.
    const QString target = u"/socket.io/?EIO=4&transport=polling&sid="_s + sid;
    r = exchange(s, post(target, "40\x1e" "42[\"echo\",\"hi\",{\"n\":1}]"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, QByteArray("ok"));
    // The reply (CONNECT, then the echo) arrives on a GET, batched with 0x1e.
    QByteArray received;
    for (int i = 0; i < 5 && !received.contains("echo"); ++i) {
        r = exchange(s, get(target));
        QCOMPARE(r.status, 200);
        received += r.body + '\x1e';
    }
    QVERIFY2(received.contains("40{\"sid\":"), received.constData());
    QVERIFY2(received.contains("42[\"echo\",\"hi\",{\"n\":1}]"), received.constData());

    // Binary over polling: "b" + base64.
    r = exchange(s, post(target, "451-[\"echo\",{\"_placeholder\":true,\"num\":0}]\x1e" "bAQID"));
    QCOMPARE(r.status, 200);
    r = exchange(s, get(target));
    QVERIFY2(r.body.contains("451-[\"echo\",{\"_placeholder\":true,\"num\":0}]\x1e" "bAQID"),
             r.body.constData());
    checkOthersStillServed();
}

void tst_Polling::refusals_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("code");
    QTest::newRow("unknown sid") << get(u"/socket.io/?EIO=4&transport=polling&sid=nosuchsession0000000"_s) << 400 << 1;
    QTest::newRow("bad EIO") << get(u"/socket.io/?EIO=3&transport=polling"_s) << 400 << 5;
    QTest::newRow("no EIO") << get(u"/socket.io/?transport=polling"_s) << 400 << 5;
    QTest::newRow("unknown transport") << get(u"/socket.io/?EIO=4&transport=carrier-pigeon"_s) << 400 << 0;
    QTest::newRow("handshake by POST") << post(u"/socket.io/?EIO=4&transport=polling"_s, "40") << 400 << 2;
    QTest::newRow("PUT on a session path") << QByteArray("PUT /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nContent-Length: 0\r\n\r\n") << 400 << 2;
    QTest::newRow("other path") << get(u"/nothing/here"_s) << 404 << -1;
    QTest::newRow("garbage") << QByteArray("\x16\x03\x01 hello\r\n\r\n") << 400 << -1;
    QTest::newRow("bad version") << QByteArray("GET / HTTP/9.9\r\n\r\n") << 400 << -1;
    QTest::newRow("huge header") << QByteArray("GET /socket.io/ HTTP/1.1\r\nX-Big: " + QByteArray(20000, 'a') + "\r\n\r\n") << 431 << -1;
}

void tst_Polling::refusals()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QFETCH(int, code);
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, m_server->serverPort());
    QVERIFY(s.waitForConnected(3000));
    const Response r = exchange(s, request);
    QCOMPARE(r.status, status);
    if (code >= 0) {
        const QJsonObject body = QJsonDocument::fromJson(r.body).object();
        QCOMPARE(body.value(u"code"_s).toInt(-1), code);
        QVERIFY(!body.value(u"message"_s).toString().isEmpty());
    }
    checkOthersStillServed();
}

void tst_Polling::oversizedPost()
{
    QTcpSocket s;
    const QString sid = openSession(s);
    QVERIFY(!sid.isEmpty());
    const QByteArray big(2000, 'x');
    const Response r = exchange(s, post(u"/socket.io/?EIO=4&transport=polling&sid="_s + sid, "4" + big));
    QCOMPARE(r.status, 413);
    checkOthersStillServed();
}

void tst_Polling::chunkedPost()
{
    // A body sent with Transfer-Encoding: chunked (as Node's http.request sends one without a
    // length), in pieces that arrive one by one; then a request behind it on the same
    // connection.
    QTcpSocket s;
    const QString sid = openSession(s);
    QVERIFY(!sid.isEmpty());
    const QByteArray target = "/socket.io/?EIO=4&transport=polling&sid=" + sid.toLatin1();
    QCOMPARE(exchange(s, post(QString::fromLatin1(target), "40")).status, 200);
    QVERIFY(exchange(s, get(QString::fromLatin1(target))).body.startsWith("40{"));
    const QByteArray event = "42[\"echo\",\"chunked \u00e9\"]\x1e" "42[\"echo\",2]";
    const QByteArray head = "POST " + target + " HTTP/1.1\r\nHost: localhost\r\n"
                            "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
    const QByteArray coded = QByteArray::number(10, 16) + ";part=1\r\n" + event.left(10) + "\r\n"
            + QByteArray::number(event.size() - 10, 16) + "\r\n" + event.mid(10) + "\r\n0\r\n\r\n";
    s.write(head);
    for (qsizetype i = 0; i < coded.size(); i += 7) {
        s.write(coded.mid(i, 7));
        s.flush();
        QTest::qWait(2);
    }
    const Response r = readResponse(s);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, "ok"_ba);
    const Response events = exchange(s, get(QString::fromLatin1(target)));
    QCOMPARE(events.status, 200);
    QCOMPARE(events.body, "42[\"echo\",\"chunked \u00e9\"]\x1e" "42[\"echo\",2]"_ba);
    checkOthersStillServed();
}

void tst_Polling::chunkedPostRefused_data()
{
    QTest::addColumn<QByteArray>("coded");
    QTest::addColumn<int>("status");
    QTest::newRow("size not hex") << "zz\r\n40\r\n0\r\n\r\n"_ba << 400;
    QTest::newRow("data overruns its size") << "1\r\n40\r\n0\r\n\r\n"_ba << 400;
    QTest::newRow("over maxPayload") << "7d1\r\n"_ba << 413; // 2001 bytes; the limit is 1000
    QByteArray many;
    for (int i = 0; i < 400; ++i) // 1200 bytes in all
        many += "3\r\n4xx\r\n";
    QTest::newRow("over maxPayload in pieces") << many << 413;
}

void tst_Polling::chunkedPostRefused()
{
    QFETCH(QByteArray, coded);
    QFETCH(int, status);
    QTcpSocket s;
    const QString sid = openSession(s);
    QVERIFY(!sid.isEmpty());
    const Response r = exchange(s, "POST /socket.io/?EIO=4&transport=polling&sid=" + sid.toLatin1()
                                           + " HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                                           + coded);
    QCOMPARE(r.status, status);
    checkOthersStillServed();
}

void tst_Polling::clientCloseAnswersPendingGetWithNoop()
{
    QSignalSpy closed(m_server, &EventServer::connectionClosed);
    QTcpSocket s;
    const QString sid = openSession(s);
    QVERIFY(!sid.isEmpty());
    const QString target = u"/socket.io/?EIO=4&transport=polling&sid="_s + sid;
    s.write(get(target)); // pending: nothing to send yet
    QTest::qWait(50);
    QVERIFY(s.bytesAvailable() == 0);
    QTcpSocket s2;
    s2.connectToHost(QHostAddress::LocalHost, m_server->serverPort());
    QVERIFY(s2.waitForConnected(3000));
    QCOMPARE(exchange(s2, post(target, "1")).status, 200);
    const Response pending = readResponse(s);
    QCOMPARE(pending.status, 200);
    QCOMPARE(pending.body, "6"_ba);
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(closed.at(0).at(1).toString(), u"transport close"_s);
    QTcpSocket s3;
    s3.connectToHost(QHostAddress::LocalHost, m_server->serverPort());
    QVERIFY(s3.waitForConnected(3000));
    QCOMPARE(exchange(s3, get(target)).status, 400);
    checkOthersStillServed();
}

void tst_Polling::malformedPayloadClosesSession()
{
    QSignalSpy closed(m_server, &EventServer::connectionClosed);
    QTcpSocket s;
    const QString sid = openSession(s);
    QVERIFY(!sid.isEmpty());
    const QString target = u"/socket.io/?EIO=4&transport=polling&sid="_s + sid;
    const Response r = exchange(s, post(target, "9nonsense"));
    QCOMPARE(r.status, 400);
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(closed.at(0).at(1).toString(), u"parse error"_s);
    QTcpSocket s2;
    s2.connectToHost(QHostAddress::LocalHost, m_server->serverPort());
    QVERIFY(s2.waitForConnected(3000));
    const Response after = exchange(s2, get(target));
    QCOMPARE(after.status, 400);
    QCOMPARE(QJsonDocument::fromJson(after.body).object().value(u"code"_s).toInt(), 1);
    checkOthersStillServed();
}

void tst_Polling::duplicateGetClosesSession()
{
    QSignalSpy closed(m_server, &EventServer::connectionClosed);
    QTcpSocket s;
    const QString sid = openSession(s);
    QVERIFY(!sid.isEmpty());
    const QString target = u"/socket.io/?EIO=4&transport=polling&sid="_s + sid;
    // Two GETs at once on two TCP connections: whichever arrives second is refused with 400
    // and the session ends; the order they arrive in does not matter.
    QTcpSocket s2;
    s2.connectToHost(QHostAddress::LocalHost, m_server->serverPort());
    QVERIFY(s2.waitForConnected(3000));
    s.write(get(target));
    s2.write(get(target));
    QTRY_VERIFY(s.bytesAvailable() > 0 || s2.bytesAvailable() > 0);
    const Response first = readResponse(s.bytesAvailable() > 0 ? s : s2);
    QCOMPARE(first.status, 400);
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(closed.at(0).at(1).toString(), u"transport error"_s);
    checkOthersStillServed();
}

void tst_Polling::stalledRequestTimesOut()
{
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, m_server->serverPort());
    QVERIFY(s.waitForConnected(3000));
    s.write("GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: lo"); // and stall
    QSignalSpy gone(&s, &QTcpSocket::disconnected);
    QTRY_COMPARE_WITH_TIMEOUT(gone.size(), 1, 5000);
    checkOthersStillServed();
}

void tst_Polling::corsPreflightAndHeaders()
{
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, m_server->serverPort());
    QVERIFY(s.waitForConnected(3000));
    Response r = exchange(s, "OPTIONS /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nOrigin: http://example.test\r\n"
                             "Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n\r\n");
    QCOMPARE(r.status, 204);
    QCOMPARE(r.header("access-control-allow-origin"), QByteArray("*"));
    QVERIFY(r.header("access-control-allow-methods").contains("POST"));
    QCOMPARE(r.header("access-control-allow-headers"), QByteArray("content-type"));

    // An explicit allow-list: the origin is echoed with credentials; others are refused.
    ServerOptions o = m_server->options();
    o.allowedOrigins = { u"http://good.test"_s };
    m_server->setOptions(o);
    r = exchange(s, "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nOrigin: http://good.test\r\n\r\n");
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("access-control-allow-origin"), QByteArray("http://good.test"));
    QCOMPARE(r.header("access-control-allow-credentials"), QByteArray("true"));
    QTcpSocket s2;
    s2.connectToHost(QHostAddress::LocalHost, m_server->serverPort());
    QVERIFY(s2.waitForConnected(3000));
    r = exchange(s2, "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nOrigin: http://evil.test\r\n\r\n");
    QCOMPARE(r.status, 403);
    QCOMPARE(QJsonDocument::fromJson(r.body).object().value(u"code"_s).toInt(), 4);
}

void tst_Polling::upgradeDance()
{
    QSignalSpy upgraded(m_server, &EventServer::connectionUpgraded);
    QSignalSpy handshakes(m_server, &EventServer::handshakeReceived);
    QTcpSocket s;
    const QString sid = openSession(s);
    QVERIFY(!sid.isEmpty());
    const QString target = u"/socket.io/?EIO=4&transport=polling&sid="_s + sid;
    QCOMPARE(exchange(s, post(target, "40")).status, 200);
    Response r = exchange(s, get(target));
    QVERIFY(r.body.startsWith("40{\"sid\":"));

    // A GET is pending when the probe starts; the probe must release it with a noop.
    s.write(get(target));
    QWebSocket ws;
    QStringList wsText;
    connect(&ws, &QWebSocket::textMessageReceived, &ws, [&](const QString &t) { wsText.append(t); });
    ws.open(QUrl(u"ws://127.0.0.1:%1/socket.io/?EIO=4&transport=websocket&sid=%2"_s.arg(m_server->serverPort()).arg(sid)));
    QTRY_COMPARE(ws.state(), QAbstractSocket::ConnectedState);
    ws.sendTextMessage(u"2probe"_s);
    QTRY_VERIFY(wsText.contains(u"3probe"_s));
    r = readResponse(s);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, QByteArray("6"));
    ws.sendTextMessage(u"5"_s);
    QTRY_COMPARE(upgraded.size(), 1);
    auto *connection = m_server->connection(sid);
    QVERIFY(connection);
    QCOMPARE(connection->transportName(), u"websocket"_s);
    QVERIFY(connection->upgradedAt().isValid());
    // The upgrade request has its own handshake record, with the accept computation.
    bool sawUpgrade = false;
    for (const auto &args : handshakes) {
        const auto rec = args.at(0).value<HandshakeRecord>();
        if (rec.connectionId == sid && rec.transport == u"websocket"_s) {
            sawUpgrade = true;
            QCOMPARE(rec.secWebSocketAccept, HandshakeRecord::acceptForKey(rec.secWebSocketKey));
            QVERIFY(rec.rawResponse.contains(QByteArray(QByteArray("Sec-WebSocket-Accept: ") + rec.secWebSocketAccept)));
        }
    }
    QVERIFY(sawUpgrade);
    // Events now flow over the WebSocket.
    ws.sendTextMessage(u"42[\"echo\",\"over ws\"]"_s);
    QTRY_VERIFY(wsText.contains(u"42[\"echo\",\"over ws\"]"_s));

    // A second WebSocket for the same sid opens (101) and is closed at once, as the Node.js
    // server does it: a close, not a failed handshake.
    QWebSocket ws2;
    QSignalSpy ws2Open(&ws2, &QWebSocket::connected);
    QSignalSpy ws2Gone(&ws2, &QWebSocket::disconnected);
    ws2.open(QUrl(u"ws://127.0.0.1:%1/socket.io/?EIO=4&transport=websocket&sid=%2"_s.arg(m_server->serverPort()).arg(sid)));
    QTRY_COMPARE(ws2Gone.size(), 1);
    QCOMPARE(ws2Open.size(), 1);
    QCOMPARE(ws2.closeCode(), QWebSocketProtocol::CloseCodeNormal);
    QCOMPARE(m_server->stats().requestsRefused, quint64(1));
    QVERIFY(connection->isOpen());
    ws.sendTextMessage(u"42[\"echo\",\"still\"]"_s);
    QTRY_VERIFY(wsText.contains(u"42[\"echo\",\"still\"]"_s));
    checkOthersStillServed();
}

void tst_Polling::strayGetAfterUpgrade()
{
    QTcpSocket s;
    const QString sid = openSession(s);
    QVERIFY(!sid.isEmpty());
    QWebSocket ws;
    QStringList wsText;
    connect(&ws, &QWebSocket::textMessageReceived, &ws, [&](const QString &t) { wsText.append(t); });
    ws.open(QUrl(u"ws://127.0.0.1:%1/socket.io/?EIO=4&transport=websocket&sid=%2"_s.arg(m_server->serverPort()).arg(sid)));
    QTRY_COMPARE(ws.state(), QAbstractSocket::ConnectedState);
    ws.sendTextMessage(u"2probe"_s);
    QTRY_VERIFY(wsText.contains(u"3probe"_s));
    ws.sendTextMessage(u"5"_s);
    QTRY_COMPARE(m_server->connection(sid) ? m_server->connection(sid)->transportName() : QString(), u"websocket"_s);
    const Response r = exchange(s, get(u"/socket.io/?EIO=4&transport=polling&sid="_s + sid));
    QCOMPARE(r.status, 400);
    QCOMPARE(QJsonDocument::fromJson(r.body).object().value(u"code"_s).toInt(), 3);
    QVERIFY(m_server->connection(sid)); // the session itself carries on over WebSocket
}

void tst_Polling::servesClientScriptWithEtag()
{
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, m_server->serverPort());
    QVERIFY(s.waitForConnected(3000));
    Response r = exchange(s, get(u"/socket.io/socket.io.js"_s));
    QCOMPARE(r.status, 200);
    QVERIFY(r.header("content-type").startsWith("application/javascript"));
    QVERIFY(!r.body.isEmpty());
    const QByteArray etag = r.header("etag");
    QVERIFY(!etag.isEmpty());
    QVERIFY(!r.header("cache-control").isEmpty());
    r = exchange(s, "GET /socket.io/socket.io.js HTTP/1.1\r\nIf-None-Match: " + etag + "\r\n\r\n");
    QCOMPARE(r.status, 304);
    QVERIFY(r.body.isEmpty());
    // The demo page is off by default in the library.
    r = exchange(s, get(u"/"_s));
    QCOMPARE(r.status, 404);
}

void tst_Polling::cleanupTestCase()
{
    // The suite wrote through the path this run asked for (see tests/auto/CMakeLists.txt).
    const QString wrong = WritePath::mismatch(m_writes.since());
    QVERIFY2(wrong.isEmpty(), qPrintable(wrong));
}

QTEST_GUILESS_MAIN(tst_Polling)
#include "tst_polling.moc"
