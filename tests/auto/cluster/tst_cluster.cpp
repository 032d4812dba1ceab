// Two sockscope processes (headless, --redis) and one redis-server of the test's own: a
// broadcast on either server reaches the clients of both; Redis restarted during traffic.
#include "redisserver.h"
#include <eventclient.h>
#include <eventserver.h>
#include <namespace.h>
#include <redisadapter.h>
#include <socket.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <functional>
#include <memory>

using namespace Qt::StringLiterals;
using namespace Sockscope;

namespace {

const QString Binary = QStringLiteral(SOCKSCOPE_BIN);
const QString Rules = QStringLiteral(SOCKSCOPE_SOURCE_DIR "/tests/auto/cluster/cluster-rules.json");

// One sockscope process; its JSON lines parsed as they come.
class Server
{
public:
    Server()
    {
        proc.setProgram(Binary);
        proc.setProcessChannelMode(QProcess::SeparateChannels);
        QObject::connect(&proc, &QProcess::readyReadStandardOutput, &proc, [this] {
            buffer += proc.readAllStandardOutput();
            qsizetype nl;
            while ((nl = buffer.indexOf('\n')) >= 0) {
                const QJsonDocument d = QJsonDocument::fromJson(buffer.left(nl));
                buffer.remove(0, nl + 1);
                if (d.isObject())
                    lines.append(d.object());
            }
        });
    }
    ~Server()
    {
        if (proc.state() != QProcess::NotRunning) {
            proc.kill();
            proc.waitForFinished(5000);
        }
    }
    quint16 start(const QString &redisUrl)
    {
        proc.setArguments({u"--headless"_s, u"--port"_s, u"0"_s, u"--rules"_s, Rules, u"--log"_s,
                           u"connections"_s, u"--redis"_s, redisUrl});
        proc.start();
        const QJsonObject l = waitLine(
                [](const QJsonObject &o) { return o.value(u"type"_s) == u"listening"_s; });
        return quint16(l.value(u"port"_s).toInt());
    }
    QJsonObject waitLine(const std::function<bool(const QJsonObject &)> &pred,
                         int timeoutMs = 10000)
    {
        QJsonObject found;
        (void)QTest::qWaitFor(
                [&] {
                    for (const QJsonObject &o : std::as_const(lines)) {
                        if (pred(o)) {
                            found = o;
                            return true;
                        }
                    }
                    return proc.state() == QProcess::NotRunning;
                },
                timeoutMs);
        return found;
    }
    // The last "adapter" line, if any.
    QJsonObject lastAdapterLine() const
    {
        for (qsizetype i = lines.size() - 1; i >= 0; --i) {
            if (lines.at(i).value(u"type"_s) == u"adapter"_s)
                return lines.at(i);
        }
        return {};
    }
    bool waitAdapter(const QString &state, int servers = -1, int timeoutMs = 15000)
    {
        return QTest::qWaitFor(
                [&] {
                    const QJsonObject o = lastAdapterLine();
                    return o.value(u"state"_s) == state
                            && (servers < 0 || o.value(u"servers"_s).toInt() == servers);
                },
                timeoutMs);
    }

    QProcess proc;
    QByteArray buffer;
    QList<QJsonObject> lines;
};

// A client that records the "news" events it gets.
struct Client
{
    explicit Client(quint16 port)
    {
        client.setUrl(QUrl(u"http://127.0.0.1:%1/"_s.arg(port)));
        ClientOptions o;
        o.transport = ClientOptions::Transport::WebSocket;
        client.setOptions(o);
        client.on(u"news"_s, [this](const Arguments &args) { news.append(args); });
    }
    bool open()
    {
        QSignalSpy connected(&client, &EventClient::connected);
        client.open();
        return connected.wait(10000) || client.isConnected();
    }
    bool join(const QString &room)
    {
        bool done = false;
        client.send(
                u"join"_s, {room}, [&done](const AckResult &r) { done = !r.timedOut; }, 5000);
        return QTest::qWaitFor([&] { return done; }, 6000);
    }
    bool got(const Arguments &args) const { return news.contains(QVariant(args)); }

