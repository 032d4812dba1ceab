// Our EventClient against the official Node.js socket.io server (tests/interop/node-server.js),
// over loopback. The Node server prints one JSON line per thing it sees; the tests check both
// what EventClient reports and what the official server saw.
#include <arguments.h>
#include <clientmanager.h>
#include <eventclient.h>

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

#include <functional>
#include <memory>

using namespace Qt::StringLiterals;
using Sockscope::Ack;
using Sockscope::AckResult;
using Sockscope::Arguments;
using Sockscope::ClientManager;
using Sockscope::ClientOptions;
using Sockscope::EventClient;

namespace {

constexpr int Wait = 5000; // ms for any single expected thing to happen

QVariant null() { return QVariant::fromValue(nullptr); }

// SOCKSCOPE_INTEROP_PARSER=msgpack runs every test with the official server and our client
// both on the msgpack parser (socket.io-msgpack-parser); json, the default, otherwise.
ClientOptions::Parser interopParser()
{
    ClientOptions::Parser p = ClientOptions::Parser::Json;
    const QString name = qEnvironmentVariable("SOCKSCOPE_INTEROP_PARSER", u"json"_s);
    if (!ClientOptions::fromString(name, &p))
        qFatal("SOCKSCOPE_INTEROP_PARSER: json or msgpack, not %s", qPrintable(name));
    return p;
}

// Every JSON type, with edge values that must survive the round trip exactly.
Arguments jsonValues()
{
    return {
            null(),
            true,
            false,
            qint64(0),
            qint64(42),
            qint64(-7),
            3.25,
            -1e-9,
            qint64(9007199254740991LL),
            // The official msgpack encoder (notepack.io) writes a whole number of 2^64 or more
            // as a wrong uint64 (1.7976931348623157e308 comes back 0): not one to echo there.
            interopParser() == ClientOptions::Parser::Msgpack ? 1.5e-300
                                                              : 1.7976931348623157e308,
            u""_s,
            u"text with \"quotes\", \\ backslash, \n newline, ✓ 漢字 😀"_s,
            QVariantList {},
            QVariantList {1, u"two"_s, QVariantList {3, null(), false}},
            QVariantMap {},
            QVariantMap {{u"a"_s, 1},
                         {u"b"_s, QVariantMap {{u"c"_s, QVariantList {true, null(), u"x"_s}}}},
                         {u"key with space"_s, -0.5}},
    };
}

QByteArray randomBytes(int size)
{
    QByteArray b(size, Qt::Uninitialized);
    for (char &c : b)
        c = char(QRandomGenerator::global()->bounded(256));
    return b;
}

QByteArray compact(const QJsonValue &v) { return Sockscope::Json::toCompactJson(v); }

// Records every event a client receives, in order.
struct Recorder
{
    explicit Recorder(EventClient *client)
    {
        client->onAny([this](const QString &event, const Arguments &args, const Ack &) {
            events.append({event, args});
        });
    }
    int count(const QString &event) const
    {
        int n = 0;
        for (const auto &e : events)
            n += e.first == event;
        return n;
    }
    Arguments first(const QString &event) const
    {
        for (const auto &e : events) {
            if (e.first == event)
                return e.second;
        }
        return {};
    }
    QList<std::pair<QString, Arguments>> events;
};

} // namespace

class tst_InteropClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void connectWithAuth();
    void eventsBothWays();
    void acksBothWays();
    void ackTimeout();
    void binaryBothWays();
    void customNamespace();
    void bufferedBeforeConnect();
    void namespaceConnectError_data();
    void namespaceConnectError();
    void serverDisconnect();
    void heartbeat();
    void reconnectAfterTransportDrop();
    void managerMultiplexes();

private:
    using Predicate = std::function<bool(const QJsonObject &)>;
    void readLines();
    bool waitLine(const Predicate &pred, QJsonObject *out, qsizetype from = 0,
                  int timeoutMs = Wait);
    int countLines(const Predicate &pred, qsizetype from = 0) const;
    QByteArray failure(const char *what) const;
    std::unique_ptr<EventClient> makeClient(const QString &nsp, ClientOptions options = {});
    bool openAndWait(EventClient *client);

    QProcess m_node;
    QByteArray m_stdout;
    QByteArray m_stderr;
    QList<QJsonObject> m_lines;
    quint16 m_port = 0;
};

void tst_InteropClient::readLines()
{
    m_stdout += m_node.readAllStandardOutput();
    qsizetype nl;
    while ((nl = m_stdout.indexOf('\n')) >= 0) {
        const QByteArray line = m_stdout.left(nl);
        m_stdout.remove(0, nl + 1);
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
        if (doc.isObject())
            m_lines.append(doc.object());
        else
            m_lines.append(
                    QJsonObject {{u"type"_s, u"unparsed"_s}, {u"text"_s, QString::fromUtf8(line)}});
    }
}

