// EventServer on loopback: disconnects and their reasons, and peers dropped for breaking the
// protocol.
// Our EventClient, raw WebSocket peers and raw TCP requests against a real server on 127.0.0.1.
#include <connection.h>
#include <eventclient.h>
#include <eventserver.h>
#include <namespace.h>
#include <socket.h>

#include "loopback.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Sockscope;
using Loopback::RawPeer;
using Loopback::fastOptions;

class tst_EventServerDisconnect : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void disconnectClientNamespace();
    void disconnectServerNamespace();
    void disconnectServerShuttingDown();
    void disconnectTransportClose_data();
    void disconnectTransportClose();
    void misbehavingPeerDropped_data();
    void misbehavingPeerDropped();
    void packetBeforeConnectDropped_data();
    void packetBeforeConnectDropped();
    void namespaceDisconnectSockets();
};

// ---------------------------------------------------------------------------------------------

void tst_EventServerDisconnect::disconnectClientNamespace()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    QPointer<Socket> s = server.socket(client->id());
    QVERIFY(s);
    QSignalSpy gone(&server, &EventServer::socketDisconnected);
    QSignalSpy nsGone(server.findNamespace(u"/"_s), &Namespace::socketDisconnected);
    QSignalSpy socketGone(s.data(), &Socket::disconnected);
    QSignalSpy clientGone(client.get(), &EventClient::disconnected);

    client->close();
    QCOMPARE(clientGone.size(), 1);
    QCOMPARE(clientGone.at(0).at(0).toString(), u"io client disconnect"_s);
    QTRY_COMPARE(gone.size(), 1);
    QCOMPARE(gone.at(0).at(1).toString(), u"client namespace disconnect"_s);
    QCOMPARE(nsGone.size(), 1);
    QCOMPARE(socketGone.size(), 1);
    QCOMPARE(socketGone.at(0).at(0).toString(), u"client namespace disconnect"_s);
    QTRY_VERIFY(!s); // deleted later
    QTRY_VERIFY(server.connections().isEmpty());
    QCOMPARE(gone.size(), 1); // reported once
}

void tst_EventServerDisconnect::disconnectServerNamespace()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    ClientOptions co;
    co.reconnection = true; // "io server disconnect" must not reconnect
    co.reconnectionDelay = 20;
    auto client = Loopback::connectClient(server, u"/"_s, co);
    auto other = Loopback::connectClient(server);
    QVERIFY(client->isConnected() && other->isConnected());
    QSignalSpy gone(&server, &EventServer::socketDisconnected);
    QSignalSpy closed(&server, &EventServer::connectionClosed);
    QSignalSpy clientGone(client.get(), &EventClient::disconnected);
    QSignalSpy reconnecting(client.get(), &EventClient::reconnecting);

    Socket *s = server.socket(client->id());
    const QString connectionId = client->connectionId();
    s->close();
    QCOMPARE(gone.size(), 1);
    QCOMPARE(gone.at(0).at(1).toString(), u"server namespace disconnect"_s);
    QTRY_COMPARE(clientGone.size(), 1);
    QCOMPARE(clientGone.at(0).at(0).toString(), u"io server disconnect"_s);
    QCOMPARE(client->state(), EventClient::State::Disconnected);

    // Server-side: without closeConnection, only the namespace is left.
    QVERIFY(!server.socket(client->id()));
    QVERIFY(other->isConnected());
    QVERIFY(!QTest::qWaitFor([&] { return reconnecting.size() > 0; }, 200));

    // With closeConnection the Engine.IO connection goes too.
    Socket *o = server.socket(other->id());
    QSignalSpy otherGone(other.get(), &EventClient::disconnected);
    const QString otherConnection = other->connectionId();
    o->close(true);
    QTRY_COMPARE(otherGone.size(), 1);
    QCOMPARE(otherGone.at(0).at(0).toString(), u"io server disconnect"_s);
    QTRY_VERIFY(!server.connection(otherConnection));
    QCOMPARE(gone.size(), 2);
    QCOMPARE(gone.at(1).at(1).toString(), u"server namespace disconnect"_s);
    Q_UNUSED(connectionId);
    Q_UNUSED(closed);
}

