// A mixed cluster seen from our side: a server of this process with RedisCluster (the library's
// API) and the official Node.js server with @socket.io/redis-adapter 8.3
// (tests/interop/node-cluster-peer.js) share a redis-server of the test's own. Every operation
// started here reaches Node's server and clients: broadcasts (binary included), fetchSockets,
// socketsJoin, serverSideEmit with an answer, a broadcast with acks, disconnectSockets.
#include <eventclient.h>
#include <eventserver.h>
#include <namespace.h>
#include <redisadapter.h>
#include <socket.h>

#include "redisserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>

#include <functional>

using namespace Qt::StringLiterals;
using namespace Sockscope;

class tst_InteropCluster : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void broadcastsReachNode();
    void fetchSocketsReturnsNodeSockets();
    void socketsJoinOnNode();
    void serverSideEmitAnsweredByNode();
    void serverSideEmitFromNode();
    void broadcastWithAcksAcrossNode();
    void disconnectSocketsOnNode();

private:
    QJsonObject waitLine(const std::function<bool(const QJsonObject &)> &pred,
                         int timeoutMs = 5000);
    QJsonObject waitNews(const QString &client, const QJsonArray &args)
    {
        return waitLine([&](const QJsonObject &o) {
            return o.value(u"type"_s) == u"news"_s && o.value(u"client"_s) == client
                    && o.value(u"args"_s).toArray() == args;
        });
    }
    Namespace *root() { return m_server.of(u"/"_s); }

    RedisServer m_redis;
    QProcess m_node;
    QByteArray m_buffer;
    QList<QJsonObject> m_lines;
    QString m_n1, m_n2;
    EventServer m_server;
    std::unique_ptr<RedisCluster> m_cluster;
    EventClient m_local;
};

QJsonObject tst_InteropCluster::waitLine(const std::function<bool(const QJsonObject &)> &pred,
                                         int timeoutMs)
{
    QJsonObject found;
    (void)QTest::qWaitFor(
            [&] {
                for (const QJsonObject &o : std::as_const(m_lines)) {
                    if (pred(o)) {
                        found = o;
                        return true;
                    }
                }
                return m_node.state() == QProcess::NotRunning;
            },
            timeoutMs);
    return found;
}

void tst_InteropCluster::initTestCase()
{
    QVERIFY2(m_redis.start(),
             qPrintable(u"redis-server did not start (the redis-server package: "
                        "scripts/deps.sh --tests): "_s
                        + m_redis.error));
    QString node = qEnvironmentVariable("SOCKSCOPE_NODE");
    if (node.isEmpty())
        node = u"node"_s;
    connect(&m_node, &QProcess::readyReadStandardOutput, this, [this] {
        m_buffer += m_node.readAllStandardOutput();
        qsizetype nl;
        while ((nl = m_buffer.indexOf('\n')) >= 0) {
            const QJsonDocument d = QJsonDocument::fromJson(m_buffer.left(nl));
            m_buffer.remove(0, nl + 1);
            if (d.isObject())
                m_lines.append(d.object());
        }
    });
    m_node.setWorkingDirectory(QStringLiteral(SOCKSCOPE_SOURCE_DIR));
    m_node.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_node.start(node,
                 {QStringLiteral(SOCKSCOPE_SOURCE_DIR "/tests/interop/node-cluster-peer.js"),
                  m_redis.url()});
    QVERIFY2(m_node.waitForStarted(5000),
             qPrintable(u"Node.js did not start (set SOCKSCOPE_NODE, run npm ci): "_s
                        + m_node.errorString()));
    const QJsonObject ready = waitLine(
            [](const QJsonObject &o) { return o.value(u"type"_s) == u"ready"_s; }, 15000);
    QVERIFY2(!ready.isEmpty(), "node-cluster-peer.js did not say ready (npm ci run?)");
    m_n1 = ready.value(u"n1"_s).toString();
    m_n2 = ready.value(u"n2"_s).toString();

    RedisAddress address;
    QVERIFY(RedisAddress::parse(m_redis.url(), &address, nullptr));
    m_cluster = std::make_unique<RedisCluster>(address);
    m_cluster->setRequestsTimeout(3000);
    m_server.setAdapterFactory(m_cluster->adapterFactory());
    m_cluster->open();
    QVERIFY(m_server.listen(QHostAddress::LocalHost, 0));
    QVERIFY(QTest::qWaitFor([this] { return m_cluster->serverCount() == 2; }, 10000));

    m_local.setUrl(QUrl(u"http://127.0.0.1:%1/"_s.arg(m_server.serverPort())));
    m_local.on(u"ask"_s, [this](const Arguments &args, const Ack &ack) {
        ack({u"s1:%1"_s.arg(args.value(0).toInt())});
    });
    QSignalSpy connected(&m_local, &EventClient::connected);
    m_local.open();
    QVERIFY(connected.wait(10000));
}

