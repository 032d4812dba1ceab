// The server's own WebSocket layer for Engine.IO, driven over raw TCP: the upgrade it answers,
// the frames it reads (hostile ones included) and the closing handshake both ways.
#include "clientframe.h"
#include "loopback.h"
#include "writepath.h"

#include <connection.h>
#include <eventclient.h>
#include <eventserver.h>
#include <socket.h>
#include <websocketframing.h>

#include <QSignalSpy>
#include <QElapsedTimer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

using namespace Qt::StringLiterals;
using namespace Sockscope;

namespace {

ServerOptions options()
{
    ServerOptions o;
    o.pingInterval = 60000; // no Engine.IO ping gets in the way of the frames the tests count
    o.pingTimeout = 60000;
    o.maxPayload = 2000;
    return o;
}

QByteArray frame(int opcode, const QByteArray &payload, bool fin = true, bool masked = true,
                 int rsv = 0)
{
    return Loopback::clientFrame(opcode, payload, fin, masked, rsv);
}

QByteArray text(const QByteArray &payload, bool fin = true) { return frame(0x1, payload, fin); }

struct ServerFrame
{
    int opcode = 0;
    bool fin = false;
    QByteArray payload;
    int closeCode() const
    {
        return payload.size() >= 2 ? (uchar(payload.at(0)) << 8) | uchar(payload.at(1)) : -1;
    }
};

// A WebSocket client by hand on a QTcpSocket: the upgrade, then frames both ways.
class FrameClient
{
public:
    // Sends the upgrade request (and extra bytes right behind it, in the same write); true
    // once the 101 head has arrived.
    bool open(quint16 port, const QByteArray &after = {})
    {
        tcp.connectToHost(Loopback::LocalHost, port);
        if (!tcp.waitForConnected(5000))
            return false;
        tcp.write(Loopback::upgradeRequest(port, "/socket.io/?EIO=4&transport=websocket") + after);
        if (!QTest::qWaitFor([this] { return fill(), head.endsWith("\r\n\r\n"); }, 5000))
            return false;
        return head.startsWith("HTTP/1.1 101 ");
    }
    void send(const QByteArray &bytes) { tcp.write(bytes); }
    // The server's frames so far.
    QList<ServerFrame> frames()
    {
        fill();
        QList<ServerFrame> out;
        qsizetype i = 0;
        while (i + 2 <= in.size()) {
            const uchar b0 = uchar(in.at(i)), b1 = uchar(in.at(i + 1));
            qsizetype h = 2;
            quint64 n = b1 & 0x7F;
            if (n == 126) {
                if (i + 4 > in.size())
                    break;
                n = (uchar(in.at(i + 2)) << 8) | uchar(in.at(i + 3));
                h = 4;
            } else if (n == 127) {
                if (i + 10 > in.size())
                    break;
                n = 0;
                for (int k = 0; k < 8; ++k)
                    n = (n << 8) | uchar(in.at(i + 2 + k));
                h = 10;
            }
            if (b1 & 0x80 || i + h + qsizetype(n) > in.size())
                break; // a server never masks; or not complete yet
            out.append({ b0 & 0x0F, bool(b0 & 0x80), in.mid(i + h, qsizetype(n)) });
            i += h + qsizetype(n);
        }
        return out;
    }
    // Waits for the first server frame with this opcode (and payload prefix, for text).
    ServerFrame waitFrame(int opcode, const QByteArray &prefix = {}, int timeoutMs = 5000)
    {
        ServerFrame found;
        (void)QTest::qWaitFor(
                [&] {
                    for (const ServerFrame &f : frames()) {
                        if (f.opcode == opcode && f.payload.startsWith(prefix)) {
                            found = f;
                            return true;
                        }
                    }
                    return false;
                },
                timeoutMs);
        return found;
    }
    bool waitServerEnded(int timeoutMs = 5000)
    {
        return QTest::qWaitFor(
                [this] {
                    fill();
                    return tcp.state() == QAbstractSocket::UnconnectedState;
                },
                timeoutMs);
    }
    // Opens a socket in "/" and returns the Engine.IO sid.
    QByteArray connectSocket(quint16 port)
    {
        if (!open(port))
            return {};
        const ServerFrame o = waitFrame(0x1, "0{");
        send(text("40"));
        if (waitFrame(0x1, "40{").opcode != 0x1)
            return {};
        const qsizetype at = o.payload.indexOf("\"sid\":\"");
        return at < 0 ? QByteArray() : o.payload.mid(at + 7, 20);
    }

