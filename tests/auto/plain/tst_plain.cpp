// The plain WebSocket endpoint: bare WebSocket clients served beside Socket.IO on one port.
#include "loopback.h"
#include "writepath.h"

#include <eventclient.h>
#include <eventserver.h>
#include <plainconnection.h>
#include <rules.h>

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

using namespace Qt::StringLiterals;
using namespace Sockscope;

class tst_Plain : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void textAndBinaryRoundTrip();
    void fragmentedMessageReassembled();
    void pingPongBothWays();
    void closeCodeAndReasonBothSides();
    void serverSendsAndCloses();
    void moreThanTheKernelTakesArrivesInOrder();
    void writesQueueBehindQtsBuffer();
    void serverDeletedWithUnsentBytes();
    void subprotocolAccepted();
    void refusals();
    void rulesParsePlain_data();
    void rulesParsePlain();
    void offTurnsItOff();
    void cleanupTestCase();

private:
    QUrl plainUrl(const QString &path = u"/ws"_s) const
    {
        return QUrl(u"ws://127.0.0.1:%1%2"_s.arg(m_server->serverPort()).arg(path));
    }
    EventServer *m_server = nullptr;
    const WritePath::Counts m_writes; // from before the first test
};

void tst_Plain::init()
{
    ServerOptions o;
    o.plainSubprotocols = { u"chat.v2"_s };
    // Room for the tests that queue many 1 MiB messages in one pass of the event loop (the
    // write budget itself is tst_slowconsumer's).
    o.maxBufferedBytes = 64 * 1024 * 1024;
    m_server = new EventServer(o);
    RuleSet rules;
    QString error;
    QVERIFY2(RuleSet::load(QStringLiteral(SOCKSCOPE_SOURCE_DIR "/resources/rules/echo-plain.json"),
                           &rules, &error), qPrintable(error));
    rules.install(m_server);
    QVERIFY(m_server->listen(QHostAddress::LocalHost, 0));
}

void tst_Plain::cleanup()
{
    delete m_server;
}

void tst_Plain::textAndBinaryRoundTrip()
{
    QSignalSpy opened(m_server, &EventServer::plainConnectionOpened);
    QSignalSpy received(m_server, &EventServer::plainMessageReceived);
    QSignalSpy handshakes(m_server, &EventServer::handshakeReceived);
    QWebSocket ws;
    QStringList texts;
    QList<QByteArray> binaries;
    connect(&ws, &QWebSocket::textMessageReceived, &ws, [&](const QString &t) { texts.append(t); });
    connect(&ws, &QWebSocket::binaryMessageReceived, &ws, [&](const QByteArray &b) { binaries.append(b); });
    ws.open(plainUrl());
    QTRY_COMPARE(opened.size(), 1);
    QTRY_COMPARE(ws.state(), QAbstractSocket::ConnectedState);
    auto *plain = opened.at(0).at(0).value<PlainConnection *>();
    QVERIFY(plain);
    QCOMPARE(plain->id().size(), 20);
    QCOMPARE(m_server->plainConnections().size(), 1);
    const auto record = handshakes.last().at(0).value<HandshakeRecord>();
    QCOMPARE(record.transport, u"websocket (plain)"_s);
    QCOMPARE(record.connectionId, plain->id());
    QCOMPARE(record.secWebSocketAccept, HandshakeRecord::acceptForKey(record.secWebSocketKey));
    QVERIFY(record.rawResponse.startsWith("HTTP/1.1 101"));

    ws.sendTextMessage(u"ping"_s);
    ws.sendTextMessage(u"你好, plain"_s);
    ws.sendBinaryMessage(QByteArray("\x00\xff\x10", 3));
    QTRY_COMPARE(texts.size(), 2);
    QCOMPARE(texts, (QStringList { u"pong"_s, u"你好, plain"_s }));
    QTRY_COMPARE(binaries.size(), 1);
    QCOMPARE(binaries.at(0), QByteArray("\x00\xff\x10", 3));
    QCOMPARE(received.size(), 3);
    QCOMPARE(received.at(2).at(2).toBool(), true);
    QCOMPARE(plain->messagesReceived(), 3u);
    QCOMPARE(plain->messagesSent(), 3u);
}

