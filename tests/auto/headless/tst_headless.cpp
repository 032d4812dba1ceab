// The real sockscope binary, run headless with QProcess: its JSON lines, its rules, its exit
// codes, and its shutdown on SIGTERM, with our EventClient as the peer.
#include <eventclient.h>

#include "loopback.h"
#include "stalledpeer.h"
#include "writepath.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <functional>
#include <memory>

#include <csignal>
#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace Sockscope;

namespace {

const QString Binary = QStringLiteral(SOCKSCOPE_BIN);
const QString ContractRules =
        QStringLiteral(SOCKSCOPE_SOURCE_DIR "/resources/rules/protocol-contract.json");

// The arguments the rules file's description asks for.
QStringList contractArgs()
{
    return { u"--headless"_s,      u"--port"_s,         u"0"_s,
             u"--rules"_s,         ContractRules,       u"--ping-interval"_s,
             u"300"_s,             u"--ping-timeout"_s, u"200"_s,
             u"--max-payload"_s,   u"1000000"_s,        u"--connect-timeout"_s,
             u"1000"_s,            u"--cors-origin"_s,  u"*"_s };
}

// The contract's rules with the default ping times: a client busy with a flood of its own may
// be late with a pong, which would end the run early under the contract's 300 / 200 ms.
QStringList floodArgs()
{
    return { u"--headless"_s, u"--port"_s, u"0"_s, u"--rules"_s, ContractRules };
}

/*
    One sockscope process; every line of its standard output is parsed as JSON as it comes.
*/
class Headless
{
public:
    Headless()
    {
        proc.setProgram(Binary);
        QObject::connect(&proc, &QProcess::readyReadStandardOutput, &proc, [this] {
            buffer += proc.readAllStandardOutput();
            qsizetype nl;
            while ((nl = buffer.indexOf('\n')) >= 0) {
                const QByteArray line = buffer.left(nl);
                buffer.remove(0, nl + 1);
                rawLines.append(line);
                QJsonParseError pe;
                const QJsonDocument d = QJsonDocument::fromJson(line, &pe);
                if (pe.error != QJsonParseError::NoError || !d.isObject())
                    badLines.append(line);
                else
                    lines.append(d.object());
            }
        });
    }
    ~Headless()
    {
        if (proc.state() != QProcess::NotRunning) {
            proc.kill();
            proc.waitForFinished(5000);
        }
    }

    void start(const QStringList &args)
    {
        proc.setArguments(args);
        proc.start();
    }

    // Waits for the "listening" line; returns its port (0 on failure).
    quint16 waitListening(int timeoutMs = 10000)
    {
        const QJsonObject l = waitLine(
                [](const QJsonObject &o) { return o.value(u"type"_s) == u"listening"_s; },
                timeoutMs);
        return quint16(l.value(u"port"_s).toInt());
    }

    // Waits for a line matching pred; returns it (empty if none came in time).
    QJsonObject waitLine(const std::function<bool(const QJsonObject &)> &pred,
                         int timeoutMs = 5000)
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
                    return proc.state() == QProcess::NotRunning && !proc.bytesAvailable();
                },
                timeoutMs);
        return found;
    }
    QJsonObject waitType(const QString &type, const QString &key = {}, const QJsonValue &value = {})
    {
        return waitLine([&](const QJsonObject &o) {
            return o.value(u"type"_s) == type && (key.isEmpty() || o.value(key) == value);
        });
    }
    QList<QJsonObject> ofType(const QString &type) const
    {
        QList<QJsonObject> out;
        for (const QJsonObject &o : lines)
            if (o.value(u"type"_s) == type)
                out.append(o);
        return out;
    }

    QProcess proc;
    QByteArray buffer;
    QList<QByteArray> rawLines;
    QList<QByteArray> badLines;
    QList<QJsonObject> lines;
};

QJsonArray json(const Arguments &args)
{
    return Json::toDisplayJson(args);
}

// Runs sockscope to completion (it is expected to exit by itself).
struct Outcome
{
    bool finished = false;
    QProcess::ExitStatus status = QProcess::CrashExit;
    int code = -1;
    QByteArray out;
    QByteArray err;
};
Outcome runToExit(const QStringList &args)
{
    QProcess p;
    p.start(Binary, args);
    Outcome o;
    o.finished = p.waitForFinished(15000);
    if (!o.finished)
        p.kill();
    o.status = p.exitStatus();
    o.code = p.exitCode();
    o.out = p.readAllStandardOutput();
    o.err = p.readAllStandardError();
    return o;
}

} // namespace

class tst_Headless : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void help();
    void listeningLine();
    void protocolContract();
    void rawHandshakeLine();
    void refusalsAndTimeoutsLogged();
    void revealSecrets();
    void maxBufferedBytes();
    void sigtermClosesClients_data();
    void sigtermClosesClients();
    void nothingLostAtSigterm();
    void slowReaderDropsLines();
    void badOptions_data();
    void badOptions();
    void busyPort();
    void writePathAsAsked();

