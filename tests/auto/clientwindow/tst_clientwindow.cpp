// The client window offscreen: real widgets against an in-process EventServer on 127.0.0.1.
#include <clienttab.h>
#include <clientwindow.h>
#include <columns.h>
#include <connection.h>
#include <emitpanel.h>
#include <emitstore.h>
#include <eventclient.h>
#include <eventlogmodel.h>
#include <eventlogview.h>
#include <eventserver.h>
#include <monitorwindow.h>
#include <namespace.h>
#include <socket.h>

#include "screenshotmain.h"
#include "testsettings.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

using namespace Qt::StringLiterals;
using namespace Sockscope;

class tst_ClientWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void connectEmitAckPaired();
    void invalidJsonRefused();
    void binaryArgumentAsHex();
    void connectErrorInvalidNamespace();
    void connectErrorUnreachable();
    void twoTabsConnected();
    void autoAckReply();
    void catchAllOffLogsOnlyListeners();
    void openNClients();
    void historySharedInSettings();
    void monitorEmitPanelReusesHistoryAndTemplates();
    void handshakeShown();
    void parserChoiceRemembered();
    void monitorOpensClientWindow();
    void recoveredShownInState();
    void addNamespaceToLiveConnection();

protected: // for ClientWindowScreenshots
    QString url() const { return u"http://127.0.0.1:%1"_s.arg(m_server->serverPort()); }
    ClientTab *connectedTab(const QString &url = {});
    static int findRow(EventLogModel *model, EventLogEntry::Kind kind, const QString &event,
                       EventLogEntry::Direction dir);

    EventServer *m_server = nullptr;
    ClientWindow *m_window = nullptr;
    QTemporaryDir m_settingsDir;
};

void tst_ClientWindow::initTestCase()
{
    // History, templates and the monitor's remembered settings stay in a directory of our own.
    QVERIFY(m_settingsDir.isValid());
    TestShared::keepSettingsIn(m_settingsDir, u"tst_clientwindow"_s);
    QSettings().clear();
}

void tst_ClientWindow::init()
{
    m_server = new EventServer(this);
    // The server answers "ping" with an ack, and asks the client "question" with an ack on
    // "ask-me".
    connect(m_server, &EventServer::socketConnected, this, [](Socket *sock) {
        sock->on(u"ping"_s, [](const Arguments &args, const Ack &ack) {
            ack.reply(Arguments { u"pong"_s } + args);
        });
        QPointer<Socket> s(sock);
        sock->on(u"ask-me"_s, [s](const Arguments &) {
            if (s)
                s->send(u"question"_s, { 42 }, [](const AckResult &) {}, 5000);
        });
    });
    QVERIFY(m_server->listen(QHostAddress::LocalHost, 0));
    m_window = new ClientWindow;
    m_window->setDefaultUrl(url());
    m_window->show();
}

void tst_ClientWindow::cleanup()
{
    delete m_window;
    m_window = nullptr;
    delete m_server;
    m_server = nullptr;
}

ClientTab *tst_ClientWindow::connectedTab(const QString &u)
{
    ClientTab *tab = m_window->addClient(u);
    tab->findChild<QPushButton *>(u"connect"_s)->click();
    [&] { QTRY_VERIFY(tab->client()->isConnected()); }();
    return tab;
}

int tst_ClientWindow::findRow(EventLogModel *model, EventLogEntry::Kind kind, const QString &event,
                              EventLogEntry::Direction dir)
{
    model->flush();
    for (int r = 0; r < model->rowCount(); ++r) {
        const EventLogEntry &e = model->entry(r);
        if (e.kind == kind && e.event == event && e.direction == dir)
            return r;
    }
    return -1;
}

