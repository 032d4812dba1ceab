// sockscope-client end to end: against our server and the official Node.js server, over every
// transport; options, JSON lines, exit codes, raw mode and the accept generator.
#include <eventserver.h>
#include <rules.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

using namespace Qt::StringLiterals;
using namespace Sockscope;

namespace {

struct Run
{
    int exitCode = -1;
    QList<QJsonObject> lines;
    QByteArray err;
    QJsonObject first(const QString &type) const
    {
        for (const QJsonObject &o : lines)
            if (o.value(u"type"_s).toString() == type)
                return o;
        return {};
    }
    int countOf(const QString &type) const
    {
        int n = 0;
        for (const QJsonObject &o : lines)
            n += o.value(u"type"_s).toString() == type;
        return n;
    }
};

// Runs the client while this thread's event loop keeps serving the in-process server.
Run runClient(const QStringList &args, const QByteArray &stdinData = {}, bool closeStdin = true)
{
    QProcess p;
    p.start(QStringLiteral(SOCKSCOPE_CLIENT_BIN), args);
    Run r;
    if (!p.waitForStarted(5000))
        return r;
    if (!stdinData.isEmpty())
        p.write(stdinData);
    if (closeStdin)
        p.closeWriteChannel();
    QTest::qWaitFor([&] { return p.state() == QProcess::NotRunning; }, 30000);
    if (p.state() != QProcess::NotRunning) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    for (const QByteArray &line : p.readAllStandardOutput().split('\n')) {
        if (line.trimmed().isEmpty())
            continue;
        const QJsonDocument d = QJsonDocument::fromJson(line);
        if (!d.isObject()) {
            qWarning() << "not a JSON line:" << line;
            r.exitCode = -3;
        }
        r.lines.append(d.object());
    }
    r.err = p.readAllStandardError();
    return r;
}

} // namespace

class tst_Cli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void contract_data();
    void contract();
    void namespaceAndConnectError_data();
    void namespaceAndConnectError();
    void queryAndHeaders();
    void listenAllAndCount();
    void ackTimeoutExits3();
    void unreachableServer();
    void usageErrors_data();
    void usageErrors();
    void acceptGenerator();
    void rawMode();
    void msgpackContract_data();
    void msgpackContract();
    void parserUsage();
    void furtherNamespaces_data();
    void furtherNamespaces();
    void furtherNamespaceRefused();

private:
    QString ourUrl(const QString &nsp = u"/"_s) const
    {
        return u"http://127.0.0.1:%1%2"_s.arg(m_server->serverPort()).arg(nsp);
    }
    QString nodeUrl(const QString &nsp = u"/"_s) const
    {
        return u"http://127.0.0.1:%1%2"_s.arg(m_nodePort).arg(nsp);
    }

    EventServer *m_server = nullptr;
    QString msgpackNodeUrl(const QString &nsp = u"/"_s) const
    {
        return u"http://127.0.0.1:%1%2"_s.arg(m_msgpackNodePort).arg(nsp);
    }
    // Starts contract_server.js with these arguments; the port it listens on, 0 on failure.
    static int startNode(QProcess &node, const QStringList &arguments);

    QProcess m_node;
    int m_nodePort = 0;
    QProcess m_msgpackNode; // the same server on socket.io-msgpack-parser
    int m_msgpackNodePort = 0;
    HandshakeRecord m_lastHandshake;
};

void tst_Cli::initTestCase()
{
    ServerOptions o;
    o.pingInterval = 300;
    o.pingTimeout = 200;
    m_server = new EventServer(o);
    RuleSet rules;
    QString error;
    QVERIFY2(RuleSet::load(QStringLiteral(SOCKSCOPE_SOURCE_DIR "/resources/rules/protocol-contract.json"),
                           &rules, &error), qPrintable(error));
    rules.install(m_server);
    m_server->of(u"/custom"_s)->addConnectHook([](Socket *) { return ConnectDecision::accept(); });
    connect(m_server, &EventServer::handshakeReceived, this,
            [this](const HandshakeRecord &r) { m_lastHandshake = r; });
    QVERIFY(m_server->listen(QHostAddress::LocalHost, 0));

    m_nodePort = startNode(m_node, {});
    QVERIFY(m_nodePort > 0);
    m_msgpackNodePort = startNode(m_msgpackNode, { u"--parser"_s, u"msgpack"_s });
    QVERIFY(m_msgpackNodePort > 0);
}

