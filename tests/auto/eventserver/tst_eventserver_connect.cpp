// EventServer on loopback: heartbeats, connecting to namespaces, connect hooks and the connect
// timeout.
// Our EventClient, raw WebSocket peers and raw TCP requests against a real server on 127.0.0.1.
#include <connection.h>
#include <eventclient.h>
#include <eventserver.h>
#include <namespace.h>
#include <socket.h>

#include "loopback.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Sockscope;
using Loopback::RawPeer;
using Loopback::fastOptions;

class tst_EventServerConnect : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void heartbeatDropsSilentPeer();
    void heartbeatKeepsEventClient();
    void connectTimeoutClosesIdleConnection();
    void invalidNamespaceKeepsConnection();
    void rawPeerSeveralNamespaces();
    void connectHookSeesAuthAndRefuses();
    void repeatedConnectKeepsSocket();
    void namespaceNamesNormalised();
    void closeWhileConnecting();
};

// ---------------------------------------------------------------------------------------------

void tst_EventServerConnect::heartbeatDropsSilentPeer()
{
    ServerOptions o = fastOptions();
    o.pingInterval = 100;
    o.pingTimeout = 100;
    EventServer server(o);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy closed(&server, &EventServer::connectionClosed);
    QSignalSpy gone(&server, &EventServer::socketDisconnected);

    RawPeer peer; // never answers "2"
    peer.open(server.serverPort());
    QVERIFY(!peer.waitOpen().isEmpty());
    peer.send(u"40"_s);
    QVERIFY(!peer.waitText(u"40{"_s, true).isNull());

    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, 3000);
    QCOMPARE(closed.at(0).at(1).toString(), u"ping timeout"_s);
    QCOMPARE(gone.size(), 1);
    QCOMPARE(gone.at(0).at(1).toString(), u"ping timeout"_s);
    QVERIFY(peer.texts.contains(u"2"_s)); // it was pinged
    QVERIFY(peer.waitClosed());
    QVERIFY(server.connections().isEmpty());

    // A raw peer that does answer is kept past several intervals.
    RawPeer polite;
    polite.autoPong = true;
    polite.open(server.serverPort());
    QVERIFY(!polite.waitOpen().isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(polite.texts.count(u"2"_s) >= 4, 3000);
    QVERIFY(!polite.closed);
    QCOMPARE(closed.size(), 1);
}

void tst_EventServerConnect::heartbeatKeepsEventClient()
{
    ServerOptions o = fastOptions();
    o.pingInterval = 100;
    o.pingTimeout = 100;
    EventServer server(o);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy closed(&server, &EventServer::connectionClosed);
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    QSignalSpy disconnected(client.get(), &EventClient::disconnected);
    Connection *c = server.connection(client->connectionId());
    QVERIFY(c);
    QSignalSpy rtt(c, &Connection::pingRoundTripMeasured);
    QCOMPARE(c->lastPingRoundTrip(), -1);

    QTRY_VERIFY_WITH_TIMEOUT(rtt.size() >= 6, 5000); // more than 3 x (interval + timeout)
    QVERIFY(c->lastPingRoundTrip() >= 0);
    QVERIFY(client->isConnected());
    QCOMPARE(disconnected.size(), 0);
    QCOMPARE(closed.size(), 0);

    // Still usable after all those intervals.
    QSignalSpy received(&server, &EventServer::eventReceived);
    client->send(u"still-here"_s, { 1 });
    QTRY_COMPARE(received.size(), 1);
}

void tst_EventServerConnect::connectTimeoutClosesIdleConnection()
{
    ServerOptions o = fastOptions();
    o.connectTimeout = 200;
    EventServer server(o);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy closed(&server, &EventServer::connectionClosed);
    QSignalSpy errors(&server, &EventServer::errorOccurred);

    RawPeer idle; // opens the Engine.IO session, never sends CONNECT
    idle.autoPong = true;
    idle.open(server.serverPort());
    QVERIFY(!idle.waitOpen().isEmpty());

    RawPeer joined; // sends CONNECT at once: the timeout does not apply to it
    joined.autoPong = true;
    joined.open(server.serverPort());
    QVERIFY(!joined.waitOpen().isEmpty());
    joined.send(u"40"_s);
    QVERIFY(!joined.waitText(u"40{"_s, true).isNull());

    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, 3000);
    QCOMPARE(closed.at(0).at(1).toString(), u"connect timeout"_s);
    QVERIFY(idle.waitClosed());
    QVERIFY(!errors.isEmpty());
    QCOMPARE(server.connections().size(), 1);
    QVERIFY(!joined.closed);
    QVERIFY(!QTest::qWaitFor([&] { return joined.closed; }, 400)); // past the timeout, still open
}