void tst_ClientWindow::connectEmitAckPaired()
{
    ClientTab *tab = connectedTab();
    QVERIFY(tab->stateText().startsWith(u"Connected"_s));
    QVERIFY(tab->findChild<QLabel *>(u"state"_s)->isVisible());

    tab->setEventName(u"ping"_s);
    tab->findChild<QPlainTextEdit *>(u"emitArgs"_s)->setPlainText(u"[1, \"two\"]"_s);
    QVERIFY(tab->argumentsValid());
    tab->setExpectAck(true, 5000);
    tab->findChild<QPushButton *>(u"send"_s)->click();

    EventLogModel *log = tab->logModel();
    using K = EventLogEntry::Kind;
    using D = EventLogEntry::Direction;
    int request = -1, reply = -1;
    QTRY_VERIFY((request = findRow(log, K::Event, u"ping"_s, D::Out)) >= 0);
    QTRY_VERIFY((reply = findRow(log, K::AckReply, u"ping"_s, D::In)) >= 0);
    const EventLogEntry &req = log->entry(request);
    const EventLogEntry &rep = log->entry(reply);
    QCOMPARE(req.ackState, EventLogEntry::AckState::Replied);
    QCOMPARE(req.pairedSerial, rep.serial);
    QCOMPARE(rep.pairedSerial, req.serial);
    QVERIFY(rep.roundTripMs >= 0);
    QCOMPARE(QString::fromUtf8(Json::toCompactJson(Json::toDisplayJson(rep.args))),
             u"[\"pong\",1,\"two\"]"_s);
    // The ack column says it, and the form shows the reply with its round trip.
    const QString ackCell =
            log->index(request, int(EventLogColumn::Ack)).data().toString();
    QVERIFY2(ackCell.contains(u"replied in"_s), qPrintable(ackCell));
    QTRY_VERIFY2(tab->resultText().contains(u"reply [\"pong\",1,\"two\"] in"_s),
                 qPrintable(tab->resultText()));
    // The same view class as the monitor shows the rows.
    QVERIFY(tab->logView()->view()->model()->rowCount() >= 2);
}

void tst_ClientWindow::invalidJsonRefused()
{
    ClientTab *tab = connectedTab();
    QSignalSpy received(m_server, &EventServer::eventReceived);
    tab->setEventName(u"ping"_s);
    tab->findChild<QPlainTextEdit *>(u"emitArgs"_s)->setPlainText(u"[1, \n  oops]"_s);
    QVERIFY(!tab->argumentsValid());
    auto *error = tab->findChild<QLabel *>(u"emitArgsError"_s);
    QVERIFY(error->isVisible());
    QVERIFY2(error->text().contains(u"Line 2"_s), qPrintable(error->text()));
    QVERIFY(!tab->findChild<QPushButton *>(u"send"_s)->isEnabled());
    QVERIFY(!tab->send());
    QVERIFY2(tab->resultText().contains(u"Nothing sent"_s), qPrintable(tab->resultText()));
    // A valid event sent afterwards is the first the server sees.
    tab->setArgumentsText(u"[\"after\"]"_s);
    QVERIFY(tab->argumentsValid());
    QVERIFY(!error->isVisible());
    QVERIFY(tab->send());
    QTRY_COMPARE(received.size(), 1);
    QCOMPARE(received.first().at(1).toString(), u"ping"_s);
    QCOMPARE(tab->logModel()->rowCount() + tab->logModel()->pendingCount() >= 1, true);
}

void tst_ClientWindow::binaryArgumentAsHex()
{
    ClientTab *tab = connectedTab();
    QSignalSpy received(m_server, &EventServer::eventReceived);
    tab->setEventName(u"blob"_s);
    tab->setArgumentsText(u"[\"x\"]"_s);
    tab->setBinaryArgument(u"hex: 01 02 zz"_s);
    QVERIFY(!tab->send());
    QVERIFY2(tab->resultText().contains(u"not hex"_s), qPrintable(tab->resultText()));
    tab->setBinaryArgument(u"hex: 01 02 ff"_s);
    QVERIFY(tab->send());
    QTRY_COMPARE(received.size(), 1);
    const Arguments args = received.first().at(2).value<Arguments>();
    QCOMPARE(args, (Arguments { u"x"_s, QByteArray("\x01\x02\xff", 3) }));
}