    EventClient client;
    QList<Arguments> news;
};

// A server of this process in the cluster (the library's API, not the binary).
struct InProcess
{
    explicit InProcess(const QString &redisUrl)
    {
        RedisAddress address;
        QString error;
        ok = RedisAddress::parse(redisUrl, &address, &error);
        cluster = std::make_unique<RedisCluster>(address);
        cluster->setRequestsTimeout(2000);
        server.setAdapterFactory(cluster->adapterFactory());
        cluster->open();
        ok = ok && server.listen(QHostAddress::LocalHost, 0);
    }
    bool waitServers(int n)
    {
        return QTest::qWaitFor(
                [&] {
                    return cluster->state() == RedisCluster::State::Connected
                            && cluster->serverCount() == n;
                },
                10000);
    }
    Namespace *root() { return server.of(u"/"_s); }

    bool ok = false;
    EventServer server;
    std::unique_ptr<RedisCluster> cluster;
};

} // namespace

class tst_Cluster : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void broadcasts();
    void binaryArguments();
    void redisDownAtStart();
    void redisRestarted();
    void rejectsTls();
    void urls_data();
    void urls();
    void authAndSelect();
    void libraryOperations();
    void broadcastWithAcks();
    void requestTimesOut();

private:
    RedisServer m_redis;
};

void tst_Cluster::initTestCase()
{
    QVERIFY2(m_redis.start(),
             qPrintable(u"redis-server did not start (install the redis-server "
                        "package: scripts/deps.sh --tests): "_s
                        + m_redis.error));
}

void tst_Cluster::broadcasts()
{
    Server a, b;
    const quint16 portA = a.start(m_redis.url());
    const quint16 portB = b.start(m_redis.url());
    QVERIFY(portA && portB);
    QVERIFY2(a.waitAdapter(u"connected"_s, 2),
             QJsonDocument(a.lastAdapterLine()).toJson().constData());
    QVERIFY(b.waitAdapter(u"connected"_s, 2));

    Client a1(portA), a2(portA), b1(portB), b2(portB);
    for (Client *c : {&a1, &a2, &b1, &b2})
        QVERIFY(c->open());
    QVERIFY(a2.join(u"blue"_s));
    QVERIFY(b2.join(u"blue"_s));

    // To the namespace, from a client of A: everyone on both servers, the sender included.
    a1.client.send(u"to-all"_s, {u"hello"_s, 42});
    const Arguments all {u"hello"_s, 42};
    QTRY_VERIFY_WITH_TIMEOUT(a1.got(all) && a2.got(all) && b1.got(all) && b2.got(all), 5000);

    // To a room, from a client of B that is not in it: the room's members on both servers.
    b1.client.send(u"to-room"_s, {u"blue"_s, u"room news"_s});
    const Arguments room {u"blue"_s, u"room news"_s};
    QTRY_VERIFY_WITH_TIMEOUT(a2.got(room) && b2.got(room), 5000);

    // All but the sender, from A: the sender's own server leaves it out, and so does B.
    a2.client.send(u"to-others"_s, {u"except"_s});
    const Arguments others {u"except"_s};
    QTRY_VERIFY_WITH_TIMEOUT(a1.got(others) && b1.got(others) && b2.got(others), 5000);

    // Each event once: a server does not take its own publication back.
    QTest::qWait(300);
    QCOMPARE(a1.news.count(all), 1);
    QCOMPARE(b1.news.count(all), 1);
    QVERIFY(!a1.got(room));
    QVERIFY(!b1.got(room));
    QVERIFY(!a2.got(others));
    QCOMPARE(b2.news.count(room), 1);
}