private:
    QTemporaryDir m_tmp;
};

void tst_Headless::initTestCase()
{
    QVERIFY2(QFileInfo(Binary).isExecutable(), qPrintable(Binary));
    QVERIFY2(QFileInfo::exists(ContractRules), qPrintable(ContractRules));
    QVERIFY(m_tmp.isValid());
}

void tst_Headless::help()
{
    const Outcome o = runToExit({ u"--help"_s });
    QVERIFY(o.finished);
    QCOMPARE(o.status, QProcess::NormalExit);
    QCOMPARE(o.code, 0);
    for (const char *option : { "--headless", "--port", "--rules", "--ping-interval", "--bind",
                                "--max-buffered-bytes", "--parser", "--recovery" })
        QVERIFY2(o.out.contains(option), option);
    QVERIFY(o.err.isEmpty());
}

void tst_Headless::listeningLine()
{
    Headless h;
    h.start(contractArgs());
    const quint16 port = h.waitListening();
    QVERIFY2(port != 0, h.proc.readAllStandardError().constData());
    const QJsonObject l = h.lines.first(); // the first line says where it listens
    QCOMPARE(l.value(u"type"_s).toString(), u"listening"_s);
    QCOMPARE(l.value(u"address"_s).toString(), u"127.0.0.1"_s);
    QCOMPARE(l.value(u"url"_s).toString(), u"http://127.0.0.1:%1"_s.arg(port));
    QCOMPARE(l.value(u"path"_s).toString(), u"/socket.io/"_s);
    QCOMPARE(l.value(u"rules"_s).toString(), ContractRules);
    QVERIFY(QDateTime::fromString(l.value(u"time"_s).toString(), Qt::ISODateWithMs).isValid());
    QStringList nsps;
    for (const QJsonValue &v : l.value(u"namespaces"_s).toArray())
        nsps.append(v.toString());
    nsps.sort();
    QCOMPARE(nsps, (QStringList { u"/"_s, u"/custom"_s }));

    // It really listens there.
    const Loopback::HttpReply r = Loopback::rawHttp(port, "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n");
    QCOMPARE(r.status, 404);
    QVERIFY(h.badLines.isEmpty());
}

