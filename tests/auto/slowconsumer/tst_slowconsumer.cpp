// Slow consumers: clients that stop reading cost the server at most its write budget
// (ServerOptions::maxBufferedBytes), are closed as "slow consumer", and leave everyone else
// served; a broadcast's bytes wait once for all its slow recipients; volatile events are
// dropped for a client that is not reading.
#include "loopback.h"
#include "stalledpeer.h"

#include <connection.h>
#include <eventserver.h>
#include <namespace.h>
#include <plainconnection.h>
#include <socket.h>

#include <QFile>
#include <QPointer>
#include <QScopeGuard>
#include <QThread>
#include <QSignalSpy>
#include <QTest>

#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#    define SOCKSCOPE_ASAN 1
#elif defined(__has_feature)
#    if __has_feature(address_sanitizer)
#        define SOCKSCOPE_ASAN 1
#    endif
#endif
#ifdef SOCKSCOPE_ASAN
// The memory test measures the process's RSS: freed blocks held in ASan's quarantine would
// count as the server's.
extern "C" const char *__asan_default_options() { return "quarantine_size_mb=4"; }
#endif

using namespace Qt::StringLiterals;
using namespace Sockscope;
using Loopback::StalledPeer;

namespace {

// The Engine.IO messages of a stream of unmasked server frames (text frames as they are,
// binary ones marked "#"), stopping at an incomplete frame.
QList<QByteArray> serverMessages(const QByteArray &bytes)
{
    QList<QByteArray> out;
    qsizetype pos = 0;
    while (bytes.size() - pos >= 2) {
        const auto b0 = quint8(bytes[pos]);
        quint64 len = quint8(bytes[pos + 1]) & 0x7f;
        qsizetype head = 2;
        if (len == 126) {
            if (bytes.size() - pos < 4)
                break;
            len = (quint64(quint8(bytes[pos + 2])) << 8) | quint8(bytes[pos + 3]);
            head = 4;
        } else if (len == 127) {
            if (bytes.size() - pos < 10)
                break;
            len = 0;
            for (int i = 0; i < 8; ++i)
                len = (len << 8) | quint8(bytes[pos + 2 + i]);
            head = 10;
        }
        if (quint64(bytes.size() - pos - head) < len)
            break;
        const QByteArray payload = bytes.mid(pos + head, qsizetype(len));
        out.append((b0 & 0x0f) == 0x2 ? "#" + payload : payload);
        pos += head + qsizetype(len);
    }
    return out;
}

// The socket a stalled peer's connection carries (it joined one namespace).
Socket *socketOf(const EventServer &server, const QString &sid)
{
    Connection *c = server.connection(sid);
    return c && !c->sockets().isEmpty() ? c->sockets().constFirst() : nullptr;
}

qint64 residentBytes()
{
    QFile f(u"/proc/self/statm"_s);
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> fields = f.readAll().split(' ');
    return fields.size() > 1 ? fields.at(1).toLongLong() * sysconf(_SC_PAGESIZE) : -1;
}

// A string of n characters that says which one it is.
QString payload(int i, int n)
{
    QString s = u"#%1#"_s.arg(i);
    s.append(QString(n - s.size(), QChar(u'a' + i % 26)));
    return s;
}

// Lets the server write, and the well-behaved clients read, what is pending.
void settle(EventServer &server, const QList<Socket *> &readers)
{
    (void)QTest::qWaitFor(
            [&] {
                for (Socket *s : readers) {
                    if (s && s->bufferedBytes() > 0)
                        return false;
                }
                return true;
            },
            2000);
    Q_UNUSED(server);
}

} // namespace

class tst_SlowConsumer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void stalledWebSocketReadersAreClosed();
    void slowReaderGetsEveryFrameInOrder();
    void broadcastBytesAreHeldOnce();
    void pollingSessionWithoutGet();
    void plainClientThatNeverReads();
    void volatileEventsAreDropped();
    void budgetZeroMeansNoLimit();
    void pipeliningClientIsSlowedNotDropped();
    void pollingPostIsHeldNotDropped();
};