void tst_ClientWindow::connectErrorInvalidNamespace()
{
    ClientTab *tab = m_window->addClient(url() + u"/nope"_s);
    QVERIFY(tab->connectToServer());
    QTRY_VERIFY(!tab->errorText().isEmpty());
    QVERIFY2(tab->errorText().startsWith(u"Invalid namespace"_s), qPrintable(tab->errorText()));
    QVERIFY(tab->errorText().contains(u"/nope"_s));
    QVERIFY(tab->findChild<QLabel *>(u"connectError"_s)->isVisible());
    QTRY_VERIFY(tab->stateText().startsWith(u"Disconnected"_s));
}

void tst_ClientWindow::connectErrorUnreachable()
{
    // A port nobody listens on: take a free one and close it.
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
    }
    ClientTab *tab = m_window->addClient(u"http://127.0.0.1:%1"_s.arg(port));
    tab->findChild<QPushButton *>(u"connect"_s)->click();
    QTRY_VERIFY(!tab->errorText().isEmpty());
    QVERIFY2(tab->errorText().contains(u"unreachable"_s), qPrintable(tab->errorText()));

    // Wrong path over polling: explained as such.
    ClientTab *wrongPath = m_window->addClient(url());
    wrongPath->setPath(u"/nothing-here/"_s);
    wrongPath->setTransport(ClientOptions::Transport::Polling);
    QVERIFY(wrongPath->connectToServer());
    QTRY_VERIFY(!wrongPath->errorText().isEmpty());
    QVERIFY2(wrongPath->errorText().startsWith(u"Wrong path"_s), qPrintable(wrongPath->errorText()));
}

void tst_ClientWindow::twoTabsConnected()
{
    QSignalSpy connected(m_server, &EventServer::socketConnected);
    ClientTab *a = connectedTab();
    ClientTab *b = connectedTab();
    QCOMPARE(m_window->clientCount(), 2);
    QTRY_COMPARE(connected.size(), 2);
    QVERIFY(a->client()->isConnected());
    QVERIFY(b->client()->isConnected());
    QVERIFY(a->client()->id() != b->client()->id());
    // Each tab logs only its own client.
    a->setEventName(u"only-a"_s);
    QVERIFY(a->send());
    using K = EventLogEntry::Kind;
    using D = EventLogEntry::Direction;
    QTRY_VERIFY(findRow(a->logModel(), K::Event, u"only-a"_s, D::Out) >= 0);
    QCOMPARE(findRow(b->logModel(), K::Event, u"only-a"_s, D::Out), -1);
}

void tst_ClientWindow::autoAckReply()
{
    QSignalSpy acks(m_server, &EventServer::ackReceived);
    ClientTab *tab = connectedTab();
    tab->setAutoAckReply(u"[\"yes\", 7]"_s);
    tab->setEventName(u"ask-me"_s);
    QVERIFY(tab->send());
    QTRY_COMPARE(acks.size(), 1);
    const auto args = acks.first().at(2).value<Arguments>();
    QCOMPARE(QString::fromUtf8(Json::toCompactJson(Json::toDisplayJson(args))), u"[\"yes\",7]"_s);
    // In the client's log: the question (in) paired with our reply (out).
    using K = EventLogEntry::Kind;
    using D = EventLogEntry::Direction;
    int q = -1, r = -1;
    QTRY_VERIFY((q = findRow(tab->logModel(), K::Event, u"question"_s, D::In)) >= 0);
    QTRY_VERIFY((r = findRow(tab->logModel(), K::AckReply, u"question"_s, D::Out)) >= 0);
    QCOMPARE(tab->logModel()->entry(q).pairedSerial, tab->logModel()->entry(r).serial);
}

void tst_ClientWindow::catchAllOffLogsOnlyListeners()
{
    ClientTab *tab = connectedTab();
    tab->setCatchAll(false);
    tab->setListeners(u"other"_s);
    tab->setEventName(u"ask-me"_s); // the server sends "question"
    QVERIFY(tab->send());
    QSignalSpy received(tab->client(), &EventClient::eventReceived);
    QTRY_COMPARE(received.size(), 1);
    using K = EventLogEntry::Kind;
    using D = EventLogEntry::Direction;
    QCOMPARE(findRow(tab->logModel(), K::Event, u"question"_s, D::In), -1);
    tab->setListeners(u"other, question"_s);
    QVERIFY(tab->send());
    QTRY_VERIFY(findRow(tab->logModel(), K::Event, u"question"_s, D::In) >= 0);
}