void tst_Plain::fragmentedMessageReassembled()
{
    QSignalSpy opened(m_server, &EventServer::plainConnectionOpened);
    QWebSocket ws;
    ws.setOutgoingFrameSize(1000);
    QStringList texts;
    connect(&ws, &QWebSocket::textMessageReceived, &ws, [&](const QString &t) { texts.append(t); });
    ws.open(plainUrl());
    QTRY_COMPARE(opened.size(), 1);
    QTRY_COMPARE(ws.state(), QAbstractSocket::ConnectedState);
    auto *plain = opened.at(0).at(0).value<PlainConnection *>();
    QList<WebSocketFrame> frames;
    QObject context; // the connection ends with this function
    connect(plain, &PlainConnection::frameReceived, &context,
            [&](const WebSocketFrame &f) { if (f.incoming) frames.append(f); });
    const QString big(2500, u'x');
    ws.sendTextMessage(big);
    QTRY_COMPARE(texts.size(), 1);
    QCOMPARE(texts.at(0), big);
    QCOMPARE(frames.size(), 3);
    QCOMPARE(frames.at(0).opcode, WebSocketFrame::Opcode::Text);
    QCOMPARE(frames.at(0).fin, false);
    QCOMPARE(frames.at(0).length, 1000);
    QCOMPARE(frames.at(1).opcode, WebSocketFrame::Opcode::Continuation);
    QCOMPARE(frames.at(2).opcode, WebSocketFrame::Opcode::Continuation);
    QCOMPARE(frames.at(2).fin, true);
    QCOMPARE(frames.at(2).length, 500);
}

void tst_Plain::pingPongBothWays()
{
    QSignalSpy opened(m_server, &EventServer::plainConnectionOpened);
    QWebSocket ws;
    QSignalSpy clientPong(&ws, &QWebSocket::pong);
    ws.open(plainUrl());
    QTRY_COMPARE(opened.size(), 1);
    QTRY_COMPARE(ws.state(), QAbstractSocket::ConnectedState);
    auto *plain = opened.at(0).at(0).value<PlainConnection *>();
    QList<WebSocketFrame> frames;
    QObject context; // the connection ends with this function
    connect(plain, &PlainConnection::frameReceived, &context, [&](const WebSocketFrame &f) { frames.append(f); });
    plain->ping("are you there");
    QTRY_VERIFY(!frames.isEmpty() && frames.last().opcode == WebSocketFrame::Opcode::Pong);
    QCOMPARE(frames.last().payload, QByteArray("are you there"));
    QCOMPARE(frames.first().opcode, WebSocketFrame::Opcode::Ping);
    QCOMPARE(frames.first().incoming, false);
    ws.ping("client ping");
    QTRY_COMPARE(clientPong.size(), 1);
    QCOMPARE(clientPong.at(0).at(1).toByteArray(), QByteArray("client ping"));
}

void tst_Plain::closeCodeAndReasonBothSides()
{
    QSignalSpy opened(m_server, &EventServer::plainConnectionOpened);
    QSignalSpy closed(m_server, &EventServer::plainConnectionClosed);
    QWebSocket ws;
    ws.open(plainUrl());
    QTRY_COMPARE(opened.size(), 1);
    QTRY_COMPARE(ws.state(), QAbstractSocket::ConnectedState);
    ws.close(QWebSocketProtocol::CloseCode(4001), u"client is done"_s);
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(closed.at(0).at(1).toInt(), 4001);
    QCOMPARE(closed.at(0).at(2).toString(), u"client is done"_s);
    QTRY_VERIFY(m_server->plainConnections().isEmpty());
}

void tst_Plain::serverSendsAndCloses()
{
    QSignalSpy opened(m_server, &EventServer::plainConnectionOpened);
    QWebSocket ws;
    QSignalSpy gone(&ws, &QWebSocket::disconnected);
    QStringList texts;
    QList<QByteArray> binaries;
    connect(&ws, &QWebSocket::textMessageReceived, &ws, [&](const QString &t) { texts.append(t); });
    connect(&ws, &QWebSocket::binaryMessageReceived, &ws, [&](const QByteArray &b) { binaries.append(b); });
    ws.open(plainUrl());
    QTRY_COMPARE(opened.size(), 1);
    QTRY_COMPARE(ws.state(), QAbstractSocket::ConnectedState);
    auto *plain = opened.at(0).at(0).value<PlainConnection *>();
    QVERIFY(plain->sendText(u"from the server"_s));
    QVERIFY(plain->sendBinary("\x01\x02"));
    QTRY_COMPARE(texts, QStringList { u"from the server"_s });
    QTRY_COMPARE(binaries.size(), 1);
    QPointer<PlainConnection> guard(plain);
    plain->close(4002, u"bye now"_s);
    QTRY_COMPARE(gone.size(), 1);
    QCOMPARE(int(ws.closeCode()), 4002);
    QCOMPARE(ws.closeReason(), u"bye now"_s);
    // Once closed the connection goes away (deleteLater), and the server forgets it.
    QTRY_VERIFY(!guard);
    QVERIFY(m_server->plainConnections().isEmpty());
}