bool tst_InteropClient::waitLine(const Predicate &pred, QJsonObject *out, qsizetype from,
                                 int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    for (;;) {
        for (qsizetype i = from; i < m_lines.size(); ++i) {
            if (pred(m_lines.at(i))) {
                if (out)
                    *out = m_lines.at(i);
                return true;
            }
        }
        if (m_node.state() != QProcess::Running || deadline.hasExpired())
            return false;
        // Wakes up on the next line (readLines runs first: it was connected first).
        QSignalSpy more(&m_node, &QProcess::readyReadStandardOutput);
        more.wait(int(qMax<qint64>(1, deadline.remainingTime())));
    }
}

int tst_InteropClient::countLines(const Predicate &pred, qsizetype from) const
{
    int n = 0;
    for (qsizetype i = from; i < m_lines.size(); ++i)
        n += pred(m_lines.at(i));
    return n;
}

QByteArray tst_InteropClient::failure(const char *what) const
{
    QByteArray m = "node-server.js did not print " + QByteArray(what) + " within the time limit";
    if (m_node.state() != QProcess::Running)
        m += " (it exited with code " + QByteArray::number(m_node.exitCode()) + ")";
    m += "; last lines:";
    for (qsizetype i = qMax<qsizetype>(0, m_lines.size() - 8); i < m_lines.size(); ++i)
        m += "\n  " + compact(m_lines.at(i));
    if (!m_stderr.isEmpty())
        m += "\nstderr: " + m_stderr;
    return m;
}

std::unique_ptr<EventClient> tst_InteropClient::makeClient(const QString &nsp,
                                                           ClientOptions options)
{
    auto client = std::make_unique<EventClient>();
    client->setUrl(QUrl(u"http://127.0.0.1:%1%2"_s.arg(m_port).arg(nsp)));
    options.timeout = qMin(options.timeout, Wait);
    options.parser = interopParser();
    client->setOptions(options);
    return client;
}

bool tst_InteropClient::openAndWait(EventClient *client)
{
    QSignalSpy connected(client, &EventClient::connected);
    QSignalSpy refused(client, &EventClient::connectErrorOccurred);
    client->open();
    if (!connected.wait(Wait)) {
        qWarning() << "not connected:"
                   << (refused.isEmpty() ? u"no answer"_s : refused.first().first().toString());
        return false;
    }
    return true;
}

void tst_InteropClient::initTestCase()
{
    const QString root = QStringLiteral(SOCKSCOPE_SOURCE_DIR);
    QString node = qEnvironmentVariable("SOCKSCOPE_NODE");
    if (node.isEmpty() || !QFile::exists(node))
        node = QStandardPaths::findExecutable(u"node"_s);
    if (node.isEmpty())
        QFAIL(qPrintable(u"Node.js was not found (set SOCKSCOPE_NODE or put node on PATH); install "
                         "Node.js 20 and run `npm ci` in %1"_s.arg(root)));
    QFile pkg(root + u"/node_modules/socket.io/package.json"_s);
    if (!pkg.open(QIODevice::ReadOnly))
        QFAIL(qPrintable(
                u"the npm package socket.io is not installed: run `npm ci` in %1"_s.arg(root)));
    const QString version
            = QJsonDocument::fromJson(pkg.readAll()).object().value(u"version"_s).toString();
    QFile pins(root + u"/package.json"_s);
    QVERIFY(pins.open(QIODevice::ReadOnly));
    const QString pinned = QJsonDocument::fromJson(pins.readAll())
                                   .object()
                                   .value(u"dependencies"_s)
                                   .toObject()
                                   .value(u"socket.io"_s)
                                   .toString();
    if (version != pinned)
        QFAIL(qPrintable(
                u"socket.io %1 is installed but package.json pins %2: run `npm ci` in %3"_s.arg(
                        version, pinned, root)));

    connect(&m_node, &QProcess::readyReadStandardOutput, this, &tst_InteropClient::readLines);
    connect(&m_node, &QProcess::readyReadStandardError, this,
            [this] { m_stderr += m_node.readAllStandardError(); });
    m_node.setWorkingDirectory(root);
    const QString parser = ClientOptions::toString(interopParser());
    m_node.start(node, {root + u"/tests/interop/node-server.js"_s, u"--parser"_s, parser});
    QVERIFY2(m_node.waitForStarted(Wait), qPrintable(m_node.errorString()));
    QJsonObject listening;
    QVERIFY2(waitLine([](const QJsonObject &l) { return l.value(u"type"_s) == u"listening"_s; },
                      &listening, 0, 10000),
             failure("its listening port"));
    m_port = quint16(listening.value(u"port"_s).toInt());
    QVERIFY(m_port > 0);
    qInfo("official socket.io %s server on 127.0.0.1:%d, parser %s", qPrintable(version), m_port,
          qPrintable(parser));
}