void tst_ClientWindow::openNClients()
{
    QSignalSpy connected(m_server, &EventServer::socketConnected);
    const QList<ClientTab *> tabs = m_window->openClients(5);
    QCOMPARE(tabs.size(), 5);
    QCOMPARE(m_window->clientCount(), 5);
    QTRY_COMPARE(connected.size(), 5);
    for (ClientTab *t : tabs)
        QTRY_VERIFY(t->client()->isConnected());
    // Closing a tab disconnects its client.
    QSignalSpy gone(m_server, &EventServer::socketDisconnected);
    Q_EMIT m_window->tabs()->tabCloseRequested(0);
    QCOMPARE(m_window->clientCount(), 4);
    QTRY_COMPARE(gone.size(), 1);
}

void tst_ClientWindow::monitorEmitPanelReusesHistoryAndTemplates()
{
    QSettings().remove(QLatin1StringView(EmitStore::HistoryKey));
    QSettings().remove(QLatin1StringView(EmitStore::TemplatesKey));
    ClientTab *tab = connectedTab();
    tab->setEventName(u"from-the-client"_s);
    tab->setArgumentsText(u"[\"c\", 7]"_s);
    QVERIFY(tab->send());

    EmitPanel panel;
    QCOMPARE(panel.reuseCount(), 1);
    panel.reuse(1);
    QCOMPARE(panel.findChild<QLineEdit *>(u"emitEvent"_s)->text(), u"from-the-client"_s);
    QCOMPARE(panel.findChild<QPlainTextEdit *>(u"emitArgs"_s)->toPlainText(), u"[\"c\", 7]"_s);

    panel.setEventName(u"greeting"_s);
    panel.setArgumentsText(u"[\"hello\"]"_s);
    panel.saveTemplate(u"hello"_s);
    QCOMPARE(panel.reuseCount(), 2);
    QVERIFY(EmitStore::templates().contains(u"hello"_s));
    panel.setEventName(QString());
    panel.reuse(1); // templates come first
    QCOMPARE(panel.findChild<QLineEdit *>(u"emitEvent"_s)->text(), u"greeting"_s);
    QCOMPARE(panel.findChild<QPlainTextEdit *>(u"emitArgs"_s)->toPlainText(), u"[\"hello\"]"_s);
}

void tst_ClientWindow::historySharedInSettings()
{
    QSettings().remove(QLatin1StringView(EmitStore::HistoryKey));
    ClientTab *tab = connectedTab();
    tab->setEventName(u"remember-me"_s);
    tab->setArgumentsText(u"[3]"_s);
    QVERIFY(tab->send());
    const QStringList history = QSettings().value(u"emit/history"_s).toStringList();
    QVERIFY(!history.isEmpty());
    QVERIFY(history.first().contains(u"remember-me"_s));
    // Another tab (or window) sees it.
    ClientTab *other = m_window->addClient();
    auto *combo = other->findChild<QComboBox *>(u"history"_s);
    QVERIFY(combo->count() >= 2);
    QVERIFY(combo->itemText(1).startsWith(u"remember-me"_s));
    EmitStore::saveTemplate(u"t1"_s, u"tmpl"_s, u"[1]"_s);
    QVERIFY(EmitStore::templates().contains(u"t1"_s));
}

void tst_ClientWindow::handshakeShown()
{
    ClientTab *tab = m_window->addClient();
    tab->setTransport(ClientOptions::Transport::Auto);
    QVERIFY(tab->connectToServer());
    QTRY_VERIFY(tab->client()->isConnected());
    QTRY_VERIFY(tab->handshakeText().contains(u"websocket"_s));
    const QString text = tab->handshakeText();
    QVERIFY2(text.contains(u"sid: "_s + tab->client()->connectionId()), qPrintable(text));
    QVERIFY(text.contains(u"ping interval: 25000 ms"_s));
    QVERIFY(text.contains(u"ping timeout: 20000 ms"_s));
    QVERIFY(text.contains(u"max payload: 1000000 bytes"_s));
    QVERIFY(text.contains(u"HTTP 200"_s));
    QVERIFY(text.contains(u"upgrades: websocket"_s));
}

