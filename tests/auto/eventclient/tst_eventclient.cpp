// Loopback integration tests of EventClient: against our EventServer, and against fake servers
// (a raw QWebSocketServer, a silent QTcpServer) that misbehave on purpose.
#include <eventclient.h>
#include <eventserver.h>
#include <namespace.h>
#include <socket.h>
#include <connection.h>

#include "loopback.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

using namespace Qt::StringLiterals;
using namespace Sockscope;

namespace {

/*
    A fake Socket.IO server speaking by hand over QWebSocketServer: it sends the open packet
    with the given timings, answers CONNECT if told to, and never pings unless the test does.
*/
class FakeServer
{
public:
    FakeServer() : ws(u"fake"_s, QWebSocketServer::NonSecureMode)
    {
        QObject::connect(&ws, &QWebSocketServer::newConnection, &ws, [this] {
            while (QWebSocket *peer = ws.nextPendingConnection()) {
                peers.append(peer);
                peer->setParent(&ws);
                QObject::connect(peer, &QWebSocket::textMessageReceived, peer,
                                 [this, peer](const QString &t) {
                                     received.append(t);
                                     if (!connectError.isEmpty() && t.startsWith(u"40"_s))
                                         peer->sendTextMessage(u"44"_s + connectError);
                                     else if (answerConnect && t.startsWith(u"40"_s))
                                         peer->sendTextMessage(uR"(40{"sid":"FAKESOCKETID00000000"})"_s);
                                 });
                if (!openPacket.isEmpty())
                    peer->sendTextMessage(openPacket);
            }
        });
    }
    bool listen() { return ws.listen(Loopback::LocalHost, 0); }
    QUrl url() const { return QUrl(u"http://127.0.0.1:%1/"_s.arg(ws.serverPort())); }
    QWebSocket *last() const { return peers.isEmpty() ? nullptr : peers.last(); }

    QWebSocketServer ws;
    QList<QWebSocket *> peers;
    QStringList received;
    QString openPacket =
            uR"(0{"sid":"FAKECONNECTIONID0000","upgrades":[],"pingInterval":100,"pingTimeout":100,"maxPayload":1000000})"_s;
    bool answerConnect = true;
    QString connectError; // the JSON payload of a CONNECT_ERROR answer, when not empty
};

ServerOptions quietOptions()
{
    ServerOptions o;
    o.pingInterval = 5000;
    o.pingTimeout = 5000;
    return o;
}

} // namespace

class tst_EventClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void connectLifecycle();
    void customPath();
    void namespaceFromUrl();
    void connectErrorFromServer();
    void connectErrorPayloads_data();
    void connectErrorPayloads();
    void connectFailures();
    void connectTimeout();
    void bufferingBeforeConnected();
    void closeDiscardsAndRefuses();
    void handlersAndSignals();
    void ackSignals();
    void ackTimeoutAndCancel();
    void disconnectReasons_data();
    void disconnectReasons();
    void reconnectAfterServerClosesConnection();
    void reconnectBackoffWhileServerDown();
    void reconnectionAttemptsLimit();
    void openWhileReconnecting();
    void binaryAckFromClient();
    void pingTimeoutWhenServerSilent();
    void answersServerPings();
    void parseErrorFromServer();
    void invalidOpenPacket();
    void connectNeverAnswered();
    void burstKeepsOrder();
    void msgpackEndToEnd_data();
    void msgpackEndToEnd();
    void msgpackConnectError_data();
    void msgpackConnectError();
    void msgpackAgainstJsonServer();
    void parserNames();
    void recoveryRestoresSession();
    void recoveryExpiredGivesFreshSocket();
    void recoveryOffChangesNothing();
};