void tst_EventServerDisconnect::disconnectServerShuttingDown()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto a = Loopback::connectClient(server);
    auto b = Loopback::connectClient(server);
    QVERIFY(a->isConnected() && b->isConnected());
    QSignalSpy gone(&server, &EventServer::socketDisconnected);
    QSignalSpy closed(&server, &EventServer::connectionClosed);
    QSignalSpy aGone(a.get(), &EventClient::disconnected);
    QSignalSpy bGone(b.get(), &EventClient::disconnected);
    const quint16 port = server.serverPort();

    server.close();
    QVERIFY(!server.isListening());
    QCOMPARE(gone.size(), 2);
    for (const auto &args : std::as_const(gone))
        QCOMPARE(args.at(1).toString(), u"server shutting down"_s);
    QCOMPARE(closed.size(), 2);
    for (const auto &args : std::as_const(closed))
        QCOMPARE(args.at(1).toString(), u"server shutting down"_s);
    QTRY_COMPARE(aGone.size(), 1);
    QTRY_COMPARE(bGone.size(), 1);
    QCOMPARE(aGone.at(0).at(0).toString(), u"transport close"_s);
    QVERIFY(server.connections().isEmpty());

    // Nothing listens any more.
    QTcpSocket probe;
    probe.connectToHost(Loopback::LocalHost, port);
    QTRY_COMPARE(probe.state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(probe.error(), QAbstractSocket::ConnectionRefusedError);
}

void tst_EventServerDisconnect::disconnectTransportClose_data()
{
    QTest::addColumn<int>("how");
    QTest::newRow("raw peer aborts TCP") << 0;
    QTest::newRow("raw peer closes WebSocket") << 1;
    QTest::newRow("raw peer sends Engine.IO close") << 2;
    QTest::newRow("EventClient destroyed") << 3;
}

void tst_EventServerDisconnect::disconnectTransportClose()
{
    QFETCH(int, how);
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy connected(&server, &EventServer::socketConnected);
    QSignalSpy gone(&server, &EventServer::socketDisconnected);
    QSignalSpy closed(&server, &EventServer::connectionClosed);
    auto bystander = Loopback::connectClient(server);
    QVERIFY(bystander->isConnected());

    RawPeer peer;
    std::unique_ptr<EventClient> client;
    if (how < 3) {
        peer.open(server.serverPort());
        QVERIFY(!peer.waitOpen().isEmpty());
        peer.send(u"40"_s);
        QVERIFY(!peer.waitText(u"40{"_s, true).isNull());
    } else {
        client = Loopback::connectClient(server);
        QVERIFY(client->isConnected());
    }
    QCOMPARE(connected.size(), 2);

    switch (how) {
    case 0: peer.ws.abort(); break;
    case 1: peer.ws.close(); break;
    case 2: peer.send(u"1"_s); break;
    case 3: client.reset(); break;
    }
    QTRY_COMPARE(gone.size(), 1);
    QCOMPARE(gone.at(0).at(1).toString(), u"transport close"_s);
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(closed.at(0).at(1).toString(), u"transport close"_s);
    QCOMPARE(server.connections().size(), 1);
    QVERIFY(bystander->isConnected());
}

