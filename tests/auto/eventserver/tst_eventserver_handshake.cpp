// EventServer on loopback: listening, HTTP refusals, the Engine.IO handshake and its record,
// session ids and request heads.
// Our EventClient, raw WebSocket peers and raw TCP requests against a real server on 127.0.0.1.
#include <connection.h>
#include <eventclient.h>
#include <eventserver.h>
#include <namespace.h>
#include <socket.h>

#include "loopback.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Sockscope;
using Loopback::RawPeer;
using Loopback::fastOptions;

class tst_EventServerHandshake : public QObject
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
    void stalledAndOversizedRequestHeads();
};

// ---------------------------------------------------------------------------------------------

void tst_EventServerHandshake::listenOnPortZero()
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

void tst_EventServerHandshake::listenOnBusyPort()
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

void tst_EventServerHandshake::listenWithInvalidOptions()
{
    ServerOptions o;
    o.pingInterval = 0;
    EventServer server(o);
    QVERIFY(!server.listen(Loopback::LocalHost, 0));
    QCOMPARE(server.error(), EventServer::Error::InvalidOptions);
    QVERIFY2(server.errorString().contains(u"ping interval"_s), qPrintable(server.errorString()));
    QVERIFY(!server.isListening());
}

void tst_EventServerHandshake::httpRefusals_data()
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

void tst_EventServerHandshake::httpRefusals()
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

void tst_EventServerHandshake::originNotAllowed()
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

void tst_EventServerHandshake::handshakeRecordOfRawUpgrade()
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

void tst_EventServerHandshake::handshakeRecordOfEventClient()
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

void tst_EventServerHandshake::openPacketCarriesOptions()
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

void tst_EventServerHandshake::idsAreNodeStyleAndDistinct()
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

void tst_EventServerHandshake::stalledAndOversizedRequestHeads()
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

QTEST_GUILESS_MAIN(tst_EventServerHandshake)
#include "tst_eventserver_handshake.moc"