int tst_Cli::startNode(QProcess &node, const QStringList &arguments)
{
    node.setProgram(u"node"_s);
    node.setArguments(QStringList { QStringLiteral(NODE_SERVER_JS) } + arguments);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"SOCKSCOPE_SOURCE_DIR"_s, QStringLiteral(SOCKSCOPE_SOURCE_DIR));
    node.setProcessEnvironment(env);
    node.start();
    if (!node.waitForStarted(10000)) {
        qWarning("node is required for this test (apt-get install nodejs)");
        return 0;
    }
    QTest::qWaitFor([&] { return node.canReadLine() || node.state() == QProcess::NotRunning; },
                    20000);
    if (node.state() != QProcess::Running) {
        qWarning("%s", node.readAllStandardError().constData());
        return 0;
    }
    return QJsonDocument::fromJson(node.readLine()).object().value(u"port"_s).toInt();
}

void tst_Cli::cleanupTestCase()
{
    for (QProcess *node : { &m_node, &m_msgpackNode }) {
        node->closeWriteChannel();
        if (!node->waitForFinished(3000))
            node->kill();
    }
    delete m_server;
}

void tst_Cli::contract_data()
{
    QTest::addColumn<bool>("node");
    QTest::addColumn<QString>("transport");
    for (bool node : { false, true }) {
        for (const char *t : { "websocket", "polling", "auto" }) {
            QTest::addRow("%s-%s", node ? "node" : "sockscope", t) << node << QString::fromLatin1(t);
        }
    }
}

// The example: prints the auth event and the ack ["hello",42].
void tst_Cli::contract()
{
    QFETCH(bool, node);
    QFETCH(QString, transport);
    // The example of the issue, verbatim.
    Run r = runClient({ node ? nodeUrl() : ourUrl(), u"--transport"_s, transport,
                        u"--auth"_s, u"{\"token\":\"abc\"}"_s,
                        u"--emit"_s, u"message-with-ack"_s, u"[\"hello\",42]"_s, u"--ack"_s,
                        u"--listen"_s, u"auth"_s, u"--count"_s, u"1"_s, u"--timeout"_s, u"10"_s });
    QCOMPARE(r.exitCode, 0);
    const QJsonObject connected = r.first(u"connected"_s);
    QCOMPARE(connected.value(u"id"_s).toString().size(), 20);
    QCOMPARE(connected.value(u"namespace"_s).toString(), u"/"_s);
    QVERIFY(!connected.value(u"time"_s).toString().isEmpty());
    const QJsonObject ack = r.first(u"ack"_s);
    QCOMPARE(ack.value(u"event"_s).toString(), u"message-with-ack"_s);
    QCOMPARE(ack.value(u"args"_s).toArray(), (QJsonArray { u"hello"_s, 42 }));
    QVERIFY(ack.value(u"roundTripMs"_s).toInteger(-1) >= 0);
    const QJsonObject auth = r.first(u"event"_s);
    QCOMPARE(auth.value(u"event"_s).toString(), u"auth"_s);
    QCOMPARE(auth.value(u"args"_s).toArray().at(0).toObject().value(u"token"_s).toString(), u"abc"_s);
    QCOMPARE(r.countOf(u"disconnected"_s), 1);
    QCOMPARE(r.countOf(u"error"_s), 0);
    // A quick script may end before the upgrade completes; an open-ended one sees it.
    QVERIFY(r.countOf(u"upgraded"_s) <= (transport == u"auto" ? 1 : 0));
    if (transport == u"auto") {
        const Run upgrade = runClient({ node ? nodeUrl() : ourUrl(), u"--transport"_s, transport,
                                        u"--listen"_s, u"nothing"_s, u"--timeout"_s, u"2"_s });
        QCOMPARE(upgrade.exitCode, 0); // open-ended listening ends normally at the timeout
        QCOMPARE(upgrade.countOf(u"upgraded"_s), 1);
        QCOMPARE(upgrade.first(u"upgraded"_s).value(u"transport"_s).toString(), u"websocket"_s);
        QCOMPARE(upgrade.first(u"connected"_s).value(u"url"_s).toString().contains(u"transport=polling"_s), true);
    }

    // Without --ack: sent in order, and the echo comes back with every JSON type intact.
    r = runClient({ node ? nodeUrl() : ourUrl(), u"--transport"_s, transport,
                    u"--emit"_s, u"message"_s, u"[1,\"two\",{\"three\":3},null,true,1.5]"_s,
                    u"--emit"_s, u"message"_s, u"[\"second\"]"_s,
                    u"--listen"_s, u"message-back"_s, u"--count"_s, u"2"_s, u"--timeout"_s, u"10"_s });
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.countOf(u"sent"_s), 2);
    QList<QJsonArray> backs;
    for (const QJsonObject &o : r.lines)
        if (o.value(u"type"_s) == u"event"_s)
            backs.append(o.value(u"args"_s).toArray());
    QCOMPARE(backs.size(), 2);
    QCOMPARE(backs.at(0), (QJsonArray { 1, u"two"_s, QJsonObject { { u"three"_s, 3 } }, QJsonValue(), true, 1.5 }));
    QCOMPARE(backs.at(1), (QJsonArray { u"second"_s }));
}