void tst_InteropCluster::cleanupTestCase()
{
    m_node.closeWriteChannel();
    if (!m_node.waitForFinished(5000))
        m_node.kill();
}

void tst_InteropCluster::broadcastsReachNode()
{
    root()->send(u"news"_s, {u"to all"_s, 1});
    QVERIFY(!waitNews(u"n1"_s, QJsonArray {u"to all"_s, 1}).isEmpty());
    QVERIFY(!waitNews(u"n2"_s, QJsonArray {u"to all"_s, 1}).isEmpty());
    const QByteArray blob("\x00\x01\xff", 3);
    root()->to(u"blue"_s).send(u"news"_s, {u"blue"_s, blob});
    const QJsonObject binary {{u"_binary"_s, true},
                              {u"size"_s, 3},
                              {u"base64"_s, QString::fromLatin1(blob.toBase64())}};
    QVERIFY(!waitNews(u"n2"_s, QJsonArray {u"blue"_s, binary}).isEmpty());
    root()->except(u"blue"_s).send(u"news"_s, {u"not blue"_s});
    QVERIFY(!waitNews(u"n1"_s, QJsonArray {u"not blue"_s}).isEmpty());
    QTest::qWait(300);
    for (const QJsonObject &o : std::as_const(m_lines)) {
        if (o.value(u"client"_s) == u"n1"_s)
            QVERIFY(o.value(u"args"_s).toArray().first() != u"blue"_s);
        if (o.value(u"client"_s) == u"n2"_s)
            QVERIFY(o.value(u"args"_s).toArray().first() != u"not blue"_s);
    }
}