void tst_InteropClient::cleanupTestCase()
{
    if (m_node.state() == QProcess::NotRunning)
        return;
    m_node.closeWriteChannel(); // node-server.js leaves when its stdin closes
    if (!m_node.waitForFinished(3000)) {
        m_node.kill();
        m_node.waitForFinished(3000);
    }
}

// CONNECT carries the auth payload; the server sees it, and both agree on the ids.
void tst_InteropClient::connectWithAuth()
{
    ClientOptions options;
    options.auth = QJsonObject {{u"token"_s, u"qt-token"_s},
                                {u"n"_s, 3},
                                {u"nested"_s, QJsonObject {{u"a"_s, QJsonArray {1, true}}}}};
    auto client = makeClient(u"/"_s, options);
    QSignalSpy opened(client.get(), &EventClient::opened);
    QVERIFY(openAndWait(client.get()));
    QCOMPARE(client->state(), EventClient::State::Connected);
    QCOMPARE(opened.count(), 1);
    const Sockscope::ClientHandshake hs = client->handshake();
    QCOMPARE(hs.open.pingInterval, 300);
    QCOMPARE(hs.open.pingTimeout, 200);
    QCOMPARE(hs.open.maxPayload, qint64(1000000));
    QCOMPARE(client->id().size(), 20);
    QCOMPARE(client->connectionId().size(), 20);

    QJsonObject line;
    const QString id = client->id();
    QVERIFY2(waitLine(
                     [&](const QJsonObject &l) {
                         return l.value(u"type"_s) == u"connect"_s && l.value(u"id"_s) == id;
                     },
                     &line),
             failure("the connect line"));
    QCOMPARE(line.value(u"nsp"_s).toString(), u"/"_s);
    QCOMPARE(line.value(u"conn"_s).toString(), client->connectionId());
    QCOMPARE(compact(line.value(u"auth"_s)), compact(options.auth));

    QSignalSpy disconnected(client.get(), &EventClient::disconnected);
    client->close();
    QCOMPARE(disconnected.count(), 1);
    QCOMPARE(disconnected.first().first().toString(), u"io client disconnect"_s);
    QVERIFY2(waitLine(
                     [&](const QJsonObject &l) {
                         return l.value(u"type"_s) == u"disconnect"_s && l.value(u"id"_s) == id;
                     },
                     &line),
             failure("the disconnect line"));
    QCOMPARE(line.value(u"reason"_s).toString(), u"client namespace disconnect"_s);
}

// Arguments of every JSON type, to the server and back ("echo").
void tst_InteropClient::eventsBothWays()
{
    auto client = makeClient(u"/"_s);
    Recorder got(client.get());
    QVERIFY(openAndWait(client.get()));
    const Arguments args = jsonValues();
    QVERIFY(client->send(u"echo"_s, args));
    QVERIFY(client->send(u"echo"_s));
    QTRY_COMPARE_WITH_TIMEOUT(got.count(u"echo"_s), 2, Wait);

    const Arguments back = got.events.at(0).second;
    QCOMPARE(compact(Sockscope::Json::toDisplayJson(back)),
             compact(Sockscope::Json::toDisplayJson(args)));
    QCOMPARE(back.size(), args.size());
    QCOMPARE(back.at(0).metaType(), QMetaType::fromType<std::nullptr_t>());
    QCOMPARE(back.at(1).metaType(), QMetaType::fromType<bool>());
    QCOMPARE(back.at(4).metaType(), QMetaType::fromType<qint64>());
    QCOMPARE(back.at(4).toLongLong(), 42);
    QCOMPARE(back.at(6).metaType(), QMetaType::fromType<double>());
    QCOMPARE(back.at(6).toDouble(), 3.25);
    QCOMPARE(back.at(8).toLongLong(), 9007199254740991LL);
    QCOMPARE(back.at(9).toDouble(), args.at(9).toDouble());
    QCOMPARE(back.at(11).toString(), args.at(11).toString());
    QCOMPARE(back.at(15).toMap().value(u"b"_s).toMap().value(u"c"_s).toList().size(), 3);
    QVERIFY(got.events.at(1).second.isEmpty());

    // What the official server decoded.
    QJsonObject line;
    const QString id = client->id();
    QVERIFY2(waitLine(
                     [&](const QJsonObject &l) {
                         return l.value(u"type"_s) == u"event"_s && l.value(u"id"_s) == id
                                 && l.value(u"event"_s) == u"echo"_s;
                     },
                     &line),
             failure("the echo event"));
    QCOMPARE(line.value(u"args"_s).toArray(), Sockscope::Json::toDisplayJson(args));
    QCOMPARE(line.value(u"ack"_s).toBool(), false);
}