void tst_Cli::namespaceAndConnectError_data()
{
    QTest::addColumn<bool>("node");
    QTest::newRow("sockscope") << false;
    QTest::newRow("node") << true;
}

void tst_Cli::namespaceAndConnectError()
{
    QFETCH(bool, node);
    Run r = runClient({ (node ? nodeUrl(u"/custom"_s) : ourUrl(u"/custom"_s)), u"--listen"_s,
                        u"auth"_s, u"--count"_s, u"1"_s, u"--timeout"_s, u"10"_s });
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.first(u"connected"_s).value(u"namespace"_s).toString(), u"/custom"_s);

    r = runClient({ (node ? nodeUrl(u"/nope"_s) : ourUrl(u"/nope"_s)), u"--timeout"_s, u"10"_s });
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(r.first(u"connect_error"_s).value(u"message"_s).toString(), u"Invalid namespace"_s);
    QVERIFY2(r.err.contains("Invalid namespace"), r.err.constData());
}

void tst_Cli::queryAndHeaders()
{
    const Run r = runClient({ ourUrl(), u"--transport"_s, u"websocket"_s, u"--query"_s, u"room=blue"_s,
                              u"-H"_s, u"X-Demo: yes please"_s, u"--path"_s, u"/socket.io"_s,
                              u"--timeout"_s, u"10"_s });
    QCOMPARE(r.exitCode, 0);
    QVERIFY(m_lastHandshake.target.contains("room=blue"));
    QCOMPARE(m_lastHandshake.header("x-demo"), QByteArray("yes please"));
}

void tst_Cli::listenAllAndCount()
{
    const Run r = runClient({ ourUrl(), u"--listen"_s, u"*"_s, u"--emit"_s, u"broadcast"_s,
                              u"[\"all\"]"_s, u"--count"_s, u"2"_s, u"--timeout"_s, u"10"_s });
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.countOf(u"event"_s), 2); // auth, then the broadcast back to us
    QCOMPARE(r.countOf(u"sent"_s), 1);
}

void tst_Cli::ackTimeoutExits3()
{
    const Run r = runClient({ nodeUrl(), u"--emit"_s, u"never-acked"_s, u"[]"_s, u"--ack"_s,
                              u"--timeout"_s, u"1"_s });
    QCOMPARE(r.exitCode, 3);
    QVERIFY(r.first(u"ack"_s).value(u"timedOut"_s).toBool() || r.countOf(u"timeout"_s) == 1);
}

void tst_Cli::unreachableServer()
{
    // A port nothing listens on: a connect error, exit 1.
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 port = probe.serverPort();
    probe.close();
    const Run r = runClient({ u"http://127.0.0.1:%1"_s.arg(port), u"--transport"_s, u"polling"_s,
                              u"--timeout"_s, u"5"_s });
    QCOMPARE(r.exitCode, 1);
    QVERIFY(!r.err.isEmpty());
}

