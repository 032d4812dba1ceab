// build/bin/sockscope with a window (QT_QPA_PLATFORM=offscreen) and a config directory of its
// own: SIGTERM and SIGINT close the window, disconnect the clients and exit 0; the settings
// it started with are used by the next run, and a command-line flag wins over them.
#include <eventclient.h>

#include "loopback.h"

#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;
using namespace Sockscope;

namespace {

const QString Binary = QStringLiteral(SOCKSCOPE_BIN);

quint16 freePort()
{
    QTcpServer s;
    if (!s.listen(Loopback::LocalHost, 0))
        return 0;
    return s.serverPort();
}

ClientOptions withParser(ClientOptions::Parser parser)
{
    ClientOptions o;
    o.parser = parser;
    o.timeout = 5000;
    return o;
}

bool accepts(quint16 port)
{
    QTcpSocket s;
    s.connectToHost(Loopback::LocalHost, port);
    return s.waitForConnected(200);
}

} // namespace

class tst_MonitorProcess : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void sigtermClosesTheWindowAndExitsZero();
    void rememberedSettingsAndSigint();
    void flagWinsOverRemembered();

private:
    // Starts the window with these arguments; false if it does not come up.
    bool start(QProcess &process, const QStringList &arguments);
    bool stop(QProcess &process, int signal);
    QString settingsFile() const { return m_home.filePath(u"config/Sockscope/sockscope.conf"_s); }

    QTemporaryDir m_home;
    quint16 m_port = 0;
};

void tst_MonitorProcess::initTestCase()
{
    QVERIFY(m_home.isValid());
    QVERIFY(QFile::exists(Binary));
    m_port = freePort();
    QVERIFY(m_port);
}

bool tst_MonitorProcess::start(QProcess &process, const QStringList &arguments)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
    env.insert(u"HOME"_s, m_home.path());
    env.insert(u"XDG_CONFIG_HOME"_s, m_home.filePath(u"config"_s));
    env.remove(u"DISPLAY"_s);
    env.remove(u"WAYLAND_DISPLAY"_s);
    process.setProcessEnvironment(env);
    process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process.start(Binary, arguments);
    return process.waitForStarted(5000);
}

bool tst_MonitorProcess::stop(QProcess &process, int signal)
{
    ::kill(pid_t(process.processId()), signal);
    if (!process.waitForFinished(10000)) {
        process.kill();
        process.waitForFinished();
        return false;
    }
    return true;
}

void tst_MonitorProcess::sigtermClosesTheWindowAndExitsZero()
{
    QProcess monitor;
    QVERIFY(start(monitor, { u"--port"_s, QString::number(m_port), u"--ping-interval"_s,
                             u"4321"_s, u"--max-buffered-bytes"_s, u"123456"_s,
                             u"--parser"_s, u"msgpack"_s }));
    QTRY_VERIFY_WITH_TIMEOUT(accepts(m_port), 10000);
    // A client is told the server is going (a msgpack one: the server speaks nothing else).
    EventClient client;
    client.setOptions(withParser(ClientOptions::Parser::Msgpack));
    client.setUrl(QUrl(u"http://127.0.0.1:%1/"_s.arg(m_port)));
    client.open();
    QTRY_VERIFY(client.isConnected());

    QVERIFY(stop(monitor, SIGTERM));
    QCOMPARE(monitor.exitStatus(), QProcess::NormalExit);
    QCOMPARE(monitor.exitCode(), 0);
    QTRY_VERIFY(!client.isConnected());
    QVERIFY(!accepts(m_port));

    // Closing the window saved its layout and the settings it started with.
    QSettings saved(settingsFile(), QSettings::IniFormat);
    QCOMPARE(saved.value(u"server/port"_s).toInt(), int(m_port));
    QCOMPARE(saved.value(u"server/pingInterval"_s).toInt(), 4321);
    QCOMPARE(saved.value(u"server/maxBufferedBytes"_s).toLongLong(), 123456);
    QCOMPARE(saved.value(u"server/parser"_s).toString(), u"msgpack"_s);
    QVERIFY(saved.contains(u"monitor/state"_s));
}

void tst_MonitorProcess::rememberedSettingsAndSigint()
{
    QVERIFY(QFile::exists(settingsFile()));
    // No --port: the last run's port.
    QProcess monitor;
    QVERIFY(start(monitor, {}));
    QTRY_VERIFY_WITH_TIMEOUT(accepts(m_port), 10000);
    EventClient client;
    client.setOptions(withParser(ClientOptions::Parser::Msgpack));
    client.setUrl(QUrl(u"http://127.0.0.1:%1/"_s.arg(m_port)));
    client.open();
    QTRY_VERIFY(client.isConnected());
    // The remembered ping interval is in force: the open packet says so.
    QCOMPARE(client.handshake().open.pingInterval, 4321);
    // So is the remembered parser: a JSON client is not understood.
    EventClient json;
    json.setOptions(withParser(ClientOptions::Parser::Json));
    json.setUrl(client.url());
    QSignalSpy refused(&json, &EventClient::connectErrorOccurred);
    json.open();
    QTRY_COMPARE_WITH_TIMEOUT(refused.size(), 1, 10000);
    QVERIFY(!json.isConnected());
    QVERIFY(stop(monitor, SIGINT));
    QCOMPARE(monitor.exitStatus(), QProcess::NormalExit);
    QCOMPARE(monitor.exitCode(), 0);
    // It started with the remembered budget, and remembers it again.
    QSettings saved(settingsFile(), QSettings::IniFormat);
    QCOMPARE(saved.value(u"server/maxBufferedBytes"_s).toLongLong(), 123456);
    QCOMPARE(saved.value(u"server/parser"_s).toString(), u"msgpack"_s);
}

void tst_MonitorProcess::flagWinsOverRemembered()
{
    const quint16 other = freePort();
    QVERIFY(other && other != m_port);
    QProcess monitor;
    QVERIFY(start(monitor, { u"--port"_s, QString::number(other), u"--max-buffered-bytes"_s,
                             u"0"_s, u"--parser"_s, u"json"_s }));
    QTRY_VERIFY_WITH_TIMEOUT(accepts(other), 10000);
    QVERIFY(!accepts(m_port));
    // --parser json wins over the remembered msgpack.
    EventClient client;
    client.setUrl(QUrl(u"http://127.0.0.1:%1/"_s.arg(other)));
    client.open();
    QTRY_VERIFY(client.isConnected());
    client.close();
    QVERIFY(stop(monitor, SIGTERM));
    QCOMPARE(monitor.exitCode(), 0);
    // And now that port is the remembered one.
    QSettings saved(settingsFile(), QSettings::IniFormat);
    QCOMPARE(saved.value(u"server/port"_s).toInt(), int(other));
    QCOMPARE(saved.value(u"server/pingInterval"_s).toInt(), 4321);
    QCOMPARE(saved.value(u"server/maxBufferedBytes"_s).toLongLong(), 0); // 0 is a value
    QCOMPARE(saved.value(u"server/parser"_s).toString(), u"json"_s);
}

QTEST_GUILESS_MAIN(tst_MonitorProcess)
#include "tst_monitorprocess.moc"