void tst_Cluster::binaryArguments()
{
    Server a, b;
    const quint16 portA = a.start(m_redis.url());
    const quint16 portB = b.start(m_redis.url());
    QVERIFY(portA && portB);
    QVERIFY(a.waitAdapter(u"connected"_s, 2));
    QVERIFY(b.waitAdapter(u"connected"_s, 2));
    Client a1(portA), b1(portB);
    QVERIFY(a1.open());
    QVERIFY(b1.open());
    const QByteArray blob("\x00\x01\xfe\xff", 4);
    const QVariantMap nested {{u"bytes"_s, blob}, {u"n"_s, 1.5}};
    a1.client.send(u"to-all"_s, {blob, nested, QVariant::fromValue(nullptr)});
    const Arguments expected {blob, nested, QVariant::fromValue(nullptr)};
    QTRY_VERIFY_WITH_TIMEOUT(b1.got(expected), 5000);
    QVERIFY(a1.got(expected));
}

void tst_Cluster::redisDownAtStart()
{
    // A port nothing listens on: the server starts, serves its clients, says "down", retries.
    RedisServer later;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        later.port = probe.serverPort();
    }
    Server a;
    const quint16 port = a.start(later.url());
    QVERIFY(port);
    QVERIFY(a.waitAdapter(u"down"_s, 1));
    QVERIFY(!a.lastAdapterLine().value(u"error"_s).toString().isEmpty());
    Client c(port);
    QVERIFY(c.open());
    c.client.send(u"to-all"_s, {u"alone"_s});
    QTRY_VERIFY_WITH_TIMEOUT(c.got({u"alone"_s}), 5000);

    // Redis comes up on that port: the server connects by itself.
    QVERIFY2(later.start(later.port), qPrintable(later.error));
    QVERIFY(a.waitAdapter(u"connected"_s, 1, 20000));
    QVERIFY(c.client.isConnected());
}

void tst_Cluster::redisRestarted()
{
    RedisServer redis;
    QVERIFY2(redis.start(), qPrintable(redis.error));
    Server a, b;
    const quint16 portA = a.start(redis.url());
    const quint16 portB = b.start(redis.url());
    QVERIFY(portA && portB);
    QVERIFY(a.waitAdapter(u"connected"_s, 2));
    QVERIFY(b.waitAdapter(u"connected"_s, 2));
    Client a1(portA), b1(portB);
    QVERIFY(a1.open());
    QVERIFY(b1.open());

    a1.client.send(u"to-all"_s, {u"before"_s});
    QTRY_VERIFY_WITH_TIMEOUT(b1.got({u"before"_s}), 5000);

    // Traffic while Redis goes away: no client is dropped, local delivery goes on.
    redis.stop();
    QVERIFY(a.waitAdapter(u"reconnecting"_s));
    QVERIFY(b.waitAdapter(u"reconnecting"_s));
    a1.client.send(u"to-all"_s, {u"during"_s});
    QTRY_VERIFY_WITH_TIMEOUT(a1.got({u"during"_s}), 5000);

    QVERIFY2(redis.start(redis.port), qPrintable(redis.error));
    QVERIFY(a.waitAdapter(u"connected"_s, 2, 20000));
    QVERIFY(b.waitAdapter(u"connected"_s, 2, 20000));
    // Both resubscribed: broadcasts flow again both ways.
    a1.client.send(u"to-all"_s, {u"after a"_s});
    b1.client.send(u"to-all"_s, {u"after b"_s});
    QTRY_VERIFY_WITH_TIMEOUT(b1.got({u"after a"_s}) && a1.got({u"after b"_s}), 5000);
    QVERIFY(a1.client.isConnected());
    QVERIFY(b1.client.isConnected());
}