void tst_EventServerConnect::invalidNamespaceKeepsConnection()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy refused(&server, &EventServer::connectRefused);
    QSignalSpy connected(&server, &EventServer::socketConnected);
    QSignalSpy closed(&server, &EventServer::connectionClosed);

    RawPeer peer;
    peer.open(server.serverPort());
    const QString sid = peer.waitOpen().value(u"sid"_s).toString();
    QVERIFY(!sid.isEmpty());
    peer.send(u"40/nope,"_s);
    QCOMPARE(peer.waitText(u"44/nope,"_s, true),
             uR"(44/nope,{"message":"Invalid namespace"})"_s);
    QCOMPARE(refused.size(), 1);
    QCOMPARE(refused.at(0).at(0).toString(), sid);
    QCOMPARE(refused.at(0).at(1).toString(), u"/nope"_s);
    QCOMPARE(refused.at(0).at(2).toString(), u"Invalid namespace"_s);

    // The same connection is still usable.
    peer.send(u"40"_s);
    const QString answer = peer.waitText(u"40{"_s, true);
    QVERIFY(!answer.isNull());
    const QString socketId =
            QJsonDocument::fromJson(answer.mid(2).toUtf8()).object().value(u"sid"_s).toString();
    QVERIFY(Loopback::isNodeStyleId(socketId));
    QCOMPARE(connected.size(), 1);
    Socket *s = server.socket(socketId);
    QVERIFY(s);
    QCOMPARE(s->connection()->id(), sid);
    QCOMPARE(closed.size(), 0);
    QVERIFY(!peer.closed);

    // An EventClient on an undeclared namespace is told so, and does not retry.
    ClientOptions co;
    co.reconnection = true;
    co.reconnectionDelay = 50;
    EventClient client;
    client.setOptions(co);
    QSignalSpy errors(&client, &EventClient::connectErrorOccurred);
    QSignalSpy reconnecting(&client, &EventClient::reconnecting);
    client.setUrl(Loopback::serverUrl(server, u"/nope"_s));
    client.open();
    QTRY_COMPARE(errors.size(), 1);
    QCOMPARE(errors.at(0).at(0).toString(), u"Invalid namespace"_s);
    QCOMPARE(client.state(), EventClient::State::Disconnected);
    QCOMPARE(reconnecting.size(), 0);
}

void tst_EventServerConnect::rawPeerSeveralNamespaces()
{
    EventServer server(fastOptions());
    server.of(u"/chat"_s);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy connected(&server, &EventServer::socketConnected);
    QSignalSpy gone(&server, &EventServer::socketDisconnected);

    RawPeer peer;
    peer.open(server.serverPort());
    const QString sid = peer.waitOpen().value(u"sid"_s).toString();
    peer.send(u"40"_s);
    peer.send(u"40/chat,"_s);
    QVERIFY(!peer.waitText(u"40{"_s, true).isNull());
    QVERIFY(!peer.waitText(u"40/chat,{"_s, true).isNull());
    QCOMPARE(connected.size(), 2);
    Connection *c = server.connection(sid);
    QVERIFY(c);
    QCOMPARE(c->sockets().size(), 2);

    // Events are routed by namespace.
    QSignalSpy received(&server, &EventServer::eventReceived);
    peer.send(uR"(42/chat,["hi",1])"_s);
    QTRY_COMPARE(received.size(), 1);
    QCOMPARE(received.at(0).at(0).value<Socket *>()->namespaceName(), u"/chat"_s);

    // Leaving one namespace keeps the other and the connection.
    peer.send(u"41/chat,"_s);
    QTRY_COMPARE(gone.size(), 1);
    QCOMPARE(gone.at(0).at(1).toString(), u"client namespace disconnect"_s);
    QTRY_COMPARE(c->sockets().size(), 1);
    QCOMPARE(server.findNamespace(u"/chat"_s)->socketCount(), 0);
    peer.send(uR"(42["still",2])"_s);
    QTRY_COMPARE(received.size(), 2);
    QCOMPARE(received.at(1).at(1).toString(), u"still"_s);
    QVERIFY(!peer.closed);

    // Joining "/chat" again makes a new socket.
    const int answers = int(peer.texts.filter(u"40/chat,{"_s).size());
    peer.send(u"40/chat,"_s);
    QTRY_COMPARE(peer.texts.filter(u"40/chat,{"_s).size(), answers + 1);
    const QStringList chatAnswers = peer.texts.filter(u"40/chat,{"_s);
    QVERIFY(chatAnswers.first() != chatAnswers.last());
    QCOMPARE(connected.size(), 3);
    QCOMPARE(server.findNamespace(u"/chat"_s)->socketCount(), 1);
}