// The client asks and the server answers; the server asks and the client answers.
void tst_InteropClient::acksBothWays()
{
    AckResult result;
    int replies = 0;
    auto client = makeClient(u"/"_s);
    Recorder got(client.get());
    Arguments question;
    client->on(u"question"_s, [&](const Arguments &args, const Ack &ack) {
        question = args;
        if (ack.isRequested())
            ack.reply(Arguments {u"reply"_s} + args + Arguments {QByteArray("\xff\x00\x01", 3)});
    });
    QSignalSpy ackReceived(client.get(), &EventClient::ackReceived);
    QSignalSpy ackSent(client.get(), &EventClient::ackSent);
    QVERIFY(openAndWait(client.get()));

    // Client asks.
    const Arguments args = Arguments {u"x"_s, qint64(1), QVariantMap {{u"k"_s, QByteArray("abc")}}}
            + jsonValues();
    const qint64 ackId = client->send(
            u"ack-me"_s, args,
            [&](const AckResult &r) {
                result = r;
                ++replies;
            },
            Wait);
    QVERIFY(ackId >= 0);
    QTRY_COMPARE_WITH_TIMEOUT(replies, 1, Wait);
    QVERIFY(!result.timedOut);
    QVERIFY(!result.cancelled);
    QCOMPARE(result.ackId, ackId);
    QCOMPARE(compact(Sockscope::Json::toDisplayJson(result.args)),
             compact(Sockscope::Json::toDisplayJson(args)));
    QCOMPARE(result.args.at(2).toMap().value(u"k"_s).metaType(), QMetaType::fromType<QByteArray>());
    QCOMPARE(ackReceived.count(), 1);

    // Many at once: matched by id.
    for (int i = 0; i < 20; ++i) {
        client->send(
                u"ack-me"_s, {i},
                [&, i](const AckResult &r) {
                    if (!r.timedOut && !r.cancelled && r.args == Arguments {qint64(i)})
                        ++replies;
                },
                Wait);
    }
    QTRY_COMPARE_WITH_TIMEOUT(replies, 21, Wait);

    // Server asks (with binary in the question and in the answer).
    const Arguments asked {u"q"_s, qint64(7), QByteArray("\x10\x20", 2)};
    QVERIFY(client->send(u"ask-client"_s, asked));
    QTRY_COMPARE_WITH_TIMEOUT(got.count(u"answer-seen"_s), 1, Wait);
    const Arguments expectedReply
            = Arguments {u"reply"_s} + asked + Arguments {QByteArray("\xff\x00\x01", 3)};
    QCOMPARE(compact(Sockscope::Json::toDisplayJson(question)),
             compact(Sockscope::Json::toDisplayJson(asked)));
    QCOMPARE(question.at(2).metaType(), QMetaType::fromType<QByteArray>());
    QCOMPARE(compact(Sockscope::Json::toDisplayJson(got.first(u"answer-seen"_s))),
             compact(Sockscope::Json::toDisplayJson(expectedReply)));
    QCOMPARE(ackSent.count(), 1);
    QJsonObject line;
    const QString id = client->id();
    QVERIFY2(waitLine(
                     [&](const QJsonObject &l) {
                         return l.value(u"type"_s) == u"answer"_s && l.value(u"id"_s) == id;
                     },
                     &line),
             failure("the answer line"));
    QVERIFY2(!line.contains(u"error"_s), qPrintable(line.value(u"error"_s).toString()));
    QCOMPARE(line.value(u"args"_s).toArray(), Sockscope::Json::toDisplayJson(expectedReply));
}

