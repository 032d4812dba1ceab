// Loopback integration tests of EventServer: our EventClient, raw WebSocket peers and raw TCP
// requests against a real server on 127.0.0.1.
#include <connection.h>
#include <eventclient.h>
#include <eventserver.h>
#include <namespace.h>
#include <socket.h>

#include "loopback.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Sockscope;
using Loopback::RawPeer;

class tst_EventServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void listenOnPortZero();
    void listenOnBusyPort();
    void listenWithInvalidOptions();
    void httpRefusals_data();
    void httpRefusals();
    void originNotAllowed();
    void handshakeRecordOfRawUpgrade();
    void handshakeRecordOfEventClient();
    void openPacketCarriesOptions();
    void idsAreNodeStyleAndDistinct();
    void heartbeatDropsSilentPeer();
    void heartbeatKeepsEventClient();
    void connectTimeoutClosesIdleConnection();
    void invalidNamespaceKeepsConnection();
    void rawPeerSeveralNamespaces();
    void connectHookSeesAuthAndRefuses();
    void eventsWithEveryJsonType();
    void binaryAtDepthBothWays();
    void rawHandlerConvertsOnlyWhenAsked();
    void signalsConnectedBetweenEvents();
    void replyJsonChecked();
    void bytesCountedAsPackets();
    void keptArgumentsAreCompact();
    void acksBothWays();
    void observerSeesTheTraffic();
    void ackTimeouts();
    void lateAckIgnored();
    void rooms();
    void broadcastTargets();
    void broadcastWithAck();
    void serverWideSend();
    void disconnectClientNamespace();
    void disconnectServerNamespace();
    void disconnectServerShuttingDown();
    void disconnectTransportClose_data();
    void disconnectTransportClose();
    void misbehavingPeerDropped_data();
    void misbehavingPeerDropped();
    void packetBeforeConnectDropped_data();
    void packetBeforeConnectDropped();
    void serverSignalsCarryData();
    void reservedEventNamesNotSent();
    void stalledAndOversizedRequestHeads();
    void repeatedConnectKeepsSocket();
    void namespaceDisconnectSockets();
    void broadcastAckCancelledWhenTargetLeaves();
    void namespaceNamesNormalised();
    void connectHookJoinsRooms();
    void closeWhileConnecting();

private:
    static ServerOptions fastOptions()
    {
        ServerOptions o;
        o.pingInterval = 5000;
        o.pingTimeout = 5000;
        o.connectTimeout = 5000;
        return o;
    }
};

// ---------------------------------------------------------------------------------------------

void tst_EventServer::listenOnPortZero()
{
    EventServer server;
    QSignalSpy listening(&server, &EventServer::listeningChanged);
    QVERIFY(!server.isListening());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QVERIFY(server.isListening());
    QVERIFY(server.serverPort() != 0);
    QCOMPARE(server.serverAddress(), Loopback::LocalHost);
    QCOMPARE(server.error(), EventServer::Error::NoError);
    QVERIFY(server.errorString().isEmpty());
    QCOMPARE(listening.size(), 1);
    QCOMPARE(listening.at(0).at(0).toBool(), true);

    // Something answers on that port: a request for an unknown path gets our 404.
    const Loopback::HttpReply reply =
            Loopback::rawHttp(server.serverPort(), "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n");
    QCOMPARE(reply.status, 404);

    server.close();
    QVERIFY(!server.isListening());
    QCOMPARE(listening.size(), 2);
    QCOMPARE(listening.at(1).at(0).toBool(), false);
}

void tst_EventServer::listenOnBusyPort()
{
    QTcpServer squatter;
    QVERIFY(squatter.listen(Loopback::LocalHost, 0));
    EventServer server;
    QVERIFY(!server.listen(Loopback::LocalHost, squatter.serverPort()));
    QVERIFY(!server.isListening());
    QCOMPARE(server.error(), EventServer::Error::ListenFailed);
    QVERIFY2(server.errorString().contains(QString::number(squatter.serverPort())),
             qPrintable(server.errorString()));

    // The error clears once listening succeeds.
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QCOMPARE(server.error(), EventServer::Error::NoError);
    QVERIFY(server.errorString().isEmpty());
}

void tst_EventServer::listenWithInvalidOptions()
{
    ServerOptions o;
    o.pingInterval = 0;
    EventServer server(o);
    QVERIFY(!server.listen(Loopback::LocalHost, 0));
    QCOMPARE(server.error(), EventServer::Error::InvalidOptions);
    QVERIFY2(server.errorString().contains(u"ping interval"_s), qPrintable(server.errorString()));
    QVERIFY(!server.isListening());
}

void tst_EventServer::httpRefusals_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<bool>("upgrade");
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("code"); // Engine.IO error code; -1: not a JSON error body
    QTest::addColumn<QString>("message");

    QTest::newRow("EIO=3 websocket") << QByteArray("/socket.io/?EIO=3&transport=websocket")
                                     << true << 400 << 5 << u"Unsupported protocol version"_s;
    QTest::newRow("EIO=3 polling") << QByteArray("/socket.io/?EIO=3&transport=polling") << false
                                   << 400 << 5 << u"Unsupported protocol version"_s;
    QTest::newRow("EIO missing") << QByteArray("/socket.io/?transport=websocket") << true << 400
                                 << 5 << u"Unsupported protocol version"_s;
    QTest::newRow("unknown transport")
            << QByteArray("/socket.io/?EIO=4&transport=carrier-pigeon") << true << 400 << 0
            << u"Transport unknown"_s;
    QTest::newRow("no transport") << QByteArray("/socket.io/?EIO=4") << false << 400 << 0
                                  << u"Transport unknown"_s;
    QTest::newRow("polling, unknown sid")
            << QByteArray("/socket.io/?EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA") << false
            << 400 << 1 << u"Session ID unknown"_s;
    QTest::newRow("websocket without upgrade")
            << QByteArray("/socket.io/?EIO=4&transport=websocket") << false << 400 << 3
            << u"Bad request"_s;
    QTest::newRow("upgrade of unknown sid")
            << QByteArray("/socket.io/?EIO=4&transport=websocket&sid=AAAAAAAAAAAAAAAAAAAA") << true
            << 400 << 1 << u"Session ID unknown"_s;
    QTest::newRow("other path") << QByteArray("/elsewhere/?EIO=4&transport=websocket") << true
                                << 404 << -1 << QString();
    QTest::newRow("path prefix only") << QByteArray("/socket.iox/?EIO=4&transport=websocket")
                                      << true << 404 << -1 << QString();
}

void tst_EventServer::httpRefusals()
{
    QFETCH(QByteArray, target);
    QFETCH(bool, upgrade);
    QFETCH(int, status);
    QFETCH(int, code);
    QFETCH(QString, message);

    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy handshakes(&server, &EventServer::handshakeReceived);
    QSignalSpy errors(&server, &EventServer::errorOccurred);
    QSignalSpy opened(&server, &EventServer::connectionOpened);

    const QByteArray request = upgrade
            ? Loopback::upgradeRequest(server.serverPort(), target)
            : "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    const Loopback::HttpReply reply = Loopback::rawHttp(server.serverPort(), request);
    QVERIFY2(reply.complete, reply.raw.constData());
    QCOMPARE(reply.status, status);
    QCOMPARE(reply.header("Content-Length").toInt(), reply.body.size());
    if (code >= 0) {
        QVERIFY(reply.header("Content-Type").startsWith("application/json"));
        QJsonParseError pe;
        const QJsonDocument body = QJsonDocument::fromJson(reply.body, &pe);
        QVERIFY2(pe.error == QJsonParseError::NoError, reply.body.constData());
        QCOMPARE(body.object().value(u"code"_s).toInt(-1), code);
        QCOMPARE(body.object().value(u"message"_s).toString(), message);
        QCOMPARE(body.object().size(), 2);
    }

    // The refusal is reported as a handshake with our answer, and as an error.
    QTRY_COMPARE(handshakes.size(), 1);
    const auto record = handshakes.at(0).at(0).value<HandshakeRecord>();
    QCOMPARE(record.statusCode, status);
    QCOMPARE(record.rawRequest, request);
    QCOMPARE(record.target, target);
    QCOMPARE(record.rawResponse, reply.head);
    QVERIFY(!record.error.isEmpty());
    QVERIFY(record.connectionId.isEmpty());
    QCOMPARE(errors.size(), 1);
    QCOMPARE(opened.size(), 0);
    QVERIFY(server.connections().isEmpty());
}

