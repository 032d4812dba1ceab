// Limits: each refusal is clear, counted in stats(), and only the offender is affected.
#include <eventclient.h>
#include <eventserver.h>
#include <socket.h>

#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>

using namespace Qt::StringLiterals;
using namespace Sockscope;

class tst_Limits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void maxConnections();
    void namespacesPerConnection();
    void statsCountDrops();
};

static EventClient *connectClient(quint16 port, QObject *parent)
{
    auto *c = new EventClient(parent);
    c->setUrl(QUrl(u"http://127.0.0.1:%1/"_s.arg(port)));
    c->open();
    return c;
}

void tst_Limits::maxConnections()
{
    ServerOptions o;
    o.maxConnections = 2;
    EventServer server(o);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QSignalSpy stats(&server, &EventServer::statsChanged);
    QObject owner;
    EventClient *a = connectClient(server.serverPort(), &owner);
    EventClient *b = connectClient(server.serverPort(), &owner);
    QTRY_VERIFY(a->isConnected() && b->isConnected());

    EventClient *c = connectClient(server.serverPort(), &owner);
    QSignalSpy refused(c, &EventClient::connectErrorOccurred);
    QTRY_COMPARE(refused.size(), 1);
    QVERIFY2(refused.at(0).at(0).toString().contains(u"503"_s), qPrintable(refused.at(0).at(0).toString()));
    QCOMPARE(server.stats().refusedAtCapacity, 1u);
    QVERIFY(!stats.isEmpty());

    // The refusal says why, in plain words.
    QTcpSocket raw;
    raw.connectToHost(QHostAddress::LocalHost, server.serverPort());
    QVERIFY(raw.waitForConnected(3000));
    raw.write("GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\n\r\n");
    QByteArray response;
    QTRY_VERIFY((response += raw.readAll()).contains("capacity"));
    QVERIFY(response.startsWith("HTTP/1.1 503"));

    // The two admitted clients carry on; when one leaves, a newcomer gets its place.
    QVERIFY(a->isConnected() && b->isConnected());
    delete a;
    QTRY_COMPARE(server.connections().size(), 1);
    EventClient *d = connectClient(server.serverPort(), &owner);
    QTRY_VERIFY(d->isConnected());
}

void tst_Limits::namespacesPerConnection()
{
    ServerOptions o;
    o.maxNamespacesPerConnection = 2;
    EventServer server(o);
    for (const char *n : { "/a", "/b", "/c" })
        server.of(QString::fromLatin1(n));
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QWebSocket ws;
    QStringList texts;
    connect(&ws, &QWebSocket::textMessageReceived, &ws, [&](const QString &t) { texts.append(t); });
    ws.open(QUrl(u"ws://127.0.0.1:%1/socket.io/?EIO=4&transport=websocket"_s.arg(server.serverPort())));
    QTRY_VERIFY(!texts.isEmpty()); // the open packet
    ws.sendTextMessage(u"40/a,"_s);
    ws.sendTextMessage(u"40/b,"_s);
    ws.sendTextMessage(u"40/c,"_s);
    QTRY_VERIFY(std::any_of(texts.begin(), texts.end(), [](const QString &t) { return t.startsWith(u"44/c,"_s); }));
    const QString refusal = *std::find_if(texts.begin(), texts.end(), [](const QString &t) { return t.startsWith(u"44/c,"_s); });
    QVERIFY(refusal.contains(u"Too many namespaces"_s));
    QCOMPARE(server.stats().namespaceLimitRefusals, 1u);
    // The connection itself stays and its two namespaces keep working.
    QCOMPARE(server.connections().size(), 1);
    QCOMPARE(server.findNamespace(u"/a"_s)->socketCount(), 1);
    QCOMPARE(server.findNamespace(u"/b"_s)->socketCount(), 1);
}

void tst_Limits::statsCountDrops()
{
    ServerOptions o;
    o.pingInterval = 100;
    o.pingTimeout = 100;
    o.connectTimeout = 300;
    o.handshakeTimeout = 300;
    o.maxPayload = 100;
    EventServer server(o);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    const QUrl url(u"ws://127.0.0.1:%1/socket.io/?EIO=4&transport=websocket"_s.arg(server.serverPort()));

    QWebSocket silent; // never answers pings, never connects a namespace
    silent.open(url);
    QWebSocket garbage;
    connect(&garbage, &QWebSocket::connected, &garbage, [&] { garbage.sendTextMessage(u"4x"_s); });
    garbage.open(url);
    QTcpSocket stalled;
    stalled.connectToHost(QHostAddress::LocalHost, server.serverPort());
    QVERIFY(stalled.waitForConnected(3000));
    stalled.write("GET /socket.io/ HT");
    QTcpSocket big;
    big.connectToHost(QHostAddress::LocalHost, server.serverPort());
    QVERIFY(big.waitForConnected(3000));
    big.write("POST /socket.io/?EIO=4&transport=polling&sid=x HTTP/1.1\r\nContent-Length: 5000\r\n\r\n");

    QTRY_COMPARE_WITH_TIMEOUT(server.stats().parseErrors, 1u, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(server.stats().connectTimeouts + server.stats().pingTimeouts >= 1u, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(server.stats().handshakeTimeouts, 1u, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(server.stats().oversizedPayloads, 1u, 5000);
    QVERIFY(server.stats().requestsRefused >= 1u);
}

QTEST_GUILESS_MAIN(tst_Limits)
#include "tst_limits.moc"