void tst_Cluster::rejectsTls()
{
    QProcess p;
    p.start(Binary,
            {u"--headless"_s, u"--port"_s, u"0"_s, u"--redis"_s, u"rediss://127.0.0.1:6380"_s});
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 2);
    QVERIFY2(p.readAllStandardError().contains("rediss:// (Redis over TLS) is not supported"),
             "the refusal says why");
}

void tst_Cluster::urls_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<int>("db");
    QTest::newRow("plain") << u"redis://127.0.0.1:6379"_s << true << u"127.0.0.1"_s << 6379
                           << QString() << QString() << 0;
    QTest::newRow("default port") << u"redis://redis.local"_s << true << u"redis.local"_s << 6379
                                  << QString() << QString() << 0;
    QTest::newRow("db") << u"redis://10.0.0.5:7000/3"_s << true << u"10.0.0.5"_s << 7000
                        << QString() << QString() << 3;
    QTest::newRow("password only")
            << u"redis://:s3cret@h:1/0"_s << true << u"h"_s << 1 << QString() << u"s3cret"_s << 0;
    QTest::newRow("user and password")
            << u"redis://ann:pw@h:2"_s << true << u"h"_s << 2 << u"ann"_s << u"pw"_s << 0;
    QTest::newRow("tls refused") << u"rediss://h:6380"_s << false << QString() << 0 << QString()
                                 << QString() << 0;
    QTest::newRow("other scheme") << u"http://h:6379"_s << false << QString() << 0 << QString()
                                  << QString() << 0;
    QTest::newRow("bad db") << u"redis://h:6379/x"_s << false << QString() << 0 << QString()
                            << QString() << 0;
}

void tst_Cluster::urls()
{
    QFETCH(QString, url);
    QFETCH(bool, ok);
    RedisAddress a;
    QString error;
    QCOMPARE(RedisAddress::parse(url, &a, &error), ok);
    if (!ok) {
        QVERIFY(!error.isEmpty());
        return;
    }
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(QString, user);
    QFETCH(QString, password);
    QFETCH(int, db);
    QCOMPARE(a.host, host);
    QCOMPARE(int(a.port), port);
    QCOMPARE(a.user, user);
    QCOMPARE(a.password, password);
    QCOMPARE(a.db, db);
    QVERIFY(!a.display().contains(u"pw"_s) && !a.display().contains(u"s3cret"_s));
}

void tst_Cluster::authAndSelect()
{
    RedisServer locked;
    locked.extraArgs = {u"--requirepass"_s, u"s3cret"_s};
    QVERIFY2(locked.start(), qPrintable(locked.error));
    // A wrong password: down, with Redis's reason, and no crash while it retries.
    {
        Server a;
        QVERIFY(a.start(u"redis://:wrong@127.0.0.1:%1/2"_s.arg(locked.port)));
        QVERIFY(a.waitAdapter(u"down"_s));
        QVERIFY2(a.lastAdapterLine().value(u"error"_s).toString().contains(u"WRONGPASS"_s),
                 QJsonDocument(a.lastAdapterLine()).toJson().constData());
    }
    // The right one, and db 2 selected: two servers meet (pub/sub ignores the db).
    Server a, b;
    const quint16 portA = a.start(u"redis://:s3cret@127.0.0.1:%1/2"_s.arg(locked.port));
    const quint16 portB = b.start(u"redis://default:s3cret@127.0.0.1:%1/5"_s.arg(locked.port));
    QVERIFY(portA && portB);
    QVERIFY(a.waitAdapter(u"connected"_s, 2));
    QVERIFY(b.waitAdapter(u"connected"_s, 2));
    Client a1(portA), b1(portB);
    QVERIFY(a1.open());
    QVERIFY(b1.open());
    a1.client.send(u"to-all"_s, {u"authenticated"_s});
    QTRY_VERIFY_WITH_TIMEOUT(b1.got({u"authenticated"_s}), 5000);
}