void tst_EventServer::originNotAllowed()
{
    ServerOptions o = fastOptions();
    o.allowedOrigins = { u"http://good.example"_s };
    EventServer server(o);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy handshakes(&server, &EventServer::handshakeReceived);
    const QByteArray target = "/socket.io/?EIO=4&transport=websocket";

    const Loopback::HttpReply bad = Loopback::rawHttp(
            server.serverPort(),
            Loopback::upgradeRequest(server.serverPort(), target, "dGhlIHNhbXBsZSBub25jZQ==",
                                     "Origin: http://evil.example\r\n"));
    QVERIFY(bad.complete);
    QCOMPARE(bad.status, 403);
    const QJsonObject body = QJsonDocument::fromJson(bad.body).object();
    QCOMPARE(body.value(u"code"_s).toInt(-1), 4);
    QCOMPARE(body.value(u"message"_s).toString(), u"Forbidden"_s);
    QTRY_COMPARE(handshakes.size(), 1);
    QCOMPARE(handshakes.at(0).at(0).value<HandshakeRecord>().statusCode, 403);
    QVERIFY(server.connections().isEmpty());

    // The allowed origin (any case) and requests without Origin are let in.
    for (const QByteArray &extra :
         { QByteArray("Origin: http://GOOD.example\r\n"), QByteArray() }) {
        const Loopback::HttpReply good = Loopback::rawHttp(
                server.serverPort(),
                Loopback::upgradeRequest(server.serverPort(), target, "dGhlIHNhbXBsZSBub25jZQ==",
                                         extra),
                true);
        QCOMPARE(good.status, 101);
    }
}

void tst_EventServer::handshakeRecordOfRawUpgrade()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy handshakes(&server, &EventServer::handshakeReceived);
    QSignalSpy opened(&server, &EventServer::connectionOpened);

    // RFC 6455's own example key and accept.
    const QByteArray key = "dGhlIHNhbXBsZSBub25jZQ==";
    const QByteArray request = Loopback::upgradeRequest(
            server.serverPort(), "/socket.io/?EIO=4&transport=websocket&x=1", key,
            "X-Probe: hello\r\nUser-Agent: tst_eventserver\r\n");

    QTcpSocket tcp;
    tcp.connectToHost(Loopback::LocalHost, server.serverPort());
    QTRY_COMPARE(tcp.state(), QAbstractSocket::ConnectedState);
    tcp.write(request);
    QByteArray received;
    QTRY_VERIFY((received += tcp.readAll()).contains("\r\n\r\n"));
    const QByteArray responseHead = received.left(received.indexOf("\r\n\r\n") + 4);

    QTRY_COMPARE(handshakes.size(), 1);
    QCOMPARE(opened.size(), 1);
    const auto r = handshakes.at(0).at(0).value<HandshakeRecord>();
    QCOMPARE(r.rawRequest, request);
    QCOMPARE(r.method, QByteArray("GET"));
    QCOMPARE(r.target, QByteArray("/socket.io/?EIO=4&transport=websocket&x=1"));
    QCOMPARE(r.httpVersion, QByteArray("HTTP/1.1"));
    QCOMPARE(r.header("x-probe"), QByteArray("hello"));
    QCOMPARE(r.header("USER-AGENT"), QByteArray("tst_eventserver"));
    QCOMPARE(r.header("host"), "127.0.0.1:" + QByteArray::number(server.serverPort()));
    QCOMPARE(r.headers.size(), 7);
    QVERIFY(r.isUpgrade);
    QCOMPARE(r.transport, u"websocket"_s);
    QCOMPARE(r.secWebSocketKey, key);
    QCOMPARE(r.keyWithGuid, key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    QCOMPARE(r.sha1, QCryptographicHash::hash(r.keyWithGuid, QCryptographicHash::Sha1));
    QCOMPARE(r.sha1.size(), 20);
    QCOMPARE(r.secWebSocketAccept, QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    QCOMPARE(r.statusCode, 101);
    QCOMPARE(r.rawResponse, responseHead);
    QVERIFY(r.rawResponse.startsWith("HTTP/1.1 101"));
    QVERIFY2(r.rawResponse.contains(QByteArray("Sec-WebSocket-Accept: " + r.secWebSocketAccept)),
             r.rawResponse.constData());
    QCOMPARE(r.remoteAddress, Loopback::LocalHost);
    QCOMPARE(r.remotePort, tcp.localPort());
    QVERIFY(r.time.isValid());
    QVERIFY(r.error.isEmpty());
    QVERIFY(Loopback::isNodeStyleId(r.connectionId));
    Connection *c = server.connection(r.connectionId);
    QVERIFY(c);
    QCOMPARE(c->handshake().rawRequest, request);
    QCOMPARE(c->handshake().rawResponse, responseHead);
    QCOMPARE(c->transportName(), u"websocket"_s);
    QCOMPARE(c->remotePort(), tcp.localPort());
}

void tst_EventServer::handshakeRecordOfEventClient()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy handshakes(&server, &EventServer::handshakeReceived);
    ClientOptions co;
    co.extraHeaders = { { "X-Client", "sockscope-test" } };
    co.query.addQueryItem(u"room"_s, u"lobby"_s);
    auto client = Loopback::connectClient(server, u"/"_s, co);
    QVERIFY(client->isConnected());
    QCOMPARE(handshakes.size(), 1);
    const auto r = handshakes.at(0).at(0).value<HandshakeRecord>();
    QCOMPARE(r.connectionId, client->connectionId());
    QCOMPARE(r.header("x-client"), QByteArray("sockscope-test"));
    QVERIFY2(r.target.contains("EIO=4") && r.target.contains("transport=websocket")
                     && r.target.contains("room=lobby"),
             r.target.constData());
    QVERIFY(r.rawRequest.startsWith("GET /socket.io/?"));
    QVERIFY(r.rawRequest.endsWith("\r\n\r\n"));
    QCOMPARE(r.secWebSocketKey, r.header("sec-websocket-key"));
    QCOMPARE(QByteArray::fromBase64(r.secWebSocketKey).size(), 16);
    QCOMPARE(r.secWebSocketAccept, HandshakeRecord::acceptForKey(r.secWebSocketKey));
    QVERIFY(r.rawResponse.contains(QByteArray("Sec-WebSocket-Accept: " + r.secWebSocketAccept + "\r\n")));
    QCOMPARE(r.statusCode, 101);

    Socket *s = server.socket(client->id());
    QVERIFY(s);
    QCOMPARE(s->handshake().secWebSocketAccept, r.secWebSocketAccept);
    QCOMPARE(s->connection()->id(), client->connectionId());
}

void tst_EventServer::openPacketCarriesOptions()
{
    ServerOptions o = fastOptions();
    o.pingInterval = 1234;
    o.pingTimeout = 4321;
    o.maxPayload = 65432;
    EventServer server(o);
    QVERIFY(server.listen(Loopback::LocalHost, 0));

    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    const EngineIoOpen open = client->handshake().open;
    QCOMPARE(open.pingInterval, 1234);
    QCOMPARE(open.pingTimeout, 4321);
    QCOMPARE(open.maxPayload, 65432);
    QCOMPARE(open.sid, client->connectionId());
    QVERIFY(open.upgrades.isEmpty()); // already on WebSocket: nothing to upgrade to

    // The same values byte for byte on the wire, as a raw peer sees them.
    RawPeer peer;
    peer.open(server.serverPort());
    const QJsonObject json = peer.waitOpen();
    QCOMPARE(json.value(u"pingInterval"_s).toInt(), 1234);
    QCOMPARE(json.value(u"pingTimeout"_s).toInt(), 4321);
    QCOMPARE(json.value(u"maxPayload"_s).toInteger(), 65432);
    QVERIFY(json.value(u"upgrades"_s).isArray());
    QVERIFY(Loopback::isNodeStyleId(json.value(u"sid"_s).toString()));
    QVERIFY(server.connection(json.value(u"sid"_s).toString()));
}