// The parser is a connection setting: the client speaks msgpack to the (auto) server, the
// handshake pane says so, and the next tab starts with the choice.
void tst_ClientWindow::parserChoiceRemembered()
{
    ClientTab *tab = m_window->addClient();
    auto *combo = tab->findChild<QComboBox *>(u"parser"_s);
    QVERIFY(combo);
    QCOMPARE(combo->currentText(), u"json"_s); // nothing remembered yet
    QCOMPARE(tab->parser(), ClientOptions::Parser::Json);
    combo->setCurrentIndex(combo->findText(u"msgpack"_s));
    QCOMPARE(tab->parser(), ClientOptions::Parser::Msgpack);
    tab->setTransport(ClientOptions::Transport::Polling);
    QVERIFY(tab->connectToServer());
    QTRY_VERIFY(tab->client()->isConnected());
    Socket *s = m_server->socket(tab->client()->id());
    QVERIFY(s);
    QCOMPARE(s->connection()->parserName(), u"msgpack"_s);
    QTRY_VERIFY(tab->handshakeText().contains(u"Parser: msgpack"_s));

    // An ack with binary comes back over msgpack and is logged.
    tab->setEventName(u"ping"_s);
    tab->setArgumentsText(u"[1]"_s);
    tab->setBinaryArgument(u"hex: 00 ff"_s);
    tab->setExpectAck(true, 5000);
    QVERIFY(tab->send());
    using K = EventLogEntry::Kind;
    using D = EventLogEntry::Direction;
    QTRY_VERIFY(findRow(tab->logModel(), K::AckReply, u"ping"_s, D::In) >= 0);

    QCOMPARE(QSettings().value(u"client/parser"_s).toString(), u"msgpack"_s);
    ClientTab *next = m_window->addClient();
    QCOMPARE(next->parser(), ClientOptions::Parser::Msgpack);
    QCOMPARE(next->findChild<QComboBox *>(u"parser"_s)->currentText(), u"msgpack"_s);

    // Back to json: remembered too.
    next->setParser(ClientOptions::Parser::Json);
    QVERIFY(next->connectToServer());
    QTRY_VERIFY(next->client()->isConnected());
    QCOMPARE(m_server->socket(next->client()->id())->connection()->parserName(), u"json"_s);
    QCOMPARE(QSettings().value(u"client/parser"_s).toString(), u"json"_s);
    QSettings().remove(u"client/parser"_s);
}

void tst_ClientWindow::monitorOpensClientWindow()
{
    MonitorWindow monitor;
    ServerSettings settings;
    settings.bind = u"127.0.0.1"_s;
    settings.port = 0;
    monitor.setServerSettings(settings);
    QVERIFY(monitor.startServer());
    auto *action = monitor.findChild<QAction *>(u"openClient"_s);
    QVERIFY(action);
    action->trigger();
    auto *cw = monitor.findChild<ClientWindow *>();
    QVERIFY(cw);
    QCOMPARE(cw->clientCount(), 1);
    QCOMPARE(cw->client(0)->url(), monitor.serverUrl());
    QVERIFY(cw->client(0)->connectToServer());
    QTRY_VERIFY(cw->client(0)->client()->isConnected());

    // What the monitor's emit panel sends lands in the history the client window offers.
    QTRY_VERIFY(monitor.server()->socket(cw->client(0)->client()->id()));
    monitor.emitPanel()->setTarget(EmitPanel::Target::Everyone);
    monitor.emitPanel()->setEventName(u"from-monitor"_s);
    monitor.emitPanel()->setArgumentsText(u"[5]"_s);
    QCOMPARE(monitor.emitPanel()->send(), 1);
    QVERIFY(EmitStore::history().first().contains(u"from-monitor"_s));
    QTRY_VERIFY(findRow(cw->client(0)->logModel(), EventLogEntry::Kind::Event, u"from-monitor"_s,
                        EventLogEntry::Direction::In)
                >= 0);
}

