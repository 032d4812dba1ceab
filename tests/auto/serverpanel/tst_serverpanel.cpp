// The server panel of the monitor: listening beyond loopback is shown as a deliberate choice,
// and the server's refusals and drops are counted in the window.
#include <eventclient.h>
#include <eventserver.h>
#include <monitorwindow.h>

#include "testsettings.h"

#include <QLabel>
#include <QLineEdit>
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

QTEST_MAIN(tst_ServerPanel)
#include "tst_serverpanel.moc"