void tst_Headless::protocolContract()
{
    Headless h;
    h.start(contractArgs());
    const quint16 port = h.waitListening();
    QVERIFY(port != 0);

    ClientOptions co;
    co.auth.insert(u"token"_s, u"s3cret"_s);
    EventClient client;
    client.setOptions(co);
    client.setUrl(QUrl(u"http://127.0.0.1:%1/"_s.arg(port)));
    QList<Arguments> authEvents, messageBacks, broadcasts;
    client.on(u"auth"_s, [&](const Arguments &a) { authEvents.append(a); });
    client.on(u"message-back"_s, [&](const Arguments &a) { messageBacks.append(a); });
    client.on(u"broadcast"_s, [&](const Arguments &a) { broadcasts.append(a); });
    client.open();
    QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), 10000);
    QCOMPARE(client.handshake().open.pingInterval, 300);
    QCOMPARE(client.handshake().open.pingTimeout, 200);

    // $connect rule: the auth payload comes back as an "auth" event.
    QTRY_COMPARE(authEvents.size(), 1);
    QCOMPARE(json(authEvents.at(0)), json({ co.auth.toVariantMap() }));

    // The handshake and connect lines.
    const QJsonObject hs = h.waitType(u"handshake"_s, u"connection"_s, client.connectionId());
    QVERIFY(!hs.isEmpty());
    QCOMPARE(hs.value(u"status"_s).toInt(), 101);
    QCOMPARE(hs.value(u"method"_s).toString(), u"GET"_s);
    QCOMPARE(hs.value(u"transport"_s).toString(), u"websocket"_s);
    QVERIFY(hs.value(u"target"_s).toString().startsWith(u"/socket.io/?"_s));
    QVERIFY(!hs.value(u"secWebSocketKey"_s).toString().isEmpty());
    QCOMPARE(hs.value(u"secWebSocketAccept"_s).toString().toLatin1(),
             HandshakeRecord::acceptForKey(hs.value(u"secWebSocketKey"_s).toString().toLatin1()));
    QCOMPARE(hs.value(u"sha1"_s).toString().size(), 40);
    QVERIFY(hs.value(u"headers"_s).toObject().contains(u"Sec-WebSocket-Key"_s)
            || hs.value(u"headers"_s).toObject().contains(u"sec-websocket-key"_s));

    const QJsonObject connect = h.waitType(u"connect"_s, u"socket"_s, client.id());
    QVERIFY(!connect.isEmpty());
    QCOMPARE(connect.value(u"namespace"_s).toString(), u"/"_s);
    QCOMPARE(connect.value(u"connection"_s).toString(), client.connectionId());
    // Secrets stay out of the log unless revealed.
    QCOMPARE(connect.value(u"auth"_s).toObject().value(u"token"_s).toString(), u"[redacted]"_s);

    // "message" is echoed as "message-back", arguments as they came (binary too).
    const Arguments args = { 1, u"two"_s, QVariantMap { { u"three"_s, 3 } }, QByteArray("\x04\x05", 2),
                             QVariant::fromValue(nullptr) };
    client.send(u"message"_s, args);
    QTRY_COMPARE(messageBacks.size(), 1);
    QCOMPARE(json(messageBacks.at(0)), json(args));
    const QJsonObject in = h.waitLine([&](const QJsonObject &o) {
        return o.value(u"type"_s) == u"event"_s && o.value(u"direction"_s) == u"in"_s
                && o.value(u"event"_s) == u"message"_s;
    });
    QVERIFY(!in.isEmpty());
    QCOMPARE(in.value(u"socket"_s).toString(), client.id());
    QCOMPARE(in.value(u"namespace"_s).toString(), u"/"_s);
    QCOMPARE(in.value(u"args"_s).toArray(), json(args));
    QVERIFY(!in.contains(u"ackId"_s));
    const QJsonObject out = h.waitLine([&](const QJsonObject &o) {
        return o.value(u"type"_s) == u"event"_s && o.value(u"direction"_s) == u"out"_s
                && o.value(u"event"_s) == u"message-back"_s;
    });
    QCOMPARE(out.value(u"args"_s).toArray(), json(args));

    // "message-with-ack" is acknowledged with its own arguments.
    AckResult ack;
    const qint64 ackId = client.send(u"message-with-ack"_s, { u"ping"_s, 42 },
                                     [&](const AckResult &r) { ack = r; }, 5000);
    QTRY_COMPARE(ack.ackId, ackId);
    QVERIFY(!ack.timedOut);
    QCOMPARE(json(ack.args), json({ u"ping"_s, 42 }));
    const QJsonObject ackIn = h.waitLine([&](const QJsonObject &o) {
        return o.value(u"type"_s) == u"event"_s && o.value(u"event"_s) == u"message-with-ack"_s;
    });
    QCOMPARE(ackIn.value(u"ackId"_s).toInteger(-1), ackId);
    const QJsonObject ackOut = h.waitType(u"ack"_s, u"direction"_s, u"out"_s);
    QCOMPARE(ackOut.value(u"ackId"_s).toInteger(-1), ackId);
    QCOMPARE(ackOut.value(u"args"_s).toArray(), json({ u"ping"_s, 42 }));

    // A second client in "/custom" gets its own auth echo; "broadcast" reaches its namespace only.
    EventClient custom;
    custom.setUrl(QUrl(u"http://127.0.0.1:%1/custom"_s.arg(port)));
    QList<Arguments> customAuth, customBroadcasts;
    custom.on(u"auth"_s, [&](const Arguments &a) { customAuth.append(a); });
    custom.on(u"broadcast"_s, [&](const Arguments &a) { customBroadcasts.append(a); });
    custom.open();
    QTRY_VERIFY(custom.isConnected());
    QTRY_COMPARE(customAuth.size(), 1);
    QCOMPARE(json(customAuth.at(0)), json({ QVariantMap() })); // "$auth" is {} without auth
    EventClient second;
    second.setUrl(QUrl(u"http://127.0.0.1:%1/"_s.arg(port)));
    QList<Arguments> secondBroadcasts;
    second.on(u"broadcast"_s, [&](const Arguments &a) { secondBroadcasts.append(a); });
    second.open();
    QTRY_VERIFY(second.isConnected());
    client.send(u"broadcast"_s, { u"hello all"_s });
    QTRY_COMPARE(broadcasts.size(), 1);
    QTRY_COMPARE(secondBroadcasts.size(), 1);
    QCOMPARE(json(secondBroadcasts.at(0)), json({ u"hello all"_s }));
    custom.send(u"broadcast"_s, { u"custom only"_s });
    QTRY_COMPARE(customBroadcasts.size(), 1);
    QCOMPARE(json(customBroadcasts.at(0)), json({ u"custom only"_s }));
    // "message" has no rule in "/custom"; the "/" client saw no second broadcast.
    QCOMPARE(broadcasts.size(), 1);

    // Leaving is logged with the reason.
    const QString id = client.id();
    client.close();
    const QJsonObject bye = h.waitType(u"disconnect"_s, u"socket"_s, id);
    QVERIFY(!bye.isEmpty());
    QCOMPARE(bye.value(u"reason"_s).toString(), u"client namespace disconnect"_s);
    QVERIFY2(h.badLines.isEmpty(), h.badLines.value(0).constData());
    for (const QJsonObject &o : std::as_const(h.lines))
        QVERIFY(o.contains(u"time"_s));
}