// The server never answers: the callback and ackTimedOut report a timeout; the connection stays.
void tst_InteropClient::ackTimeout()
{
    AckResult result;
    int calls = 0;
    auto client = makeClient(u"/"_s);
    QSignalSpy timedOut(client.get(), &EventClient::ackTimedOut);
    QVERIFY(openAndWait(client.get()));
    QElapsedTimer clock;
    clock.start();
    const qint64 ackId = client->send(
            u"no-ack"_s, {1},
            [&](const AckResult &r) {
                result = r;
                ++calls;
            },
            400);
    QTRY_COMPARE_WITH_TIMEOUT(calls, 1, Wait);
    QVERIFY(result.timedOut);
    QVERIFY(!result.cancelled);
    QCOMPARE(result.ackId, ackId);
    QVERIFY2(result.elapsedMs >= 400 && clock.elapsed() >= 400,
             qPrintable(u"timed out after %1 ms"_s.arg(result.elapsedMs)));
    QCOMPARE(timedOut.count(), 1);
    QCOMPARE(timedOut.first().first().toLongLong(), ackId);
    QVERIFY(client->isConnected());
    QJsonObject line;
    const QString id = client->id();
    QVERIFY2(waitLine(
                     [&](const QJsonObject &l) {
                         return l.value(u"type"_s) == u"event"_s && l.value(u"id"_s) == id
                                 && l.value(u"event"_s) == u"no-ack"_s;
                     },
                     &line),
             failure("the no-ack event"));
    QCOMPARE(line.value(u"ack"_s).toBool(), true);

    // Acks still work afterwards.
    client->send(
            u"ack-me"_s, {u"after"_s},
            [&](const AckResult &r) {
                result = r;
                ++calls;
            },
            Wait);
    QTRY_COMPARE_WITH_TIMEOUT(calls, 2, Wait);
    QVERIFY(!result.timedOut);
    QCOMPARE(result.args, Arguments {u"after"_s});
}

// Binary blobs both ways, top level and nested, empty and large.
void tst_InteropClient::binaryBothWays()
{
    auto client = makeClient(u"/"_s);
    Recorder got(client.get());
    QVERIFY(openAndWait(client.get()));
    const QByteArray small("\x00\x01\x02\x7f\x80\xfe\xff", 7);
    const QByteArray big = randomBytes(200 * 1024);
    const Arguments args {
            small,
            QVariantMap {{u"nested"_s, QVariantMap {{u"data"_s, QByteArray("hello \0 world", 13)}}},
                         {u"list"_s, QVariantList {QByteArray(), u"text"_s, big}}},
            u"after"_s,
    };
    QVERIFY(client->send(u"echo"_s, args));
    QVERIFY(client->send(u"send-binary"_s));
    QTRY_COMPARE_WITH_TIMEOUT(got.count(u"echo"_s), 1, Wait);
    QTRY_COMPARE_WITH_TIMEOUT(got.count(u"binary"_s), 1, Wait);

    const Arguments back = got.first(u"echo"_s);
    QCOMPARE(back.size(), 3);
    QCOMPARE(back.at(0).metaType(), QMetaType::fromType<QByteArray>());
    QCOMPARE(back.at(0).toByteArray(), small);
    const QVariantMap map = back.at(1).toMap();
    QCOMPARE(map.value(u"nested"_s).toMap().value(u"data"_s).toByteArray(),
             QByteArray("hello \0 world", 13));
    const QVariantList list = map.value(u"list"_s).toList();
    QCOMPARE(list.size(), 3);
    QCOMPARE(list.at(0).metaType(), QMetaType::fromType<QByteArray>());
    QVERIFY(list.at(0).toByteArray().isEmpty());
    QCOMPARE(list.at(1).toString(), u"text"_s);
    QCOMPARE(list.at(2).toByteArray(), big);
    QCOMPARE(back.at(2).toString(), u"after"_s);

    // Made by the Node server: Buffer.from([0, 1, 2, 255]), { nested: { data: 'xyz' }, list:
    // [<empty>, 'text'] }.
    const Arguments made = got.first(u"binary"_s);
    QCOMPARE(made.size(), 2);
    QCOMPARE(made.at(0).metaType(), QMetaType::fromType<QByteArray>());
    QCOMPARE(made.at(0).toByteArray(), QByteArray("\x00\x01\x02\xff", 4));
    const QVariantMap m = made.at(1).toMap();
    QCOMPARE(m.value(u"nested"_s).toMap().value(u"data"_s).metaType(),
             QMetaType::fromType<QByteArray>());
    QCOMPARE(m.value(u"nested"_s).toMap().value(u"data"_s).toByteArray(), QByteArray("xyz"));
    QCOMPARE(m.value(u"list"_s).toList().at(0).metaType(), QMetaType::fromType<QByteArray>());
    QCOMPARE(m.value(u"list"_s).toList().at(1).toString(), u"text"_s);

    QJsonObject line;
    const QString id = client->id();
    QVERIFY2(waitLine(
                     [&](const QJsonObject &l) {
                         return l.value(u"type"_s) == u"event"_s && l.value(u"id"_s) == id
                                 && l.value(u"event"_s) == u"echo"_s;
                     },
                     &line),
             failure("the binary echo event"));
    QCOMPARE(line.value(u"args"_s).toArray(), Sockscope::Json::toDisplayJson(args));
}