void tst_SlowConsumer::stalledWebSocketReadersAreClosed()
{
    ServerOptions o = Loopback::fastOptions();
    o.maxBufferedBytes = 1024 * 1024;
    EventServer server(o);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    const quint16 port = server.serverPort();

    QHash<QString, QString> reasons;
    QObject context; // goes before reasons
    connect(&server, &EventServer::socketDisconnected, &context,
            [&](Socket *s, const QString &reason) { reasons.insert(s->id(), reason); });

    constexpr int Stalled = 3;
    StalledPeer peers[Stalled];
    QStringList stalledIds;
    for (StalledPeer &p : peers) {
        const QString sid = p.open(port);
        QVERIFY2(!sid.isEmpty(), p.received().constData());
        QTRY_VERIFY(socketOf(server, sid));
        stalledIds.append(socketOf(server, sid)->id());
    }
    auto good = Loopback::connectClient(server);
    QVERIFY(good->isConnected());
    int goodEvents = 0;
    connect(good.get(), &EventClient::eventReceived, good.get(), [&](const QString &event) {
        if (event == u"flood")
            ++goodEvents;
    });
    QTRY_COMPARE(server.of(u"/"_s)->sockets().size(), Stalled + 1);
    Socket *goodSocket = nullptr;
    for (Socket *s : server.of(u"/"_s)->sockets()) {
        if (!stalledIds.contains(s->id()))
            goodSocket = s;
    }
    QVERIFY(goodSocket);

    // 64 KiB events to the whole namespace: 12.5 MiB for each recipient.
    constexpr int Events = 200;
    qint64 maxSeen = 0;
    for (int i = 0; i < Events; ++i) {
        server.of(u"/"_s)->send(u"flood"_s, { payload(i, 64 * 1024) });
        for (Socket *s : server.of(u"/"_s)->sockets())
            maxSeen = qMax(maxSeen, s->bufferedBytes());
        settle(server, { goodSocket });
    }
    QCOMPARE_LE(maxSeen, o.maxBufferedBytes);
    QTRY_COMPARE(reasons.size(), Stalled);
    for (const QString &id : stalledIds)
        QCOMPARE(reasons.value(id), u"slow consumer"_s);
    QCOMPARE(server.stats().slowConsumerCloses, quint64(Stalled));
    QTRY_COMPARE(goodEvents, Events);
    QVERIFY(good->isConnected());
    QCOMPARE(server.of(u"/"_s)->sockets().size(), 1);
    // The dropped peers see their connections end.
    for (StalledPeer &p : peers)
        QTRY_VERIFY(p.isClosedByServer());
    // An ack round trip still works for the one left.
    bool answered = false;
    goodSocket->send(u"ping?"_s, {}, [&](const AckResult &) { answered = true; }, 5000);
    connect(good.get(), &EventClient::eventReceived, good.get(),
            [](const QString &, const Arguments &, const Ack &ack) {
                if (ack.isRequested())
                    ack.reply({ 1 });
            });
    QTRY_VERIFY(answered);
}