void tst_Headless::rawHandshakeLine()
{
    // Refused requests are logged too, with the status and the reason.
    Headless h;
    h.start(contractArgs());
    const quint16 port = h.waitListening();
    QVERIFY(port != 0);
    const Loopback::HttpReply r = Loopback::rawHttp(
            port, Loopback::upgradeRequest(port, "/socket.io/?EIO=3&transport=websocket"));
    QCOMPARE(r.status, 400);
    const QJsonObject l = h.waitType(u"handshake"_s, u"status"_s, 400);
    QVERIFY(!l.isEmpty());
    QCOMPARE(l.value(u"target"_s).toString(), u"/socket.io/?EIO=3&transport=websocket"_s);
    QVERIFY(!l.value(u"error"_s).toString().isEmpty());
    QCOMPARE(l.value(u"secWebSocketAccept"_s).toString(), u"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="_s);
}

void tst_Headless::refusalsAndTimeoutsLogged()
{
    Headless h;
    h.start(contractArgs());
    const quint16 port = h.waitListening();
    QVERIFY(port != 0);

    // An undeclared namespace: connect_error, the client told "Invalid namespace".
    EventClient lost;
    lost.setUrl(QUrl(u"http://127.0.0.1:%1/nope"_s.arg(port)));
    QSignalSpy errors(&lost, &EventClient::connectErrorOccurred);
    lost.open();
    QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, 10000);
    QCOMPARE(errors.at(0).at(0).toString(), u"Invalid namespace"_s);
    const QJsonObject refused = h.waitType(u"connect_error"_s);
    QCOMPARE(refused.value(u"namespace"_s).toString(), u"/nope"_s);
    QCOMPARE(refused.value(u"message"_s).toString(), u"Invalid namespace"_s);

    // A raw peer that never answers pings (300 + 200 ms) is dropped, and it is logged.
    Loopback::RawPeer silent;
    silent.open(port);
    const QString sid = silent.waitOpen().value(u"sid"_s).toString();
    QVERIFY(!sid.isEmpty());
    silent.send(u"40"_s);
    const QJsonObject closed = h.waitLine([&](const QJsonObject &o) {
        return o.value(u"type"_s) == u"connection_closed"_s && o.value(u"connection"_s) == sid;
    });
    QCOMPARE(closed.value(u"reason"_s).toString(), u"ping timeout"_s);
    QVERIFY(silent.waitClosed());

    // A raw peer that never joins a namespace is closed after --connect-timeout 1000.
    Loopback::RawPeer idle;
    idle.autoPong = true;
    idle.open(port);
    const QString idleSid = idle.waitOpen().value(u"sid"_s).toString();
    QVERIFY(!idleSid.isEmpty());
    const QJsonObject idleClosed = h.waitLine([&](const QJsonObject &o) {
        return o.value(u"type"_s) == u"connection_closed"_s && o.value(u"connection"_s) == idleSid;
    });
    QCOMPARE(idleClosed.value(u"reason"_s).toString(), u"connect timeout"_s);
}

void tst_Headless::revealSecrets()
{
    Headless h;
    h.start(contractArgs() << u"--reveal-secrets"_s);
    const quint16 port = h.waitListening();
    QVERIFY(port != 0);
    ClientOptions co;
    co.auth.insert(u"token"_s, u"visible"_s);
    co.extraHeaders = { { "Authorization", "Bearer shown" } };
    EventClient client;
    client.setOptions(co);
    client.setUrl(QUrl(u"http://127.0.0.1:%1/"_s.arg(port)));
    client.open();
    QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), 10000);
    const QJsonObject connect = h.waitType(u"connect"_s, u"socket"_s, client.id());
    QCOMPARE(connect.value(u"auth"_s).toObject().value(u"token"_s).toString(), u"visible"_s);
    const QJsonObject hs = h.waitType(u"handshake"_s, u"connection"_s, client.connectionId());
    QCOMPARE(hs.value(u"headers"_s).toObject().value(u"Authorization"_s).toString(),
             u"Bearer shown"_s);

    // And without the option the header is redacted.
    Headless quiet;
    quiet.start(contractArgs());
    const quint16 quietPort = quiet.waitListening();
    QVERIFY(quietPort != 0);
    EventClient other;
    other.setOptions(co);
    other.setUrl(QUrl(u"http://127.0.0.1:%1/"_s.arg(quietPort)));
    other.open();
    QTRY_VERIFY_WITH_TIMEOUT(other.isConnected(), 10000);
    const QJsonObject quietHs = quiet.waitType(u"handshake"_s, u"connection"_s, other.connectionId());
    QCOMPARE(quietHs.value(u"headers"_s).toObject().value(u"Authorization"_s).toString(),
             u"[redacted]"_s);
}