void tst_Cluster::libraryOperations()
{
    InProcess a(m_redis.url()), b(m_redis.url());
    QVERIFY(a.ok && b.ok);
    QVERIFY(a.waitServers(2));
    QVERIFY(b.waitServers(2));
    QVERIFY(a.cluster->uid() != b.cluster->uid());

    Client a1(a.server.serverPort()), b1(b.server.serverPort()), b2(b.server.serverPort());
    QVERIFY(a1.open());
    QVERIFY(b1.open());
    QVERIFY(b2.open());
    QTRY_COMPARE(b.root()->socketCount(), 2);
    Socket *onB = b.root()->socket(b1.client.id());
    QVERIFY(onB);
    onB->join(u"blue"_s);
    onB->setData({{u"name"_s, u"b1"_s}});

    // serverCount through PUBSUB NUMSUB.
    int count = 0;
    a.root()->serverCount(&a.server, [&count](int n) { count = n; });
    QTRY_COMPARE(count, 2);

    // fetchSockets: both servers' sockets, a remote one with its rooms, data and handshake.
    QList<RemoteSocket> fetched;
    bool done = false;
    a.root()->fetchSockets(&a.server, [&](const QList<RemoteSocket> &s) {
        fetched = s;
        done = true;
    });
    QTRY_VERIFY(done);
    QStringList ids;
    for (const RemoteSocket &s : std::as_const(fetched))
        ids.append(s.id);
    ids.sort();
    QStringList expected {a1.client.id(), b1.client.id(), b2.client.id()};
    expected.sort();
    QCOMPARE(ids, expected);
    for (const RemoteSocket &s : std::as_const(fetched)) {
        if (s.id != b1.client.id())
            continue;
        QCOMPARE(s.rooms, (QSet<QString> {b1.client.id(), u"blue"_s}));
        QCOMPARE(s.data.value(u"name"_s).toString(), u"b1"_s);
        QVERIFY(s.handshake.target.startsWith("/socket.io/?"));
        QCOMPARE(s.handshake.remoteAddress, QHostAddress(QHostAddress::LocalHost));
        QVERIFY(!s.handshake.header("host").isEmpty());
    }
    done = false;
    a.root()->to(u"blue"_s).fetchSockets(&a.server, [&](const QList<RemoteSocket> &s) {
        fetched = s;
        done = true;
    });
    QTRY_VERIFY(done);
    QCOMPARE(fetched.size(), 1);
    QCOMPARE(fetched.first().id, b1.client.id());

    // socketsJoin / socketsLeave from A act on B's sockets.
    a.root()->to(u"blue"_s).socketsJoin(u"green"_s);
    QTRY_VERIFY(onB->isInRoom(u"green"_s));
    QVERIFY(!b.root()->socket(b2.client.id())->isInRoom(u"green"_s));
    a.root()->socketsLeave(QStringList {u"green"_s});
    QTRY_VERIFY(!onB->isInRoom(u"green"_s));

    // serverSideEmit: B's handlers get it and answer; A gets one answer per other server.
    QList<Arguments> seenOnB;
    b.root()->onServerSideEvent([&](const QString &event, const Arguments &args,
                                    const std::function<void(const Arguments &)> &reply) {
        seenOnB.append(Arguments {event} + args);
        reply({u"pong from b"_s});
    });
    a.root()->serverSideEmit(u"hello"_s, {1, u"x"_s});
    QTRY_COMPARE(seenOnB.size(), 1);
    QCOMPARE(seenOnB.first(), (Arguments {u"hello"_s, 1, u"x"_s}));
    ServerSideAckResult answer;
    done = false;
    a.root()->serverSideEmit(u"ping"_s, {}, &a.server, [&](const ServerSideAckResult &r) {
        answer = r;
        done = true;
    });
    QTRY_VERIFY(done);
    QVERIFY(!answer.timedOut);
    QCOMPARE(answer.responses.size(), 1);
    QCOMPARE(answer.responses.first(), (Arguments {u"pong from b"_s}));

    // disconnectSockets from A: B's socket in blue goes, the other stays.
    QSignalSpy gone(&b1.client, &EventClient::disconnected);
    a.root()->to(u"blue"_s).disconnectSockets();
    QVERIFY(gone.wait(5000));
    QCOMPARE(gone.first().first().toString(), u"io server disconnect"_s);
    QVERIFY(b2.client.isConnected());
    QVERIFY(a1.client.isConnected());

    // local(): not published.
    b2.news.clear();
    a.root()->local().send(u"news"_s, {u"local only"_s});
    a.root()->send(u"news"_s, {u"everywhere"_s});
    QTRY_VERIFY(b2.got({u"everywhere"_s}));
    QVERIFY(!b2.got({u"local only"_s}));
    QVERIFY(a1.got({u"local only"_s}));
}