// The URL's path names the namespace; events, acks both ways and binary carry its prefix.
void tst_InteropClient::customNamespace()
{
    AckResult result;
    int replies = 0;
    auto client = makeClient(u"/chat"_s);
    Recorder got(client.get());
    client->on(u"question"_s, [](const Arguments &args, const Ack &ack) { ack.reply(args); });
    QCOMPARE(client->namespaceName(), u"/chat"_s);
    QVERIFY(openAndWait(client.get()));
    const Arguments args {u"chat"_s, QByteArray("\x01\x02", 2),
                          QVariantMap {{u"b"_s, QByteArray("z")}}};
    client->send(
            u"ack-me"_s, args,
            [&](const AckResult &r) {
                result = r;
                ++replies;
            },
            Wait);
    QTRY_COMPARE_WITH_TIMEOUT(replies, 1, Wait);
    QVERIFY(!result.timedOut && !result.cancelled);
    QCOMPARE(compact(Sockscope::Json::toDisplayJson(result.args)),
             compact(Sockscope::Json::toDisplayJson(args)));
    client->send(u"ask-client"_s, args);
    QTRY_COMPARE_WITH_TIMEOUT(got.count(u"answer-seen"_s), 1, Wait);
    QCOMPARE(compact(Sockscope::Json::toDisplayJson(got.first(u"answer-seen"_s))),
             compact(Sockscope::Json::toDisplayJson(args)));
    QJsonObject line;
    const QString id = client->id();
    QVERIFY2(waitLine(
                     [&](const QJsonObject &l) {
                         return l.value(u"type"_s) == u"connect"_s && l.value(u"id"_s) == id;
                     },
                     &line),
             failure("the connect line"));
    QCOMPARE(line.value(u"nsp"_s).toString(), u"/chat"_s);
    client->send(u"echo"_s, {u"in chat"_s});
    QTRY_COMPARE_WITH_TIMEOUT(got.count(u"echo"_s), 1, Wait);
    QCOMPARE(got.first(u"echo"_s), Arguments {u"in chat"_s});
}

// Events and acks sent before the client is connected go out once it is, in order; an ack
// answered with no arguments arrives as an empty list.
void tst_InteropClient::bufferedBeforeConnect()
{
    AckResult result;
    int replies = 0;
    auto client = makeClient(u"/"_s);
    Recorder got(client.get());
    QVERIFY(client->send(u"echo"_s, {1}));
    QVERIFY(client->send(
                    u"ack-me"_s, {},
                    [&](const AckResult &r) {
                        result = r;
                        ++replies;
                    },
                    Wait)
            >= 0);
    QVERIFY(client->send(u"echo"_s, {2}));
    QVERIFY(openAndWait(client.get()));
    QTRY_COMPARE_WITH_TIMEOUT(got.count(u"echo"_s), 2, Wait);
    QCOMPARE(got.events.at(0).second, Arguments {qint64(1)});
    QCOMPARE(got.events.at(1).second, Arguments {qint64(2)});
    QTRY_COMPARE_WITH_TIMEOUT(replies, 1, Wait);
    QVERIFY(!result.timedOut && !result.cancelled);
    QVERIFY(result.args.isEmpty());
}

void tst_InteropClient::namespaceConnectError_data()
{
    QTest::addColumn<QString>("nsp");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown namespace") << u"/nope"_s << u"Invalid namespace"_s;
    QTest::newRow("middleware refuses") << u"/private"_s << u"not authorized"_s;
}

// CONNECT_ERROR: connectErrorOccurred with the server's message, never connected.
void tst_InteropClient::namespaceConnectError()
{
    QFETCH(QString, nsp);
    QFETCH(QString, message);
    auto client = makeClient(nsp);
    QSignalSpy refused(client.get(), &EventClient::connectErrorOccurred);
    QSignalSpy connected(client.get(), &EventClient::connected);
    client->open();
    QVERIFY(refused.wait(Wait));
    QCOMPARE(refused.count(), 1);
    QCOMPARE(refused.first().first().toString(), message);
    QCOMPARE(connected.count(), 0);
    QCOMPARE(client->state(), EventClient::State::Disconnected);
    QCOMPARE(client->errorString(), message);
}

// The server disconnects the socket: "io server disconnect", and no reconnection.
void tst_InteropClient::serverDisconnect()
{
    ClientOptions options;
    options.reconnection = true;
    options.reconnectionDelay = 100;
    auto client = makeClient(u"/"_s, options);
    QVERIFY(openAndWait(client.get()));
    const QString id = client->id();
    QSignalSpy disconnected(client.get(), &EventClient::disconnected);
    QSignalSpy reconnecting(client.get(), &EventClient::reconnecting);
    client->send(u"disconnect-me"_s);
    QVERIFY(disconnected.wait(Wait));
    QCOMPARE(disconnected.first().first().toString(), u"io server disconnect"_s);
    QCOMPARE(client->state(), EventClient::State::Disconnected);
    QCOMPARE(reconnecting.count(), 0); // decided on the spot: no reconnect timer was started
    QJsonObject line;
    QVERIFY2(waitLine(
                     [&](const QJsonObject &l) {
                         return l.value(u"type"_s) == u"disconnect"_s && l.value(u"id"_s) == id;
                     },
                     &line),
             failure("the disconnect line"));
    QCOMPARE(line.value(u"reason"_s).toString(), u"server namespace disconnect"_s);
}