// --max-buffered-bytes: a client that stops reading while others broadcast is closed as a slow
// consumer once its queue passes the budget, and the lines say so; with 0 it is kept, however
// much waits (the default, 1 MiB, would have closed it by then).
void tst_Headless::maxBufferedBytes()
{
    const QString event = u"broadcast"_s; // the contract's rule: to the whole namespace
    const QString chunk(32 * 1024, u'b');
    int sentBeforeClose = 0;
    {
        Headless h;
        h.start({ u"--headless"_s, u"--port"_s, u"0"_s, u"--rules"_s, ContractRules, u"--log"_s,
                  u"connections"_s, u"--max-buffered-bytes"_s, u"65536"_s });
        const quint16 port = h.waitListening();
        QVERIFY2(port != 0, h.proc.readAllStandardError().constData());
        Loopback::StalledPeer stalled;
        const QString sid = stalled.open(port);
        QVERIFY(!sid.isEmpty());
        EventClient sender;
        sender.setUrl(QUrl(u"http://127.0.0.1:%1/"_s.arg(port)));
        int echoed = 0;
        sender.on(event, [&echoed](const Arguments &) { ++echoed; });
        sender.open();
        QTRY_VERIFY_WITH_TIMEOUT(sender.isConnected(), 10000);
        auto closedLine = [&] {
            for (const QJsonObject &o : std::as_const(h.lines)) {
                if (o.value(u"type"_s) == u"connection_closed"_s && o.value(u"connection"_s) == sid)
                    return o;
            }
            return QJsonObject();
        };
        // One broadcast at a time: the next when the sender has its own back, so that the
        // client that reads never has more than one waiting.
        QVERIFY(QTest::qWaitFor([&] {
            if (!closedLine().isEmpty())
                return true;
            if (echoed == sentBeforeClose && sender.send(event, { chunk }))
                ++sentBeforeClose;
            return false;
        }, 60000));
        QCOMPARE(closedLine().value(u"reason"_s).toString(), u"slow consumer"_s);
        const QJsonObject bye = h.waitLine([&](const QJsonObject &o) {
            return o.value(u"type"_s) == u"disconnect"_s && o.value(u"connection"_s) == sid;
        });
        QCOMPARE(bye.value(u"reason"_s).toString(), u"slow consumer"_s);
        QTRY_VERIFY(stalled.isClosedByServer());
        QVERIFY(sender.isConnected()); // the client that reads carries on
        QVERIFY(h.badLines.isEmpty());
    }
    {
        Headless h;
        h.start({ u"--headless"_s, u"--port"_s, u"0"_s, u"--rules"_s, ContractRules, u"--log"_s,
                  u"connections"_s, u"--max-buffered-bytes"_s, u"0"_s });
        const quint16 port = h.waitListening();
        QVERIFY(port != 0);
        Loopback::StalledPeer stalled;
        const QString sid = stalled.open(port);
        QVERIFY(!sid.isEmpty());
        EventClient sender;
        sender.setUrl(QUrl(u"http://127.0.0.1:%1/"_s.arg(port)));
        int echoed = 0;
        sender.on(event, [&echoed](const Arguments &) { ++echoed; });
        sender.open();
        QTRY_VERIFY_WITH_TIMEOUT(sender.isConnected(), 10000);
        // Twice what closed it above, and over 1 MiB more than that: what the default allows.
        const int n = qMax(2 * sentBeforeClose, sentBeforeClose + 40);
        int sent = 0;
        QVERIFY(QTest::qWaitFor([&] {
            if (echoed == sent && sent < n && sender.send(event, { chunk }))
                ++sent;
            return echoed == n;
        }, 60000));
        for (const QJsonObject &o : std::as_const(h.lines))
            QVERIFY2(o.value(u"connection"_s) != sid
                             || o.value(u"type"_s) != u"connection_closed"_s,
                     qPrintable(o.value(u"reason"_s).toString()));
        QVERIFY(!stalled.isClosedByServer());
    }
}

void tst_Headless::sigtermClosesClients_data()
{
    QTest::addColumn<int>("signo");
    QTest::addColumn<QString>("name");
    QTest::newRow("SIGTERM") << int(SIGTERM) << u"SIGTERM"_s;
    QTest::newRow("SIGINT") << int(SIGINT) << u"SIGINT"_s;
}

void tst_Headless::sigtermClosesClients()
{
    QFETCH(int, signo);
    QFETCH(QString, name);
    Headless h;
    h.start(contractArgs());
    const quint16 port = h.waitListening();
    QVERIFY(port != 0);
    EventClient client;
    client.setUrl(QUrl(u"http://127.0.0.1:%1/"_s.arg(port)));
    QSignalSpy disconnected(&client, &EventClient::disconnected);
    client.open();
    QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), 10000);
    const QString id = client.id();
    QVERIFY(!h.waitType(u"connect"_s, u"socket"_s, id).isEmpty());

    QCOMPARE(::kill(pid_t(h.proc.processId()), signo), 0);
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, 5000);
    QCOMPARE(disconnected.at(0).at(0).toString(), u"transport close"_s);
    QTRY_COMPARE_WITH_TIMEOUT(h.proc.state(), QProcess::NotRunning, 5000);
    QCOMPARE(h.proc.exitStatus(), QProcess::NormalExit);
    QCOMPARE(h.proc.exitCode(), 0);

    const QJsonObject shutdown = h.waitType(u"shutdown"_s);
    QCOMPARE(shutdown.value(u"signal"_s).toString(), name);
    QCOMPARE(shutdown.value(u"connections"_s).toInt(), 1);
    const QJsonObject bye = h.waitType(u"disconnect"_s, u"socket"_s, id);
    QCOMPARE(bye.value(u"reason"_s).toString(), u"server shutting down"_s);
    // The shutdown line comes before the disconnects it causes.
    QVERIFY(h.lines.indexOf(shutdown) < h.lines.indexOf(bye));
}