void tst_EventServer::idsAreNodeStyleAndDistinct()
{
    EventServer server(fastOptions());
    server.of(u"/chat"_s);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSet<QString> seen;
    std::vector<std::unique_ptr<EventClient>> clients;
    for (int i = 0; i < 4; ++i) {
        clients.push_back(Loopback::connectClient(server, i % 2 ? u"/chat"_s : u"/"_s));
        EventClient *c = clients.back().get();
        QVERIFY(c->isConnected());
        QVERIFY2(Loopback::isNodeStyleId(c->id()), qPrintable(c->id()));
        QVERIFY2(Loopback::isNodeStyleId(c->connectionId()), qPrintable(c->connectionId()));
        QVERIFY(c->id() != c->connectionId());
        QVERIFY(!seen.contains(c->id()));
        QVERIFY(!seen.contains(c->connectionId()));
        seen.insert(c->id());
        seen.insert(c->connectionId());
        Socket *s = server.socket(c->id());
        QVERIFY(s);
        QCOMPARE(s->id(), c->id());
        QCOMPARE(s->namespaceName(), i % 2 ? u"/chat"_s : u"/"_s);
        QCOMPARE(s->connection(), server.connection(c->connectionId()));
    }
    QCOMPARE(server.connections().size(), 4);
    QCOMPARE(server.findNamespace(u"/"_s)->socketCount(), 2);
    QCOMPARE(server.findNamespace(u"/chat"_s)->socketCount(), 2);
}

void tst_EventServer::heartbeatDropsSilentPeer()
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

void tst_EventServer::heartbeatKeepsEventClient()
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

void tst_EventServer::connectTimeoutClosesIdleConnection()
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

void tst_EventServer::invalidNamespaceKeepsConnection()
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

void tst_EventServer::rawPeerSeveralNamespaces()
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

void tst_EventServer::connectHookSeesAuthAndRefuses()
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

void tst_EventServer::eventsWithEveryJsonType()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    Socket *s = server.socket(client->id());
    QVERIFY(s);

    QVariantMap object;
    object.insert(u"a"_s, 1);
    object.insert(u"nested"_s, QVariantMap { { u"deep"_s, QVariantList { true, u"x"_s } } });
    object.insert(u"empty"_s, QVariantMap());
    const Arguments args = {
        QVariant::fromValue(nullptr),
        true,
        false,
        0,
        42,
        -7,
        qint64(9007199254740991LL), // 2^53 - 1, the largest exact JSON integer
        3.5,
        -0.125,
        u""_s,
        u"plain"_s,
        u"ünïcødé ✓ \"quoted\" \\ back\nslash 😀"_s,
        QVariantList(),
        QVariantList { 1, u"two"_s, QVariantList { 3 }, QVariant::fromValue(nullptr) },
        object,
    };

    // Client to server: a handler, onAny and the signals all see the same arguments.
    Arguments viaHandler, viaAny;
    s->on(u"types"_s, [&](const Arguments &a) { viaHandler = a; });
    s->onAny([&](const QString &event, const Arguments &a, const Ack &ack) {
        QVERIFY(!ack.isRequested());
        if (event == u"types")
            viaAny = a;
    });
    QSignalSpy serverGot(&server, &EventServer::eventReceived);
    QSignalSpy socketGot(s, &Socket::eventReceived);
    client->send(u"types"_s, args);
    QTRY_COMPARE(socketGot.size(), 1);
    QCOMPARE(Loopback::display(viaHandler), Loopback::display(args));
    QCOMPARE(Loopback::display(viaAny), Loopback::display(args));
    QCOMPARE(Loopback::display(socketGot.at(0).at(1).value<Arguments>()), Loopback::display(args));
    QCOMPARE(serverGot.size(), 1);
    QCOMPARE(serverGot.at(0).at(1).toString(), u"types"_s);
    QCOMPARE(serverGot.at(0).at(3).toLongLong(), -1);
    // Types as the Arguments contract says.
    QCOMPARE(viaHandler.at(0).typeId(), QMetaType::Nullptr);
    QCOMPARE(viaHandler.at(1).typeId(), QMetaType::Bool);
    QCOMPARE(viaHandler.at(4).typeId(), QMetaType::LongLong);
    QCOMPARE(viaHandler.at(4).toLongLong(), 42);
    QCOMPARE(viaHandler.at(6).toLongLong(), 9007199254740991LL);
    QCOMPARE(viaHandler.at(7).typeId(), QMetaType::Double);
    QCOMPARE(viaHandler.at(11).toString(), args.at(11).toString());
    QCOMPARE(viaHandler.at(13).typeId(), QMetaType::QVariantList);
    QCOMPARE(viaHandler.at(14).typeId(), QMetaType::QVariantMap);
    QCOMPARE(s->eventsReceived(), quint64(1));

    // Server to client, the same values back.
    Arguments clientGot;
    client->on(u"types-back"_s, [&](const Arguments &a) { clientGot = a; });
    QVERIFY(s->send(u"types-back"_s, args));
    QTRY_VERIFY(!clientGot.isEmpty());
    QCOMPARE(Loopback::display(clientGot), Loopback::display(args));
    QCOMPARE(clientGot.at(0).typeId(), QMetaType::Nullptr);
    QCOMPARE(clientGot.at(11).toString(), args.at(11).toString());
    QCOMPARE(s->eventsSent(), quint64(1));

    // No arguments at all, and a numeric event name.
    QSignalSpy clientSignal(client.get(), &EventClient::eventReceived);
    QVERIFY(s->send(u"empty"_s));
    QTRY_COMPARE(clientSignal.size(), 1);
    QCOMPARE(clientSignal.at(0).at(0).toString(), u"empty"_s);
    QVERIFY(clientSignal.at(0).at(1).value<Arguments>().isEmpty());
}

// A raw catch-all handler sees the arguments' JSON text as it came; they are converted only
// when it asks, and an ack of that text reaches the client unchanged.
void tst_EventServer::rawHandlerConvertsOnlyWhenAsked()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    Socket *s = server.socket(client->id());
    QVERIFY(s);

    QList<QByteArray> json;
    QList<bool> convertedBefore;
    Arguments values;
    s->onAnyRaw([&](const QString &event, const ReceivedArguments &args, const Ack &ack) {
        json.append(args.json());
        convertedBefore.append(args.isConverted());
        if (event == u"convert")
            values = args.values();
        if (ack.isRequested())
            ack.replyJson(args.json());
    });
    const Arguments sent { 1, u"two \"quoted\" é"_s, QVariantMap { { u"k"_s, QVariantList { true } } } };
    AckResult result;
    client->send(u"echo"_s, sent, [&](const AckResult &r) { result = r; }, 5000);
    QTRY_VERIFY(result.ackId >= 0);
    QVERIFY(!result.timedOut);
    QCOMPARE(Loopback::display(result.args), Loopback::display(sent));
    QCOMPARE(json.size(), 1);
    QCOMPARE(convertedBefore.at(0), false); // no signal, no other handler: nothing converted
    QCOMPARE(QJsonDocument::fromJson(json.at(0)).array(), Json::deconstruct(sent, nullptr));

    client->send(u"convert"_s, sent);
    QTRY_COMPARE(json.size(), 2);
    QCOMPARE(Loopback::display(values), Loopback::display(sent));

    // The raw signals carry the text as it went over the wire and convert nothing either.
    {
        QSignalSpy rawIn(&server, &EventServer::eventReceivedRaw);
        QSignalSpy rawAck(&server, &EventServer::ackSentRaw);
        result = AckResult();
        client->send(u"echo"_s, sent, [&](const AckResult &r) { result = r; }, 5000);
        QTRY_VERIFY(result.ackId >= 0);
        QCOMPARE(json.size(), 3);
        QCOMPARE(convertedBefore.at(2), false);
        QCOMPARE(rawIn.size(), 1);
        const auto in = rawIn.at(0).at(2).value<EventArguments>();
        QVERIFY(!in.hasValues());
        QCOMPARE(in.json(), json.at(2));
        QCOMPARE(Loopback::display(in.values()), Loopback::display(sent));
        QCOMPARE(rawIn.at(0).at(3).toLongLong(), result.ackId);
        QCOMPARE(rawAck.size(), 1);
        const auto out = rawAck.at(0).at(2).value<EventArguments>();
        QCOMPARE(out.json(), json.at(2)); // answered back unconverted
        QCOMPARE(Loopback::display(out.values()), Loopback::display(sent));
    }
    json.clear();
    convertedBefore.clear();

    // With the server's signal connected, the values are converted for it before the handlers.
    QSignalSpy serverGot(&server, &EventServer::eventReceived);
    QSignalSpy acked(&server, &EventServer::ackSent);
    result = AckResult();
    client->send(u"echo"_s, sent, [&](const AckResult &r) { result = r; }, 5000);
    QTRY_VERIFY(result.ackId >= 0);
    QCOMPARE(convertedBefore.at(0), true);
    QCOMPARE(Loopback::display(serverGot.at(0).at(2).value<Arguments>()), Loopback::display(sent));
    QCOMPARE(acked.size(), 1); // the ack's signal carries the values of the JSON sent back
    QCOMPARE(Loopback::display(acked.at(0).at(2).value<Arguments>()), Loopback::display(sent));
}

