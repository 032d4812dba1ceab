// The server panel of the monitor: listening beyond loopback is shown as a deliberate choice,
// the write budget is edited there, and the server's refusals and drops are counted in the
// window (slow consumers and volatile events dropped among them).
#include <connection.h>
#include <eventclient.h>
#include <eventserver.h>
#include <monitorwindow.h>
#include <socket.h>

#include "stalledpeer.h"
#include "testsettings.h"

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QSpinBox>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Sockscope;

class tst_ServerPanel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void exposureWarning();
    void refusalsCountedInTheWindow();
    void maxBufferedBytesEdited();
    void parserEditedAndRemembered();
    void parserReachesTheServer();
    void slowConsumersAndVolatileDropsCounted();

private:
    QTemporaryDir m_settingsDir;
};

// The window remembers the settings it starts with: keep them out of the user's and other
// tests' configuration.
void tst_ServerPanel::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    TestShared::keepSettingsIn(m_settingsDir, u"tst_serverpanel"_s);
}

void tst_ServerPanel::exposureWarning()
{
    ServerControlPanel panel;
    panel.show();
    ServerSettings s;
    QCOMPARE(s.bind, u"127.0.0.1"_s); // loopback by default
    panel.setSettings(s);
    QVERIFY(!panel.isExposureWarningShown());
    auto *bind = panel.findChild<QLineEdit *>(u"bind"_s);
    QVERIFY(bind);
    bind->setText(u"0.0.0.0"_s);
    QVERIFY(panel.isExposureWarningShown());
    bind->setText(u"::1"_s);
    QVERIFY(!panel.isExposureWarningShown());
    s.bind = u"192.168.1.10"_s;
    panel.setSettings(s);
    QVERIFY(panel.isExposureWarningShown());
}

void tst_ServerPanel::refusalsCountedInTheWindow()
{
    MonitorWindow window;
    ServerSettings s = window.serverSettings();
    s.port = 0;
    s.rulesFile.clear();
    s.options.maxConnections = 1;
    window.setServerSettings(s);
    QVERIFY(window.startServer());
    window.show();
    QCOMPARE(window.serverPanel()->statsText(), u"Refused or dropped: none"_s);

    const QUrl url(u"http://127.0.0.1:%1/"_s.arg(window.server()->serverPort()));
    EventClient first;
    first.setUrl(url);
    QSignalSpy connected(&first, &EventClient::connected);
    first.open();
    QTRY_COMPARE(connected.size(), 1);
    EventClient second;
    second.setUrl(url);
    QSignalSpy refused(&second, &EventClient::connectErrorOccurred);
    second.open();
    QTRY_COMPARE(refused.size(), 1);
    QTRY_VERIFY2(window.serverPanel()->statsText().contains(u"1 at capacity"_s),
                 qPrintable(window.serverPanel()->statsText()));
    QVERIFY(first.isConnected()); // the admitted client carries on
}

void tst_ServerPanel::maxBufferedBytesEdited()
{
    ServerControlPanel panel;
    ServerSettings s;
    QCOMPARE(s.options.maxBufferedBytes, 1024 * 1024); // the library's default
    panel.setSettings(s);
    auto *spin = panel.findChild<QSpinBox *>(u"maxBufferedBytes"_s);
    QVERIFY(spin);
    QCOMPARE(spin->value(), 1024 * 1024);
    QCOMPARE(panel.settings().options.maxBufferedBytes, 1024 * 1024);
    spin->setValue(65536);
    QCOMPARE(panel.settings().options.maxBufferedBytes, 65536);
    spin->setValue(0);
    QCOMPARE(spin->text(), u"no limit"_s);
    QCOMPARE(panel.settings().options.maxBufferedBytes, 0);
    // Locked while the server runs, like the other fields.
    panel.setListening(true, u"http://127.0.0.1:1"_s);
    QVERIFY(!spin->isEnabled());
    panel.setListening(false);
    QVERIFY(spin->isEnabled());
}

void tst_ServerPanel::parserEditedAndRemembered()
{
    ServerControlPanel panel;
    ServerSettings s;
    QCOMPARE(s.options.parser, ServerOptions::Parser::Auto); // the library's default
    panel.setSettings(s);
    auto *combo = panel.findChild<QComboBox *>(u"parser"_s);
    QVERIFY(combo);
    QCOMPARE(combo->count(), 3);
    QCOMPARE(combo->currentText(), u"auto"_s);
    QCOMPARE(panel.settings().options.parser, ServerOptions::Parser::Auto);
    combo->setCurrentIndex(combo->findText(u"msgpack"_s));
    QCOMPARE(panel.settings().options.parser, ServerOptions::Parser::Msgpack);
    combo->setCurrentIndex(combo->findText(u"json"_s));
    QCOMPARE(panel.settings().options.parser, ServerOptions::Parser::Json);
    s.options.parser = ServerOptions::Parser::Msgpack;
    panel.setSettings(s);
    QCOMPARE(combo->currentText(), u"msgpack"_s);
    // Locked while the server runs, like the other fields.
    panel.setListening(true, u"http://127.0.0.1:1"_s);
    QVERIFY(!combo->isEnabled());
    panel.setListening(false);
    QVERIFY(combo->isEnabled());

    // Remembered by name; the command line (keep) wins; a name not known is ignored.
    rememberServerSettings(panel.settings());
    QCOMPARE(QSettings().value(u"server/parser"_s).toString(), u"msgpack"_s);
    ServerSettings base;
    base.options.parser = ServerOptions::Parser::Json;
    QCOMPARE(rememberedServerSettings(base).options.parser, ServerOptions::Parser::Msgpack);
    QCOMPARE(rememberedServerSettings(base, ServerSetting::Parser).options.parser,
             ServerOptions::Parser::Json);
    QSettings().setValue(u"server/parser"_s, u"yaml"_s);
    QCOMPARE(rememberedServerSettings(base).options.parser, ServerOptions::Parser::Json);
    QSettings().remove(u"server/parser"_s);
}