void tst_Headless::nothingLostAtSigterm()
{
    // Events with acks as fast as the client can send them, then SIGTERM as soon as the last
    // reply is in, while the last lines may still be queued for the log's writer thread: every
    // event line and ack line comes out, then shutdown, then the disconnect it causes.
    Headless h;
    h.start(floodArgs());
    const quint16 port = h.waitListening();
    QVERIFY(port != 0);
    EventClient client;
    client.setUrl(QUrl(u"http://127.0.0.1:%1/"_s.arg(port)));
    client.open();
    QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), 10000);
    const QString id = client.id();

    const int count = 500;
    QList<qint64> ackIds;
    int replies = 0;
    for (int i = 0; i < count; ++i) {
        ackIds.append(client.send(u"message-with-ack"_s, { i, u"é\n\"%1"_s.arg(i) },
                                  [&](const AckResult &r) { replies += r.timedOut ? 0 : 1; },
                                  10000));
    }
    QTRY_COMPARE_WITH_TIMEOUT(replies, count, 20000);
    QCOMPARE(::kill(pid_t(h.proc.processId()), SIGTERM), 0);
    QTRY_COMPARE_WITH_TIMEOUT(h.proc.state(), QProcess::NotRunning, 10000);
    QCOMPARE(h.proc.exitStatus(), QProcess::NormalExit);
    QCOMPARE(h.proc.exitCode(), 0);
    QVERIFY(!h.waitType(u"disconnect"_s, u"socket"_s, id).isEmpty());
    QVERIFY(h.badLines.isEmpty());
    QVERIFY2(h.buffer.isEmpty(), h.buffer.constData()); // no line cut short

    QHash<qint64, int> eventLines, ackLines; // ack id -> argument i
    qsizetype shutdownAt = -1, disconnectAt = -1;
    for (qsizetype n = 0; n < h.lines.size(); ++n) {
        const QJsonObject &o = h.lines.at(n);
        const QString type = o.value(u"type"_s).toString();
        if (type == u"event" && o.value(u"event"_s) == u"message-with-ack"_s)
            eventLines.insert(o.value(u"ackId"_s).toInteger(-1), o.value(u"args"_s)[0].toInt(-1));
        else if (type == u"ack" && o.value(u"direction"_s) == u"out"_s)
            ackLines.insert(o.value(u"ackId"_s).toInteger(-1), o.value(u"args"_s)[0].toInt(-1));
        else if (type == u"shutdown")
            shutdownAt = n;
        else if (type == u"disconnect" && o.value(u"socket"_s) == id)
            disconnectAt = n;
        QCOMPARE(type == u"log_dropped", false);
    }
    QCOMPARE(eventLines.size(), count);
    QCOMPARE(ackLines.size(), count);
    for (int i = 0; i < count; ++i) {
        QCOMPARE(eventLines.value(ackIds.at(i), -1), i);
        QCOMPARE(ackLines.value(ackIds.at(i), -1), i);
    }
    QVERIFY(shutdownAt > 0);
    QCOMPARE(h.lines.at(shutdownAt).value(u"signal"_s).toString(), u"SIGTERM"_s);
    QVERIFY(disconnectAt > shutdownAt);
}