// Whether a signal has listeners is cached for the hot path: a listener connected after
// events went by unheard still hears the next one, through every signal that is checked, and a
// context object deleted without a disconnect breaks nothing.
void tst_EventServer::signalsConnectedBetweenEvents()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    Socket *s = server.socket(client->id());
    QVERIFY(s);
    s->onAnyRaw([](const QString &, const ReceivedArguments &args, const Ack &ack) {
        ack.replyJson(args.json());
    });
    int acks = 0;
    const auto echo = [&] {
        const int before = acks;
        client->send(u"echo"_s, { 1 }, [&](const AckResult &) { ++acks; }, 5000);
        return QTest::qWaitFor([&] { return acks == before + 1; }, 5000);
    };
    QVERIFY(echo()); // nobody listens: the states say so from here on
    QVERIFY(echo());

    int in = 0, inRaw = 0, acked = 0, ackedRaw = 0, onSocket = 0, sent = 0;
    auto context = std::make_unique<QObject>();
    connect(&server, &EventServer::eventReceived, context.get(), [&] { ++in; });
    connect(&server, &EventServer::eventReceivedRaw, context.get(), [&] { ++inRaw; });
    connect(&server, &EventServer::ackSent, context.get(), [&] { ++acked; });
    connect(&server, &EventServer::ackSentRaw, context.get(), [&] { ++ackedRaw; });
    connect(s, &Socket::eventReceived, context.get(), [&] { ++onSocket; });
    connect(&server, &EventServer::eventSent, context.get(), [&] { ++sent; });
    QVERIFY(echo());
    s->send(u"news"_s, { 2 });
    server.of(u"/"_s)->send(u"news"_s, { 3 });
    QCOMPARE(sent, 2);
    QCOMPARE(in, 1);
    QCOMPARE(inRaw, 1);
    QCOMPARE(acked, 1);
    QCOMPARE(ackedRaw, 1);
    QCOMPARE(onSocket, 1);

    // Gone without a disconnect: nothing is delivered, nothing breaks.
    context.reset();
    QVERIFY(echo());
    QCOMPARE(in, 1);
    QCOMPARE(onSocket, 1);

    // Disconnected explicitly, then connected again.
    QObject other;
    auto c = connect(s, &Socket::eventReceived, &other, [&] { ++onSocket; });
    auto r = connect(&server, &EventServer::eventReceivedRaw, &other, [&] { ++inRaw; });
    QVERIFY(echo());
    QCOMPARE(onSocket, 2);
    QCOMPARE(inRaw, 2);
    disconnect(c);
    disconnect(r);
    QVERIFY(echo());
    QCOMPARE(onSocket, 2);
    QCOMPARE(inRaw, 2);
    connect(s, &Socket::eventReceived, &other, [&] { ++onSocket; });
    connect(&server, &EventServer::eventReceivedRaw, &other, [&] { ++inRaw; });
    QVERIFY(echo());
    QCOMPARE(onSocket, 3);
    QCOMPARE(inRaw, 3);
}

// Ack::replyJson() sends text as it is. Text that did not arrive in an event is checked first:
// broken JSON or UTF-8 would make the peer drop the connection.
void tst_EventServer::replyJsonChecked()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    Socket *s = server.socket(client->id());
    QVERIFY(s);
    const QList<QByteArray> replies = {
        "[\"\xff\"]", // invalid UTF-8
        "[1,", // not JSON
        R"({"a":1})", // not an array
        "[1,\"\xc3\xa9\"]", // fine: [1,"é"]
    };
    int next = 0;
    s->onAnyRaw([&](const QString &, const ReceivedArguments &, const Ack &ack) {
        ack.replyJson(replies.at(next++));
    });
    QSignalSpy errors(&server, &EventServer::errorOccurred);
    QMap<int, AckResult> results; // by request
    for (int i = 0; i < replies.size(); ++i)
        client->send(u"q"_s, { i }, [&results, i](const AckResult &r) { results.insert(i, r); }, 1500);
    QTRY_COMPARE(results.size(), replies.size());
    for (int i = 0; i < 3; ++i) {
        QVERIFY2(results.value(i).timedOut, qPrintable(QString::number(i)));
        QVERIFY(errors.at(i).at(1).toString().contains(u"not the JSON text of an array"_s));
    }
    QCOMPARE(errors.size(), 3);
    QVERIFY(!results.value(3).timedOut);
    QCOMPARE(Loopback::display(results.value(3).args), Loopback::display({ 1, u"é"_s }));
    QVERIFY(client->isConnected());
}

// The byte counters count Engine.IO packets (type digit and data), not WebSocket frames, on
// both sides and for every transport.
void tst_EventServer::bytesCountedAsPackets()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    Loopback::RawPeer peer;
    peer.open(server.serverPort());
    QVERIFY(!peer.waitOpen().isEmpty());
    peer.send(u"40"_s);
    QVERIFY(!peer.waitText(u"40"_s, true).isEmpty());
    QTRY_COMPARE(server.connections().size(), 1);
    Connection *c = server.connections().first();
    Socket *s = c->sockets().value(0);
    QVERIFY(s);
    qsizetype bytes = 0;
    for (const QString &t : std::as_const(peer.texts))
        bytes += t.toUtf8().size();
    QCOMPARE(c->bytesSent(), quint64(bytes));
    s->send(u"e"_s, { u"é"_s, 300 });
    QVERIFY(!peer.waitText(u"42[\"e\""_s, true).isEmpty());
    QCOMPARE(c->bytesSent(), quint64(bytes + peer.texts.last().toUtf8().size()));
    const quint64 in = c->bytesReceived();
    peer.send(u"42[\"x\",\"é\"]"_s);
    QTRY_COMPARE(c->bytesReceived(), in + quint64(QByteArray("42[\"x\",\"\xc3\xa9\"]").size()));
}

// The arguments' JSON text keeps the bytes the packet arrived in (no copy), and no more memory
// than they need: the event log holds it for as long as a row lives.
void tst_EventServer::keptArgumentsAreCompact()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    QList<QByteArray> kept;
    connect(&server, &EventServer::eventReceivedRaw, this,
            [&](Socket *, const QString &, const EventArguments &args) { kept.append(args.json()); });
    client->send(u"big"_s, { QString(10000, u'a'), QString(2000, QChar(0x00e9)) });
    QTRY_COMPARE(kept.size(), 1);
    const QByteArray &json = kept.first();
    QCOMPARE(json.size(), 10000 + 4000 + 7); // ["a…","é…"]
    QVERIFY2(json.capacity() < json.size() + 1024,
             qPrintable(u"%1 bytes kept for %2"_s.arg(json.capacity()).arg(json.size())));
}