void tst_Cli::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::newRow("no url") << QStringList {};
    QTest::newRow("bad url") << QStringList { u"ftp://x"_s };
    QTest::newRow("bad json") << QStringList { u"http://127.0.0.1:1"_s, u"--emit"_s, u"x"_s, u"[1,"_s };
    QTest::newRow("not an array") << QStringList { u"http://127.0.0.1:1"_s, u"--emit"_s, u"x"_s, u"{}"_s };
    QTest::newRow("emit missing args") << QStringList { u"http://127.0.0.1:1"_s, u"--emit"_s, u"x"_s };
    QTest::newRow("bad auth") << QStringList { u"http://127.0.0.1:1"_s, u"--auth"_s, u"[1]"_s };
    QTest::newRow("bad transport") << QStringList { u"http://127.0.0.1:1"_s, u"--transport"_s, u"carrier"_s };
    QTest::newRow("bad header") << QStringList { u"http://127.0.0.1:1"_s, u"-H"_s, u"nocolon"_s };
    QTest::newRow("bad count") << QStringList { u"http://127.0.0.1:1"_s, u"--count"_s, u"many"_s };
    QTest::newRow("unknown option") << QStringList { u"http://127.0.0.1:1"_s, u"--frobnicate"_s };
}

void tst_Cli::usageErrors()
{
    QFETCH(QStringList, args);
    const Run r = runClient(args);
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.err.startsWith("sockscope-client: "));
    QVERIFY(r.lines.isEmpty());
}

void tst_Cli::acceptGenerator()
{
    QProcess p;
    p.start(QStringLiteral(SOCKSCOPE_CLIENT_BIN), { u"--just-generate-accept"_s, u"dGhlIHNhbXBsZSBub25jZQ=="_s });
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 0);
    QCOMPARE(p.readAllStandardOutput().trimmed(), QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
}

void tst_Cli::rawMode()
{
    // A plain WebSocket echo peer: text back as text, and one binary frame on "bin".
    QWebSocketServer echo(u"echo"_s, QWebSocketServer::NonSecureMode);
    QVERIFY(echo.listen(QHostAddress::LocalHost, 0));
    QStringList received;
    connect(&echo, &QWebSocketServer::newConnection, this, [&] {
        QWebSocket *ws = echo.nextPendingConnection();
        ws->setParent(&echo); // freed with the server
        connect(ws, &QWebSocket::textMessageReceived, ws, [ws, &received](const QString &t) {
            received.append(t);
            if (t == u"bin")
                ws->sendBinaryMessage(QByteArray("\x00\x01\x02", 3));
            else
                ws->sendTextMessage(u"echo: "_s + t);
        });
    });
    const Run r = runClient({ u"ws://127.0.0.1:%1/ws"_s.arg(echo.serverPort()), u"--raw"_s,
                              u"--count"_s, u"3"_s, u"--timeout"_s, u"10"_s },
                            "hello\nbin\n你好\n", false);
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(received, (QStringList { u"hello"_s, u"bin"_s, u"你好"_s }));
    QList<QJsonObject> messages;
    for (const QJsonObject &o : r.lines)
        if (o.value(u"type"_s) == u"message"_s)
            messages.append(o);
    QCOMPARE(messages.size(), 3);
    QCOMPARE(messages.at(0).value(u"data"_s).toString(), u"echo: hello"_s);
    QCOMPARE(messages.at(1).value(u"opcode"_s).toString(), u"binary"_s);
    QCOMPARE(messages.at(1).value(u"data"_s).toString(), u"AAEC"_s);
    QCOMPARE(messages.at(1).value(u"size"_s).toInt(), 3);
    QCOMPARE(messages.at(2).value(u"data"_s).toString(), u"echo: 你好"_s);
}

void tst_Cli::msgpackContract_data()
{
    QTest::addColumn<bool>("node");
    QTest::addColumn<QString>("transport");
    for (bool node : { false, true }) {
        for (const char *t : { "websocket", "polling", "auto" })
            QTest::addRow("%s-%s", node ? "node" : "sockscope", t) << node << QString::fromLatin1(t);
    }
}