namespace {
// 1 MiB, different for each i (its number first), to check order and content.
QByteArray numberedMessage(int i)
{
    QByteArray m(1 << 20, char('a' + i % 26));
    m.replace(0, 4, QByteArray::number(1000 + i));
    return m;
}
} // namespace

// The server gathers a pass's writes and sends them itself; what the kernel does not take then
// waits in Qt's buffer, and later writes and the closing handshake must queue behind it.
void tst_Plain::moreThanTheKernelTakesArrivesInOrder()
{
    QSignalSpy opened(m_server, &EventServer::plainConnectionOpened);
    QWebSocket ws;
    QSignalSpy gone(&ws, &QWebSocket::disconnected);
    QList<QByteArray> received;
    QStringList texts;
    connect(&ws, &QWebSocket::binaryMessageReceived, &ws, [&](const QByteArray &b) { received.append(b); });
    connect(&ws, &QWebSocket::textMessageReceived, &ws, [&](const QString &t) { texts.append(t); });
    ws.open(plainUrl());
    QTRY_COMPARE(opened.size(), 1);
    QTRY_COMPARE(ws.state(), QAbstractSocket::ConnectedState);
    auto *plain = opened.at(0).at(0).value<PlainConnection *>();

    // Far more than a loopback socket's kernel buffers hold, in one pass of the event loop.
    constexpr int kFirst = 16, kSecond = 8;
    for (int i = 0; i < kFirst; ++i)
        QVERIFY(plain->sendBinary(numberedMessage(i)));
    QTest::qWait(5); // the queue runs; the client reads a little meanwhile
    for (int i = kFirst; i < kFirst + kSecond; ++i)
        QVERIFY(plain->sendBinary(numberedMessage(i)));
    QVERIFY(plain->sendText(u"last"_s));
    plain->close(4003, u"all sent"_s); // in the same pass: must not cut what is still buffered

    QTRY_COMPARE_WITH_TIMEOUT(gone.size(), 1, 30000);
    QCOMPARE(received.size(), kFirst + kSecond);
    for (int i = 0; i < received.size(); ++i)
        QVERIFY2(received.at(i) == numberedMessage(i), qPrintable(u"message %1 differs"_s.arg(i)));
    QCOMPARE(texts, QStringList { u"last"_s });
    QCOMPARE(int(ws.closeCode()), 4003);
    QCOMPARE(ws.closeReason(), u"all sent"_s);
}

namespace {
// A client read by hand (not by the event loop), so the test decides when the kernel's buffer
// has room again.
struct RawClient
{
    int fd = -1;
    QByteArray in;
    ~RawClient()
    {
        if (fd >= 0)
            ::close(fd);
    }
    bool connectTo(quint16 port)
    {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a {};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0)
            return false;
        return ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) == 0;
    }
    bool send(const QByteArray &bytes) { return ::send(fd, bytes.constData(), size_t(bytes.size()), 0) == bytes.size(); }
    bool closed = false; // the server ended the connection
    qint64 drain() // reads all the kernel holds now
    {
        qint64 total = 0;
        char buf[65536];
        for (;;) {
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) {
                closed = closed || n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
                return total;
            }
            in.append(buf, n);
            total += n;
        }
    }
    // Server messages (frames unmasked; QWebSocket splits big ones into continuation frames)
    // after the 101 head: opcode and payload of each complete message.
    QList<QPair<int, QByteArray>> messages() const { return parse(true); }
    // How many messages are complete, without copying them (the wait loop asks often).
    qsizetype complete() const { return parse(false).size(); }
    QList<QPair<int, QByteArray>> parse(bool copy) const
    {
        QList<QPair<int, QByteArray>> out;
        qsizetype at = in.indexOf("\r\n\r\n");
        if (at < 0)
            return out;
        at += 4;
        QPair<int, QByteArray> partial { -1, {} };
        while (at + 2 <= in.size()) {
            const bool fin = in.at(at) & 0x80;
            const int opcode = in.at(at) & 0x0f;
            quint64 len = quint8(in.at(at + 1)) & 0x7f;
            qsizetype head = 2;
            if (len == 126 || len == 127) {
                const int bytes = len == 126 ? 2 : 8;
                if (at + 2 + bytes > in.size())
                    break;
                len = 0;
                for (int i = 0; i < bytes; ++i)
                    len = (len << 8) | quint8(in.at(at + 2 + i));
                head += bytes;
            }
            if (at + head + qsizetype(len) > in.size())
                break;
            if (opcode != 0)
                partial = { opcode, {} };
            if (copy)
                partial.second += in.mid(at + head, qsizetype(len));
            if (fin)
                out.append(partial);
            at += head + qsizetype(len);
        }
        return out;
    }
};