void tst_EventServer::binaryAtDepthBothWays()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    Socket *s = server.socket(client->id());
    QVERIFY(s);

    QByteArray big(200 * 1024, Qt::Uninitialized);
    for (int i = 0; i < big.size(); ++i)
        big[i] = char(i * 31 + 7);
    const QByteArray allBytes = [] {
        QByteArray b;
        for (int i = 0; i < 256; ++i)
            b.append(char(i));
        return b;
    }();
    const Arguments args = {
        allBytes,
        u"text between"_s,
        QVariantMap { { u"file"_s, QVariantMap { { u"data"_s, big }, { u"name"_s, u"x.bin"_s } } },
                      { u"list"_s, QVariantList { 1, QVariantList { QByteArray("deep") } } } },
        QByteArray(), // empty binary
        QVariantList { QByteArray("\0\x01\x02", 3), QByteArray("\xff") },
    };
    auto check = [&](const Arguments &got) {
        QCOMPARE(got.size(), args.size());
        QCOMPARE(got.at(0).typeId(), QMetaType::QByteArray);
        QCOMPARE(got.at(0).toByteArray(), allBytes);
        QCOMPARE(got.at(1).toString(), u"text between"_s);
        const QVariantMap map = got.at(2).toMap();
        QCOMPARE(map.value(u"file"_s).toMap().value(u"data"_s).typeId(), QMetaType::QByteArray);
        QCOMPARE(map.value(u"file"_s).toMap().value(u"data"_s).toByteArray(), big);
        QCOMPARE(map.value(u"file"_s).toMap().value(u"name"_s).toString(), u"x.bin"_s);
        QCOMPARE(map.value(u"list"_s).toList().at(1).toList().at(0).toByteArray(),
                 QByteArray("deep"));
        QCOMPARE(got.at(3).typeId(), QMetaType::QByteArray);
        QVERIFY(got.at(3).toByteArray().isEmpty());
        QCOMPARE(got.at(4).toList().at(0).toByteArray(), QByteArray("\0\x01\x02", 3));
        QCOMPARE(got.at(4).toList().at(1).toByteArray(), QByteArray("\xff"));
    };

    Arguments serverGot;
    s->on(u"bin"_s, [&](const Arguments &a) { serverGot = a; });
    client->send(u"bin"_s, args);
    QTRY_VERIFY_WITH_TIMEOUT(!serverGot.isEmpty(), 10000);
    check(serverGot);
    if (QTest::currentTestFailed())
        return;

    Arguments clientGot;
    client->on(u"bin-back"_s, [&](const Arguments &a) { clientGot = a; });
    s->send(u"bin-back"_s, args);
    QTRY_VERIFY_WITH_TIMEOUT(!clientGot.isEmpty(), 10000);
    check(clientGot);
    if (QTest::currentTestFailed())
        return;

    // Two binary events back to back are reassembled apart.
    QList<QByteArray> order;
    s->on(u"one"_s, [&](const Arguments &a) { order.append(a.value(0).toByteArray()); });
    client->send(u"one"_s, { QByteArray("first") });
    client->send(u"one"_s, { QByteArray("second") });
    QTRY_COMPARE(order.size(), 2);
    QCOMPARE(order, (QList<QByteArray> { "first", "second" }));
}

namespace {
// Writes down every call, as "kind socket event-or-id args".
class RecordingObserver : public EventObserver
{
public:
    QStringList calls;
    void eventReceived(Socket *s, const QString &event, const EventArguments &args,
                       qint64 ackId) override
    {
        calls << u"in %1 %2 %3 %4"_s.arg(s->id(), event, QString::fromUtf8(args.json())).arg(ackId);
    }
    void eventSent(Socket *s, const QString &event, const Arguments &args, qint64 ackId) override
    {
        calls << u"out %1 %2 %3 %4"_s.arg(s->id(), event, QString::fromUtf8(Loopback::display(args)))
                        .arg(ackId);
    }
    void ackSent(Socket *s, qint64 ackId, const EventArguments &args) override
    {
        calls << u"ack-out %1 %2 %3"_s.arg(s->id()).arg(ackId).arg(QString::fromUtf8(args.json()));
    }
    void ackReceived(Socket *s, qint64 ackId, const Arguments &args, qint64 rtt) override
    {
        calls << u"ack-in %1 %2 %3 %4"_s.arg(s->id()).arg(ackId).arg(
                QString::fromUtf8(Loopback::display(args)), rtt >= 0 ? u"rtt"_s : u"no rtt"_s);
    }
};
} // namespace

// An observer is called for what eventReceivedRaw, eventSent, ackSentRaw and ackReceived say,
// with the same arguments, once each; removed, it is called no more.
void tst_EventServer::observerSeesTheTraffic()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    RecordingObserver observer;
    server.addObserver(&observer);
    server.addObserver(&observer); // once is enough
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    Socket *s = server.socket(client->id());
    QVERIFY(s);
    const QString id = s->id();
    QSignalSpy rawIn(&server, &EventServer::eventReceivedRaw);
    s->onAnyRaw([](const QString &, const ReceivedArguments &args, const Ack &ack) {
        if (ack.isRequested())
            ack.replyJson(args.json());
    });
    client->on(u"question"_s, [](const Arguments &, const Ack &ack) { ack({ 42 }); });

    bool answered = false;
    const qint64 clientAck = client->send(u"echo"_s, { 1, u"a"_s }, [&](const AckResult &) { answered = true; }, 5000);
    QTRY_VERIFY(answered);
    int serverCallbacks = 0;
    const qint64 serverAck = s->send(u"question"_s, { u"life"_s }, [&](const AckResult &) { ++serverCallbacks; }, 5000);
    QTRY_COMPARE(serverCallbacks, 1);
    QCOMPARE(observer.calls,
             (QStringList {
                     u"in %1 echo [1,\"a\"] %2"_s.arg(id).arg(clientAck),
                     u"ack-out %1 %2 [1,\"a\"]"_s.arg(id).arg(clientAck),
                     u"out %1 question [\"life\"] %2"_s.arg(id).arg(serverAck),
                     u"ack-in %1 %2 [42] rtt"_s.arg(id).arg(serverAck),
             }));
    QCOMPARE(rawIn.size(), 1); // the signal still goes out beside it

    server.removeObserver(&observer);
    client->send(u"echo"_s, { 2 });
    QTRY_COMPARE(rawIn.size(), 2);
    QCOMPARE(observer.calls.size(), 4);
}

void tst_EventServer::acksBothWays()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    Socket *s = server.socket(client->id());
    QVERIFY(s);
    QSignalSpy serverAckSent(&server, &EventServer::ackSent);
    QSignalSpy serverAckReceived(&server, &EventServer::ackReceived);
    QSignalSpy clientAckSent(client.get(), &EventClient::ackSent);
    QSignalSpy clientAckReceived(client.get(), &EventClient::ackReceived);

    // Client asks, server answers (with binary in the reply).
    s->on(u"sum"_s, [](const Arguments &a, const Ack &ack) {
        QVERIFY(ack.isRequested());
        ack.reply({ a.value(0).toLongLong() + a.value(1).toLongLong(), QByteArray("bin") });
        ack.reply({ u"ignored second reply"_s });
    });
    AckResult clientResult;
    const qint64 clientAckId =
            client->send(u"sum"_s, { 2, 3 }, [&](const AckResult &r) { clientResult = r; }, 5000);
    QVERIFY(clientAckId >= 0);
    QTRY_COMPARE(clientResult.ackId, clientAckId);
    QVERIFY(!clientResult.timedOut);
    QVERIFY(!clientResult.cancelled);
    QCOMPARE(clientResult.args.value(0).toLongLong(), 5);
    QCOMPARE(clientResult.args.value(1).toByteArray(), QByteArray("bin"));
    QCOMPARE(clientResult.socketId, client->id());
    QVERIFY(clientResult.elapsedMs >= 0);
    QCOMPARE(serverAckSent.size(), 1);
    QCOMPARE(serverAckSent.at(0).at(0).value<Socket *>(), s);
    QCOMPARE(serverAckSent.at(0).at(1).toLongLong(), clientAckId);
    QCOMPARE(serverAckSent.at(0).at(2).value<Arguments>().value(0).toLongLong(), 5);
    QCOMPARE(clientAckReceived.size(), 1);
    QCOMPARE(clientAckReceived.at(0).at(0).toLongLong(), clientAckId);
    QCOMPARE(clientAckReceived.at(0).at(1).value<Arguments>().value(0).toLongLong(), 5);
    QVERIFY(clientAckReceived.at(0).at(2).toLongLong() >= 0);

    // Server asks, client answers.
    client->on(u"question"_s, [](const Arguments &a, const Ack &ack) {
        QVERIFY(ack.isRequested());
        ack({ QString(u"answer to "_s + a.value(0).toString()), 42 });
    });
    AckResult serverResult;
    int serverCallbacks = 0;
    const qint64 serverAckId = s->send(
            u"question"_s, { u"life"_s },
            [&](const AckResult &r) {
                serverResult = r;
                ++serverCallbacks;
            },
            5000);
    QVERIFY(serverAckId >= 0);
    QTRY_COMPARE(serverCallbacks, 1);
    QCOMPARE(serverResult.ackId, serverAckId);
    QVERIFY(!serverResult.timedOut);
    QCOMPARE(serverResult.socketId, s->id());
    QCOMPARE(Loopback::display(serverResult.args),
             Loopback::display({ u"answer to life"_s, 42 }));
    QCOMPARE(s->pendingAcks(), 0);
    QCOMPARE(clientAckSent.size(), 1);
    QCOMPARE(clientAckSent.at(0).at(0).toLongLong(), serverAckId);
    QCOMPARE(clientAckSent.at(0).at(1).value<Arguments>().value(1).toLongLong(), 42);
    QCOMPARE(serverAckReceived.size(), 1);
    QCOMPARE(serverAckReceived.at(0).at(0).value<Socket *>(), s);
    QCOMPARE(serverAckReceived.at(0).at(1).toLongLong(), serverAckId);
    QCOMPARE(Loopback::display(serverAckReceived.at(0).at(2).value<Arguments>()),
             Loopback::display({ u"answer to life"_s, 42 }));

    // Several acks in flight, answered out of order, each reaches its own callback.
    QList<Ack> held;
    s->on(u"hold"_s, [&](const Arguments &, const Ack &ack) { held.append(ack); });
    QMap<qint64, qint64> answers; // ack id -> reply
    QList<qint64> ids;
    for (int i = 0; i < 3; ++i) {
        ids.append(client->send(u"hold"_s, { i }, [&](const AckResult &r) {
            answers.insert(r.ackId, r.args.value(0).toLongLong());
        }));
    }
    QTRY_COMPARE(held.size(), 3);
    held.at(2).reply({ 102 });
    held.at(0).reply({ 100 });
    held.at(1).reply({ 101 });
    QTRY_COMPARE(answers.size(), 3);
    QCOMPARE(answers.value(ids.at(0)), 100);
    QCOMPARE(answers.value(ids.at(1)), 101);
    QCOMPARE(answers.value(ids.at(2)), 102);
}