    QTcpSocket tcp;
    QByteArray head;
    QByteArray in; // after the head

private:
    void fill()
    {
        const QByteArray got = tcp.readAll();
        if (!head.endsWith("\r\n\r\n")) {
            head += got;
            const qsizetype end = head.indexOf("\r\n\r\n");
            if (end >= 0) {
                in += head.mid(end + 4);
                head.truncate(end + 4);
            }
        } else {
            in += got;
        }
    }
};

} // namespace

class tst_WebSocket : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void upgradeAnswered();
    void upgradeRefused_data();
    void upgradeRefused();
    void framesWithTheRequest();
    void fragmentsJoinedAroundAPing();
    void frameByteByByte();
    void largeMessageAcrossReads();
    void hostileFrameDropsOnlyItsClient_data();
    void hostileFrameDropsOnlyItsClient();
    void clientCloses_data();
    void clientCloses();
    void serverClosesAndWaitsForTheAnswer();
    void serverCloseWithASilentClient();
    void closedByAHandlerWithFramesBehind();
    void nestedEventLoopKeepsTheOrder();
    void tcpEndWithoutClose();
    void cleanupTestCase();

private:
    const WritePath::Counts m_writes; // from before the first test
};

// The 101 carries the accept of RFC 6455's own example and nothing the client did not ask for.
void tst_WebSocket::upgradeAnswered()
{
    EventServer server(options());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    FrameClient c;
    QVERIFY(c.open(server.serverPort()));
    QCOMPARE(c.head,
             "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"_ba);
    const ServerFrame open = c.waitFrame(0x1, "0{");
    QVERIFY(open.fin);
    QVERIFY(open.payload.contains("\"maxPayload\":2000"));
    QCOMPARE(server.connections().size(), 1);
    QCOMPARE(server.connections().first()->handshake().rawResponse, c.head);
}

void tst_WebSocket::upgradeRefused_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("why"); // in errorOccurred
    QTest::addColumn<QByteArray>("header"); // a header the answer must carry ("Name: value")
    const QByteArray target = "GET /socket.io/?EIO=4&transport=websocket ";
    const QByteArray upgrade = "Host: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
    const QByteArray key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    QTest::newRow("no version") << target + "HTTP/1.1\r\n" + upgrade + key + "\r\n"
                                << "without Sec-WebSocket-Version"_ba
                                << "Sec-WebSocket-Version: 13"_ba;
    QTest::newRow("version 8") << target + "HTTP/1.1\r\n" + upgrade + key + "Sec-WebSocket-Version: 8\r\n\r\n"
                               << "Sec-WebSocket-Version 8"_ba << "Sec-WebSocket-Version: 13"_ba;
    QTest::newRow("no key") << target + "HTTP/1.1\r\n" + upgrade + "Sec-WebSocket-Version: 13\r\n\r\n"
                            << "without Sec-WebSocket-Key"_ba << QByteArray();
    QTest::newRow("key of 15 bytes")
            << target + "HTTP/1.1\r\n" + upgrade + "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAA\r\n"
                       "Sec-WebSocket-Version: 13\r\n\r\n"
            << "not 16 bytes"_ba << QByteArray();
    QTest::newRow("key not base64")
            << target + "HTTP/1.1\r\n" + upgrade + "Sec-WebSocket-Key: ********************==\r\n"
                       "Sec-WebSocket-Version: 13\r\n\r\n"
            << "not 16 bytes"_ba << QByteArray();
    QTest::newRow("HTTP/1.0") << target + "HTTP/1.0\r\n" + upgrade + key + "Sec-WebSocket-Version: 13\r\n\r\n"
                              << "HTTP/1.1 is needed"_ba << QByteArray();
}

// Each is answered 400 with Engine.IO's error body and said why; the server goes on serving.
void tst_WebSocket::upgradeRefused()
{
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, why);
    QFETCH(QByteArray, header);
    EventServer server(options());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy errors(&server, &EventServer::errorOccurred);
    QSignalSpy handshakes(&server, &EventServer::handshakeReceived);
    const Loopback::HttpReply r = Loopback::rawHttp(server.serverPort(), request);
    QVERIFY(r.complete);
    QCOMPARE(r.status, 400);
    QCOMPARE(r.body, "{\"code\":3,\"message\":\"Bad request\"}"_ba);
    if (!header.isEmpty()) {
        const qsizetype colon = header.indexOf(':');
        QCOMPARE(r.header(header.left(colon)), header.mid(colon + 2));
    }
    QTRY_COMPARE(errors.size(), 1);
    QVERIFY2(errors.at(0).at(1).toString().contains(QString::fromLatin1(why)),
             qPrintable(errors.at(0).at(1).toString()));
    QCOMPARE(handshakes.size(), 1);
    QCOMPARE(handshakes.at(0).at(0).value<HandshakeRecord>().statusCode, 400);
    QVERIFY(server.connections().isEmpty());
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
}