// The window's server takes the panel's parser: under msgpack a msgpack client gets in.
void tst_ServerPanel::parserReachesTheServer()
{
    MonitorWindow window;
    ServerSettings s = window.serverSettings();
    s.port = 0;
    s.rulesFile.clear();
    s.options.parser = ServerOptions::Parser::Msgpack;
    window.setServerSettings(s);
    QVERIFY(window.startServer());
    EventServer *server = window.server();
    QCOMPARE(server->options().parser, ServerOptions::Parser::Msgpack);
    auto *combo = window.serverPanel()->findChild<QComboBox *>(u"parser"_s);
    QVERIFY(combo);
    QCOMPARE(combo->currentText(), u"msgpack"_s);
    QVERIFY(!combo->isEnabled());

    EventClient client;
    ClientOptions co;
    co.parser = ClientOptions::Parser::Msgpack;
    client.setOptions(co);
    client.setUrl(QUrl(u"http://127.0.0.1:%1/"_s.arg(server->serverPort())));
    client.open();
    QTRY_VERIFY(client.isConnected());
    QCOMPARE(server->socket(client.id())->connection()->parserName(), u"msgpack"_s);
    window.stopServer();
    // The start remembered msgpack: the next tests' windows start from the default again.
    QCOMPARE(QSettings().value(u"server/parser"_s).toString(), u"msgpack"_s);
    QSettings().remove(u"server/parser"_s);
}

// A client that stops reading: first its volatile events are dropped (counted without
// statsChanged(): the window's once-a-second sample shows them), then, over the budget, it is
// closed as a slow consumer.
void tst_ServerPanel::slowConsumersAndVolatileDropsCounted()
{
    MonitorWindow window;
    ServerSettings s = window.serverSettings();
    s.port = 0;
    s.rulesFile.clear();
    s.options.maxBufferedBytes = 256 * 1024;
    window.setServerSettings(s);
    QVERIFY(window.startServer());
    window.show();
    EventServer *server = window.server();
    QCOMPARE(server->options().maxBufferedBytes, 256 * 1024);
    QCOMPARE(window.serverPanel()->statsText(), u"Refused or dropped: none"_s);

    Loopback::StalledPeer stalled;
    const QString sid = stalled.open(server->serverPort());
    QVERIFY(!sid.isEmpty());
    Connection *connection = server->connection(sid);
    QVERIFY(connection);
    QTRY_COMPARE(connection->sockets().size(), 1);
    QPointer<Socket> socket = connection->sockets().first();

    const QString chunk(8 * 1024, u'x');
    QVERIFY(Loopback::fillQueue([&] { return connection->bufferedBytes(); },
                                [&] { socket->send(u"fill"_s, { chunk }); },
                                ServerOptions::volatileBufferedBytes));
    QVERIFY(!socket->sendVolatile(u"tick"_s, { 1 }));
    QVERIFY(!socket->sendVolatile(u"tick"_s, { 2 }));
    QCOMPARE(server->stats().volatileDropped, 2u);
    QTRY_VERIFY2(window.serverPanel()->statsText().contains(u"2 volatile dropped"_s),
                 qPrintable(window.serverPanel()->statsText()));
    QVERIFY(!window.serverPanel()->statsText().contains(u"slow consumer"_s));

    QSignalSpy closed(server, &EventServer::connectionClosed);
    QVERIFY(QTest::qWaitFor([&] {
        for (int i = 0; i < 16 && socket && socket->isConnected(); ++i)
            socket->send(u"fill"_s, { chunk });
        return !closed.isEmpty();
    }, 20000));
    QCOMPARE(closed.size(), 1);
    QCOMPARE(closed.at(0).at(1).toString(), u"slow consumer"_s);
    QCOMPARE(server->stats().slowConsumerCloses, 1u);
    QTRY_VERIFY2(window.serverPanel()->statsText().contains(u"1 slow consumers"_s),
                 qPrintable(window.serverPanel()->statsText()));
    QVERIFY(window.serverPanel()->statsText().contains(u"2 volatile dropped"_s));
    QTRY_VERIFY(stalled.isClosedByServer());
}

QTEST_MAIN(tst_ServerPanel)
#include "tst_serverpanel.moc"