void tst_EventServer::ackTimeouts()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    Socket *s = server.socket(client->id());
    QVERIFY(s);
    QSignalSpy serverTimedOut(&server, &EventServer::ackTimedOut);
    QSignalSpy clientTimedOut(client.get(), &EventClient::ackTimedOut);

    // The server asks; the client never answers.
    QSignalSpy clientGot(client.get(), &EventClient::eventReceived);
    AckResult serverResult;
    QElapsedTimer clock;
    clock.start();
    const qint64 id = s->send(u"ignored"_s, {}, [&](const AckResult &r) { serverResult = r; }, 150);
    QTRY_VERIFY(serverResult.timedOut);
    QVERIFY(clock.elapsed() >= 140);
    QCOMPARE(clientGot.size(), 1);
    QVERIFY(clientGot.at(0).at(2).value<Ack>().isRequested());
    QCOMPARE(serverResult.ackId, id);
    QCOMPARE(serverResult.socketId, s->id());
    QVERIFY(!serverResult.cancelled);
    QVERIFY(serverResult.args.isEmpty());
    QVERIFY(serverResult.elapsedMs >= 140);
    QCOMPARE(serverTimedOut.size(), 1);
    QCOMPARE(serverTimedOut.at(0).at(0).value<Socket *>(), s);
    QCOMPARE(serverTimedOut.at(0).at(1).toLongLong(), id);
    QVERIFY(serverTimedOut.at(0).at(2).toLongLong() >= 140);
    QCOMPARE(s->pendingAcks(), 0);

    // The client asks; the server has no handler and never answers.
    AckResult clientResult;
    const qint64 cid =
            client->send(u"nobody-listens"_s, {}, [&](const AckResult &r) { clientResult = r; }, 150);
    QTRY_VERIFY(clientResult.timedOut);
    QCOMPARE(clientResult.ackId, cid);
    QVERIFY(clientResult.elapsedMs >= 140);
    QCOMPARE(clientTimedOut.size(), 1);
    QCOMPARE(clientTimedOut.at(0).at(0).toLongLong(), cid);

    // An ack without timeout waits; it is cancelled when the socket goes.
    AckResult pending;
    s->send(u"forever"_s, {}, [&](const AckResult &r) { pending = r; }, 0);
    QCOMPARE(s->pendingAcks(), 1);
    client->close();
    QTRY_VERIFY(pending.cancelled);
    QVERIFY(!pending.timedOut);
    QCOMPARE(serverTimedOut.size(), 1);
}

void tst_EventServer::lateAckIgnored()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    Socket *s = server.socket(client->id());
    QVERIFY(s);
    QSignalSpy serverAckReceived(&server, &EventServer::ackReceived);

    Ack held;
    client->on(u"slow"_s, [&](const Arguments &, const Ack &ack) { held = ack; });
    int calls = 0;
    AckResult result;
    s->send(
            u"slow"_s, {},
            [&](const AckResult &r) {
                ++calls;
                result = r;
            },
            100);
    QTRY_VERIFY(result.timedOut);
    QVERIFY(held.isRequested());
    held.reply({ u"too late"_s });
    QVERIFY(held.isSent());

    // The late reply reaches the server but changes nothing; the connection stays healthy.
    QSignalSpy received(&server, &EventServer::eventReceived);
    client->send(u"after"_s);
    QTRY_COMPARE(received.size(), 1);
    QCOMPARE(calls, 1);
    QCOMPARE(serverAckReceived.size(), 0);
    QVERIFY(client->isConnected());
}

void tst_EventServer::rooms()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    Namespace *root = server.findNamespace(u"/"_s);
    auto a = Loopback::connectClient(server);
    auto b = Loopback::connectClient(server);
    QVERIFY(a->isConnected() && b->isConnected());
    Socket *sa = server.socket(a->id());
    Socket *sb = server.socket(b->id());
    QVERIFY(sa && sb);

    // Every socket is in its own-id room from the start.
    QCOMPARE(sa->rooms(), QSet<QString> { sa->id() });
    QCOMPARE(root->socketsInRoom(sa->id()), QList<Socket *> { sa });
    const QStringList initialRooms = root->rooms();
    QCOMPARE(QSet<QString>(initialRooms.cbegin(), initialRooms.cend()),
             (QSet<QString> { sa->id(), sb->id() }));

    QSignalSpy roomsChanged(sa, &Socket::roomsChanged);
    sa->join(u"red"_s);
    sa->join(u"red"_s); // twice is once
    sa->join(QStringList { u"blue"_s, u"green"_s });
    sb->join(u"blue"_s);
    QCOMPARE(roomsChanged.size(), 3);
    QCOMPARE(sa->rooms(), (QSet<QString> { sa->id(), u"red"_s, u"blue"_s, u"green"_s }));
    QCOMPARE(root->socketsInRoom(u"red"_s), QList<Socket *> { sa });
    QCOMPARE(root->socketsInRoom(u"blue"_s).size(), 2);
    QVERIFY(root->rooms().contains(u"green"_s));

    sa->leave(u"green"_s);
    sa->leave(u"never-joined"_s);
    QCOMPARE(roomsChanged.size(), 4);
    QVERIFY(!root->rooms().contains(u"green"_s)); // empty rooms vanish
    QVERIFY(root->socketsInRoom(u"green"_s).isEmpty());

    // Sending to a socket's own id reaches only it.
    QSignalSpy gotA(a.get(), &EventClient::eventReceived);
    QSignalSpy gotB(b.get(), &EventClient::eventReceived);
    QCOMPARE(root->to(sb->id()).send(u"direct"_s, { 1 }), 1);
    QTRY_COMPARE(gotB.size(), 1);
    QCOMPARE(gotB.at(0).at(0).toString(), u"direct"_s);

    // A socket that goes leaves all its rooms.
    const QString bId = sb->id();
    b->close();
    QTRY_VERIFY(!root->socket(bId));
    QCOMPARE(root->socketsInRoom(u"blue"_s), QList<Socket *> { sa });
    QVERIFY(!root->rooms().contains(bId));
    QCOMPARE(gotA.size(), 0);
}