void tst_SlowConsumer::slowReaderGetsEveryFrameInOrder()
{
    // A reader that pauses, then reads on: what waited for it (in Qt's buffer and in the
    // list of shared frames behind it, control frames included) arrives whole and in order.
    ServerOptions o = Loopback::fastOptions();
    o.maxBufferedBytes = 0;
    EventServer server(o);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    StalledPeer peer;
    const QString sid = peer.open(server.serverPort());
    QVERIFY(!sid.isEmpty());
    QTRY_VERIFY(socketOf(server, sid));
    Socket *socket = socketOf(server, sid);
    const qsizetype before = peer.received().size();

    constexpr int Events = 120;
    for (int i = 0; i < Events; ++i) {
        socket->send(u"seq"_s, { i, payload(i, 20000 + 997 * (i % 50)) });
        if (i % 10 == 0)
            QTest::qWait(1);
    }
    QTRY_VERIFY(socket->bufferedBytes() > 1024 * 1024); // it piled up
    // The connection stays when its socket leaves the namespace (below): it is the one asked.
    QPointer<Connection> connection = socket->connection();
    QVERIFY(peer.send("41")); // goes out; the server's answer waits behind the frames
    QByteArray all;
    QTRY_VERIFY_WITH_TIMEOUT(
            (peer.readSome(), serverMessages(peer.received().mid(before)).size() >= Events),
            20000);
    const QList<QByteArray> messages = serverMessages(peer.received().mid(before));
    for (int i = 0; i < Events; ++i) {
        const QByteArray expected = "42[\"seq\"," + QByteArray::number(i) + ",\""
                + payload(i, 20000 + 997 * (i % 50)).toUtf8() + "\"]";
        QCOMPARE(messages.at(i).size(), expected.size());
        QVERIFY2(messages.at(i) == expected, qPrintable(u"message %1 differs"_s.arg(i)));
    }
    // The socket itself is gone (the peer's "41" left the namespace).
    QVERIFY(connection);
    QTRY_COMPARE(connection->bufferedBytes(), 0);
}

void tst_SlowConsumer::broadcastBytesAreHeldOnce()
{
    // With no budget, four readers that stopped hold a broadcast's bytes once between them:
    // each recipient's copy would cost four times as much.
    ServerOptions o = Loopback::fastOptions();
    o.maxBufferedBytes = 0;
    EventServer server(o);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    constexpr int Stalled = 4;
    StalledPeer peers[Stalled];
    for (StalledPeer &p : peers)
        QVERIFY(!p.open(server.serverPort()).isEmpty());
    QTRY_COMPARE(server.of(u"/"_s)->sockets().size(), Stalled);

    const qint64 rssBefore = residentBytes();
    QVERIFY(rssBefore > 0);
    constexpr int Events = 320;
    constexpr int Size = 64 * 1024;
    for (int i = 0; i < Events; ++i) {
        server.of(u"/"_s)->send(u"flood"_s, { payload(i, Size) });
        QCoreApplication::processEvents();
    }
    QTest::qWait(50);
    qint64 waiting = 0;
    for (Socket *s : server.of(u"/"_s)->sockets())
        waiting += s->bufferedBytes();
    const qint64 grown = residentBytes() - rssBefore;
    const qint64 once = qint64(Events) * Size;
    qInfo("unsent: %lld bytes for %d readers; RSS grew %lld bytes (one copy: %lld)", waiting,
          Stalled, grown, once);
    QVERIFY(waiting > 3 * once); // each reader is owed nearly all of it
    QCOMPARE_LT(grown, once * 2); // and it is held about once (a copy each: four times)
}