void tst_Headless::slowReaderDropsLines()
{
    // Standard output is a pipe of one page that the test does not read while a client sends
    // events of 64 KiB with acks: 200 round trips make 25 MiB of lines, over three times the
    // writer's queue. The replies keep coming all the same (the server does not wait for the
    // reader), and once the test reads, the lines that did not fit are counted in log_dropped
    // lines: lines written plus lines counted make every event and reply, none twice.
    int fds[2];
    QVERIFY(::pipe2(fds, O_CLOEXEC) == 0);
    const int readEnd = fds[0], writeEnd = fds[1];
    auto closeFds = qScopeGuard([&] {
        ::close(readEnd);
        if (fcntl(writeEnd, F_GETFD) != -1)
            ::close(writeEnd);
    });
    QVERIFY(::fcntl(writeEnd, F_SETPIPE_SZ, 4096) > 0);
    QVERIFY(::fcntl(readEnd, F_SETFL, O_NONBLOCK) == 0);

    QProcess proc;
    proc.setProgram(Binary);
    proc.setArguments(floodArgs());
    proc.setStandardOutputFile(QProcess::nullDevice());
    proc.setChildProcessModifier([writeEnd] { ::dup2(writeEnd, STDOUT_FILENO); });
    proc.start();
    QVERIFY(proc.waitForStarted());
    ::close(writeEnd);
    auto stop = qScopeGuard([&] {
        if (proc.state() != QProcess::NotRunning) {
            proc.kill();
            proc.waitForFinished(5000);
        }
    });

    QByteArray out;
    auto readSome = [&] {
        char buf[65536];
        ssize_t n;
        while ((n = ::read(readEnd, buf, sizeof buf)) > 0)
            out.append(buf, n);
        return n == 0; // the end: the process has exited
    };
    QVERIFY(QTest::qWaitFor([&] { readSome(); return out.contains('\n'); }, 10000));
    const QJsonObject listening = QJsonDocument::fromJson(out.left(out.indexOf('\n'))).object();
    const quint16 port = quint16(listening.value(u"port"_s).toInt());
    QVERIFY2(port != 0, out.constData());

    EventClient client;
    client.setUrl(QUrl(u"http://127.0.0.1:%1/"_s.arg(port)));
    client.open();
    QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), 10000);
    // The connect line is out before the flood.
    QVERIFY(QTest::qWaitFor([&] { readSome(); return out.contains("\"type\":\"connect\""); },
                            5000));

    // From here on nobody reads until every reply is in.
    const int count = 200;
    const QString big(64 * 1024, u'x');
    int replies = 0;
    for (int i = 0; i < count; ++i) {
        client.send(u"message-with-ack"_s, { i, big }, [&](const AckResult &r) {
            replies += !r.timedOut && r.args.value(1).toString().size() == big.size() ? 1 : 0;
        }, 20000);
    }
    QTRY_COMPARE_WITH_TIMEOUT(replies, count, 20000);
    QCOMPARE(proc.state(), QProcess::Running);

    // Now read: the writer catches up and counts what it dropped; SIGTERM ends the run.
    QVERIFY(QTest::qWaitFor([&] { readSome(); return out.contains("\"type\":\"log_dropped\""); },
                            10000));
    QCOMPARE(::kill(pid_t(proc.processId()), SIGTERM), 0);
    QVERIFY(QTest::qWaitFor(readSome, 10000));
    QTRY_COMPARE_WITH_TIMEOUT(proc.state(), QProcess::NotRunning, 5000);
    QCOMPARE(proc.exitStatus(), QProcess::NormalExit);
    QCOMPARE(proc.exitCode(), 0);

    QVERIFY(out.endsWith('\n'));
    qint64 written = 0, dropped = 0;
    int droppedLines = 0;
    bool shutdown = false;
    for (const QByteArray &line : out.split('\n')) {
        if (line.isEmpty())
            continue;
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        QVERIFY2(!o.isEmpty(), line.left(200).constData());
        const QString type = o.value(u"type"_s).toString();
        if ((type == u"event" && o.value(u"event"_s) == u"message-with-ack"_s)
            || (type == u"ack" && o.value(u"direction"_s) == u"out"_s)) {
            ++written;
        } else if (type == u"log_dropped") {
            ++droppedLines;
            dropped += o.value(u"count"_s).toInteger();
            QVERIFY(o.value(u"count"_s).toInteger() > 0);
        } else if (type == u"shutdown") {
            shutdown = true;
        }
    }
    qInfo("%lld lines written, %lld dropped and counted in %d log_dropped lines", written,
          dropped, droppedLines);
    QVERIFY(droppedLines > 0);
    QVERIFY2(dropped > 0 && written > 0,
             qPrintable(u"written %1, dropped %2"_s.arg(written).arg(dropped)));
    QCOMPARE(written + dropped, qint64(2 * count));
    QVERIFY(shutdown);
}