void tst_EventServerConnect::connectHookSeesAuthAndRefuses()
{
    EventServer server(fastOptions());
    Namespace *admin = server.of(u"/admin"_s);
    QJsonObject seenAuth;
    HandshakeRecord seenHandshake;
    admin->addConnectHook([&](Socket *s) {
        seenAuth = s->auth();
        seenHandshake = s->handshake();
        if (s->auth().value(u"token"_s).toString() == u"open sesame"_s)
            return ConnectDecision::accept();
        QJsonObject data;
        data.insert(u"retry"_s, false);
        data.insert(u"code"_s, 4031);
        return ConnectDecision::refuse(u"not authorized"_s, data);
    });
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy refused(&server, &EventServer::connectRefused);
    QSignalSpy connected(&server, &EventServer::socketConnected);

    ClientOptions bad;
    bad.auth.insert(u"token"_s, u"guess"_s);
    EventClient refusedClient;
    refusedClient.setOptions(bad);
    refusedClient.setUrl(Loopback::serverUrl(server, u"/admin"_s));
    QSignalSpy connectErrors(&refusedClient, &EventClient::connectErrorOccurred);
    refusedClient.open();
    QTRY_COMPARE(connectErrors.size(), 1);
    QCOMPARE(connectErrors.at(0).at(0).toString(), u"not authorized"_s);
    const QJsonObject data = connectErrors.at(0).at(1).toJsonValue().toObject();
    QCOMPARE(data.value(u"code"_s).toInt(), 4031);
    QCOMPARE(data.value(u"retry"_s).toBool(true), false);
    QCOMPARE(refusedClient.errorString(), u"not authorized"_s);
    QVERIFY(!refusedClient.isConnected());
    QCOMPARE(seenAuth.value(u"token"_s).toString(), u"guess"_s);
    QCOMPARE(refused.size(), 1);
    QCOMPARE(refused.at(0).at(1).toString(), u"/admin"_s);
    QCOMPARE(refused.at(0).at(2).toString(), u"not authorized"_s);
    QCOMPARE(connected.size(), 0);
    QCOMPARE(admin->socketCount(), 0);

    ClientOptions good;
    good.auth.insert(u"token"_s, u"open sesame"_s);
    good.auth.insert(u"n"_s, 7);
    auto client = Loopback::connectClient(server, u"/admin"_s, good);
    QVERIFY(client->isConnected());
    QCOMPARE(seenAuth, good.auth);
    QCOMPARE(seenHandshake.connectionId, client->connectionId());
    Socket *s = server.socket(client->id());
    QVERIFY(s);
    QCOMPARE(s->auth(), good.auth);
    QCOMPARE(admin->socketCount(), 1);
    QCOMPARE(connected.size(), 1);
}

void tst_EventServerConnect::repeatedConnectKeepsSocket()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy connected(&server, &EventServer::socketConnected);
    RawPeer peer;
    peer.open(server.serverPort());
    QVERIFY(!peer.waitOpen().isEmpty());
    peer.send(u"40"_s);
    QTRY_COMPARE(peer.texts.filter(u"40{"_s).size(), 1);
    peer.send(u"40"_s);
    QTRY_COMPARE(peer.texts.filter(u"40{"_s).size(), 2);
    const QStringList answers = peer.texts.filter(u"40{"_s);
    QCOMPARE(answers.at(0), answers.at(1)); // the same sid
    QCOMPARE(connected.size(), 1);
    QCOMPARE(server.findNamespace(u"/"_s)->socketCount(), 1);
}

void tst_EventServerConnect::namespaceNamesNormalised()
{
    EventServer server(fastOptions());
    Namespace *chat = server.of(u"chat"_s);
    QCOMPARE(chat->name(), u"/chat"_s);
    QCOMPARE(server.of(u"/chat"_s), chat);
    QCOMPARE(server.of(QString())->name(), u"/"_s);
    QCOMPARE(server.findNamespace(u"/chat"_s), chat);
    QVERIFY(!server.findNamespace(u"/missing"_s));
    QCOMPARE(server.namespaces().size(), 2);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server, u"/chat"_s);
    QVERIFY(client->isConnected());
    QCOMPARE(chat->socketCount(), 1);
}

void tst_EventServerConnect::closeWhileConnecting()
{
    // A listener of the namespace's socketConnected disconnects the socket at once: the
    // server-wide signals must not report it connected after it is gone.
    EventServer server(fastOptions());
    Namespace *root = server.findNamespace(u"/"_s);
    connect(root, &Namespace::socketConnected, this, [](Socket *s) {
        if (s->auth().value(u"kick"_s).toBool())
            s->close();
    });
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QStringList order;
    connect(&server, &EventServer::socketConnected, this,
            [&](Socket *s) { order.append(u"connected "_s + (s->isConnected() ? u"live"_s : u"gone"_s)); });
    connect(&server, &EventServer::socketDisconnected, this,
            [&](Socket *, const QString &reason) { order.append(u"disconnected "_s + reason); });

    ClientOptions kick;
    kick.auth.insert(u"kick"_s, true);
    EventClient client;
    client.setOptions(kick);
    client.setUrl(Loopback::serverUrl(server));
    QSignalSpy disconnected(&client, &EventClient::disconnected);
    client.open();
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(disconnected.at(0).at(0).toString(), u"io server disconnect"_s);
    QVERIFY(!order.contains(u"connected gone"_s));
    QCOMPARE(order.last(), u"disconnected server namespace disconnect"_s);
    QCOMPARE(root->socketCount(), 0);
    disconnect(root, nullptr, this, nullptr);
    disconnect(&server, nullptr, this, nullptr);
}

QTEST_GUILESS_MAIN(tst_EventServerConnect)
#include "tst_eventserver_connect.moc"