// Frames sent in the same write as the request head are read, not lost with the head.
void tst_WebSocket::framesWithTheRequest()
{
    EventServer server(options());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy received(&server, &EventServer::eventReceived);
    FrameClient c;
    QVERIFY(c.open(server.serverPort(), text("40") + text("42[\"early\",1]")));
    QVERIFY(c.waitFrame(0x1, "40{").fin);
    QTRY_COMPARE(received.size(), 1);
    QCOMPARE(received.at(0).at(1).toString(), u"early"_s);
}

// A message in three fragments, with a ping between them and a character split across two:
// the ping is answered at once, the message is one event.
void tst_WebSocket::fragmentsJoinedAroundAPing()
{
    EventServer server(options());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy received(&server, &EventServer::eventReceived);
    FrameClient c;
    QVERIFY(!c.connectSocket(server.serverPort()).isEmpty());
    c.send(text("42[\"frag\",\"a\xc3", false));
    c.send(frame(0x9, "are you there?"));
    const ServerFrame pong = c.waitFrame(0xA);
    QCOMPARE(pong.payload, "are you there?"_ba);
    QCOMPARE(received.size(), 0);
    c.send(frame(0x0, "\xa9", false) + frame(0x0, "z\"]"));
    QTRY_COMPARE(received.size(), 1);
    QCOMPARE(received.at(0).at(1).toString(), u"frag"_s);
    QCOMPARE(received.at(0).at(2).value<Arguments>().value(0).toString(), u"aéz"_s);
    // An unasked pong is fine.
    c.send(frame(0xA, "hm") + text("42[\"after\"]"));
    QTRY_COMPARE(received.size(), 2);
    QCOMPARE(server.connections().size(), 1);
}

// A frame arriving one byte per read is still one packet.
void tst_WebSocket::frameByteByByte()
{
    EventServer server(options());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy received(&server, &EventServer::eventReceived);
    FrameClient c;
    QVERIFY(!c.connectSocket(server.serverPort()).isEmpty());
    const QByteArray f = text("42[\"slow\",\"" + QByteArray(200, 's') + "\"]");
    for (char b : f) {
        c.send(QByteArray(1, b));
        c.tcp.flush();
        QTest::qWait(1);
    }
    QTRY_COMPARE(received.size(), 1);
    QCOMPARE(received.at(0).at(2).value<Arguments>().value(0).toString(), QString(200, u's'));
}

// A message over 64 KiB (the size read at once) arrives whole; one at the limit is taken.
void tst_WebSocket::largeMessageAcrossReads()
{
    ServerOptions o = options();
    o.maxPayload = 300000;
    EventServer server(o);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy received(&server, &EventServer::eventReceived);
    FrameClient c;
    QVERIFY(!c.connectSocket(server.serverPort()).isEmpty());
    const QByteArray fill(300000 - 12, 'L');
    const QByteArray payload = "42[\"big\",\"" + fill + "\"]";
    QCOMPARE(payload.size(), 300000); // at the limit
    c.send(text(payload) + text("42[\"next\"]"));
    QTRY_COMPARE(received.size(), 2);
    QCOMPARE(received.at(0).at(2).value<Arguments>().value(0).toString().size(), fill.size());
    QCOMPARE(received.at(1).at(1).toString(), u"next"_s);
}

void tst_WebSocket::hostileFrameDropsOnlyItsClient_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("code"); // of the server's close frame
    QTest::addColumn<QString>("detail"); // in errorOccurred
    QTest::newRow("not masked") << frame(0x1, "42[\"x\"]", true, false) << 1002 << u"not masked"_s;
    QTest::newRow("compressed (rsv1)") << frame(0x1, "42[\"x\"]", true, true, 4) << 1002 << u"reserved bits"_s;
    QTest::newRow("unknown opcode") << frame(0x3, "x") << 1002 << u"opcode 0x3"_s;
    QTest::newRow("ping over 125 bytes") << frame(0x9, QByteArray(126, 'p')) << 1002 << u"125 bytes"_s;
    QTest::newRow("continuation alone") << frame(0x0, "x") << 1002 << u"continuation"_s;
    QTest::newRow("text inside a fragmented text")
            << text("42[", false) + text("42[\"x\"]") << 1002 << u"inside"_s;
    // Announced only: refused from the header, without the payload ever being sent.
    QByteArray announced = "\x81\xff"_ba;
    for (int i = 0; i < 8; ++i)
        announced.append(char(i == 5 ? 0x10 : 0)); // 1 MiB
    announced.append("abcd", 4);
    QTest::newRow("1 MiB announced, maxPayload 2000") << announced << 1009 << u"larger than maxPayload (2000"_s;
    QTest::newRow("fragments over maxPayload")
            << text(QByteArray(1500, 'a'), false) + frame(0x0, QByteArray(501, 'a')) << 1009
            << u"larger than maxPayload"_s;
    QTest::newRow("text not utf-8") << text("42[\"\xc3\x28\"]") << 1007 << u"UTF-8"_s;
    QTest::newRow("close of one byte") << frame(0x8, "\x03") << 1002 << u"close frame"_s;
    QTest::newRow("close code 1006 on the wire") << frame(0x8, "\x03\xee") << 1002 << u"close frame"_s;
}

