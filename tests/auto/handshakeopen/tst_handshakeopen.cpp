// When connectionOpened is emitted, the connection's handshake record is complete: the
// request as it came, and our answer (status and response head) as it was written, for
// long-polling as for WebSocket.
#include <connection.h>
#include <eventserver.h>

#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Sockscope;

class tst_HandshakeOpen : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void recordCompleteAtOpen_data();
    void recordCompleteAtOpen();
};

void tst_HandshakeOpen::recordCompleteAtOpen_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("transport");
    QTest::addColumn<QByteArray>("headStart");
    QTest::newRow("polling")
            << "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: localhost\r\n\r\n"_ba
            << 200 << u"polling"_s << "HTTP/1.1 200 OK\r\n"_ba;
    QTest::newRow("websocket")
            << "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: localhost\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"_ba
            << 101 << u"websocket"_s << "HTTP/1.1 101 Switching Protocols\r\n"_ba;
}

void tst_HandshakeOpen::recordCompleteAtOpen()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QFETCH(QString, transport);
    QFETCH(QByteArray, headStart);

    EventServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    // What the record holds at the moment of the signal, not later.
    HandshakeRecord atOpen;
    QString transportAtOpen;
    int opened = 0;
    connect(&server, &EventServer::connectionOpened, this, [&](Connection *c) {
        ++opened;
        atOpen = c->handshake();
        transportAtOpen = c->transportName();
    });
    QSignalSpy handshakes(&server, &EventServer::handshakeReceived);

    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, server.serverPort());
    QVERIFY(client.waitForConnected(5000));
    client.write(request);
    QTRY_COMPARE(opened, 1);

    QCOMPARE(transportAtOpen, transport);
    QCOMPARE(atOpen.transport, transport);
    QCOMPARE(atOpen.statusCode, status);
    QCOMPARE(atOpen.rawRequest, request);
    QVERIFY2(atOpen.rawResponse.startsWith(headStart), atOpen.rawResponse.constData());
    QVERIFY(atOpen.rawResponse.endsWith("\r\n\r\n"));
    QCOMPARE(atOpen.connectionId.size(), 20);
    // The same record the handshake signal carried, and the bytes the client received.
    QTRY_COMPARE(handshakes.size(), 1);
    const auto signalled = handshakes.at(0).at(0).value<HandshakeRecord>();
    QCOMPARE(signalled.rawResponse, atOpen.rawResponse);
    QCOMPARE(signalled.connectionId, atOpen.connectionId);
    QTRY_VERIFY(client.bytesAvailable() >= atOpen.rawResponse.size());
    QCOMPARE(client.peek(atOpen.rawResponse.size()), atOpen.rawResponse);
}

QTEST_GUILESS_MAIN(tst_HandshakeOpen)
#include "tst_handshakeopen.moc"