// --parser msgpack against the official server on socket.io-msgpack-parser and against ours
// (--parser auto): auth, acks, binary anywhere, a connect error; the JSON lines show the
// arguments exactly as a JSON client's do.
void tst_Cli::msgpackContract()
{
    QFETCH(bool, node);
    QFETCH(QString, transport);
    const QString url = node ? msgpackNodeUrl() : ourUrl();
    Run r = runClient({ url, u"--parser"_s, u"msgpack"_s, u"--transport"_s, transport,
                        u"--auth"_s, u"{\"token\":\"abc\"}"_s,
                        u"--emit"_s, u"message-with-ack"_s, u"[\"hello\",42]"_s, u"--ack"_s,
                        u"--listen"_s, u"auth"_s, u"--count"_s, u"1"_s, u"--timeout"_s, u"10"_s });
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(r.first(u"connected"_s).value(u"id"_s).toString().size(), 20);
    QCOMPARE(r.first(u"ack"_s).value(u"args"_s).toArray(), (QJsonArray { u"hello"_s, 42 }));
    QCOMPARE(r.first(u"event"_s).value(u"args"_s).toArray().at(0).toObject().value(u"token"_s),
             QJsonValue(u"abc"_s));
    QCOMPARE(r.countOf(u"error"_s), 0);

    // Binary at the top level and nested, echoed back: the same lines as with --parser json.
    const QString binaryArgs =
            u"[1,{\"_binary\":true,\"base64\":\"AP8Q\"},{\"k\":{\"_binary\":true,\"base64\":\"aGk=\"},"
            "\"n\":[null,true,1.5]},\"α\"]"_s;
    const auto echoed = [&](const QString &parser, const QString &to) {
        const Run run = runClient({ to, u"--parser"_s, parser, u"--transport"_s, transport,
                                    u"--emit"_s, u"message"_s, binaryArgs, u"--listen"_s,
                                    u"message-back"_s, u"--count"_s, u"1"_s, u"--timeout"_s,
                                    u"10"_s });
        [&] { QVERIFY2(run.exitCode == 0, run.err.constData()); }();
        return std::pair { run.first(u"sent"_s).value(u"args"_s).toArray(),
                           run.first(u"event"_s).value(u"args"_s).toArray() };
    };
    const auto [sentMsgpack, backMsgpack] = echoed(u"msgpack"_s, url);
    const auto [sentJson, backJson] = echoed(u"json"_s, node ? nodeUrl() : ourUrl());
    QVERIFY(!backMsgpack.isEmpty());
    QCOMPARE(backMsgpack.size(), 4);
    QCOMPARE(backMsgpack.at(1).toObject().value(u"_binary"_s), QJsonValue(true));
    QCOMPARE(backMsgpack.at(1).toObject().value(u"base64"_s), QJsonValue(u"AP8Q"_s));
    QCOMPARE(backMsgpack.at(2).toObject().value(u"k"_s).toObject().value(u"base64"_s),
             QJsonValue(u"aGk="_s));
    QCOMPARE(sentMsgpack, sentJson);
    QCOMPARE(backMsgpack, backJson);
    QCOMPARE(backMsgpack, sentMsgpack);

    // A refused namespace: the CONNECT_ERROR's message, over msgpack.
    r = runClient({ node ? msgpackNodeUrl(u"/nope"_s) : ourUrl(u"/nope"_s), u"--parser"_s,
                    u"msgpack"_s, u"--transport"_s, transport, u"--timeout"_s, u"10"_s });
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(r.first(u"connect_error"_s).value(u"message"_s).toString(), u"Invalid namespace"_s);
}

void tst_Cli::parserUsage()
{
    QProcess p;
    p.start(QStringLiteral(SOCKSCOPE_CLIENT_BIN), { u"--help"_s });
    QVERIFY(p.waitForFinished(10000));
    const QByteArray help = p.readAllStandardOutput();
    QVERIFY2(help.contains("--parser <format>"), help.constData());
    QVERIFY(help.contains("msgpack"));
    const Run r = runClient({ ourUrl(), u"--parser"_s, u"yaml"_s });
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("--parser must be json or msgpack"), r.err.constData());
    QVERIFY(r.lines.isEmpty());
}