// The server sends a close frame with the RFC's code for the fault and ends the TCP
// connection; the connection closes with "transport error"; everyone else is served on.
void tst_WebSocket::hostileFrameDropsOnlyItsClient()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, code);
    QFETCH(QString, detail);
    EventServer server(options());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy closed(&server, &EventServer::connectionClosed);
    QSignalSpy errors(&server, &EventServer::errorOccurred);
    auto healthy = Loopback::connectClient(server);
    QVERIFY(healthy->isConnected());

    FrameClient c;
    const QByteArray sid = c.connectSocket(server.serverPort());
    QVERIFY(!sid.isEmpty());
    c.send(bytes);
    const ServerFrame close = c.waitFrame(0x8);
    QCOMPARE(close.closeCode(), code);
    QVERIFY(c.waitServerEnded());
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(closed.at(0).at(1).toString(), u"transport error"_s);
    bool said = false;
    for (const auto &e : std::as_const(errors))
        said = said || (e.at(0).toString() == QString::fromLatin1(sid) && e.at(1).toString().contains(detail));
    QVERIFY2(said, qPrintable(errors.isEmpty() ? u"no error"_s : errors.last().at(1).toString()));
    QVERIFY(!server.connection(QString::fromLatin1(sid)));
    QCOMPARE(server.stats().transportErrors, quint64(1));
    QCOMPARE(server.stats().oversizedPayloads, quint64(code == 1009 ? 1 : 0));

    QSignalSpy healthyGot(healthy.get(), &EventClient::eventReceived);
    QCOMPARE(server.send(u"still-there"_s, { 1 }), 1);
    QTRY_COMPARE(healthyGot.size(), 1);
    QVERIFY(healthy->isConnected());
}

void tst_WebSocket::clientCloses_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<QByteArray>("answer"); // the server's close payload
    QTest::addColumn<QString>("reason");
    QTest::addColumn<QString>("detail"); // errorOccurred; empty: none
    QTest::newRow("1000") << "\x03\xe8" "bye"_ba << "\x03\xe8"_ba << u"transport close"_s << QString();
    QTest::newRow("going away") << "\x03\xe9"_ba << "\x03\xe9"_ba << u"transport close"_s << QString();
    QTest::newRow("no code") << QByteArray() << QByteArray() << u"transport close"_s << QString();
    QTest::newRow("4001 custom") << "\x0f\xa1" "custom"_ba << "\x0f\xa1"_ba << u"transport close"_s
                                 << u"close code 4001 custom"_s;
    QTest::newRow("1002 from the client") << "\x03\xea"_ba << "\x03\xea"_ba << u"transport error"_s
                                          << u"close code 1002"_s;
    QTest::newRow("1007 from the client") << "\x03\xef" "bad text"_ba << "\x03\xef"_ba
                                          << u"transport error"_s << u"close code 1007 bad text"_s;
    QTest::newRow("1003 from the client") << "\x03\xeb"_ba << "\x03\xeb"_ba << u"transport close"_s
                                          << u"close code 1003"_s;
}

// A close frame from the client is answered with its code, and the server ends the TCP
// connection (RFC 6455, 7.1.1).
void tst_WebSocket::clientCloses()
{
    QFETCH(QByteArray, payload);
    QFETCH(QByteArray, answer);
    QFETCH(QString, reason);
    QFETCH(QString, detail);
    EventServer server(options());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy closed(&server, &EventServer::connectionClosed);
    QSignalSpy errors(&server, &EventServer::errorOccurred);
    FrameClient c;
    QVERIFY(!c.connectSocket(server.serverPort()).isEmpty());
    c.send(frame(0x8, payload));
    const ServerFrame close = c.waitFrame(0x8);
    QCOMPARE(close.opcode, 0x8);
    QCOMPARE(close.payload, answer);
    QVERIFY(c.waitServerEnded());
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(closed.at(0).at(1).toString(), reason);
    if (detail.isEmpty()) {
        QCOMPARE(errors.size(), 0);
    } else {
        QCOMPARE(errors.size(), 1);
        QCOMPARE(errors.at(0).at(1).toString(), detail);
    }
}