void tst_Cluster::broadcastWithAcks()
{
    InProcess a(m_redis.url()), b(m_redis.url());
    QVERIFY(a.ok && b.ok);
    QVERIFY(a.waitServers(2));
    QVERIFY(b.waitServers(2));
    Client a1(a.server.serverPort()), b1(b.server.serverPort()), b2(b.server.serverPort());
    for (Client *c : {&a1, &b1, &b2}) {
        QVERIFY(c->open());
        EventClient *ec = &c->client;
        ec->on(u"ask"_s, [ec](const Arguments &args, const Ack &ack) {
            ack({ec->id(), args.value(0)});
        });
    }
    QTRY_COMPARE(b.root()->socketCount(), 2);

    QList<int> counts;
    QList<Arguments> replies;
    bool finished = false, timedOut = true;
    BroadcastAckHandlers handlers;
    handlers.clientsCounted = [&](int n) { counts.append(n); };
    handlers.ackReceived = [&](const AckResult &r) { replies.append(r.args); };
    handlers.finished = [&](bool t) {
        finished = true;
        timedOut = t;
    };
    a.root()->timeout(3000).sendWithAck(u"ask"_s, {5}, handlers);
    QTRY_VERIFY_WITH_TIMEOUT(finished, 5000);
    QVERIFY(!timedOut);
    QCOMPARE(counts, (QList<int> {1, 2})); // this server's count first, then B's
    QCOMPARE(replies.size(), 3);
    // Node carries one argument of each remote reply: the first.
    QStringList from;
    for (const Arguments &r : std::as_const(replies))
        from.append(r.value(0).toString());
    from.sort();
    QStringList expected {a1.client.id(), b1.client.id(), b2.client.id()};
    expected.sort();
    QCOMPARE(from, expected);
}

void tst_Cluster::requestTimesOut()
{
    // A server that answers nothing: a raw subscriber on the request channel counts as a
    // server (NUMSUB) but never replies. fetchSockets ends at the timeout with what it has.
    InProcess a(m_redis.url());
    QVERIFY(a.ok);
    QVERIFY(a.waitServers(1));
    QTcpSocket silent;
    silent.connectToHost(QHostAddress::LocalHost, m_redis.port);
    QVERIFY(silent.waitForConnected(3000));
    silent.write(Resp::command({"SUBSCRIBE", "socket.io-request#/#"}));
    QVERIFY(a.waitServers(2));
    Client a1(a.server.serverPort());
    QVERIFY(a1.open());
    QElapsedTimer t;
    t.start();
    QList<RemoteSocket> fetched;
    bool done = false;
    a.root()->fetchSockets(&a.server, [&](const QList<RemoteSocket> &s) {
        fetched = s;
        done = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(done, 5000);
    QVERIFY(t.elapsed() >= 1900); // the cluster's requestsTimeout, 2000 ms here
    QCOMPARE(fetched.size(), 1); // this server's own socket
    QCOMPARE(fetched.first().id, a1.client.id());
}

QTEST_GUILESS_MAIN(tst_Cluster)
#include "tst_cluster.moc"