void tst_EventServer::broadcastTargets()
{
    EventServer server(fastOptions());
    server.of(u"/other"_s);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    Namespace *root = server.findNamespace(u"/"_s);

    // Four clients in "/", one in "/other".
    std::vector<std::unique_ptr<EventClient>> clients;
    QList<Socket *> sockets;
    QList<QStringList> got; // event names received per client
    for (int i = 0; i < 5; ++i) {
        clients.push_back(Loopback::connectClient(server, i == 4 ? u"/other"_s : u"/"_s));
        QVERIFY(clients.back()->isConnected());
        sockets.append(server.socket(clients.back()->id()));
        QVERIFY(sockets.back());
        got.append(QStringList());
        clients.back()->onAny([&got, i](const QString &e, const Arguments &, const Ack &) {
            got[i].append(e);
        });
    }
    sockets[0]->join(u"a"_s);
    sockets[1]->join(u"a"_s);
    sockets[1]->join(u"b"_s);
    sockets[2]->join(u"b"_s);
    sockets[4]->join(u"a"_s); // "a" in /other is a different room

    // Sends, then a "sync" to everybody: when each has its sync, nothing else is on the way.
    auto settle = [&]() -> bool {
        for (Socket *s : sockets)
            s->send(u"sync"_s);
        return QTest::qWaitFor(
                [&] {
                    for (const QStringList &g : got)
                        if (!g.contains(u"sync"_s))
                            return false;
                    return true;
                },
                5000);
    };
    auto receivers = [&](const QString &event) {
        QList<int> out;
        for (int i = 0; i < int(got.size()); ++i)
            if (got.at(i).contains(event))
                out.append(i);
        return out;
    };
    using Ids = QList<int>;

    QCOMPARE(root->to(u"a"_s).send(u"to-a"_s, { 1 }), 2);
    QCOMPARE(root->to(QStringList { u"a"_s, u"b"_s }).send(u"to-a-or-b"_s), 3); // no duplicates
    QCOMPARE(root->to(u"a"_s).to(u"b"_s).send(u"chained"_s), 3);
    QCOMPARE(root->to(u"b"_s).except(u"a"_s).send(u"b-not-a"_s), 1);
    QCOMPARE(root->except(sockets[0]->id()).send(u"all-but-0"_s), 3);
    QCOMPARE(Broadcast(root).except(QStringList { u"a"_s }).send(u"not-a"_s), 2);
    QCOMPARE(Broadcast(root).except(QStringList { u"a"_s, u"b"_s }).send(u"neither"_s), 1);
    QCOMPARE(root->to(u"nobody-here"_s).send(u"empty-room"_s), 0);
    QCOMPARE(root->send(u"everyone"_s, { u"x"_s }), 4);
    QCOMPARE(root->to(u"a"_s).targets().size(), 2);
    QVERIFY(settle());

    QCOMPARE(receivers(u"to-a"_s), (Ids { 0, 1 }));
    QCOMPARE(receivers(u"to-a-or-b"_s), (Ids { 0, 1, 2 }));
    QCOMPARE(got.at(1).count(u"to-a-or-b"_s), 1);
    QCOMPARE(receivers(u"chained"_s), (Ids { 0, 1, 2 }));
    QCOMPARE(receivers(u"b-not-a"_s), (Ids { 2 }));
    QCOMPARE(receivers(u"all-but-0"_s), (Ids { 1, 2, 3 }));
    QCOMPARE(receivers(u"not-a"_s), (Ids { 2, 3 }));
    QCOMPARE(receivers(u"neither"_s), (Ids { 3 }));
    QCOMPARE(receivers(u"empty-room"_s), Ids());
    QCOMPARE(receivers(u"everyone"_s), (Ids { 0, 1, 2, 3 }));
    // The broadcast counts as an event sent to each target.
    QCOMPARE(sockets[3]->eventsSent(), quint64(5)); // all-but-0, not-a, neither, everyone, sync
}

void tst_EventServer::broadcastWithAck()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    Namespace *root = server.findNamespace(u"/"_s);
    std::vector<std::unique_ptr<EventClient>> clients;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(Loopback::connectClient(server));
        QVERIFY(clients.back()->isConnected());
    }
    // Two answer with their own id; the third stays silent.
    for (int i = 0; i < 2; ++i) {
        EventClient *c = clients.at(i).get();
        c->on(u"roll-call"_s, [c](const Arguments &a, const Ack &ack) {
            ack({ c->id(), a.value(0) });
        });
    }
    QSignalSpy timedOut(&server, &EventServer::ackTimedOut);
    QList<AckResult> results;
    const int n = root->send(
            u"roll-call"_s, { u"present?"_s }, [&](const AckResult &r) { results.append(r); }, 500);
    QCOMPARE(n, 3);
    QTRY_COMPARE_WITH_TIMEOUT(results.size(), 3, 3000);

    QSet<QString> replied, timedOutIds;
    for (const AckResult &r : std::as_const(results)) {
        if (r.timedOut) {
            timedOutIds.insert(r.socketId);
        } else {
            QCOMPARE(r.args.value(0).toString(), r.socketId); // each reply came from its sender
            QCOMPARE(r.args.value(1).toString(), u"present?"_s);
            replied.insert(r.socketId);
        }
    }
    QCOMPARE(replied, (QSet<QString> { clients.at(0)->id(), clients.at(1)->id() }));
    QCOMPARE(timedOutIds, QSet<QString> { clients.at(2)->id() });
    QCOMPARE(timedOut.size(), 1);
    QCOMPARE(timedOut.at(0).at(0).value<Socket *>()->id(), clients.at(2)->id());
    for (const auto &c : clients)
        QCOMPARE(server.socket(c->id())->pendingAcks(), 0);
}

void tst_EventServer::serverWideSend()
{
    EventServer server(fastOptions());
    server.of(u"/side"_s);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto a = Loopback::connectClient(server);
    auto b = Loopback::connectClient(server);
    auto side = Loopback::connectClient(server, u"/side"_s);
    QVERIFY(a->isConnected() && b->isConnected() && side->isConnected());
    QSignalSpy gotA(a.get(), &EventClient::eventReceived);
    QSignalSpy gotB(b.get(), &EventClient::eventReceived);
    QSignalSpy gotSide(side.get(), &EventClient::eventReceived);
    QSignalSpy sent(&server, &EventServer::eventSent);

    QCOMPARE(server.send(u"news"_s, { 1, u"two"_s }), 2);
    QTRY_COMPARE(gotA.size(), 1);
    QTRY_COMPARE(gotB.size(), 1);
    QCOMPARE(Loopback::display(gotB.at(0).at(1).value<Arguments>()),
             Loopback::display({ 1, u"two"_s }));
    QCOMPARE(sent.size(), 2);
    QCOMPARE(sent.at(0).at(3).toLongLong(), -1);
    // "/side" did not get it: its own namespace message arrives first.
    server.findNamespace(u"/side"_s)->send(u"side-news"_s);
    QTRY_COMPARE(gotSide.size(), 1);
    QCOMPARE(gotSide.at(0).at(0).toString(), u"side-news"_s);
}

void tst_EventServer::disconnectClientNamespace()
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

void tst_EventServer::disconnectServerNamespace()
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

void tst_EventServer::disconnectServerShuttingDown()
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

void tst_EventServer::disconnectTransportClose_data()
{
    QTest::addColumn<int>("how");
    QTest::newRow("raw peer aborts TCP") << 0;
    QTest::newRow("raw peer closes WebSocket") << 1;
    QTest::newRow("raw peer sends Engine.IO close") << 2;
    QTest::newRow("EventClient destroyed") << 3;
}

void tst_EventServer::disconnectTransportClose()
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

void tst_EventServer::misbehavingPeerDropped_data()
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

void tst_EventServer::misbehavingPeerDropped()
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

void tst_EventServer::packetBeforeConnectDropped_data()
{
    QTest::addColumn<QString>("packet");
    QTest::newRow("event") << uR"(42["hello"])"_s;
    QTest::newRow("event with ack") << uR"(421["hello"])"_s;
    QTest::newRow("ack") << uR"(430[])"_s;
    QTest::newRow("disconnect") << u"41"_s;
    QTest::newRow("event for another namespace") << uR"(42/chat,["hello"])"_s;
}

void tst_EventServer::packetBeforeConnectDropped()
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