// Connects client to the server's plain path and upgrades; the server's side of it, or null.
PlainConnection *openRaw(EventServer *server, RawClient *client)
{
    QSignalSpy opened(server, &EventServer::plainConnectionOpened);
    if (!client->connectTo(server->serverPort())
        || !client->send(Loopback::upgradeRequest(server->serverPort(), "/ws"))
        || !QTest::qWaitFor([&] { return opened.size() == 1; }, 5000))
        return nullptr;
    return opened.at(0).at(0).value<PlainConnection *>();
}
} // namespace

// Bytes that wait in Qt's buffer (the kernel refused them) must go out before anything written
// later, even when the kernel has room again before Qt's own flush comes round.
void tst_Plain::writesQueueBehindQtsBuffer()
{
    RawClient client;
    PlainConnection *plain = openRaw(m_server, &client);
    QVERIFY(plain);
    const WritePath::Counts writes;

    // 16 MiB, far beyond loopback's socket buffers; nobody reads, so most of it waits in Qt.
    for (int i = 0; i < 16; ++i)
        QVERIFY(plain->sendBinary(numberedMessage(i)));
    QTest::qWait(20);
    // Room in the kernel again, before the server's loop runs: a write now must still queue
    // behind the 16 MiB, not overtake them.
    QVERIFY(client.drain() > 0);
    QVERIFY(plain->sendBinary(numberedMessage(16)));
    QVERIFY(plain->sendText(u"last"_s));

    QElapsedTimer clock;
    clock.start();
    while (client.complete() < 18 && clock.elapsed() < 30000) {
        QTest::qWait(1);
        client.drain();
    }
    const auto frames = client.messages(); // whole messages
    QCOMPARE(frames.size(), 18);
    for (int i = 0; i < 17; ++i) {
        QCOMPARE(frames.at(i).first, 2); // binary
        QVERIFY2(frames.at(i).second == numberedMessage(i), qPrintable(u"message %1 differs"_s.arg(i)));
    }
    QCOMPARE(frames.at(17).first, 1);
    QCOMPARE(frames.at(17).second, QByteArray("last"));
    // With the direct send, the case this test is about happened: some bytes went out
    // directly, and some waited in Qt's buffer.
    if (WritePath::directAsked()) {
        QVERIFY(writes.since().direct > 0);
        QVERIFY(writes.since().qt > 0);
    }
}

// The server deleted right after a big write to a client that neither reads nor answers the
// closing handshake: the connection ends (gathered bytes, Qt's buffer, then abort) without
// its goodbye reaching the half-destroyed server, which used to crash.
void tst_Plain::serverDeletedWithUnsentBytes()
{
    RawClient client;
    PlainConnection *plain = openRaw(m_server, &client);
    QVERIFY(plain);
    QTRY_VERIFY(client.drain() > 0 || client.in.contains("\r\n\r\n"));
    QVERIFY(plain->sendBinary(QByteArray(16 << 20, 'x')));
    delete m_server; // in the same pass: the 16 MiB are still gathered
    m_server = nullptr;
    QElapsedTimer clock;
    clock.start();
    while (!client.closed && clock.elapsed() < 10000) {
        QTest::qWait(5);
        client.drain();
    }
    QVERIFY(client.closed);
}