// Against a server with connection state recovery, a reconnection that takes the session back
// says "recovered" in the state line; the event missed meanwhile is in the log without its
// offset. A first connection does not say it.
void tst_ClientWindow::recoveredShownInState()
{
    ServerOptions options;
    options.maxDisconnectionDuration = 5000;
    EventServer server(options);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    ClientTab *tab = m_window->addClient(u"http://127.0.0.1:%1"_s.arg(server.serverPort()));
    tab->findChild<QSpinBox *>(u"reconnectAttempts"_s)->setValue(5);
    tab->findChild<QSpinBox *>(u"reconnectDelay"_s)->setValue(200);
    tab->findChild<QPushButton *>(u"connect"_s)->click();
    QTRY_VERIFY(tab->client()->isConnected());
    QVERIFY2(!tab->stateText().contains(u"recovered"_s), qPrintable(tab->stateText()));
    const QString id = tab->client()->id();
    QSignalSpy got(tab->client(), &EventClient::eventReceived);
    server.of(u"/"_s)->send(u"seen"_s, { 0 });
    QTRY_COMPARE(got.size(), 1);

    server.connection(tab->client()->connectionId())->close();
    QTRY_VERIFY(!tab->client()->isConnected());
    server.of(u"/"_s)->to(id).send(u"missed"_s, { 1 });
    QTRY_VERIFY(tab->client()->isConnected());
    QCOMPARE(tab->client()->id(), id);
    QVERIFY2(tab->stateText().contains(u"recovered"_s), qPrintable(tab->stateText()));
    EventLogModel *log = tab->logModel();
    int row = -1;
    QTRY_VERIFY((row = findRow(log, EventLogEntry::Kind::Event, u"missed"_s,
                               EventLogEntry::Direction::In))
                >= 0);
    QCOMPARE(QString::fromUtf8(Json::toCompactJson(Json::toDisplayJson(log->entry(row).args))),
             u"[1]"_s);
}

// Not a test of the suite: the README's screenshots, made only when "screenshots" is named on
// the command line (see screenshotmain.h).
class ClientWindowScreenshots : public tst_ClientWindow
{
    Q_OBJECT
private Q_SLOTS:
    void screenshots();
};

// Saves a picture of the client window in SOCKSCOPE_SCREENSHOT_DIR for the README.
void ClientWindowScreenshots::screenshots()
{
    const QString outDir = qEnvironmentVariable("SOCKSCOPE_SCREENSHOT_DIR");
    if (outDir.isEmpty())
        QFAIL("set SOCKSCOPE_SCREENSHOT_DIR to the directory the screenshots go to");
    ClientTab *tab = connectedTab();
    connectedTab();
    m_window->tabs()->setCurrentWidget(tab);
    tab->setAutoAckReply(u"[\"yes\"]"_s);
    tab->setEventName(u"ping"_s);
    tab->setArgumentsText(u"[\"hello\", {\"n\": 42}]"_s);
    tab->setExpectAck(true, 5000);
    QVERIFY(tab->send());
    tab->setEventName(u"ask-me"_s);
    tab->setArgumentsText(u"[]"_s);
    tab->setExpectAck(false);
    QVERIFY(tab->send());
    QTRY_VERIFY(findRow(tab->logModel(), EventLogEntry::Kind::AckReply, u"question"_s,
                        EventLogEntry::Direction::Out)
                >= 0);
    tab->setEventName(u"ping"_s);
    tab->setArgumentsText(u"[\"hello\", {\"n\": 42}]"_s);
    m_window->resize(1400, 860);
    QTest::qWait(300); // let the log flush and paint (screenshots only)
    QVERIFY(QDir().mkpath(outDir));
    QVERIFY(m_window->grab().save(outDir + u"/client.png"_s));
}