void tst_EventClient::connectLifecycle()
{
    EventServer server(quietOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    EventClient client;
    QCOMPARE(client.state(), EventClient::State::Disconnected);
    QSignalSpy states(&client, &EventClient::stateChanged);
    QSignalSpy opened(&client, &EventClient::opened);
    QSignalSpy connected(&client, &EventClient::connected);
    QSignalSpy serverConnected(&server, &EventServer::socketConnected);
    ClientOptions co;
    co.extraHeaders = { { "X-Trace", "abc" } };
    client.setOptions(co);
    client.setUrl(Loopback::serverUrl(server));
    QCOMPARE(client.namespaceName(), u"/"_s);
    client.open();
    QCOMPARE(client.state(), EventClient::State::Connecting);
    client.open(); // no effect while connecting
    QTRY_COMPARE(connected.size(), 1);

    QCOMPARE(client.state(), EventClient::State::Connected);
    QVERIFY(client.isConnected());
    QCOMPARE(states.size(), 2);
    QCOMPARE(states.at(0).at(0).value<EventClient::State>(), EventClient::State::Connecting);
    QCOMPARE(states.at(1).at(0).value<EventClient::State>(), EventClient::State::Connected);
    QCOMPARE(opened.size(), 1);
    const auto hs = opened.at(0).at(0).value<ClientHandshake>();
    QCOMPARE(hs.open.sid, client.connectionId());
    QCOMPARE(hs.transport, u"websocket"_s);
    QCOMPARE(hs.url.scheme(), u"ws"_s);
    QCOMPARE(hs.url.port(), int(server.serverPort()));
    QCOMPARE(hs.url.path(), u"/socket.io/"_s);
    const QUrlQuery q(hs.url);
    QCOMPARE(q.queryItemValue(u"EIO"_s), u"4"_s);
    QCOMPARE(q.queryItemValue(u"transport"_s), u"websocket"_s);
    QCOMPARE(hs.requestHeaders, co.extraHeaders);
    QCOMPARE(client.handshake().open.pingInterval, 5000);
    QCOMPARE(client.handshake().open.pingTimeout, 5000);
    QCOMPARE(client.handshake().open.maxPayload, server.options().maxPayload);

    QCOMPARE(serverConnected.size(), 1);
    auto *s = serverConnected.at(0).at(0).value<Socket *>();
    QCOMPARE(s->id(), client.id());
    QCOMPARE(s->connection()->id(), client.connectionId());
    QCOMPARE(s->handshake().header("x-trace"), QByteArray("abc"));
    QVERIFY(Loopback::isNodeStyleId(client.id()));
    QVERIFY(client.errorString().isEmpty());
}

void tst_EventClient::customPath()
{
    ServerOptions o = quietOptions();
    o.path = u"/custom-io/"_s;
    EventServer server(o);
    QVERIFY(server.listen(Loopback::LocalHost, 0));

    ClientOptions co;
    co.path = u"/custom-io/"_s;
    auto good = Loopback::connectClient(server, u"/"_s, co);
    QVERIFY(good->isConnected());

    // The default path is not served: the handshake is refused with 404.
    QSignalSpy handshakes(&server, &EventServer::handshakeReceived);
    EventClient wrong;
    QSignalSpy errors(&wrong, &EventClient::connectErrorOccurred);
    wrong.setUrl(Loopback::serverUrl(server));
    wrong.open();
    QTRY_COMPARE(errors.size(), 1);
    QVERIFY(!errors.at(0).at(0).toString().isEmpty());
    QCOMPARE(wrong.state(), EventClient::State::Disconnected);
    QCOMPARE(handshakes.size(), 1);
    QCOMPARE(handshakes.at(0).at(0).value<HandshakeRecord>().statusCode, 404);
}

void tst_EventClient::namespaceFromUrl()
{
    EventServer server(quietOptions());
    server.of(u"/chat"_s);
    QVERIFY(server.listen(Loopback::LocalHost, 0));

    EventClient chat;
    chat.setUrl(QUrl(u"ws://127.0.0.1:%1/chat"_s.arg(server.serverPort())));
    QCOMPARE(chat.namespaceName(), u"/chat"_s);
    chat.open();
    QTRY_VERIFY(chat.isConnected());
    Socket *s = server.socket(chat.id());
    QVERIFY(s);
    QCOMPARE(s->namespaceName(), u"/chat"_s);
    QCOMPARE(server.findNamespace(u"/"_s)->socketCount(), 0);

    // Events stay in their namespace both ways.
    QSignalSpy got(&chat, &EventClient::eventReceived);
    QCOMPARE(server.send(u"for-root"_s), 0);
    server.findNamespace(u"/chat"_s)->send(u"for-chat"_s);
    QTRY_COMPARE(got.size(), 1);
    QCOMPARE(got.at(0).at(0).toString(), u"for-chat"_s);
    QSignalSpy serverGot(&server, &EventServer::eventReceived);
    chat.send(u"up"_s);
    QTRY_COMPARE(serverGot.size(), 1);
    QCOMPARE(serverGot.at(0).at(0).value<Socket *>()->namespaceName(), u"/chat"_s);

    EventClient root;
    root.setUrl(QUrl(u"http://127.0.0.1:%1"_s.arg(server.serverPort()))); // no path at all
    QCOMPARE(root.namespaceName(), u"/"_s);
    root.open();
    QTRY_VERIFY(root.isConnected());
    QCOMPARE(server.socket(root.id())->namespaceName(), u"/"_s);
}

void tst_EventClient::connectErrorFromServer()
{
    EventServer server(quietOptions());
    Namespace *vip = server.of(u"/vip"_s);
    vip->addConnectHook([](Socket *s) {
        if (s->auth().value(u"pass"_s).toString() == u"yes"_s)
            return ConnectDecision::accept();
        return ConnectDecision::refuse(u"members only"_s, QJsonValue(u"see the desk"_s));
    });
    QVERIFY(server.listen(Loopback::LocalHost, 0));

    ClientOptions co;
    co.reconnection = true; // a refusal is final: no retry
    co.reconnectionDelay = 20;
    co.auth.insert(u"pass"_s, u"no"_s);
    EventClient client;
    client.setOptions(co);
    client.setUrl(Loopback::serverUrl(server, u"/vip"_s));
    QSignalSpy errors(&client, &EventClient::connectErrorOccurred);
    QSignalSpy connected(&client, &EventClient::connected);
    QSignalSpy reconnecting(&client, &EventClient::reconnecting);
    QSignalSpy disconnected(&client, &EventClient::disconnected);
    client.open();
    QTRY_COMPARE(errors.size(), 1);
    QCOMPARE(errors.at(0).at(0).toString(), u"members only"_s);
    QCOMPARE(errors.at(0).at(1).toJsonValue(), QJsonValue(u"see the desk"_s));
    QCOMPARE(client.errorString(), u"members only"_s);
    QCOMPARE(client.state(), EventClient::State::Disconnected);
    QVERIFY(!QTest::qWaitFor([&] { return reconnecting.size() > 0; }, 200));
    QCOMPARE(connected.size(), 0);
    QCOMPARE(disconnected.size(), 0); // it never was connected

    // The same client, with the right auth, gets in on open().
    co.auth.insert(u"pass"_s, u"yes"_s);
    client.setOptions(co);
    client.open();
    QTRY_COMPARE(connected.size(), 1);
    QCOMPARE(server.socket(client.id())->auth().value(u"pass"_s).toString(), u"yes"_s);
    QVERIFY(client.errorString().isEmpty());
}

void tst_EventClient::connectErrorPayloads_data()
{
    QTest::addColumn<QString>("payload");
    QTest::addColumn<QString>("message");
    QTest::addColumn<QJsonValue>("data");
    QTest::newRow("object (Socket.IO v5)") << uR"({"message":"Not authorized","data":{"code":7}})"_s
                                           << u"Not authorized"_s << QJsonValue(QJsonObject { { u"code"_s, 7 } });
    QTest::newRow("plain string (other servers)") << uR"("Unable to connect")"_s
                                                  << u"Unable to connect"_s << QJsonValue(QJsonValue::Undefined);
}

void tst_EventClient::connectErrorPayloads()
{
    QFETCH(QString, payload);
    QFETCH(QString, message);
    QFETCH(QJsonValue, data);
    FakeServer fake;
    fake.connectError = payload;
    QVERIFY(fake.listen());
    EventClient client;
    client.setUrl(fake.url());
    QSignalSpy errors(&client, &EventClient::connectErrorOccurred);
    client.open();
    QTRY_COMPARE(errors.size(), 1);
    QCOMPARE(errors.at(0).at(0).toString(), message);
    QCOMPARE(errors.at(0).at(1).toJsonValue(), data);
    QCOMPARE(client.errorString(), message);
    QCOMPARE(client.state(), EventClient::State::Disconnected);
}

void tst_EventClient::connectFailures()
{
    // Nobody listens on this port.
    quint16 port = 0;
    {
        QTcpServer gone;
        QVERIFY(gone.listen(Loopback::LocalHost, 0));
        port = gone.serverPort();
    }
    EventClient refused;
    QSignalSpy errors(&refused, &EventClient::connectErrorOccurred);
    refused.setUrl(QUrl(u"http://127.0.0.1:%1/"_s.arg(port)));
    refused.open();
    QTRY_COMPARE(errors.size(), 1);
    QVERIFY(!errors.at(0).at(0).toString().isEmpty());
    QCOMPARE(refused.errorString(), errors.at(0).at(0).toString());
    QCOMPARE(refused.state(), EventClient::State::Disconnected);

    EventClient scheme;
    QSignalSpy schemeErrors(&scheme, &EventClient::connectErrorOccurred);
    scheme.setUrl(QUrl(u"ftp://127.0.0.1:1/"_s));
    scheme.open();
    QCOMPARE(schemeErrors.size(), 1); // at once
    QVERIFY2(schemeErrors.at(0).at(0).toString().contains(u"ftp"_s),
             qPrintable(schemeErrors.at(0).at(0).toString()));
    QCOMPARE(scheme.state(), EventClient::State::Disconnected);
}

void tst_EventClient::connectTimeout()
{
    // Accepts TCP and never answers the upgrade.
    QTcpServer silent;
    QVERIFY(silent.listen(Loopback::LocalHost, 0));
    ClientOptions co;
    co.timeout = 200;
    EventClient client;
    client.setOptions(co);
    client.setUrl(QUrl(u"http://127.0.0.1:%1/"_s.arg(silent.serverPort())));
    QSignalSpy errors(&client, &EventClient::connectErrorOccurred);
    QElapsedTimer clock;
    clock.start();
    client.open();
    QTRY_COMPARE(errors.size(), 1);
    QVERIFY(clock.elapsed() >= 190);
    QVERIFY2(errors.at(0).at(0).toString().startsWith(u"timeout"_s),
             qPrintable(errors.at(0).at(0).toString()));
    QCOMPARE(client.state(), EventClient::State::Disconnected);
}

void tst_EventClient::bufferingBeforeConnected()
{
    EventServer server(quietOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QStringList order;
    QList<Arguments> serverArgs;
    QObject::connect(&server, &EventServer::socketConnected, &server, [&](Socket *s) {
        s->onAny([&](const QString &e, const Arguments &a, const Ack &ack) {
            order.append(e);
            serverArgs.append(a);
            if (ack.isRequested())
                ack({ QString(u"ok:"_s + e) });
        });
    });

    EventClient client;
    QSignalSpy sent(&client, &EventClient::eventSent);
    client.setUrl(Loopback::serverUrl(server));
    QVERIFY(client.send(u"first"_s, { 1 })); // before open()
    AckResult ackResult;
    const qint64 ackId =
            client.send(u"second"_s, { QByteArray("b") }, [&](const AckResult &r) { ackResult = r; });
    QVERIFY(ackId >= 0);
    client.open();
    QVERIFY(client.send(u"third"_s, { u"three"_s })); // while connecting
    QCOMPARE(client.state(), EventClient::State::Connecting);
    QCOMPARE(sent.size(), 0); // nothing is on the wire yet

    QTRY_COMPARE(order.size(), 3);
    QCOMPARE(order, (QStringList { u"first"_s, u"second"_s, u"third"_s }));
    QCOMPARE(serverArgs.at(1).value(0).toByteArray(), QByteArray("b"));
    QCOMPARE(serverArgs.at(2).value(0).toString(), u"three"_s);
    QCOMPARE(sent.size(), 3);
    QCOMPARE(sent.at(0).at(0).toString(), u"first"_s);
    QCOMPARE(sent.at(0).at(2).toLongLong(), -1);
    QCOMPARE(sent.at(1).at(0).toString(), u"second"_s);
    QCOMPARE(sent.at(1).at(1).value<Arguments>().value(0).toByteArray(), QByteArray("b"));
    QCOMPARE(sent.at(1).at(2).toLongLong(), ackId);
    QTRY_COMPARE(ackResult.ackId, ackId);
    QCOMPARE(ackResult.args.value(0).toString(), u"ok:second"_s);

    // Once connected, sends go out at once.
    QVERIFY(client.send(u"fourth"_s));
    QCOMPARE(sent.size(), 4);
    QTRY_COMPARE(order.size(), 4);
}

void tst_EventClient::closeDiscardsAndRefuses()
{
    EventServer server(quietOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy received(&server, &EventServer::eventReceived);

    EventClient client;
    client.setUrl(Loopback::serverUrl(server));
    AckResult queuedAck;
    client.send(u"queued"_s);
    client.send(u"queued-ack"_s, {}, [&](const AckResult &r) { queuedAck = r; });
    client.close(); // never opened: the queue is dropped, waiting acks cancelled
    QVERIFY(queuedAck.cancelled);
    QVERIFY(!client.send(u"after-close"_s));
    QCOMPARE(client.send(u"after-close"_s, {}, [](const AckResult &) { }), qint64(-1));

    client.open();
    QTRY_VERIFY(client.isConnected());
    client.send(u"marker"_s);
    QTRY_COMPARE(received.size(), 1);
    QCOMPARE(received.at(0).at(1).toString(), u"marker"_s); // nothing from before close()

    QSignalSpy disconnected(&client, &EventClient::disconnected);
    client.close();
    client.close(); // twice is harmless
    QCOMPARE(disconnected.size(), 1);
    QCOMPARE(client.state(), EventClient::State::Disconnected);
    QVERIFY(!client.isConnected());
}

void tst_EventClient::handlersAndSignals()
{
    EventServer server(quietOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    Socket *s = server.socket(client->id());
    QVERIFY(s);

    QStringList calls;
    client->on(u"ev"_s, [&](const Arguments &a) { calls.append(u"simple:"_s + a.value(0).toString()); });
    client->on(u"ev"_s, [&](const Arguments &a, const Ack &ack) {
        QVERIFY(!ack.isRequested());
        ack.reply({ 1 }); // no ack asked: does nothing
        calls.append(u"full:"_s + a.value(0).toString());
    });
    client->onAny([&](const QString &e, const Arguments &, const Ack &) { calls.append(u"any:"_s + e); });
    QSignalSpy signal(client.get(), &EventClient::eventReceived);
    QSignalSpy ackSent(client.get(), &EventClient::ackSent);

    s->send(u"ev"_s, { u"x"_s });
    QTRY_COMPARE(signal.size(), 1);
    QCOMPARE(calls, (QStringList { u"simple:x"_s, u"full:x"_s, u"any:ev"_s }));
    QCOMPARE(signal.at(0).at(0).toString(), u"ev"_s);
    QCOMPARE(signal.at(0).at(1).value<Arguments>().value(0).toString(), u"x"_s);
    QVERIFY(!signal.at(0).at(2).value<Ack>().isRequested());
    QCOMPARE(ackSent.size(), 0);

    client->off(u"ev"_s);
    calls.clear();
    s->send(u"ev"_s, { u"y"_s });
    s->send(u"other"_s);
    QTRY_COMPARE(signal.size(), 3);
    QCOMPARE(calls, (QStringList { u"any:ev"_s, u"any:other"_s }));
}

void tst_EventClient::ackSignals()
{
    EventServer server(quietOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    Socket *s = server.socket(client->id());
    QVERIFY(s);
    QSignalSpy sent(client.get(), &EventClient::eventSent);
    QSignalSpy ackReceived(client.get(), &EventClient::ackReceived);
    QSignalSpy ackSent(client.get(), &EventClient::ackSent);

    s->on(u"echo"_s, [](const Arguments &a, const Ack &ack) { ack(a); });
    const Arguments args = { u"α"_s, QVariantMap { { u"k"_s, QByteArray("\x00\x01", 2) } } };
    int calls = 0;
    AckResult result;
    const qint64 id = client->send(
            u"echo"_s, args,
            [&](const AckResult &r) {
                ++calls;
                result = r;
            },
            3000);
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent.at(0).at(0).toString(), u"echo"_s);
    QCOMPARE(Loopback::display(sent.at(0).at(1).value<Arguments>()), Loopback::display(args));
    QCOMPARE(sent.at(0).at(2).toLongLong(), id);
    QTRY_COMPARE(calls, 1);
    QCOMPARE(Loopback::display(result.args), Loopback::display(args));
    QCOMPARE(ackReceived.size(), 1);
    QCOMPARE(ackReceived.at(0).at(0).toLongLong(), id);
    QCOMPARE(Loopback::display(ackReceived.at(0).at(1).value<Arguments>()),
             Loopback::display(args));
    QCOMPARE(ackReceived.at(0).at(2).toLongLong(), result.elapsedMs);

    // Ack ids are distinct per request.
    const qint64 id2 = client->send(u"echo"_s, { 2 }, [&](const AckResult &) { ++calls; });
    QVERIFY(id2 != id);
    QTRY_COMPARE(calls, 2);

    // The client answering the server: ackSent carries the id and the reply.
    client->on(u"ask"_s, [](const Arguments &, const Ack &ack) { ack({ u"reply"_s, 3 }); });
    AckResult serverResult;
    const qint64 serverId = s->send(u"ask"_s, {}, [&](const AckResult &r) { serverResult = r; });
    QTRY_COMPARE(ackSent.size(), 1);
    QCOMPARE(ackSent.at(0).at(0).toLongLong(), serverId);
    QCOMPARE(Loopback::display(ackSent.at(0).at(1).value<Arguments>()),
             Loopback::display({ u"reply"_s, 3 }));
    QTRY_COMPARE(serverResult.ackId, serverId);
}

void tst_EventClient::ackTimeoutAndCancel()
{
    EventServer server(quietOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    QSignalSpy timedOut(client.get(), &EventClient::ackTimedOut);

    QList<AckResult> results;
    const qint64 quick = client->send(u"void"_s, {}, [&](const AckResult &r) { results.append(r); }, 100);
    const qint64 slow = client->send(u"void"_s, {}, [&](const AckResult &r) { results.append(r); }, 400);
    const qint64 never = client->send(u"void"_s, {}, [&](const AckResult &r) { results.append(r); });
    QTRY_COMPARE(results.size(), 1);
    QCOMPARE(results.at(0).ackId, quick);
    QVERIFY(results.at(0).timedOut);
    QVERIFY(results.at(0).elapsedMs >= 90);
    QTRY_COMPARE(results.size(), 2);
    QCOMPARE(results.at(1).ackId, slow);
    QVERIFY(results.at(1).timedOut);
    QVERIFY(results.at(1).elapsedMs >= 390);
    QCOMPARE(timedOut.size(), 2);
    QCOMPARE(timedOut.at(0).at(0).toLongLong(), quick);
    QCOMPARE(timedOut.at(1).at(0).toLongLong(), slow);

    // The one without timeout is cancelled when the connection is lost.
    server.connection(client->connectionId())->close();
    QTRY_COMPARE(results.size(), 3);
    QCOMPARE(results.at(2).ackId, never);
    QVERIFY(results.at(2).cancelled);
    QVERIFY(!results.at(2).timedOut);
    QCOMPARE(timedOut.size(), 2);
}

void tst_EventClient::disconnectReasons_data()
{
    QTest::addColumn<int>("how");
    QTest::addColumn<QString>("clientReason");
    QTest::addColumn<QString>("serverReason");
    QTest::newRow("client close") << 0 << u"io client disconnect"_s
                                  << u"client namespace disconnect"_s;
    QTest::newRow("server socket close") << 1 << u"io server disconnect"_s
                                         << u"server namespace disconnect"_s;
    QTest::newRow("server connection close") << 2 << u"transport close"_s
                                             << u"forced server close"_s;
    QTest::newRow("server shutdown") << 3 << u"transport close"_s << u"server shutting down"_s;
}

void tst_EventClient::disconnectReasons()
{
    QFETCH(int, how);
    QFETCH(QString, clientReason);
    QFETCH(QString, serverReason);
    EventServer server(quietOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    QSignalSpy disconnected(client.get(), &EventClient::disconnected);
    QSignalSpy states(client.get(), &EventClient::stateChanged);
    QSignalSpy serverGone(&server, &EventServer::socketDisconnected);

    switch (how) {
    case 0: client->close(); break;
    case 1: server.socket(client->id())->close(); break;
    case 2: server.connection(client->connectionId())->close(); break;
    case 3: server.close(); break;
    }
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(disconnected.at(0).at(0).toString(), clientReason);
    QTRY_COMPARE(serverGone.size(), 1);
    QCOMPARE(serverGone.at(0).at(1).toString(), serverReason);
    QCOMPARE(client->state(), EventClient::State::Disconnected);
    QCOMPARE(states.size(), 1);
    QVERIFY(!QTest::qWaitFor([&] { return disconnected.size() > 1; }, 100)); // once
}

void tst_EventClient::reconnectAfterServerClosesConnection()
{
    EventServer server(quietOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    ClientOptions co;
    co.reconnection = true;
    co.reconnectionDelay = 50;
    co.reconnectionDelayMax = 1000;
    co.randomizationFactor = 0;
    co.auth.insert(u"who"_s, u"me"_s);
    auto client = Loopback::connectClient(server, u"/"_s, co);
    QVERIFY(client->isConnected());
    const QString firstId = client->id();
    const QString firstConnection = client->connectionId();
    QSignalSpy reconnecting(client.get(), &EventClient::reconnecting);
    QSignalSpy connected(client.get(), &EventClient::connected);
    QSignalSpy disconnected(client.get(), &EventClient::disconnected);
    QSignalSpy states(client.get(), &EventClient::stateChanged);
    QSignalSpy serverConnected(&server, &EventServer::socketConnected);

    server.connection(firstConnection)->close();
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(disconnected.at(0).at(0).toString(), u"transport close"_s);
    QCOMPARE(reconnecting.size(), 1);
    QCOMPARE(reconnecting.at(0).at(0).toInt(), 1);
    QCOMPARE(reconnecting.at(0).at(1).toInt(), 50);
    QCOMPARE(client->state(), EventClient::State::Reconnecting);
    QVERIFY(client->send(u"while-away"_s, { 7 })); // buffered across the reconnection

    QTRY_COMPARE(connected.size(), 1);
    QVERIFY(client->isConnected());
    QVERIFY(client->id() != firstId);
    QVERIFY(client->connectionId() != firstConnection);
    QCOMPARE(client->reconnectAttempt(), 0);
    QCOMPARE(serverConnected.size(), 1);
    auto *s = serverConnected.at(0).at(0).value<Socket *>();
    QCOMPARE(s->id(), client->id());
    QCOMPARE(s->auth().value(u"who"_s).toString(), u"me"_s); // auth sent again
    QList<EventClient::State> seen;
    for (const auto &args : std::as_const(states))
        seen.append(args.at(0).value<EventClient::State>());
    QCOMPARE(seen, (QList<EventClient::State> { EventClient::State::Disconnected,
                                                EventClient::State::Reconnecting,
                                                EventClient::State::Connecting,
                                                EventClient::State::Connected }));
    QTRY_COMPARE(s->eventsReceived(), quint64(1));
}

void tst_EventClient::reconnectBackoffWhileServerDown()
{
    EventServer server(quietOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    const quint16 port = server.serverPort();
    ClientOptions co;
    co.reconnection = true;
    co.reconnectionDelay = 40;
    co.reconnectionDelayMax = 160;
    co.randomizationFactor = 0;
    auto client = Loopback::connectClient(server, u"/"_s, co);
    QVERIFY(client->isConnected());
    QSignalSpy reconnecting(client.get(), &EventClient::reconnecting);
    QSignalSpy connectErrors(client.get(), &EventClient::connectErrorOccurred);
    QSignalSpy connected(client.get(), &EventClient::connected);

    server.close();
    QTRY_VERIFY_WITH_TIMEOUT(reconnecting.size() >= 5, 5000);
    QList<int> delays;
    for (int i = 0; i < 5; ++i) {
        QCOMPARE(reconnecting.at(i).at(0).toInt(), i + 1);
        delays.append(reconnecting.at(i).at(1).toInt());
    }
    QCOMPARE(delays, (QList<int> { 40, 80, 160, 160, 160 })); // doubling, capped
    QVERIFY(connectErrors.size() >= 4); // each failed attempt is reported
    QCOMPARE(connected.size(), 0);

    // The server comes back on the same port; the next attempt gets in.
    QVERIFY(server.listen(Loopback::LocalHost, port));
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, 5000);
    QVERIFY(client->isConnected());
    QCOMPARE(client->reconnectAttempt(), 0);
    QVERIFY(server.socket(client->id()));

    // With jitter, each delay stays within delay * (1 ± factor).
    co.randomizationFactor = 0.5;
    co.reconnectionDelay = 100;
    co.reconnectionDelayMax = 100;
    client->setOptions(co);
    const int before = int(reconnecting.size());
    server.connection(client->connectionId())->close();
    QTRY_VERIFY(reconnecting.size() > before);
    const int jittered = reconnecting.at(before).at(1).toInt();
    QVERIFY2(jittered >= 50 && jittered <= 100, qPrintable(QString::number(jittered)));
}

void tst_EventClient::reconnectionAttemptsLimit()
{
    EventServer server(quietOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    ClientOptions co;
    co.reconnection = true;
    co.reconnectionAttempts = 2;
    co.reconnectionDelay = 20;
    co.randomizationFactor = 0;
    auto client = Loopback::connectClient(server, u"/"_s, co);
    QVERIFY(client->isConnected());
    QSignalSpy reconnecting(client.get(), &EventClient::reconnecting);
    QSignalSpy errors(client.get(), &EventClient::errorOccurred);

    server.close();
    QTRY_COMPARE(errors.size(), 1);
    QVERIFY2(errors.at(0).at(0).toString().contains(u"gave up after 2"_s),
             qPrintable(errors.at(0).at(0).toString()));
    QCOMPARE(reconnecting.size(), 2);
    QCOMPARE(client->state(), EventClient::State::Disconnected);
    QVERIFY(!QTest::qWaitFor([&] { return reconnecting.size() > 2; }, 200));

    // close() during the backoff stops it.
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    co.reconnectionAttempts = -1;
    co.reconnectionDelay = 300;
    auto other = Loopback::connectClient(server, u"/"_s, co);
    QVERIFY(other->isConnected());
    QSignalSpy otherReconnecting(other.get(), &EventClient::reconnecting);
    QSignalSpy otherConnected(other.get(), &EventClient::connected);
    server.connection(other->connectionId())->close();
    QTRY_COMPARE(otherReconnecting.size(), 1);
    other->close();
    QCOMPARE(other->state(), EventClient::State::Disconnected);
    QVERIFY(!QTest::qWaitFor([&] { return otherConnected.size() > 0; }, 500));
}

void tst_EventClient::openWhileReconnecting()
{
    EventServer server(quietOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    ClientOptions co;
    co.reconnection = true;
    co.reconnectionDelay = 300;
    co.randomizationFactor = 0;
    auto client = Loopback::connectClient(server, u"/"_s, co);
    QVERIFY(client->isConnected());
    QSignalSpy reconnecting(client.get(), &EventClient::reconnecting);
    QSignalSpy connected(client.get(), &EventClient::connected);
    QSignalSpy disconnected(client.get(), &EventClient::disconnected);
    QSignalSpy serverConnected(&server, &EventServer::socketConnected);
    QSignalSpy serverGone(&server, &EventServer::socketDisconnected);

    server.connection(client->connectionId())->close();
    QTRY_COMPARE(reconnecting.size(), 1);
    QCOMPARE(client->state(), EventClient::State::Reconnecting);
    client->open(); // do not wait for the backoff
    QTRY_COMPARE(connected.size(), 1);
    const QString id = client->id();

    // The pending reconnection must not replace the fresh connection when its delay expires.
    QVERIFY(!QTest::qWaitFor([&] { return connected.size() > 1 || disconnected.size() > 1; },
                             700));
    QVERIFY(client->isConnected());
    QCOMPARE(client->id(), id);
    QCOMPARE(serverConnected.size(), 1);
    QCOMPARE(serverGone.size(), 1); // only the connection the server closed
    QVERIFY(server.socket(id));
}

void tst_EventClient::binaryAckFromClient()
{
    EventServer server(quietOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    Socket *s = server.socket(client->id());
    QVERIFY(s);
    const QByteArray blob("\x00\xff\x10" "binary", 9);
    client->on(u"give"_s, [&](const Arguments &, const Ack &ack) {
        ack({ QVariantMap { { u"blob"_s, blob }, { u"n"_s, 1 } }, blob });
    });
    AckResult r;
    s->send(u"give"_s, {}, [&](const AckResult &res) { r = res; }, 3000);
    QTRY_VERIFY(r.ackId >= 0);
    QVERIFY(!r.timedOut);
    QCOMPARE(r.args.size(), 2);
    QCOMPARE(r.args.at(0).toMap().value(u"blob"_s).toByteArray(), blob);
    QCOMPARE(r.args.at(0).toMap().value(u"n"_s).toLongLong(), 1);
    QCOMPARE(r.args.at(1).typeId(), QMetaType::QByteArray);
    QCOMPARE(r.args.at(1).toByteArray(), blob);
}

void tst_EventClient::pingTimeoutWhenServerSilent()
{
    FakeServer fake; // announces pingInterval 100 + pingTimeout 100, then never pings
    QVERIFY(fake.listen());
    EventClient client;
    client.setUrl(fake.url());
    QSignalSpy disconnected(&client, &EventClient::disconnected);
    client.open();
    QTRY_VERIFY(client.isConnected());
    QCOMPARE(client.id(), u"FAKESOCKETID00000000"_s);
    QCOMPARE(client.connectionId(), u"FAKECONNECTIONID0000"_s);
    QCOMPARE(fake.received.value(0), u"40"_s); // CONNECT to "/" without auth
    QElapsedTimer clock;
    clock.start();
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, 2000);
    QCOMPARE(disconnected.at(0).at(0).toString(), u"ping timeout"_s);
    QVERIFY(clock.elapsed() >= 150);
    QCOMPARE(client.state(), EventClient::State::Disconnected);
}

void tst_EventClient::answersServerPings()
{
    FakeServer fake;
    QVERIFY(fake.listen());
    EventClient client;
    client.setUrl(fake.url());
    QSignalSpy disconnected(&client, &EventClient::disconnected);
    client.open();
    QTRY_VERIFY(client.isConnected());

    // Pinging more often than pingInterval + pingTimeout keeps the client alive well past it.
    QElapsedTimer clock;
    clock.start();
    int pings = 0;
    while (clock.elapsed() < 800) {
        fake.last()->sendTextMessage(u"2"_s);
        ++pings;
        const int pongs = int(fake.received.count(u"3"_s));
        QTRY_COMPARE(fake.received.count(u"3"_s), pongs + 1);
    }
    QVERIFY(pings >= 4);
    QCOMPARE(disconnected.size(), 0);
    QVERIFY(client.isConnected());
}

void tst_EventClient::parseErrorFromServer()
{
    FakeServer fake;
    fake.openPacket.replace(u"100"_s, u"5000"_s);
    QVERIFY(fake.listen());
    ClientOptions co;
    co.auth.insert(u"k"_s, 1);
    EventClient client;
    client.setOptions(co);
    client.setUrl(fake.url());
    QSignalSpy disconnected(&client, &EventClient::disconnected);
    QSignalSpy errors(&client, &EventClient::errorOccurred);
    QSignalSpy got(&client, &EventClient::eventReceived);
    client.open();
    QTRY_VERIFY(client.isConnected());
    QCOMPARE(fake.received.value(0), uR"(40{"k":1})"_s);

    // A well-formed event first, then garbage.
    fake.last()->sendTextMessage(uR"(42["fine",1])"_s);
    QTRY_COMPARE(got.size(), 1);
    fake.last()->sendTextMessage(u"4garbage"_s);
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(disconnected.at(0).at(0).toString(), u"parse error"_s);
    QCOMPARE(errors.size(), 1);
    QVERIFY(!errors.at(0).at(0).toString().isEmpty());
    QCOMPARE(got.size(), 1);
}

void tst_EventClient::invalidOpenPacket()
{
    FakeServer fake;
    fake.openPacket = u"0not json"_s;
    QVERIFY(fake.listen());
    EventClient client;
    client.setUrl(fake.url());
    QSignalSpy errors(&client, &EventClient::connectErrorOccurred);
    client.open();
    QTRY_COMPARE(errors.size(), 1);
    QVERIFY2(errors.at(0).at(0).toString().contains(u"open packet"_s),
             qPrintable(errors.at(0).at(0).toString()));
    QCOMPARE(client.state(), EventClient::State::Disconnected);
    QVERIFY(fake.received.isEmpty()); // no CONNECT after a bad open
}

void tst_EventClient::connectNeverAnswered()
{
    FakeServer fake; // sends the open packet, ignores CONNECT
    fake.answerConnect = false;
    fake.openPacket.replace(u"100"_s, u"5000"_s);
    QVERIFY(fake.listen());
    ClientOptions co;
    co.timeout = 300;
    EventClient client;
    client.setOptions(co);
    client.setUrl(fake.url());
    QSignalSpy opened(&client, &EventClient::opened);
    QSignalSpy errors(&client, &EventClient::connectErrorOccurred);
    client.open();
    QTRY_COMPARE(opened.size(), 1);
    QTRY_COMPARE(errors.size(), 1);
    QVERIFY(errors.at(0).at(0).toString().startsWith(u"timeout"_s));
    QCOMPARE(fake.received, QStringList { u"40"_s });
    QCOMPARE(client.state(), EventClient::State::Disconnected);
    QTRY_VERIFY(fake.last()->state() == QAbstractSocket::UnconnectedState);
}

void tst_EventClient::burstKeepsOrder()
{
    EventServer server(quietOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    Socket *s = server.socket(client->id());
    QVERIFY(s);
    constexpr int N = 3000;
    QList<qint64> up, down;
    s->on(u"seq"_s, [&](const Arguments &a) { up.append(a.value(0).toLongLong()); });
    client->on(u"seq"_s, [&](const Arguments &a) { down.append(a.value(0).toLongLong()); });
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < N; ++i) {
        client->send(u"seq"_s, { i, u"payload"_s });
        s->send(u"seq"_s, { i, QByteArray(16, char(i)) });
    }
    QTRY_COMPARE_WITH_TIMEOUT(up.size(), N, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(down.size(), N, 20000);
    for (int i = 0; i < N; ++i) {
        QCOMPARE(up.at(i), i);
        QCOMPARE(down.at(i), i);
    }
    QVERIFY2(clock.elapsed() < 15000, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(s->eventsReceived(), quint64(N));
    QVERIFY(client->isConnected());
}

QTEST_GUILESS_MAIN(tst_EventClient)
#include "tst_eventclient.moc"

void tst_EventClient::msgpackEndToEnd_data()
{
    QTest::addColumn<ServerOptions::Parser>("serverParser");
    QTest::addColumn<ClientOptions::Transport>("transport");
    QTest::addColumn<QString>("finalTransport");
    using P = ServerOptions::Parser;
    using T = ClientOptions::Transport;
    QTest::newRow("msgpack server, websocket") << P::Msgpack << T::WebSocket << u"websocket"_s;
    QTest::newRow("msgpack server, polling") << P::Msgpack << T::Polling << u"polling"_s;
    QTest::newRow("msgpack server, upgrade") << P::Msgpack << T::Auto << u"websocket"_s;
    QTest::newRow("auto server, websocket") << P::Auto << T::WebSocket << u"websocket"_s;
    QTest::newRow("auto server, polling") << P::Auto << T::Polling << u"polling"_s;
}

// Events with binary in any position, acks both ways (with binary), over msgpack.
void tst_EventClient::msgpackEndToEnd()
{
    QFETCH(ServerOptions::Parser, serverParser);
    QFETCH(ClientOptions::Transport, transport);
    QFETCH(QString, finalTransport);
    ServerOptions so = quietOptions();
    so.parser = serverParser;
    EventServer server(so);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    ClientOptions co;
    co.parser = ClientOptions::Parser::Msgpack;
    co.transport = transport;
    auto client = Loopback::connectClient(server, u"/"_s, co);
    QVERIFY2(client->isConnected(), qPrintable(client->errorString()));
    Socket *s = server.socket(client->id());
    QVERIFY(s);
    // The server decoded our CONNECT as msgpack (under auto, that picked the format).
    QCOMPARE(s->connection()->parserName(), u"msgpack"_s);
    if (transport == ClientOptions::Transport::Auto)
        QTRY_COMPARE(client->handshake().transport, finalTransport);

    const QByteArray blob("\x00\xff\x10" "bin\x1e", 8);
    const Arguments mixed = { u"α"_s, blob, QVariantMap { { u"k"_s, blob }, { u"n"_s, 7 } },
                              QVariantList { 1, blob }, QVariant() };

    // Server to client: an event with binary anywhere.
    QSignalSpy received(client.get(), &EventClient::eventReceived);
    s->send(u"mixed"_s, mixed);
    QTRY_COMPARE(received.size(), 1);
    QCOMPARE(received.at(0).at(0).toString(), u"mixed"_s);
    const Arguments got = received.at(0).at(1).value<Arguments>();
    QCOMPARE(Loopback::display(got), Loopback::display(mixed));
    QCOMPARE(got.at(1).typeId(), QMetaType::QByteArray);
    QCOMPARE(got.at(1).toByteArray(), blob);
    QCOMPARE(got.at(2).toMap().value(u"k"_s).toByteArray(), blob);

    // Client to server, asking an ack that the server answers with binary.
    Arguments serverGot;
    s->on(u"echo"_s, [&](const Arguments &a, const Ack &ack) {
        serverGot = a;
        ack({ blob, u"ok"_s });
    });
    AckResult result;
    const qint64 id = client->send(u"echo"_s, mixed, [&](const AckResult &r) { result = r; }, 3000);
    QVERIFY(id >= 0);
    QTRY_COMPARE(result.ackId, id);
    QVERIFY(!result.timedOut);
    QCOMPARE(Loopback::display(serverGot), Loopback::display(mixed));
    QCOMPARE(serverGot.at(1).toByteArray(), blob);
    QCOMPARE(result.args.size(), 2);
    QCOMPARE(result.args.at(0).toByteArray(), blob);
    QCOMPARE(result.args.at(1).toString(), u"ok"_s);

    // The server asking, the client answering with binary.
    client->on(u"give"_s, [&](const Arguments &a, const Ack &ack) { ack({ a.value(0), blob }); });
    AckResult fromClient;
    s->send(u"give"_s, { 42 }, [&](const AckResult &r) { fromClient = r; }, 3000);
    QTRY_VERIFY(fromClient.ackId >= 0);
    QVERIFY(!fromClient.timedOut);
    QCOMPARE(fromClient.args.size(), 2);
    QCOMPARE(fromClient.args.at(0).toLongLong(), 42);
    QCOMPARE(fromClient.args.at(1).typeId(), QMetaType::QByteArray);
    QCOMPARE(fromClient.args.at(1).toByteArray(), blob);
    QCOMPARE(client->handshake().transport, finalTransport);

    // A clean close reaches the server as the client's DISCONNECT, over either transport
    // (over polling the pending GET stays open until the farewell POST is answered).
    QSignalSpy gone(&server, &EventServer::socketDisconnected);
    client->close();
    QTRY_COMPARE(gone.size(), 1);
    QCOMPARE(gone.at(0).at(1).toString(), u"client namespace disconnect"_s);
}

void tst_EventClient::msgpackConnectError_data()
{
    QTest::addColumn<ServerOptions::Parser>("serverParser");
    QTest::addColumn<ClientOptions::Transport>("transport");
    using P = ServerOptions::Parser;
    using T = ClientOptions::Transport;
    QTest::newRow("msgpack server, websocket") << P::Msgpack << T::WebSocket;
    QTest::newRow("msgpack server, polling") << P::Msgpack << T::Polling;
    QTest::newRow("auto server, websocket") << P::Auto << T::WebSocket;
    QTest::newRow("auto server, polling") << P::Auto << T::Polling;
}

// CONNECT with auth and CONNECT_ERROR {message, data} over msgpack.
void tst_EventClient::msgpackConnectError()
{
    QFETCH(ServerOptions::Parser, serverParser);
    QFETCH(ClientOptions::Transport, transport);
    ServerOptions so = quietOptions();
    so.parser = serverParser;
    EventServer server(so);
    Namespace *vip = server.of(u"/vip"_s);
    vip->addConnectHook([](Socket *s) {
        if (s->auth().value(u"pass"_s).toString() == u"yes"_s)
            return ConnectDecision::accept();
        return ConnectDecision::refuse(u"members only"_s,
                                       QJsonObject { { u"desk"_s, 3 } });
    });
    QVERIFY(server.listen(Loopback::LocalHost, 0));

    ClientOptions co;
    co.parser = ClientOptions::Parser::Msgpack;
    co.transport = transport;
    co.auth.insert(u"pass"_s, u"no"_s);
    EventClient client;
    client.setOptions(co);
    client.setUrl(Loopback::serverUrl(server, u"/vip"_s));
    QSignalSpy errors(&client, &EventClient::connectErrorOccurred);
    QSignalSpy connected(&client, &EventClient::connected);
    client.open();
    QTRY_COMPARE(errors.size(), 1);
    QCOMPARE(errors.at(0).at(0).toString(), u"members only"_s);
    QCOMPARE(errors.at(0).at(1).toJsonValue(), QJsonValue(QJsonObject { { u"desk"_s, 3 } }));
    QCOMPARE(connected.size(), 0);

    co.auth.insert(u"pass"_s, u"yes"_s);
    client.setOptions(co);
    client.open();
    QTRY_COMPARE(connected.size(), 1);
    Socket *s = server.socket(client.id());
    QVERIFY(s);
    QCOMPARE(s->auth().value(u"pass"_s).toString(), u"yes"_s);
    QCOMPARE(s->connection()->parserName(), u"msgpack"_s);
}

// A msgpack client and a server that speaks JSON only cannot agree: a parse error, not a hang.
void tst_EventClient::msgpackAgainstJsonServer()
{
    ServerOptions so = quietOptions();
    so.parser = ServerOptions::Parser::Json;
    EventServer server(so);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    ClientOptions co;
    co.parser = ClientOptions::Parser::Msgpack;
    co.timeout = 3000;
    EventClient client;
    client.setOptions(co);
    client.setUrl(Loopback::serverUrl(server));
    QSignalSpy errors(&client, &EventClient::connectErrorOccurred);
    QSignalSpy connected(&client, &EventClient::connected);
    client.open();
    QTRY_COMPARE(errors.size(), 1);
    QCOMPARE(connected.size(), 0);
    QCOMPARE(client.state(), EventClient::State::Disconnected);
}

void tst_EventClient::parserNames()
{
    using P = ClientOptions::Parser;
    QCOMPARE(ClientOptions::toString(P::Json), u"json"_s);
    QCOMPARE(ClientOptions::toString(P::Msgpack), u"msgpack"_s);
    P p = P::Json;
    QVERIFY(ClientOptions::fromString(u"msgpack"_s, &p));
    QCOMPARE(p, P::Msgpack);
    QVERIFY(ClientOptions::fromString(u"json"_s, &p));
    QCOMPARE(p, P::Json);
    QVERIFY(!ClientOptions::fromString(u"auto"_s, &p));
    QVERIFY(!ClientOptions::fromString(u"MSGPACK"_s, &p));
    QCOMPARE(ClientOptions().parser, P::Json);
}

namespace {

struct Received
{
    QString event;
    Arguments args;
    QString offset;
    bool connectedYet;
};

// A client that records what it receives, with the offset EventClient took off each event.
std::unique_ptr<EventClient> recordingClient(const EventServer &server, QList<Received> *received,
                                             int reconnectionDelay)
{
    ClientOptions co;
    co.reconnection = true;
    co.reconnectionDelay = reconnectionDelay;
    co.reconnectionDelayMax = reconnectionDelay;
    co.randomizationFactor = 0;
    auto client = std::make_unique<EventClient>();
    EventClient *c = client.get();
    client->onAny([c, received](const QString &event, const Arguments &args, const Ack &) {
        received->append({ event, args, c->eventOffset(), c->isConnected() });
    });
    client->setUrl(Loopback::serverUrl(server, u"/"_s));
    client->setOptions(co);
    client->open();
    (void)QTest::qWaitFor([&] { return client->isConnected(); }, 5000);
    return client;
}

} // namespace

// Against our server with recovery on: the transport is closed by the server (a forced close,
// which keeps the session), events go to the client's room while it is away, and its own
// reconnection takes the session back: same id, connected(true), the missed events in order
// and delivered ahead of connected(), no offset among the arguments.
void tst_EventClient::recoveryRestoresSession()
{
    ServerOptions o = quietOptions();
    o.maxDisconnectionDuration = 5000;
    EventServer server(o);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    connect(&server, &EventServer::socketConnected, &server, [](Socket *s) {
        if (!s->isRecovered())
            s->join(u"news"_s);
    });
    QList<Received> received;
    auto client = recordingClient(server, &received, 200);
    QVERIFY(client->isConnected());
    QVERIFY(!client->isRecovered());
    QVERIFY(!client->recoveryId().isEmpty()); // the pid of the CONNECT reply
    const QString firstId = client->id();
    const QString firstConnection = client->connectionId();
    Namespace *root = server.of(u"/"_s);
    root->to(u"news"_s).send(u"seen"_s, { 0, u"zero"_s });
    QTRY_COMPARE(received.size(), 1);
    QCOMPARE(received.at(0).args, (Arguments { 0, u"zero"_s })); // the offset taken off
    QVERIFY(!received.at(0).offset.isEmpty());
    QCOMPARE(client->lastOffset(), received.at(0).offset);
    QVERIFY(client->eventOffset().isEmpty()); // only while an event is delivered

    QSignalSpy disconnected(client.get(), &EventClient::disconnected);
    QSignalSpy serverConnected(&server, &EventServer::socketConnected);
    qsizetype receivedAtConnected = -1;
    bool recoveredFlag = false;
    connect(client.get(), &EventClient::connected, client.get(), [&](bool recovered) {
        receivedAtConnected = received.size();
        recoveredFlag = recovered;
    });
    server.connection(firstConnection)->close(); // a forced server close: recoverable
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(client->state(), EventClient::State::Reconnecting);
    // Sent while it is away (its reconnection waits 200 ms).
    root->to(u"news"_s).send(u"missed"_s, { 1 });
    root->to(u"news"_s).send(u"missed"_s, { 2, u"two"_s });
    root->to(u"other"_s).send(u"notForIt"_s, { 9 });
    root->to(u"news"_s).send(u"missed"_s, { 3 });

    QTRY_VERIFY(receivedAtConnected >= 0);
    QVERIFY(recoveredFlag);
    QVERIFY(client->isRecovered());
    QCOMPARE(client->id(), firstId);
    QVERIFY(client->connectionId() != firstConnection);
    QCOMPARE(serverConnected.size(), 1);
    QVERIFY(serverConnected.at(0).at(0).value<Socket *>()->isRecovered());
    QCOMPARE(receivedAtConnected, 4); // the replay came ahead of connected()
    QCOMPARE(received.size(), 4);
    QStringList offsets;
    for (int i = 1; i < 4; ++i) {
        QCOMPARE(received.at(i).event, u"missed"_s);
        QVERIFY(received.at(i).connectedYet); // held until the reply, then delivered
        QVERIFY2(!received.at(i).offset.isEmpty(), qPrintable(QString::number(i)));
        offsets.append(received.at(i).offset);
    }
    QCOMPARE(received.at(1).args, (Arguments { 1 }));
    QCOMPARE(received.at(2).args, (Arguments { 2, u"two"_s }));
    QCOMPARE(received.at(3).args, (Arguments { 3 }));
    QCOMPARE(QSet<QString>(offsets.begin(), offsets.end()).size(), 3);
    QCOMPARE(client->lastOffset(), offsets.last());

    // After the recovery, events still come with their offsets taken off.
    root->to(u"news"_s).send(u"after"_s, { 4 });
    QTRY_COMPARE(received.size(), 5);
    QCOMPARE(received.at(4).args, (Arguments { 4 }));
    QVERIFY(!received.at(4).offset.isEmpty());
}

// The session expired before the client came back: a fresh socket, nothing replayed.
void tst_EventClient::recoveryExpiredGivesFreshSocket()
{
    ServerOptions o = quietOptions();
    o.maxDisconnectionDuration = 50;
    EventServer server(o);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    connect(&server, &EventServer::socketConnected, &server,
            [](Socket *s) { s->join(u"news"_s); });
    QList<Received> received;
    auto client = recordingClient(server, &received, 600); // comes back after the session
    QVERIFY(client->isConnected());
    const QString firstId = client->id();
    const QString firstPid = client->recoveryId();
    Namespace *root = server.of(u"/"_s);
    root->to(u"news"_s).send(u"seen"_s, { 0 });
    QTRY_COMPARE(received.size(), 1);

    QSignalSpy connected(client.get(), &EventClient::connected);
    server.connection(client->connectionId())->close();
    QTRY_COMPARE(client->state(), EventClient::State::Reconnecting);
    root->to(u"news"_s).send(u"missed"_s, { 1 });
    QTRY_COMPARE(connected.size(), 1);
    QCOMPARE(connected.at(0).at(0).toBool(), false);
    QVERIFY(!client->isRecovered());
    QVERIFY(client->id() != firstId);
    QVERIFY(!client->recoveryId().isEmpty());
    QVERIFY(client->recoveryId() != firstPid);
    root->to(u"news"_s).send(u"fresh"_s, { 2 });
    QTRY_COMPARE(received.size(), 2);
    QCOMPARE(received.at(1).event, u"fresh"_s); // "missed" was not replayed
    QCOMPARE(received.at(1).args, (Arguments { 2 }));
}

// Recovery off on the server: no pid, a trailing string stays an argument, and a
// reconnection gives a fresh socket.
void tst_EventClient::recoveryOffChangesNothing()
{
    EventServer server(quietOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QList<Received> received;
    auto client = recordingClient(server, &received, 50);
    QVERIFY(client->isConnected());
    QVERIFY(client->recoveryId().isEmpty());
    const QString firstId = client->id();
    server.of(u"/"_s)->send(u"plain"_s, { 1, u"tail"_s });
    QTRY_COMPARE(received.size(), 1);
    QCOMPARE(received.at(0).args, (Arguments { 1, u"tail"_s }));
    QVERIFY(received.at(0).offset.isEmpty());
    QVERIFY(client->lastOffset().isEmpty());

    QSignalSpy connected(client.get(), &EventClient::connected);
    server.connection(client->connectionId())->close();
    QTRY_COMPARE(connected.size(), 1);
    QCOMPARE(connected.at(0).at(0).toBool(), false);
    QVERIFY(!client->isRecovered());
    QVERIFY(client->id() != firstId);
}