// The official server pings every 300 ms; EventClient answers and stays connected.
void tst_InteropClient::heartbeat()
{
    auto client = makeClient(u"/"_s);
    Recorder got(client.get());
    QVERIFY(openAndWait(client.get()));
    QSignalSpy disconnected(client.get(), &EventClient::disconnected);
    const QString conn = client->connectionId();
    const qsizetype from = m_lines.size();
    const auto isPong = [&](const QJsonObject &l) {
        return l.value(u"type"_s) == u"pong"_s && l.value(u"conn"_s) == conn;
    };
    QElapsedTimer clock;
    clock.start();
    QVERIFY2(waitLine([&](const QJsonObject &) { return countLines(isPong, from) >= 6; }, nullptr,
                      from, 6 * 300 + 3000),
             failure("6 pongs"));
    QVERIFY2(clock.elapsed() >= 5 * 300 - 150, "pongs came faster than the ping interval allows");
    QCOMPARE(disconnected.count(), 0);
    QVERIFY(client->isConnected());
    client->send(u"echo"_s, {u"alive"_s});
    QTRY_COMPARE_WITH_TIMEOUT(got.count(u"echo"_s), 1, Wait);
}

// The server closes the Engine.IO connection and refuses the next two handshakes: EventClient
// reports "transport close", retries with doubling delays, and gets back in with a new id.
void tst_InteropClient::reconnectAfterTransportDrop()
{
    ClientOptions options;
    options.reconnection = true;
    options.reconnectionDelay = 200;
    options.reconnectionDelayMax = 2000;
    options.randomizationFactor = 0;
    options.timeout = 3000;
    auto client = makeClient(u"/"_s, options);
    Recorder got(client.get());
    QVERIFY(openAndWait(client.get()));
    const QString firstId = client->id();
    QSignalSpy disconnected(client.get(), &EventClient::disconnected);
    QSignalSpy reconnecting(client.get(), &EventClient::reconnecting);
    QSignalSpy connectErrors(client.get(), &EventClient::connectErrorOccurred);
    QSignalSpy connected(client.get(), &EventClient::connected);
    const qsizetype from = m_lines.size();
    QElapsedTimer clock;
    clock.start();
    client->send(u"drop-transport"_s, {2});
    QVERIFY(disconnected.wait(Wait));
    QCOMPARE(disconnected.first().first().toString(), u"transport close"_s);
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 1, 10000);

    QCOMPARE(reconnecting.count(), 3);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(reconnecting.at(i).at(0).toInt(), i + 1);
        QCOMPARE(reconnecting.at(i).at(1).toInt(), 200 << i);
    }
    QCOMPARE(connectErrors.count(), 2);
    QVERIFY2(clock.elapsed() < 200 + 400 + 800 + 2000,
             qPrintable(u"refused handshakes were noticed late: reconnected after %1 ms"_s.arg(
                     clock.elapsed())));
    QCOMPARE(countLines([](const QJsonObject &l) { return l.value(u"type"_s) == u"refused"_s; },
                        from),
             2);
    QCOMPARE(client->reconnectAttempt(), 0);
    QVERIFY(client->id() != firstId);
    QJsonObject line;
    const QString id = client->id();
    QVERIFY2(waitLine(
                     [&](const QJsonObject &l) {
                         return l.value(u"type"_s) == u"connect"_s && l.value(u"id"_s) == id;
                     },
                     &line, from),
             failure("the second connect line"));
    client->send(u"echo"_s, {u"back"_s});
    QTRY_COMPARE_WITH_TIMEOUT(got.count(u"echo"_s), 1, Wait);
    QCOMPARE(got.first(u"echo"_s), Arguments {u"back"_s});
}