void tst_Cli::furtherNamespaces_data()
{
    QTest::addColumn<bool>("node");
    QTest::addColumn<QString>("transport");
    for (bool node : { false, true }) {
        for (const char *t : { "websocket", "polling" })
            QTest::addRow("%s-%s", node ? "node" : "sockscope", t) << node << QString::fromLatin1(t);
    }
}

// --namespace: /custom over the connection of /, both sockets on one connection id; each
// namespace sends "auth" on connect, and the lines say which namespace it came from; --emit
// goes to the URL's namespace only.
void tst_Cli::furtherNamespaces()
{
    QFETCH(bool, node);
    QFETCH(QString, transport);
    QSignalSpy opened(m_server, &EventServer::connectionOpened);
    const Run r = runClient({ node ? nodeUrl() : ourUrl(), u"--namespace"_s, u"/custom"_s,
                              u"--transport"_s, transport, u"--emit"_s, u"broadcast"_s,
                              u"[\"to root\"]"_s, u"--listen"_s, u"*"_s, u"--count"_s, u"3"_s,
                              u"--timeout"_s, u"10"_s });
    QCOMPARE(r.exitCode, 0);
    if (!node)
        QCOMPARE(opened.size(), 1); // one Engine.IO connection for both namespaces
    QList<QJsonObject> connected;
    for (const QJsonObject &o : r.lines) {
        if (o.value(u"type"_s) == u"connected"_s)
            connected.append(o);
    }
    QCOMPARE(connected.size(), 2);
    QCOMPARE(connected.at(0).value(u"namespace"_s).toString(), u"/"_s);
    QCOMPARE(connected.at(1).value(u"namespace"_s).toString(), u"/custom"_s);
    QVERIFY(!connected.at(0).value(u"connection"_s).toString().isEmpty());
    QCOMPARE(connected.at(0).value(u"connection"_s), connected.at(1).value(u"connection"_s));
    QVERIFY(connected.at(0).value(u"id"_s) != connected.at(1).value(u"id"_s));

    QStringList seen; // "namespace event args"
    for (const QJsonObject &o : r.lines) {
        if (o.value(u"type"_s) == u"event"_s) {
            seen.append(o.value(u"namespace"_s).toString() + u' ' + o.value(u"event"_s).toString()
                        + u' ' + QString::fromUtf8(QJsonDocument(o.value(u"args"_s).toArray())
                                                          .toJson(QJsonDocument::Compact)));
        }
    }
    seen.sort();
    QCOMPARE(seen, (QStringList { u"/ auth [{}]"_s, u"/ broadcast [\"to root\"]"_s,
                                  u"/custom auth [{}]"_s }));
    QCOMPARE(r.countOf(u"sent"_s), 1);
    QCOMPARE(r.countOf(u"disconnected"_s), 2);
}

// A refused further namespace is a connect error (exit 1) that names its namespace, while the
// URL's namespace was connected over the same connection.
void tst_Cli::furtherNamespaceRefused()
{
    const Run r = runClient({ ourUrl(), u"--namespace"_s, u"/nope"_s, u"--listen"_s, u"auth"_s,
                              u"--count"_s, u"1"_s, u"--timeout"_s, u"10"_s });
    QCOMPARE(r.exitCode, 1);
    const QJsonObject error = r.first(u"connect_error"_s);
    QCOMPARE(error.value(u"message"_s).toString(), u"Invalid namespace"_s);
    QCOMPARE(error.value(u"namespace"_s).toString(), u"/nope"_s);
    QVERIFY2(r.err.contains("/nope: Invalid namespace"), r.err.constData());
    QCOMPARE(r.countOf(u"connect_error"_s), 1);

    const Run usage = runClient({ ourUrl(), u"--raw"_s, u"--namespace"_s, u"/custom"_s });
    QCOMPARE(usage.exitCode, 2);
}

QTEST_GUILESS_MAIN(tst_Cli)
#include "tst_cli.moc"