void tst_EventServerDisconnect::misbehavingPeerDropped_data()
{
    QTest::addColumn<QByteArray>("text"); // sent as a text frame unless binary
    QTest::addColumn<bool>("binary");
    QTest::addColumn<QString>("reason");
    QTest::addColumn<QByteArray>("prelude"); // a text frame sent first, if any

    const QString parse = u"parse error"_s;
    QTest::newRow("reserved event name") << QByteArray(R"(42["connect"])") << false << parse << QByteArray();
    QTest::newRow("garbage socket.io type") << QByteArray("4garbage") << false << parse << QByteArray();
    QTest::newRow("unterminated JSON") << QByteArray(R"(42["x",)") << false << parse << QByteArray();
    QTest::newRow("event not an array") << QByteArray(R"(42{"a":1})") << false << parse << QByteArray();
    QTest::newRow("event without name") << QByteArray("42[]") << false << parse << QByteArray();
    QTest::newRow("ack without id") << QByteArray("43[]") << false << parse << QByteArray();
    QTest::newRow("client sends CONNECT_ERROR") << QByteArray(R"(44{"message":"x"})") << false
                                                << parse << QByteArray();
    QTest::newRow("DISCONNECT with payload") << QByteArray(R"(41["x"])") << false << parse << QByteArray();
    QTest::newRow("placeholder out of range")
            << QByteArray(R"(450-["b",{"_placeholder":true,"num":3}])") << false << parse << QByteArray();
    QTest::newRow("too many attachments") << QByteArray(R"(4599999-["b"])") << false << parse << QByteArray();
    QTest::newRow("unknown engine.io type") << QByteArray("9hello") << false << parse << QByteArray();
    QTest::newRow("empty frame") << QByteArray() << false << parse << QByteArray();
    QTest::newRow("binary without a binary packet") << QByteArray("\x01\x02") << true << parse << QByteArray();
    QTest::newRow("text over maxPayload")
            << QByteArray(R"(42["big",")") + QByteArray(3000, 'x') + QByteArray(R"("])") << false
            << u"transport error"_s << QByteArray();
    QTest::newRow("CONNECT payload not an object") << QByteArray("40[1]") << false << parse
                                                   << QByteArray();
    QTest::newRow("text while attachments awaited")
            << QByteArray(R"(42["x"])") << false << parse
            << QByteArray(R"(451-["b",{"_placeholder":true,"num":0}])");
    QTest::newRow("binary over maxPayload") << QByteArray(3000, '\x07') << true
                                            << u"transport error"_s << QByteArray();
}

void tst_EventServerDisconnect::misbehavingPeerDropped()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, binary);
    QFETCH(QString, reason);
    QFETCH(QByteArray, prelude);

    ServerOptions o = fastOptions();
    o.maxPayload = 2000;
    EventServer server(o);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy gone(&server, &EventServer::socketDisconnected);
    QSignalSpy closed(&server, &EventServer::connectionClosed);
    QSignalSpy errors(&server, &EventServer::errorOccurred);
    QSignalSpy received(&server, &EventServer::eventReceived);

    auto healthy = Loopback::connectClient(server);
    QVERIFY(healthy->isConnected());
    const QString healthyId = healthy->id();

    RawPeer peer;
    peer.open(server.serverPort());
    const QString sid = peer.waitOpen().value(u"sid"_s).toString();
    QVERIFY(!sid.isEmpty());
    peer.send(u"40"_s);
    QVERIFY(!peer.waitText(u"40{"_s, true).isNull());
    QCOMPARE(server.connections().size(), 2);

    if (!prelude.isEmpty())
        peer.ws.sendTextMessage(QString::fromUtf8(prelude));
    if (binary)
        peer.ws.sendBinaryMessage(text);
    else
        peer.ws.sendTextMessage(QString::fromUtf8(text));

    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(closed.at(0).at(1).toString(), reason);
    QCOMPARE(gone.size(), 1);
    QCOMPARE(gone.at(0).at(1).toString(), reason);
    QVERIFY(!errors.isEmpty()); // the why is reported
    for (const auto &e : std::as_const(errors))
        QVERIFY(!e.at(1).toString().isEmpty());
    QVERIFY(peer.waitClosed());
    QVERIFY(!server.connection(sid));
    QCOMPARE(received.size(), 0);

    // The other client is unaffected, both ways.
    QVERIFY(healthy->isConnected());
    QSignalSpy healthyGot(healthy.get(), &EventClient::eventReceived);
    QCOMPARE(server.send(u"still-there"_s, { 1 }), 1);
    QTRY_COMPARE(healthyGot.size(), 1);
    QCOMPARE(healthyGot.at(0).at(0).toString(), u"still-there"_s);
    healthy->send(u"me-too"_s, { QByteArray("bin") });
    QTRY_COMPARE(received.size(), 1);
    QCOMPARE(received.at(0).at(0).value<Socket *>()->id(), healthyId);
    QCOMPARE(closed.size(), 1);
}