void tst_Plain::subprotocolAccepted()
{
    QSignalSpy opened(m_server, &EventServer::plainConnectionOpened);
    QWebSocket ws;
    QNetworkRequest request(plainUrl());
    request.setRawHeader("Sec-WebSocket-Protocol", "chat.v1, chat.v2");
    ws.open(request);
    QTRY_COMPARE(opened.size(), 1);
    QTRY_COMPARE(ws.state(), QAbstractSocket::ConnectedState);
    auto *plain = opened.at(0).at(0).value<PlainConnection *>();
    QCOMPARE(plain->offeredSubprotocols(), (QStringList { u"chat.v1"_s, u"chat.v2"_s }));
    QCOMPARE(plain->subprotocol(), u"chat.v2"_s);
    QTRY_COMPARE(ws.subprotocol(), u"chat.v2"_s);
}

void tst_Plain::refusals()
{
    QSignalSpy handshakes(m_server, &EventServer::handshakeReceived);
    // A plain client on the Socket.IO path: refused, and the record says where to go.
    QWebSocket plainOnEngine;
    QSignalSpy gone1(&plainOnEngine, &QWebSocket::disconnected);
    plainOnEngine.open(QUrl(u"ws://127.0.0.1:%1/socket.io/"_s.arg(m_server->serverPort())));
    QTRY_COMPARE(gone1.size(), 1);
    QTRY_VERIFY(!handshakes.isEmpty());
    auto r = handshakes.last().at(0).value<HandshakeRecord>();
    QCOMPARE(r.statusCode, 400);
    QVERIFY2(r.error.contains(u"/ws"_s), qPrintable(r.error));

    // A Socket.IO client on the plain path: a connect error naming the Socket.IO path.
    EventClient client;
    client.setUrl(QUrl(u"http://127.0.0.1:%1/"_s.arg(m_server->serverPort())));
    ClientOptions co;
    co.path = u"/ws/"_s;
    co.transport = ClientOptions::Transport::Polling;
    client.setOptions(co);
    QSignalSpy error(&client, &EventClient::connectErrorOccurred);
    client.open();
    QTRY_COMPARE(error.size(), 1);
    QVERIFY2(error.at(0).at(0).toString().contains(u"/socket.io/"_s), qPrintable(error.at(0).at(0).toString()));
    QVERIFY(m_server->plainConnections().isEmpty());
}

void tst_Plain::rulesParsePlain_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");
    QTest::newRow("ok") << QByteArray(R"({"plain":[{"match":"^a$","reply":"b $text"},{"on":"*","echo":true},{"match":"bye","close":1000}]})") << QString();
    QTest::newRow("not array") << QByteArray(R"({"plain":{}})") << u"plain: must be an array"_s;
    QTest::newRow("two actions") << QByteArray(R"({"plain":[{"reply":"x","echo":true}]})") << u"plain[0]: needs exactly one"_s;
    QTest::newRow("bad on") << QByteArray(R"({"plain":[{"on":"frames","echo":true}]})") << u"plain[0].on"_s;
    QTest::newRow("bad regex") << QByteArray(R"({"plain":[{"match":"(","echo":true}]})") << u"plain[0].match"_s;
    QTest::newRow("bad close") << QByteArray(R"({"plain":[{"close":1006}]})") << u"plain[0].close"_s;
    QTest::newRow("unknown key") << QByteArray(R"({"plain":[{"echo":true,"loud":1}]})") << u"unknown key \"loud\""_s;
}

void tst_Plain::rulesParsePlain()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    RuleSet r;
    QString message;
    const bool ok = RuleSet::parse(json, &r, &message, u"t.json"_s);
    QCOMPARE(ok, error.isEmpty());
    if (!ok)
        QVERIFY2(message.contains(error), qPrintable(message));
    else
        QCOMPARE(r.plain.size(), 3);
}

void tst_Plain::offTurnsItOff()
{
    ServerOptions o = m_server->options();
    o.plainPath.clear();
    m_server->setOptions(o);
    QSignalSpy handshakes(m_server, &EventServer::handshakeReceived);
    QWebSocket ws;
    QSignalSpy gone(&ws, &QWebSocket::disconnected);
    ws.open(plainUrl());
    QTRY_COMPARE(gone.size(), 1);
    QTRY_VERIFY(!handshakes.isEmpty());
    QCOMPARE(handshakes.last().at(0).value<HandshakeRecord>().statusCode, 404);
}

void tst_Plain::cleanupTestCase()
{
    // The suite wrote through the path this run asked for (see tests/auto/CMakeLists.txt).
    const QString wrong = WritePath::mismatch(m_writes.since());
    QVERIFY2(wrong.isEmpty(), qPrintable(wrong));
}

QTEST_GUILESS_MAIN(tst_Plain)
#include "tst_plain.moc"