void tst_Headless::badOptions_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("mention"); // the message names what is wrong

    const QString invalidRules = m_tmp.filePath(u"invalid-rules.json"_s);
    {
        QFile f(invalidRules);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"rules":[{"on":"x","do":[{"explode":true}]}]})");
    }
    const QString notJson = m_tmp.filePath(u"not-json.json"_s);
    {
        QFile f(notJson);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{ \"rules\": [ ");
    }

    QTest::newRow("port not a number") << QStringList { u"--headless"_s, u"--port"_s, u"abc"_s }
                                       << u"--port"_s;
    QTest::newRow("port out of range")
            << QStringList { u"--headless"_s, u"--port"_s, u"70000"_s } << u"port"_s;
    QTest::newRow("missing rules file")
            << QStringList { u"--headless"_s, u"--port"_s, u"0"_s, u"--rules"_s,
                             u"/nonexistent/rules.json"_s }
            << u"/nonexistent/rules.json"_s;
    QTest::newRow("invalid rules") << QStringList { u"--headless"_s, u"--port"_s, u"0"_s,
                                                    u"--rules"_s, invalidRules }
                                   << u"rules[0].do[0]"_s;
    QTest::newRow("rules not JSON")
            << QStringList { u"--headless"_s, u"--port"_s, u"0"_s, u"--rules"_s, notJson }
            << u"invalid JSON"_s;
    QTest::newRow("unknown option") << QStringList { u"--headless"_s, u"--bogus"_s } << u"bogus"_s;
    QTest::newRow("zero ping interval")
            << QStringList { u"--headless"_s, u"--port"_s, u"0"_s, u"--ping-interval"_s, u"0"_s }
            << u"--ping-interval"_s;
    QTest::newRow("bad bind address")
            << QStringList { u"--headless"_s, u"--port"_s, u"0"_s, u"--bind"_s, u"nowhere"_s }
            << u"--bind"_s;
    QTest::newRow("bad path") << QStringList { u"--headless"_s, u"--port"_s, u"0"_s, u"--path"_s,
                                               u"no-slashes"_s }
                              << u"path"_s;
    QTest::newRow("negative max buffered bytes")
            << QStringList { u"--headless"_s, u"--port"_s, u"0"_s, u"--max-buffered-bytes"_s,
                             u"-1"_s }
            << u"--max-buffered-bytes: expected a whole number of at least 0"_s;
    QTest::newRow("max buffered bytes not a number")
            << QStringList { u"--headless"_s, u"--port"_s, u"0"_s, u"--max-buffered-bytes"_s,
                             u"1MiB"_s }
            << u"\"1MiB\""_s;
    QTest::newRow("stray argument") << QStringList { u"--headless"_s, u"stray"_s } << u"stray"_s;
    QTest::newRow("unknown parser")
            << QStringList { u"--headless"_s, u"--port"_s, u"0"_s, u"--parser"_s, u"cbor"_s }
            << u"--parser: expected auto, json or msgpack"_s;
    QTest::newRow("recovery without a value")
            << QStringList { u"--headless"_s, u"--port"_s, u"0"_s, u"--recovery"_s }
            << u"recovery"_s;
    QTest::newRow("negative recovery")
            << QStringList { u"--headless"_s, u"--port"_s, u"0"_s, u"--recovery"_s, u"-5"_s }
            << u"--recovery: expected a whole number of at least 0"_s;
    QTest::newRow("recovery out of range")
            << QStringList { u"--headless"_s, u"--port"_s, u"0"_s, u"--recovery"_s,
                             u"9999999999"_s }
            << u"out of range"_s;
}

void tst_Headless::badOptions()
{
    QFETCH(QStringList, args);
    QFETCH(QString, mention);
    const Outcome o = runToExit(args);
    QVERIFY(o.finished);
    QCOMPARE(o.status, QProcess::NormalExit);
    QVERIFY2(o.code != 0, o.err.constData());
    QVERIFY2(!o.out.contains("listening"), o.out.constData());
    // Exactly one line on stderr, naming the program and the problem.
    QVERIFY2(o.err.endsWith('\n') && o.err.count('\n') == 1, o.err.constData());
    QVERIFY2(o.err.startsWith("sockscope: "), o.err.constData());
    QVERIFY2(QString::fromUtf8(o.err).contains(mention), o.err.constData());
}

void tst_Headless::busyPort()
{
    QTcpServer squatter;
    QVERIFY(squatter.listen(Loopback::LocalHost, 0));
    const QString port = QString::number(squatter.serverPort());
    const Outcome o = runToExit({ u"--headless"_s, u"--port"_s, port });
    QVERIFY(o.finished);
    QCOMPARE(o.status, QProcess::NormalExit);
    QVERIFY(o.code != 0);
    QVERIFY2(o.err.count('\n') == 1 && o.err.startsWith("sockscope: "), o.err.constData());
    QVERIFY2(QString::fromUtf8(o.err).contains(port), o.err.constData());
    QVERIFY(!o.out.contains("\"listening\""));
}

// The binary's plain TCP writes take the path this run asks for (CTest runs this suite again
// with SOCKSCOPE_QT_WRITES=1, which the server process inherits): it says which one on its
// transport log category the first time bytes go that way.
void tst_Headless::writePathAsAsked()
{
    Headless h;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"QT_LOGGING_RULES"_s, u"sockscope.transport.debug=true"_s);
    h.proc.setProcessEnvironment(env);
    h.start(contractArgs());
    const quint16 port = h.waitListening();
    QVERIFY(port != 0);
    const Loopback::HttpReply r = Loopback::rawHttp(port, "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n");
    QCOMPARE(r.status, 404);
    const QByteArray direct = "plain TCP writes: send() without Qt's write buffer";
    const QByteArray qt = "plain TCP writes: Qt's socket write buffer";
    QByteArray err;
    QVERIFY(QTest::qWaitFor([&] {
        err += h.proc.readAllStandardError();
        return err.contains(direct) || err.contains(qt);
    }, 5000));
    QCOMPARE(err.contains(direct), WritePath::directAsked());
    QCOMPARE(err.contains(qt), !WritePath::directAsked());
}

QTEST_GUILESS_MAIN(tst_Headless)
#include "tst_headless.moc"