void tst_EventServerDisconnect::packetBeforeConnectDropped_data()
{
    QTest::addColumn<QString>("packet");
    QTest::newRow("event") << uR"(42["hello"])"_s;
    QTest::newRow("event with ack") << uR"(421["hello"])"_s;
    QTest::newRow("ack") << uR"(430[])"_s;
    QTest::newRow("disconnect") << u"41"_s;
    QTest::newRow("event for another namespace") << uR"(42/chat,["hello"])"_s;
}

void tst_EventServerDisconnect::packetBeforeConnectDropped()
{
    QFETCH(QString, packet);
    EventServer server(fastOptions());
    server.of(u"/chat"_s);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy closed(&server, &EventServer::connectionClosed);
    QSignalSpy received(&server, &EventServer::eventReceived);
    auto healthy = Loopback::connectClient(server);
    QVERIFY(healthy->isConnected());

    RawPeer peer;
    peer.open(server.serverPort());
    QVERIFY(!peer.waitOpen().isEmpty());
    // In the last row "/" is joined, and the packet is for "/chat", which is not.
    if (packet.contains(u"/chat"_s)) {
        peer.send(u"40"_s);
        QVERIFY(!peer.waitText(u"40{"_s, true).isNull());
    }
    peer.send(packet);
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(closed.at(0).at(1).toString(), u"parse error"_s);
    QVERIFY(peer.waitClosed());
    QCOMPARE(received.size(), 0);
    QVERIFY(healthy->isConnected());
}

void tst_EventServerDisconnect::namespaceDisconnectSockets()
{
    EventServer server(fastOptions());
    Namespace *room = server.of(u"/room"_s);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto a = Loopback::connectClient(server, u"/room"_s);
    auto b = Loopback::connectClient(server, u"/room"_s);
    auto root = Loopback::connectClient(server);
    QVERIFY(a->isConnected() && b->isConnected() && root->isConnected());
    QSignalSpy aGone(a.get(), &EventClient::disconnected);
    QSignalSpy bGone(b.get(), &EventClient::disconnected);
    QSignalSpy nsGone(room, &Namespace::socketDisconnected);
    QSignalSpy closed(&server, &EventServer::connectionClosed);

    room->disconnectSockets();
    QCOMPARE(nsGone.size(), 2);
    for (const auto &args : std::as_const(nsGone))
        QCOMPARE(args.at(1).toString(), u"server namespace disconnect"_s);
    QCOMPARE(room->socketCount(), 0);
    QTRY_COMPARE(aGone.size(), 1);
    QTRY_COMPARE(bGone.size(), 1);
    QCOMPARE(aGone.at(0).at(0).toString(), u"io server disconnect"_s);
    QVERIFY(root->isConnected());
    // The server left the connections open; each client, with no namespace left, closed its own.
    QTRY_COMPARE(closed.size(), 2);
    for (const auto &args : std::as_const(closed))
        QCOMPARE(args.at(1).toString(), u"transport close"_s);

    auto c = Loopback::connectClient(server, u"/room"_s);
    QVERIFY(c->isConnected());
    const QString cConnection = c->connectionId();
    room->disconnectSockets(true);
    QCOMPARE(closed.size(), 3); // at once, by the server
    QCOMPARE(closed.at(2).at(1).toString(), u"forced server close"_s);
    QVERIFY(!server.connection(cConnection));
    QVERIFY(root->isConnected());
}

QTEST_GUILESS_MAIN(tst_EventServerDisconnect)
#include "tst_eventserver_disconnect.moc"
