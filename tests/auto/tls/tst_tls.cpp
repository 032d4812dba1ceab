// TLS: https:// and wss:// from PEM files made by Debian's openssl, every transport, plain
// WebSocket clients too; a client that does not trust the certificate is refused cleanly.
#include <eventclient.h>
#include <eventserver.h>
#include <plainconnection.h>
#include <socket.h>

#include <QProcess>
#include <QSignalSpy>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

using namespace Qt::StringLiterals;
using namespace Sockscope;

class tst_Tls : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void loadTlsErrors();
    void everyTransport_data();
    void everyTransport();
    void plainWss();
    void untrustedCertificateRefused();
    void plainHttpOnTlsPortDoesNotHurtOthers();

private:
    bool startServer();
    QTemporaryDir m_dir;
    QString m_cert;
    QString m_key;
    EventServer *m_server = nullptr;
};

void tst_Tls::initTestCase()
{
    QVERIFY2(QSslSocket::supportsSsl(), "Qt has no TLS backend here");
    QVERIFY(m_dir.isValid());
    m_cert = m_dir.filePath(u"cert.pem"_s);
    m_key = m_dir.filePath(u"key.pem"_s);
    QProcess openssl;
    openssl.start(u"openssl"_s, { u"req"_s, u"-x509"_s, u"-newkey"_s, u"rsa:2048"_s, u"-nodes"_s,
                                   u"-keyout"_s, m_key, u"-out"_s, m_cert, u"-days"_s, u"1"_s,
                                   u"-subj"_s, u"/CN=127.0.0.1"_s,
                                   u"-addext"_s, u"subjectAltName=IP:127.0.0.1"_s });
    QVERIFY2(openssl.waitForFinished(60000), "openssl (Debian package openssl) is required");
    QCOMPARE(openssl.exitCode(), 0);
}

bool tst_Tls::startServer()
{
    ServerOptions o;
    QString error;
    if (!o.loadTls(m_cert, m_key, &error)) {
        qWarning() << error;
        return false;
    }
    m_server = new EventServer(o);
    connect(m_server, &EventServer::socketConnected, m_server, [](Socket *s) {
        s->on(u"echo"_s, [](const Arguments &args, const Ack &ack) { ack.reply(args); });
    });
    connect(m_server, &EventServer::plainConnectionOpened, m_server, [](PlainConnection *c) {
        connect(c, &PlainConnection::textMessageReceived, c, [c](const QString &t) { c->sendText(t); });
    });
    return m_server->listen(QHostAddress::LocalHost, 0);
}

void tst_Tls::cleanup()
{
    delete m_server;
    m_server = nullptr;
}

void tst_Tls::loadTlsErrors()
{
    ServerOptions o;
    QString error;
    QVERIFY(!o.loadTls(u"/nonexistent.pem"_s, m_key, &error));
    QVERIFY(error.contains(u"cannot read the certificate"_s));
    QVERIFY(!o.loadTls(m_key, m_key, &error)); // a key is not a certificate
    QVERIFY(error.contains(u"no PEM certificate"_s));
    QVERIFY(!o.loadTls(m_cert, m_cert, &error)); // a certificate is not a key
    QVERIFY(error.contains(u"private key"_s));
    QVERIFY(o.tls.isNull());
    QVERIFY(o.loadTls(m_cert, m_key, &error));
    QVERIFY(!o.tls.isNull());
}

void tst_Tls::everyTransport_data()
{
    QTest::addColumn<int>("transport");
    QTest::newRow("websocket") << int(ClientOptions::Transport::WebSocket);
    QTest::newRow("polling") << int(ClientOptions::Transport::Polling);
    QTest::newRow("auto") << int(ClientOptions::Transport::Auto);
}

void tst_Tls::everyTransport()
{
    QFETCH(int, transport);
    QVERIFY(startServer());
    EventClient client;
    client.setUrl(QUrl(u"https://127.0.0.1:%1/"_s.arg(m_server->serverPort())));
    ClientOptions co;
    co.transport = ClientOptions::Transport(transport);
    co.caCertificates = QSslCertificate::fromPath(m_cert);
    QCOMPARE(co.caCertificates.size(), 1);
    client.setOptions(co);
    QSignalSpy connected(&client, &EventClient::connected);
    client.open();
    QTRY_COMPARE(connected.size(), 1);
    Arguments reply;
    client.send(u"echo"_s, { u"over tls"_s, QByteArray("\x01\x02") },
                [&](const AckResult &r) { reply = r.args; }, 5000);
    QTRY_COMPARE(reply, (Arguments { u"over tls"_s, QByteArray("\x01\x02") }));
    if (co.transport == ClientOptions::Transport::Auto)
        QTRY_COMPARE(client.handshake().transport, u"websocket"_s);
}

void tst_Tls::plainWss()
{
    QVERIFY(startServer());
    QWebSocket ws;
    QSslConfiguration c = QSslConfiguration::defaultConfiguration();
    c.addCaCertificates(QSslCertificate::fromPath(m_cert));
    ws.setSslConfiguration(c);
    QStringList texts;
    connect(&ws, &QWebSocket::textMessageReceived, &ws, [&](const QString &t) { texts.append(t); });
    ws.open(QUrl(u"wss://127.0.0.1:%1/ws"_s.arg(m_server->serverPort())));
    QTRY_COMPARE(ws.state(), QAbstractSocket::ConnectedState);
    ws.sendTextMessage(u"secret hello"_s);
    QTRY_COMPARE(texts, QStringList { u"secret hello"_s });
}

void tst_Tls::untrustedCertificateRefused()
{
    QVERIFY(startServer());
    QSignalSpy errors(m_server, &EventServer::errorOccurred);
    EventClient client;
    client.setUrl(QUrl(u"https://127.0.0.1:%1/"_s.arg(m_server->serverPort())));
    QSignalSpy failed(&client, &EventClient::connectErrorOccurred);
    client.open();
    QTRY_COMPARE(failed.size(), 1);
    QVERIFY2(failed.at(0).at(0).toString().contains(u"SSL"_s, Qt::CaseInsensitive)
                     || failed.at(0).at(0).toString().contains(u"certificate"_s, Qt::CaseInsensitive),
             qPrintable(failed.at(0).at(0).toString()));
    QVERIFY(m_server->connections().isEmpty());
}

void tst_Tls::plainHttpOnTlsPortDoesNotHurtOthers()
{
    QVERIFY(startServer());
    QTcpSocket plain;
    plain.connectToHost(QHostAddress::LocalHost, m_server->serverPort());
    QVERIFY(plain.waitForConnected(3000));
    plain.write("GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\n\r\n");
    QSignalSpy gone(&plain, &QTcpSocket::disconnected);
    QTRY_COMPARE_WITH_TIMEOUT(gone.size(), 1, 15000);

    EventClient client;
    client.setUrl(QUrl(u"https://127.0.0.1:%1/"_s.arg(m_server->serverPort())));
    ClientOptions co;
    co.caCertificates = QSslCertificate::fromPath(m_cert);
    client.setOptions(co);
    QSignalSpy connected(&client, &EventClient::connected);
    client.open();
    QTRY_COMPARE(connected.size(), 1);
}

QTEST_GUILESS_MAIN(tst_Tls)
#include "tst_tls.moc"