// "Add namespace": /chat joins over the tab's live connection (the server sees one connection),
// its events are logged with their namespace, the emit form can target it, and a refused
// namespace is shown beside it without touching the rest.
void tst_ClientWindow::addNamespaceToLiveConnection()
{
    m_server->of(u"/chat"_s);
    m_server->of(u"/vip"_s)->addConnectHook(
            [](Socket *) { return ConnectDecision::refuse(u"members only"_s); });
    ClientTab *tab = m_window->addClient();
    auto *field = tab->findChild<QLineEdit *>(u"addNamespace"_s);
    auto *button = tab->findChild<QPushButton *>(u"addNamespaceButton"_s);
    QVERIFY(field && button);
    QVERIFY(!button->isEnabled()); // not connected yet
    QVERIFY(!tab->addNamespace(u"/chat"_s));
    tab->findChild<QPushButton *>(u"connect"_s)->click();
    QTRY_VERIFY(tab->client()->isConnected());
    QVERIFY(button->isEnabled());

    field->setText(u"chat"_s); // the leading slash is optional
    button->click();
    QCOMPARE(tab->extraNamespaces().size(), 1);
    EventClient *chat = tab->extraNamespaces().first();
    QCOMPARE(chat->namespaceName(), u"/chat"_s);
    QTRY_VERIFY(chat->isConnected());
    QVERIFY(field->text().isEmpty());
    QCOMPARE(chat->connectionId(), tab->client()->connectionId());
    QCOMPARE(m_server->connections().size(), 1);
    QCOMPARE(m_server->of(u"/chat"_s)->socketCount(), 1);
    QTRY_VERIFY2(tab->namespacesText().contains(u"/chat: Connected as "_s + chat->id()),
                 qPrintable(tab->namespacesText()));
    auto *label = tab->findChild<QLabel *>(u"namespaces"_s);
    QVERIFY(label && label->isVisible());

    // An event from the server to /chat is logged with its namespace.
    Socket *serverChat = m_server->of(u"/chat"_s)->sockets().first();
    serverChat->send(u"news"_s, { u"hi chat"_s });
    using K = EventLogEntry::Kind;
    using D = EventLogEntry::Direction;
    EventLogModel *log = tab->logModel();
    int row = -1;
    QTRY_VERIFY((row = findRow(log, K::Event, u"news"_s, D::In)) >= 0);
    QCOMPARE(log->entry(row).nsp, u"/chat"_s);
    QCOMPARE(log->index(row, int(EventLogColumn::Namespace)).data().toString(), u"/chat"_s);
    QCOMPARE(log->entry(row).socketId, chat->id());

    // The emit form sends to the chosen namespace; the ack comes back there.
    auto *target = tab->findChild<QComboBox *>(u"emitNamespace"_s);
    QVERIFY(target && target->isEnabled());
    QCOMPARE(target->count(), 2);
    tab->setEmitNamespace(u"/chat"_s);
    tab->setEventName(u"ping"_s);
    tab->setArgumentsText(u"[7]"_s);
    tab->setExpectAck(true, 5000);
    QVERIFY(tab->send());
    int request = -1, reply = -1;
    QTRY_VERIFY((request = findRow(log, K::Event, u"ping"_s, D::Out)) >= 0);
    QTRY_VERIFY((reply = findRow(log, K::AckReply, u"ping"_s, D::In)) >= 0);
    QCOMPARE(log->entry(request).nsp, u"/chat"_s);
    QCOMPARE(log->entry(reply).nsp, u"/chat"_s);
    QTRY_COMPARE(serverChat->eventsReceived(), quint64(1));

    // A refused namespace is shown as such; the others carry on.
    QVERIFY(tab->addNamespace(u"/vip"_s));
    QTRY_VERIFY2(tab->namespacesText().contains(u"refused: members only"_s),
                 qPrintable(tab->namespacesText()));
    QVERIFY(tab->client()->isConnected());
    QVERIFY(chat->isConnected());
    QVERIFY(!tab->addNamespace(u"/chat"_s)); // already there

    // Disconnect closes every namespace.
    tab->findChild<QPushButton *>(u"disconnect"_s)->click();
    QVERIFY(!chat->isConnected());
    QVERIFY(!button->isEnabled());
    QTRY_COMPARE(m_server->connections().size(), 0);
}

SOCKSCOPE_TEST_MAIN_WITH_SCREENSHOTS(tst_ClientWindow, ClientWindowScreenshots)
#include "tst_clientwindow.moc"