// The server's close: a close frame (1000), the last frame sent; the TCP connection ends once
// the client answers.
void tst_WebSocket::serverClosesAndWaitsForTheAnswer()
{
    EventServer server(options());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    FrameClient c;
    const QByteArray sid = c.connectSocket(server.serverPort());
    QVERIFY(!sid.isEmpty());
    Connection *connection = server.connection(QString::fromLatin1(sid));
    QVERIFY(connection);
    connection->close();
    const ServerFrame close = c.waitFrame(0x8);
    QCOMPARE(close.closeCode(), 1000);
    QCOMPARE(c.frames().last().opcode, 0x8);
    QCOMPARE(c.tcp.state(), QAbstractSocket::ConnectedState); // waiting for our answer
    c.send(frame(0x8, "\x03\xe8"));
    QVERIFY(c.waitServerEnded(1500)); // well before the server would stop waiting
    QVERIFY(!server.connection(QString::fromLatin1(sid)));
}

// A client that never answers the close frame is let go after a while, not kept.
void tst_WebSocket::serverCloseWithASilentClient()
{
    EventServer server(options());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    FrameClient c;
    const QByteArray sid = c.connectSocket(server.serverPort());
    QVERIFY(!sid.isEmpty());
    server.connection(QString::fromLatin1(sid))->close();
    QCOMPARE(c.waitFrame(0x8).closeCode(), 1000);
    c.send(text("42[\"ignored\"]")); // after the close: read and dropped
    QVERIFY(c.waitServerEnded(6000));
}

// A handler closes the connection while the client's close frame waits behind its event in
// the same read: those bytes are not lost, so the server ends the TCP connection at once
// instead of waiting for an answer it already has.
void tst_WebSocket::closedByAHandlerWithFramesBehind()
{
    EventServer server(options());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    connect(&server, &EventServer::eventReceived, this,
            [](Socket *socket, const QString &) { socket->connection()->close(); });
    FrameClient c;
    QVERIFY(!c.connectSocket(server.serverPort()).isEmpty());
    QElapsedTimer t;
    t.start();
    c.send(text("42[\"bye\"]") + frame(0x8, "\x03\xe8"));
    QCOMPARE(c.waitFrame(0x8).closeCode(), 1000);
    QVERIFY(c.waitServerEnded(5000));
    QVERIFY2(t.elapsed() < 1500, qPrintable(u"ended after %1 ms"_s.arg(t.elapsed())));
}

// A handler that runs an event loop while frames arrive: the transport does not read ahead
// of the frame being handled (the first frames came with the request head, so no readyRead
// guard of Qt's covers this).
void tst_WebSocket::nestedEventLoopKeepsTheOrder()
{
    EventServer server(options());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QStringList order;
    FrameClient c;
    connect(&server, &EventServer::eventReceived, this, [&](Socket *, const QString &event) {
        order << event;
        if (event == u"first") {
            QTimer::singleShot(0, this, [&] { c.send(text("42[\"second\"]")); });
            QTest::qWait(200);
            order << u"first done"_s;
        }
    });
    QVERIFY(c.open(server.serverPort(), text("40") + text("42[\"first\"]")));
    QTRY_COMPARE(order.size(), 3);
    QCOMPARE(order, (QStringList { u"first"_s, u"first done"_s, u"second"_s }));
}

// The TCP connection ending without a close frame is a "transport close".
void tst_WebSocket::tcpEndWithoutClose()
{
    EventServer server(options());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy closed(&server, &EventServer::connectionClosed);
    QSignalSpy gone(&server, &EventServer::socketDisconnected);
    {
        FrameClient c;
        QVERIFY(!c.connectSocket(server.serverPort()).isEmpty());
        c.tcp.disconnectFromHost();
    }
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(closed.at(0).at(1).toString(), u"transport close"_s);
    QCOMPARE(gone.size(), 1);
    QCOMPARE(gone.at(0).at(1).toString(), u"transport close"_s);
}

void tst_WebSocket::cleanupTestCase()
{
    // The suite wrote through the path this run asked for (see tests/auto/CMakeLists.txt).
    const QString wrong = WritePath::mismatch(m_writes.since());
    QVERIFY2(wrong.isEmpty(), qPrintable(wrong));
}

QTEST_GUILESS_MAIN(tst_WebSocket)
#include "tst_websocket.moc"