void tst_SlowConsumer::pollingSessionWithoutGet()
{
    ServerOptions o = Loopback::fastOptions();
    o.maxBufferedBytes = 256 * 1024;
    EventServer server(o);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    const quint16 port = server.serverPort();
    const auto get = [port](const QByteArray &query) {
        return Loopback::rawHttp(port, "GET /socket.io/?EIO=4&transport=polling" + query
                                               + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    };
    const Loopback::HttpReply open = get({});
    QCOMPARE(open.status, 200);
    const QByteArray sid =
            QJsonDocument::fromJson(open.body.mid(1)).object().value(u"sid"_s).toString().toLatin1();
    QVERIFY(!sid.isEmpty());
    const Loopback::HttpReply post = Loopback::rawHttp(
            port, "POST /socket.io/?EIO=4&transport=polling&sid=" + sid
                          + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 2\r\n\r\n40");
    QCOMPARE(post.status, 200);
    QVERIFY(get("&sid=" + sid).body.startsWith("40{\"sid\":"));
    QTRY_COMPARE(server.of(u"/"_s)->sockets().size(), 1);
    Socket *socket = server.of(u"/"_s)->sockets().constFirst();
    QSignalSpy closed(&server, &EventServer::connectionClosed);

    // No GET comes for what follows: the packets wait in the session, up to the budget.
    int sent = 0;
    while (socket->send(u"news"_s, { payload(sent, 30000) }) && sent < 100) {
        QCOMPARE_LE(socket->bufferedBytes(), o.maxBufferedBytes);
        ++sent;
    }
    QVERIFY2(sent >= 8 && sent <= 9, qPrintable(QString::number(sent)));
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(closed.at(0).at(1).toString(), u"slow consumer"_s);
    QCOMPARE(server.stats().slowConsumerCloses, quint64(1));
    const Loopback::HttpReply late = get("&sid=" + sid);
    QCOMPARE(late.status, 400);
    QVERIFY(late.body.contains("Session ID unknown"));
}

void tst_SlowConsumer::plainClientThatNeverReads()
{
    ServerOptions o = Loopback::fastOptions();
    o.maxBufferedBytes = 512 * 1024;
    EventServer server(o);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QSignalSpy closed(&server, &EventServer::plainConnectionClosed);
    StalledPeer peer;
    QVERIFY(peer.openPlain(server.serverPort()));
    QTRY_COMPARE(server.plainConnections().size(), 1);
    PlainConnection *plain = server.plainConnections().constFirst();

    // A well-behaved plain client beside it keeps getting its messages.
    QStringList got;
    QWebSocket other;
    connect(&other, &QWebSocket::textMessageReceived, &other, [&](const QString &t) { got.append(t); });
    other.open(QUrl(u"ws://127.0.0.1:%1/ws"_s.arg(server.serverPort())));
    QTRY_COMPARE(server.plainConnections().size(), 2);
    PlainConnection *good = server.plainConnections().at(0) == plain
            ? server.plainConnections().at(1) : server.plainConnections().at(0);

    int sent = 0;
    int goodSent = 0;
    for (int i = 0; i < 400 && plain->isOpen(); ++i) {
        if (plain->sendText(payload(i, 32 * 1024)))
            ++sent;
        QCOMPARE_LE(plain->bufferedBytes(), o.maxBufferedBytes);
        QVERIFY(good->sendText(u"m%1"_s.arg(i)));
        ++goodSent;
        QCoreApplication::processEvents();
    }
    QVERIFY(!plain->isOpen());
    QVERIFY(!plain->sendText(u"after"_s));
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(closed.at(0).at(1).toInt(), 1008);
    QCOMPARE(closed.at(0).at(2).toString(), u"slow consumer"_s);
    QCOMPARE(server.stats().slowConsumerCloses, quint64(1));
    QTRY_COMPARE(got.size(), goodSent);
    QVERIFY(sent > 0);
    QTRY_VERIFY(peer.isClosedByServer());
}

void tst_SlowConsumer::volatileEventsAreDropped()
{
    ServerOptions o = Loopback::fastOptions();
    o.maxBufferedBytes = 0; // no slow-consumer close: the drops alone are tested
    EventServer server(o);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    StalledPeer peer;
    const QString sid = peer.open(server.serverPort());
    QVERIFY(!sid.isEmpty());
    auto good = Loopback::connectClient(server);
    QVERIFY(good->isConnected());
    int goodEvents = 0;
    connect(good.get(), &EventClient::eventReceived, good.get(), [&](const QString &event) {
        if (event == u"tick")
            ++goodEvents;
    });
    QTRY_COMPARE(server.of(u"/"_s)->sockets().size(), 2);
    Socket *stalled = socketOf(server, sid);
    QVERIFY(stalled);

    // To the one socket: sent while little is waiting, dropped beyond (the kernel takes a
    // few MiB first, and more as its buffer grows: ordinary events fill it up well beyond).
    QVERIFY(stalled->sendVolatile(u"tick"_s, { 0 }));
    for (int i = 0; i < 400 && stalled->bufferedBytes() <= 1024 * 1024; ++i) {
        QVERIFY(stalled->send(u"fill"_s, { payload(i, 64 * 1024) }));
        QCoreApplication::processEvents();
    }
    QCOMPARE_GT(stalled->bufferedBytes(), ServerOptions::volatileBufferedBytes);
    int dropped = 0;
    for (int i = 0; i < 10; ++i) {
        QVERIFY(!stalled->sendVolatile(u"tick"_s, { i }));
        ++dropped;
    }
    QCOMPARE(server.stats().volatileDropped, quint64(dropped));
    QCOMPARE(stalled->connection()->volatileDropped(), quint64(dropped));
    QVERIFY(stalled->isConnected()); // dropped events do not close it

    // A volatile broadcast: the reader gets every one, the stalled socket none.
    Socket *goodSocket = nullptr;
    for (Socket *s : server.of(u"/"_s)->sockets())
        goodSocket = s == stalled ? goodSocket : s;
    for (int i = 0; i < 20; ++i) {
        // Written to the reader only: the count leaves out the socket it was dropped for.
        QCOMPARE(Broadcast(server.of(u"/"_s)).setVolatile().send(u"tick"_s, { i }), 1);
        settle(server, { goodSocket });
    }
    QTRY_COMPARE(goodEvents, 20);
    QCOMPARE(server.stats().volatileDropped, quint64(dropped + 20));
    QVERIFY(stalled->isConnected());
    QCOMPARE(server.stats().slowConsumerCloses, quint64(0));
}

void tst_SlowConsumer::budgetZeroMeansNoLimit()
{
    ServerOptions o = Loopback::fastOptions();
    o.maxBufferedBytes = -1;
    QVERIFY(!o.validate().isEmpty());
    o.maxBufferedBytes = 0;
    QVERIFY(o.validate().isEmpty());
    QVERIFY(ServerOptions::fitsWriteBudget(0, 1 << 30, 1 << 30)); // no limit
    QVERIFY(ServerOptions::fitsWriteBudget(100, 0, 1000)); // one packet over it, nothing waiting
    QVERIFY(ServerOptions::fitsWriteBudget(100, 60, 40));
    QVERIFY(!ServerOptions::fitsWriteBudget(100, 60, 41));
    QVERIFY(!ServerOptions::fitsWriteBudget(100, 1, 1000));
    EventServer server(o);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    StalledPeer peer;
    const QString sid = peer.open(server.serverPort());
    QVERIFY(!sid.isEmpty());
    QTRY_VERIFY(socketOf(server, sid));
    Socket *s = socketOf(server, sid);
    for (int i = 0; i < 120; ++i) { // the kernel takes a few MiB, then they wait
        QVERIFY(s->send(u"big"_s, { payload(i, 64 * 1024) }));
        QCoreApplication::processEvents();
    }
    QTRY_VERIFY(s->bufferedBytes() > 2 * 1024 * 1024);
    QTest::qWait(50);
    QVERIFY(s->isConnected());
    QCOMPARE(server.stats().slowConsumerCloses, quint64(0));
}

void tst_SlowConsumer::pipeliningClientIsSlowedNotDropped()
{
    // A client that sends 12.5 MiB of requests at once, each answered with as much, to a
    // server in a thread of its own: the server answers faster than the client reads, so its
    // answers pile up. Reading from the client pauses while half the budget waits; the client
    // is held back by TCP and gets every answer, instead of being dropped as a slow consumer.
    ServerOptions o = Loopback::fastOptions();
    o.maxBufferedBytes = 1024 * 1024;
    QThread thread;
    thread.start();
    QObject home;
    home.moveToThread(&thread);
    EventServer *server = nullptr;
    quint16 port = 0;
    QMetaObject::invokeMethod(&home, [&] {
        server = new EventServer(o);
        connect(server, &EventServer::socketConnected, server, [](Socket *s) {
            s->on(u"echo"_s, [](const Arguments &args, const Ack &ack) { ack.reply(args); });
        });
        if (server->listen(QHostAddress::LocalHost, 0))
            port = server->serverPort();
    }, Qt::BlockingQueuedConnection);
    ServerStats stats;
    bool stopped = false;
    const auto stopServer = [&] {
        if (std::exchange(stopped, true))
            return;
        QMetaObject::invokeMethod(&home, [&] {
            stats = server->stats();
            delete server;
        }, Qt::BlockingQueuedConnection);
        thread.quit();
        thread.wait();
    };
    auto stop = qScopeGuard(stopServer);
    QVERIFY(port != 0);

    EventClient client;
    client.setUrl(QUrl(u"http://127.0.0.1:%1/"_s.arg(port)));
    client.open();
    QTRY_VERIFY(client.isConnected());
    constexpr int Count = 200;
    const QString big = payload(0, 64 * 1024);
    int replies = 0;
    for (int i = 0; i < Count; ++i) {
        client.send(u"echo"_s, { i, big }, [&replies, &big, i](const AckResult &r) {
            if (!r.timedOut && r.args.value(0).toInt() == i && r.args.value(1).toString() == big)
                ++replies;
        }, 30000);
    }
    QTRY_COMPARE_WITH_TIMEOUT(replies, Count, 30000);
    QVERIFY(client.isConnected());
    stopServer();
    QCOMPARE(stats.slowConsumerCloses, quint64(0));
}

void tst_SlowConsumer::pollingPostIsHeldNotDropped()
{
    // A polling client POSTs requests whose answers wait for its next GET: once more than
    // half the budget waits, its next POST is held (not answered, not read) until a GET has
    // taken the answers; then it is read. Nothing is dropped, nobody is closed.
    ServerOptions o = Loopback::fastOptions();
    o.maxBufferedBytes = 256 * 1024;
    EventServer server(o);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    connect(&server, &EventServer::socketConnected, &server, [](Socket *s) {
        s->on(u"echo"_s, [s](const Arguments &args) { s->send(u"echo"_s, args); });
    });
    const quint16 port = server.serverPort();
    const QByteArray open = Loopback::rawHttp(port, "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\n"
                                                    "Host: 127.0.0.1\r\nConnection: close\r\n\r\n").body;
    const QByteArray sid =
            QJsonDocument::fromJson(open.mid(1)).object().value(u"sid"_s).toString().toLatin1();
    QVERIFY(!sid.isEmpty());
    const QByteArray target = "/socket.io/?EIO=4&transport=polling&sid=" + sid;
    const auto post = [&](const QByteArray &body) -> QByteArray {
        return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
               "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    };
    const QByteArray get = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    QCOMPARE(Loopback::rawHttp(port, post("40")).status, 200);
    QVERIFY(Loopback::rawHttp(port, get).body.startsWith("40{"));

    // Three events of 60 KB: 180 KB of answers, over half the budget.
    const auto events = [](int from) -> QByteArray {
        QByteArray body;
        for (int i = from; i < from + 3; ++i) {
            if (!body.isEmpty())
                body += '\x1e';
            body += "42[\"echo\",\"" + payload(i, 60000).toUtf8() + "\"]";
        }
        return body;
    };
    QCOMPARE(Loopback::rawHttp(port, post(events(0))).status, 200);
    QTcpSocket held;
    held.connectToHost(Loopback::LocalHost, port);
    QVERIFY(held.waitForConnected(3000));
    held.write(post(events(3)));
    QTest::qWait(200);
    QCOMPARE(held.bytesAvailable(), 0); // not answered while the answers wait

    QByteArray answers = Loopback::rawHttp(port, get).body; // the first three
    QTRY_VERIFY(held.bytesAvailable() > 0 || held.state() != QAbstractSocket::ConnectedState);
    QVERIFY(held.readAll().startsWith("HTTP/1.1 200"));
    QTRY_VERIFY(server.of(u"/"_s)->sockets().constFirst()->bufferedBytes() > 0);
    answers += '\x1e' + Loopback::rawHttp(port, get).body; // the next three
    const QList<QByteArray> packets = answers.split('\x1e');
    QCOMPARE(packets.size(), 6);
    for (int i = 0; i < 6; ++i)
        QCOMPARE(packets.at(i), "42[\"echo\",\"" + payload(i, 60000).toUtf8() + "\"]");
    QCOMPARE(server.stats().slowConsumerCloses, quint64(0));
    QCOMPARE(server.of(u"/"_s)->sockets().size(), 1);
}

QTEST_MAIN(tst_SlowConsumer)
#include "tst_slowconsumer.moc"