// ClientManager: "/" and "/chat" over one Engine.IO connection (the official server prints the
// same conn for both sockets), events and acks on each, "/private" refused beside them without
// closing anything, and a dropped transport re-joins both namespaces over one new connection.
void tst_InteropClient::managerMultiplexes()
{
    ClientManager manager;
    manager.setUrl(QUrl(u"http://127.0.0.1:%1"_s.arg(m_port)));
    ClientOptions options;
    options.parser = interopParser();
    options.timeout = Wait;
    options.reconnection = true;
    options.reconnectionDelay = 100;
    options.randomizationFactor = 0;
    manager.setOptions(options);
    EventClient *root = manager.socket(u"/"_s);
    EventClient *chat = manager.socket(u"/chat"_s);
    EventClient *denied = manager.socket(u"/private"_s);
    Recorder rootGot(root), chatGot(chat);
    QSignalSpy refused(denied, &EventClient::connectErrorOccurred);
    QSignalSpy opened(&manager, &ClientManager::opened);
    const qsizetype from = m_lines.size();
    root->open();
    chat->open();
    denied->open();
    QTRY_VERIFY_WITH_TIMEOUT(root->isConnected() && chat->isConnected(), Wait);
    QTRY_COMPARE_WITH_TIMEOUT(refused.count(), 1, Wait);
    QCOMPARE(refused.first().first().toString(), u"not authorized"_s);
    QCOMPARE(opened.count(), 1);
    QVERIFY(root->isConnected() && chat->isConnected());

    const auto connectLine = [&](const QString &id, qsizetype start) {
        QJsonObject line;
        const bool found = waitLine(
                [&](const QJsonObject &l) {
                    return l.value(u"type"_s) == u"connect"_s && l.value(u"id"_s) == id;
                },
                &line, start);
        return found ? line : QJsonObject();
    };
    QJsonObject rootLine = connectLine(root->id(), from);
    QJsonObject chatLine = connectLine(chat->id(), from);
    QVERIFY2(!rootLine.isEmpty() && !chatLine.isEmpty(), failure("both connect lines"));
    QCOMPARE(rootLine.value(u"nsp"_s).toString(), u"/"_s);
    QCOMPARE(chatLine.value(u"nsp"_s).toString(), u"/chat"_s);
    QCOMPARE(rootLine.value(u"conn"_s).toString(), manager.connectionId());
    QCOMPARE(chatLine.value(u"conn"_s).toString(), manager.connectionId());

    QList<Arguments> rootAcks, chatAcks;
    root->send(u"ack-me"_s, {u"root"_s, QByteArray("\x00\xff", 2)},
               [&](const AckResult &r) { rootAcks.append(r.args); }, Wait);
    chat->send(u"ack-me"_s, {u"chat"_s}, [&](const AckResult &r) { chatAcks.append(r.args); },
               Wait);
    chat->send(u"echo"_s, {u"to chat"_s});
    root->send(u"echo"_s, {u"to root"_s});
    QTRY_VERIFY_WITH_TIMEOUT(rootAcks.size() == 1 && chatAcks.size() == 1, Wait);
    QCOMPARE(compact(Sockscope::Json::toDisplayJson(rootAcks.first())),
             compact(Sockscope::Json::toDisplayJson({u"root"_s, QByteArray("\x00\xff", 2)})));
    QCOMPARE(chatAcks.first(), Arguments {u"chat"_s});
    QTRY_VERIFY_WITH_TIMEOUT(rootGot.count(u"echo"_s) == 1 && chatGot.count(u"echo"_s) == 1, Wait);
    QCOMPARE(rootGot.first(u"echo"_s), Arguments {u"to root"_s});
    QCOMPARE(chatGot.first(u"echo"_s), Arguments {u"to chat"_s});

    // The server closes the connection: both sockets come back over one new connection.
    const QString firstConnection = manager.connectionId();
    QSignalSpy rootConnected(root, &EventClient::connected);
    QSignalSpy chatConnected(chat, &EventClient::connected);
    const qsizetype before = m_lines.size();
    chat->send(u"drop-transport"_s, {0});
    QTRY_VERIFY_WITH_TIMEOUT(rootConnected.count() == 1 && chatConnected.count() == 1, 10000);
    QCOMPARE(opened.count(), 2);
    QVERIFY(manager.connectionId() != firstConnection);
    rootLine = connectLine(root->id(), before);
    chatLine = connectLine(chat->id(), before);
    QVERIFY2(!rootLine.isEmpty() && !chatLine.isEmpty(), failure("both connect lines again"));
    QCOMPARE(rootLine.value(u"conn"_s).toString(), manager.connectionId());
    QCOMPARE(chatLine.value(u"conn"_s).toString(), manager.connectionId());
    chat->send(u"echo"_s, {u"back"_s});
    QTRY_COMPARE_WITH_TIMEOUT(chatGot.count(u"echo"_s), 2, Wait);
    manager.close();
    QCOMPARE(manager.state(), ClientManager::State::Closed);
    QVERIFY(!root->isConnected() && !chat->isConnected());
}

QTEST_GUILESS_MAIN(tst_InteropClient)
#include "tst_interop_client.moc"