void tst_InteropCluster::fetchSocketsReturnsNodeSockets()
{
    QList<RemoteSocket> fetched;
    bool done = false;
    root()->fetchSockets(this, [&](const QList<RemoteSocket> &s) {
        fetched = s;
        done = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(done, 5000);
    QStringList ids;
    for (const RemoteSocket &s : std::as_const(fetched))
        ids.append(s.id);
    ids.sort();
    QStringList expected {m_n1, m_n2, m_local.id()};
    expected.sort();
    QCOMPARE(ids, expected);
    for (const RemoteSocket &s : std::as_const(fetched)) {
        if (s.id != m_n2)
            continue;
        QCOMPARE(s.rooms, (QSet<QString> {m_n2, u"blue"_s}));
        QCOMPARE(s.data.value(u"name"_s).toString(), u"n2"_s);
        QCOMPARE(s.auth.value(u"name"_s).toString(), u"n2"_s);
        QVERIFY(s.handshake.target.startsWith("/socket.io/?"));
        QVERIFY(!s.handshake.header("host").isEmpty());
        QVERIFY(s.handshake.time.isValid());
    }
    done = false;
    root()->to(u"blue"_s).fetchSockets(this, [&](const QList<RemoteSocket> &s) {
        fetched = s;
        done = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(done, 5000);
    QCOMPARE(fetched.size(), 1);
    QCOMPARE(fetched.first().id, m_n2);
}

void tst_InteropCluster::socketsJoinOnNode()
{
    root()->to(u"blue"_s).socketsJoin(u"green"_s);
    QTest::qWait(300);
    root()->to(u"green"_s).send(u"news"_s, {u"green"_s});
    QVERIFY(!waitNews(u"n2"_s, QJsonArray {u"green"_s}).isEmpty());
    root()->socketsLeave(QStringList {u"green"_s});
    QTest::qWait(300);
    root()->to(u"green"_s).send(u"news"_s, {u"green again"_s});
    root()->send(u"news"_s, {u"marker"_s});
    QVERIFY(!waitNews(u"n2"_s, QJsonArray {u"marker"_s}).isEmpty());
    // One publishing connection keeps the order: had n2 still been in green, "green again"
    // would have come before the marker.
    for (const QJsonObject &o : std::as_const(m_lines))
        QVERIFY(o.value(u"args"_s).toArray() != QJsonArray {u"green again"_s});
}

void tst_InteropCluster::serverSideEmitAnsweredByNode()
{
    ServerSideAckResult answer;
    bool done = false;
    root()->serverSideEmit(u"hello"_s, {7, u"x"_s}, this, [&](const ServerSideAckResult &r) {
        answer = r;
        done = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(done, 5000);
    QVERIFY(!answer.timedOut);
    QCOMPARE(answer.responses.size(), 1);
    QCOMPARE(answer.responses.first(), (Arguments {u"node answer"_s}));
    const QJsonObject seen = waitLine(
            [](const QJsonObject &o) { return o.value(u"type"_s) == u"serverSideEvent"_s; });
    QCOMPARE(seen.value(u"args"_s).toArray(), (QJsonArray {7, u"x"_s}));
}

void tst_InteropCluster::serverSideEmitFromNode()
{
    QList<Arguments> heard;
    root()->onServerSideEvent([&heard](const QString &event, const Arguments &args,
                                       const std::function<void(const Arguments &)> &reply) {
        heard.append(Arguments {event} + args);
        reply({u"qt answer"_s, u"ignored"_s}); // Node takes the first argument
    });
    m_node.write("serverSideEmit\n");
    const QJsonObject answers = waitLine(
            [](const QJsonObject &o) { return o.value(u"type"_s) == u"serverSideAnswers"_s; });
    QVERIFY(!answers.isEmpty());
    QVERIFY(answers.value(u"error"_s).isNull());
    QCOMPARE(answers.value(u"responses"_s).toArray(), QJsonArray {u"qt answer"_s});
    QCOMPARE(heard.size(), 1);
    QCOMPARE(heard.first(), (Arguments {u"from-node"_s, 1, u"two"_s}));
}

void tst_InteropCluster::broadcastWithAcksAcrossNode()
{
    QList<int> counts;
    QStringList replies;
    bool finished = false, timedOut = true;
    BroadcastAckHandlers handlers;
    handlers.clientsCounted = [&](int n) { counts.append(n); };
    handlers.ackReceived = [&](const AckResult &r) { replies.append(r.args.value(0).toString()); };
    handlers.finished = [&](bool t) {
        finished = true;
        timedOut = t;
    };
    root()->timeout(3000).sendWithAck(u"ask"_s, {3}, handlers);
    QTRY_VERIFY_WITH_TIMEOUT(finished, 5000);
    QVERIFY(!timedOut);
    QCOMPARE(counts, (QList<int> {1, 2}));
    replies.sort();
    QCOMPARE(replies, (QStringList {u"n1:3"_s, u"n2:3"_s, u"s1:3"_s}));
}

void tst_InteropCluster::disconnectSocketsOnNode()
{
    root()->to(u"blue"_s).disconnectSockets();
    const QJsonObject gone
            = waitLine([](const QJsonObject &o) { return o.value(u"type"_s) == u"disconnect"_s; });
    QCOMPARE(gone.value(u"client"_s).toString(), u"n2"_s);
    QCOMPARE(gone.value(u"reason"_s).toString(), u"io server disconnect"_s);
    QVERIFY(m_local.isConnected());
}

QTEST_GUILESS_MAIN(tst_InteropCluster)
#include "tst_interop_cluster.moc"