void tst_EventServer::serverSignalsCarryData()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy opened(&server, &EventServer::connectionOpened);
    QSignalSpy connected(&server, &EventServer::socketConnected);
    QSignalSpy nsConnected(server.findNamespace(u"/"_s), &Namespace::socketConnected);
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    QCOMPARE(opened.size(), 1);
    auto *c = opened.at(0).at(0).value<Connection *>();
    QCOMPARE(c->id(), client->connectionId());
    QVERIFY(c->isOpen());
    QVERIFY(c->openedAt().isValid());
    QCOMPARE(connected.size(), 1);
    QCOMPARE(nsConnected.size(), 1);
    auto *s = connected.at(0).at(0).value<Socket *>();
    QCOMPARE(s->id(), client->id());
    QVERIFY(s->isConnected());
    QVERIFY(s->connectedAt().isValid());
    QCOMPARE(s->server(), &server);
    QCOMPARE(s->ns(), server.findNamespace(u"/"_s));

    QSignalSpy received(&server, &EventServer::eventReceived);
    QSignalSpy sent(&server, &EventServer::eventSent);
    client->send(u"in"_s, { 1, u"a"_s });
    client->send(u"in-ack"_s, { 2 }, [](const AckResult &) { });
    QTRY_COMPARE(received.size(), 2);
    QCOMPARE(received.at(0).at(0).value<Socket *>(), s);
    QCOMPARE(received.at(0).at(1).toString(), u"in"_s);
    QCOMPARE(Loopback::display(received.at(0).at(2).value<Arguments>()),
             Loopback::display({ 1, u"a"_s }));
    QCOMPARE(received.at(0).at(3).toLongLong(), -1);
    QCOMPARE(received.at(1).at(1).toString(), u"in-ack"_s);
    QVERIFY(received.at(1).at(3).toLongLong() >= 0);

    s->send(u"out"_s, { true });
    const qint64 id = s->send(u"out-ack"_s, { false }, [](const AckResult &) { });
    QCOMPARE(sent.size(), 2);
    QCOMPARE(sent.at(0).at(0).value<Socket *>(), s);
    QCOMPARE(sent.at(0).at(1).toString(), u"out"_s);
    QCOMPARE(Loopback::display(sent.at(0).at(2).value<Arguments>()), Loopback::display({ true }));
    QCOMPARE(sent.at(0).at(3).toLongLong(), -1);
    QCOMPARE(sent.at(1).at(3).toLongLong(), id);
    QVERIFY(c->bytesReceived() > 0);
    QVERIFY(c->bytesSent() > 0);
}

void tst_EventServer::reservedEventNamesNotSent()
{
    // The Socket.IO decoders refuse these names: sending one would make the peer drop us.
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    Socket *s = server.socket(client->id());
    QVERIFY(s);
    QSignalSpy clientGone(client.get(), &EventClient::disconnected);
    QSignalSpy serverGone(&server, &EventServer::socketDisconnected);
    QSignalSpy sent(&server, &EventServer::eventSent);
    QSignalSpy clientSent(client.get(), &EventClient::eventSent);

    const QStringList reserved = { u"connect"_s, u"connect_error"_s, u"disconnect"_s,
                                   u"disconnecting"_s, u"newListener"_s, u"removeListener"_s };
    for (const QString &name : reserved) {
        QVERIFY2(!s->send(name, { 1 }), qPrintable(name));
        QCOMPARE(s->send(name, {}, [](const AckResult &) { }), qint64(-1));
        QCOMPARE(server.findNamespace(u"/"_s)->send(name), 0);
        QVERIFY2(!client->send(name, { 1 }), qPrintable(name));
        QCOMPARE(client->send(name, {}, [](const AckResult &) { }), qint64(-1));
    }
    QCOMPARE(sent.size(), 0);
    QCOMPARE(clientSent.size(), 0);

    // Both ends are still talking.
    QSignalSpy got(client.get(), &EventClient::eventReceived);
    QSignalSpy serverGot(&server, &EventServer::eventReceived);
    QVERIFY(s->send(u"fine"_s));
    QVERIFY(client->send(u"fine-too"_s));
    QTRY_COMPARE(got.size(), 1);
    QTRY_COMPARE(serverGot.size(), 1);
    QCOMPARE(clientGone.size(), 0);
    QCOMPARE(serverGone.size(), 0);
}

void tst_EventServer::stalledAndOversizedRequestHeads()
{
    ServerOptions o = fastOptions();
    o.handshakeTimeout = 200;
    o.maxRequestHeadBytes = 1024;
    EventServer server(o);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy errors(&server, &EventServer::errorOccurred);
    QSignalSpy handshakes(&server, &EventServer::handshakeReceived);

    // Half a request, then silence: dropped after handshakeTimeout.
    QTcpSocket stalled;
    stalled.connectToHost(Loopback::LocalHost, server.serverPort());
    QTRY_COMPARE(stalled.state(), QAbstractSocket::ConnectedState);
    stalled.write("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n");
    QTRY_COMPARE_WITH_TIMEOUT(stalled.state(), QAbstractSocket::UnconnectedState, 3000);
    QCOMPARE(errors.size(), 1);
    QVERIFY2(errors.at(0).at(1).toString().contains(u"no complete request"_s),
             qPrintable(errors.at(0).at(1).toString()));

    // A head over maxRequestHeadBytes: 431.
    const QByteArray huge = "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nX-Big: "
            + QByteArray(2000, 'a') + "\r\n\r\n";
    const Loopback::HttpReply r = Loopback::rawHttp(server.serverPort(), huge);
    QVERIFY(r.complete);
    QCOMPARE(r.status, 431);
    QTRY_COMPARE(handshakes.size(), 1);
    QCOMPARE(handshakes.at(0).at(0).value<HandshakeRecord>().statusCode, 431);
    QVERIFY(handshakes.at(0).at(0).value<HandshakeRecord>().rawRequest.size() <= 1024);

    // Not HTTP at all: 400.
    const Loopback::HttpReply junk = Loopback::rawHttp(server.serverPort(), "\x16\x03\x01junk\r\n\r\n");
    QCOMPARE(junk.status, 400);
    QVERIFY(server.connections().isEmpty());
}

void tst_EventServer::repeatedConnectKeepsSocket()
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

void tst_EventServer::namespaceDisconnectSockets()
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

void tst_EventServer::broadcastAckCancelledWhenTargetLeaves()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto stays = Loopback::connectClient(server);
    auto leaves = Loopback::connectClient(server);
    QVERIFY(stays->isConnected() && leaves->isConnected());
    Ack held;
    stays->on(u"q"_s, [&](const Arguments &, const Ack &ack) { held = ack; });
    QSignalSpy leavesGot(leaves.get(), &EventClient::eventReceived);

    QList<AckResult> results;
    QCOMPARE(server.findNamespace(u"/"_s)->send(u"q"_s, {}, [&](const AckResult &r) { results.append(r); },
                                                0),
             2);
    QTRY_VERIFY(held.isRequested());
    QTRY_COMPARE(leavesGot.size(), 1);
    const QString leavingId = leaves->id();
    leaves->close();
    QTRY_COMPARE(results.size(), 1);
    QVERIFY(results.at(0).cancelled);
    QCOMPARE(results.at(0).socketId, leavingId);
    held.reply({ u"here"_s });
    QTRY_COMPARE(results.size(), 2);
    QVERIFY(!results.at(1).cancelled && !results.at(1).timedOut);
    QCOMPARE(results.at(1).socketId, stays->id());
    QCOMPARE(results.at(1).args.value(0).toString(), u"here"_s);
}

void tst_EventServer::namespaceNamesNormalised()
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

void tst_EventServer::connectHookJoinsRooms()
{
    EventServer server(fastOptions());
    Namespace *root = server.findNamespace(u"/"_s);
    root->addConnectHook([](Socket *s) {
        s->join(u"lobby"_s);
        if (s->auth().value(u"vip"_s).toBool())
            s->join(u"vip"_s);
        if (s->auth().value(u"banned"_s).toBool())
            return ConnectDecision::refuse(u"banned"_s);
        return ConnectDecision::accept();
    });
    QVERIFY(server.listen(Loopback::LocalHost, 0));

    ClientOptions vip;
    vip.auth.insert(u"vip"_s, true);
    auto a = Loopback::connectClient(server, u"/"_s, vip);
    QVERIFY(a->isConnected());
    Socket *sa = server.socket(a->id());
    QCOMPARE(sa->rooms(), (QSet<QString> { sa->id(), u"lobby"_s, u"vip"_s }));
    QCOMPARE(root->socketsInRoom(u"vip"_s), QList<Socket *> { sa });

    // Refused after joining: no trace left in the rooms.
    ClientOptions banned;
    banned.auth.insert(u"banned"_s, true);
    banned.auth.insert(u"vip"_s, true);
    auto b = Loopback::connectClient(server, u"/"_s, banned);
    QVERIFY(!b->isConnected());
    QCOMPARE(b->errorString(), u"banned"_s);
    QCOMPARE(root->socketsInRoom(u"vip"_s), QList<Socket *> { sa });
    QCOMPARE(root->socketsInRoom(u"lobby"_s), QList<Socket *> { sa });
    QCOMPARE(root->to(u"vip"_s).send(u"x"_s), 1);
}

void tst_EventServer::closeWhileConnecting()
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

QTEST_GUILESS_MAIN(tst_EventServer)
#include "tst_eventserver.moc"
