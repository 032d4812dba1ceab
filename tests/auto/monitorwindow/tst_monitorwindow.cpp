// The monitor window, offscreen, driven through its widgets against real clients: rows appear
// and go, emits reach exactly their targets, acks pair up, the handshake is laid bare, bad
// input and busy ports are reported in the window, and the log's filter, pause, cap and
// export work.
#include <connection.h>
#include <connectionsmodel.h>
#include <connectionsview.h>
#include <detailspane.h>
#include <emitpanel.h>
#include <emitstore.h>
#include <eventclient.h>
#include <eventlogfilter.h>
#include <eventlogmodel.h>
#include <eventlogview.h>
#include <eventrate.h>
#include <eventserver.h>
#include <handshakeinspector.h>
#include <handshakelogmodel.h>
#include <monitorwindow.h>
#include <namespace.h>
#include <roomsmodel.h>
#include <roomsview.h>
#include <rulesmodel.h>
#include <rulespanel.h>
#include <servercontrolpanel.h>
#include <socket.h>
#include <socketpanel.h>
#include <sockscopeversion.h>

#include "loopback.h"
#include "screenshotmain.h"
#include "stalledpeer.h"
#include "testsettings.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QCompleter>
#include <QDockWidget>
#include <QFile>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QSpinBox>
#include <QStringListModel>
#include <QTabBar>
#include <QTableWidget>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QDir>
#include <QTest>
#include <QTimer>
#include <QToolButton>
#include <QTreeView>
#include <QTreeWidget>

using namespace Qt::StringLiterals;
using namespace Sockscope;

namespace {

// A client that records every event it receives, by name.
struct Peer
{
    std::unique_ptr<EventClient> client;
    QStringList received;
    QList<Arguments> args;

    bool got(const QString &event) const { return received.contains(event); }
};

} // namespace

class tst_MonitorWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void startOnPortZeroAndRowsFollowClients();
    void emitReachesExactlyTheTargets();
    void emitWithAckShowsPairedReplyAndTimeout();
    void volatileEmitDroppedForAClientNotReading();
    void invalidJsonShowsErrorAndSendsNothing();
    void handshakeInspectorShowsAcceptComputation();
    void busyPortAndBadValuesShownInWindow();
    void logFilterPauseCapExport();
    void floodShownInTheCountLine();
    void detailsShowTreeAndHex();
    void completerOffersSeenEvents();
    void layoutPersisted();
    void rulesPanelTogglesAndEdits();
    void roomsTreeCountsFiltersAndAims();
    void joinAndLeaveFromTheWindow();
    void authAndSecretHeadersRedactedUntilRevealed();
    void serverSettingsRemembered();
    void shortcutsTooltipsTabOrderAbout();
    void coloursFollowTheTheme();

protected: // for MonitorWindowScreenshots
    std::unique_ptr<Peer> connectPeer(const QString &nsp = u"/"_s,
                                      const ClientOptions &options = {});
    // Selects these sockets (by id) in the sockets view, as a click and ctrl-clicks would.
    void selectSockets(const QStringList &ids);
    int socketsShown() const;
    // Sends a marker to every socket and waits until each peer got it: anything sent before
    // has arrived by then (one connection keeps order).
    void barrier(const QList<Peer *> &peers);
    bool clickStart();
    template<typename T>
    T *child(const QString &name) const
    {
        T *w = m_window->findChild<T *>(name);
        if (!w)
            qWarning("no child %s", qPrintable(name));
        return w;
    }

    QTemporaryDir m_settingsDir;
    std::unique_ptr<MonitorWindow> m_window;
    int m_barrier = 0;
};

void tst_MonitorWindow::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    TestShared::keepSettingsIn(m_settingsDir, u"tst_monitorwindow"_s);
}

void tst_MonitorWindow::init()
{
    QSettings().remove(u"server"_s); // no test sees the settings another one started with
    m_window = std::make_unique<MonitorWindow>();
    ServerSettings s;
    s.bind = u"127.0.0.1"_s;
    s.port = 0;
    m_window->setServerSettings(s);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void tst_MonitorWindow::cleanup()
{
    m_window.reset();
}

bool tst_MonitorWindow::clickStart()
{
    auto *start = child<QPushButton>(u"start"_s);
    if (!start || !start->isEnabled())
        return false;
    QTest::mouseClick(start, Qt::LeftButton);
    return m_window->server()->isListening();
}

std::unique_ptr<Peer> tst_MonitorWindow::connectPeer(const QString &nsp,
                                                     const ClientOptions &options)
{
    auto peer = std::make_unique<Peer>();
    peer->client = Loopback::connectClient(*m_window->server(), nsp, options);
    Peer *raw = peer.get();
    peer->client->onAny([raw](const QString &event, const Arguments &args, const Ack &) {
        raw->received.append(event);
        raw->args.append(args);
    });
    return peer;
}

void tst_MonitorWindow::selectSockets(const QStringList &ids)
{
    auto *view = child<QTreeView>(u"socketsView"_s);
    QTRY_VERIFY(view->model()->rowCount() >= ids.size());
    view->clearSelection();
    for (int r = 0; r < view->model()->rowCount(); ++r) {
        const QModelIndex i = view->model()->index(r, 0);
        if (ids.contains(i.data(SocketIdRole).toString())) {
            QTest::mouseClick(view->viewport(), Qt::LeftButton, Qt::ControlModifier,
                              view->visualRect(i).intersected(view->viewport()->rect()).center());
        }
    }
    QCOMPARE(m_window->connectionsView()->selectedSocketIds().size(), ids.size());
}

int tst_MonitorWindow::socketsShown() const
{
    return m_window->findChild<QTreeView *>(u"socketsView"_s)->model()->rowCount();
}

void tst_MonitorWindow::barrier(const QList<Peer *> &peers)
{
    const QString marker = u"barrier-%1"_s.arg(++m_barrier);
    const auto namespaces = m_window->server()->namespaces();
    for (Namespace *ns : namespaces)
        ns->send(marker);
    for (Peer *p : peers)
        QTRY_VERIFY(p->got(marker));
}

void tst_MonitorWindow::startOnPortZeroAndRowsFollowClients()
{
    QVERIFY(!m_window->server()->isListening());
    QVERIFY(clickStart());
    const quint16 port = m_window->server()->serverPort();
    QVERIFY(port > 0);
    auto *url = child<QLineEdit>(u"url"_s);
    QCOMPARE(url->text(), u"http://127.0.0.1:%1"_s.arg(port));
    QVERIFY(!child<QPushButton>(u"start"_s)->isEnabled());
    QVERIFY(child<QPushButton>(u"stop"_s)->isEnabled());
    QVERIFY(m_window->windowTitle().contains(url->text()));
    QVERIFY(m_window->statusText().contains(u"Listening on"_s));

    m_window->server()->of(u"/chat"_s);
    auto a = connectPeer();
    auto b = connectPeer(u"/chat"_s);
    QVERIFY(a->client->isConnected() && b->client->isConnected());
    auto *view = child<QTreeView>(u"socketsView"_s);
    QTRY_COMPARE(view->model()->rowCount(), 2);
    QTRY_VERIFY(m_window->statusText().contains(u"2 sockets"_s));

    // The row of each client carries its ids, namespace and transport.
    auto findRow = [view](const QString &socketId) {
        for (int r = 0; r < view->model()->rowCount(); ++r) {
            if (view->model()->index(r, 0).data(SocketIdRole).toString() == socketId)
                return r;
        }
        return -1;
    };
    auto cell = [view](int row, ConnectionsColumn c) {
        return view->model()->index(row, int(c)).data().toString();
    };
    const int ra = findRow(a->client->id());
    const int rb = findRow(b->client->id());
    QVERIFY(ra >= 0 && rb >= 0);
    QCOMPARE(cell(ra, ConnectionsColumn::Connection), a->client->connectionId());
    QCOMPARE(cell(rb, ConnectionsColumn::Namespace), u"/chat"_s);
    QCOMPARE(cell(ra, ConnectionsColumn::Transport), u"websocket"_s);
    QVERIFY(cell(ra, ConnectionsColumn::RemoteAddress).startsWith(u"127.0.0.1:"_s));

    a->client->send(u"hello"_s, { 1 });
    a->client->send(u"hello"_s, { 2 });
    QTRY_COMPARE(cell(findRow(a->client->id()), ConnectionsColumn::EventsIn), u"2"_s);

    // The filter box narrows the table (after its debounce).
    auto *filter = child<QLineEdit>(u"socketFilter"_s);
    QTest::keyClicks(filter, u"/chat"_s);
    QTRY_COMPARE(view->model()->rowCount(), 1);
    QCOMPARE(cell(0, ConnectionsColumn::Socket), b->client->id());
    filter->clear();
    QTRY_COMPARE(view->model()->rowCount(), 2);

    a->client->close();
    QTRY_COMPARE(view->model()->rowCount(), 1);
    QCOMPARE(cell(0, ConnectionsColumn::Socket), b->client->id());
    b.reset();
    QTRY_COMPARE(view->model()->rowCount(), 0);

    QTest::mouseClick(child<QPushButton>(u"stop"_s), Qt::LeftButton);
    QVERIFY(!m_window->server()->isListening());
    QVERIFY(url->text().isEmpty());
    QVERIFY(child<QPushButton>(u"start"_s)->isEnabled());
}

void tst_MonitorWindow::emitReachesExactlyTheTargets()
{
    QVERIFY(clickStart());
    m_window->server()->of(u"/chat"_s);
    auto a = connectPeer();
    auto b = connectPeer();
    auto c = connectPeer(u"/chat"_s);
    QList<Peer *> all { a.get(), b.get(), c.get() };
    for (Peer *p : all)
        QVERIFY(p->client->isConnected());
    QTRY_VERIFY(m_window->server()->socket(b->client->id()));
    m_window->server()->socket(b->client->id())->join(u"vip"_s);

    EmitPanel *panel = m_window->emitPanel();
    auto *send = child<QPushButton>(u"emitSend"_s);
    struct Case
    {
        const char *name;
        EmitPanel::Target target;
        QString nsp, rooms, except;
        QList<Peer *> expected;
    };
    const QList<Case> cases {
        { "everyone", EmitPanel::Target::Everyone, {}, {}, {}, { a.get(), b.get(), c.get() } },
        { "namespace", EmitPanel::Target::Namespace, u"/chat"_s, {}, {}, { c.get() } },
        { "room", EmitPanel::Target::Rooms, u"/"_s, u"vip"_s, {}, { b.get() } },
        { "everyone except room", EmitPanel::Target::Everyone, {}, {}, u"vip"_s,
          { a.get(), c.get() } },
        { "namespace except socket id", EmitPanel::Target::Namespace, u"/"_s, {},
          a->client->id(), { b.get() } },
    };
    int n = 0;
    for (const Case &k : cases) {
        const QString event = u"emit-%1"_s.arg(++n);
        panel->setTarget(k.target);
        panel->setNamespace(k.nsp.isEmpty() ? u"/"_s : k.nsp);
        panel->setRooms(k.rooms);
        panel->setExceptions(k.except);
        panel->setEventName(event);
        panel->setArgumentsText(u"[\"x\", %1, {\"deep\": [true, null]}]"_s.arg(n));
        QVERIFY(send->isEnabled());
        QTest::mouseClick(send, Qt::LeftButton);
        barrier(all);
        for (Peer *p : all) {
            QVERIFY2(p->got(event) == k.expected.contains(p),
                     qPrintable(u"%1: %2"_s.arg(QString::fromLatin1(k.name), event)));
        }
        QVERIFY2(panel->resultText().contains(QString::number(k.expected.size())),
                 qPrintable(panel->resultText()));
    }
    const int at = int(a->received.indexOf(u"emit-1"_s));
    QCOMPARE(Loopback::display(a->args.at(at)), QByteArray(R"(["x",1,{"deep":[true,null]}])"));

    // Selected sockets: select b and c in the sockets view.
    auto *view = child<QTreeView>(u"socketsView"_s);
    QTRY_COMPARE(view->model()->rowCount(), 3);
    view->clearSelection();
    for (int r = 0; r < view->model()->rowCount(); ++r) {
        const QString id = view->model()->index(r, 0).data(SocketIdRole).toString();
        if (id == b->client->id() || id == c->client->id())
            view->selectionModel()->select(view->model()->index(r, 0),
                                           QItemSelectionModel::Select | QItemSelectionModel::Rows);
    }
    panel->setTarget(EmitPanel::Target::SelectedSockets);
    panel->setExceptions({});
    panel->setEventName(u"picked"_s);
    QTest::mouseClick(send, Qt::LeftButton);
    barrier(all);
    QVERIFY(!a->got(u"picked"_s));
    QVERIFY(b->got(u"picked"_s));
    QVERIFY(c->got(u"picked"_s));

    // What the panel sent is in the log, as outgoing events.
    m_window->eventLog()->flush();
    int outgoing = 0;
    for (int r = 0; r < m_window->eventLog()->rowCount(); ++r) {
        const EventLogEntry &e = m_window->eventLog()->entry(r);
        if (e.event == u"picked"_s && e.direction == EventLogEntry::Direction::Out)
            ++outgoing;
    }
    QCOMPARE(outgoing, 2);
}

void tst_MonitorWindow::emitWithAckShowsPairedReplyAndTimeout()
{
    QVERIFY(clickStart());
    auto a = connectPeer();
    QVERIFY(a->client->isConnected());
    a->client->on(u"question"_s, [](const Arguments &args, const Ack &ack) {
        ack({ u"answer"_s, args.value(0) });
    });
    EmitPanel *panel = m_window->emitPanel();
    panel->setTarget(EmitPanel::Target::Everyone);
    panel->setEventName(u"question"_s);
    panel->setArgumentsText(u"[41]"_s);
    panel->setExpectAck(true, 5000);
    QTest::mouseClick(child<QPushButton>(u"emitSend"_s), Qt::LeftButton);

    EventLogModel *log = m_window->eventLog();
    auto rowOf = [log](const QString &eventText) {
        for (int r = 0; r < log->rowCount(); ++r) {
            if (log->index(r, int(EventLogColumn::Event)).data().toString() == eventText)
                return r;
        }
        return -1;
    };
    QTRY_VERIFY(rowOf(u"(ack) question"_s) >= 0);
    const int q = rowOf(u"question"_s);
    const int reply = rowOf(u"(ack) question"_s);
    QVERIFY(q >= 0 && reply > q);
    QTRY_COMPARE(log->entry(q).ackState, EventLogEntry::AckState::Replied);
    QCOMPARE(log->entry(q).pairedSerial, log->entry(reply).serial);
    QCOMPARE(log->entry(reply).pairedSerial, log->entry(q).serial);
    QCOMPARE(log->index(reply, int(EventLogColumn::Arguments)).data().toString(),
             u"[\"answer\",41]"_s);
    QVERIFY(log->index(q, int(EventLogColumn::Ack)).data().toString().contains(u"replied in"_s));

    // Double-clicking the request in the view jumps to its reply.
    EventLogView *logView = m_window->eventLogView();
    QVERIFY(logView->selectSerial(log->entry(q).serial));
    QCOMPARE(logView->currentSourceRow(), q);
    const QModelIndex viewIndex = logView->view()->currentIndex();
    QVERIFY(viewIndex.isValid());
    Q_EMIT logView->view()->doubleClicked(viewIndex);
    QCOMPARE(logView->currentSourceRow(), reply);

    // No answer within the timeout: the timeout is logged and paired.
    panel->setEventName(u"unanswered"_s);
    panel->setExpectAck(true, 200);
    QTest::mouseClick(child<QPushButton>(u"emitSend"_s), Qt::LeftButton);
    QTRY_VERIFY(rowOf(u"(ack timeout) unanswered"_s) >= 0);
    const int u = rowOf(u"unanswered"_s);
    const int t = rowOf(u"(ack timeout) unanswered"_s);
    QCOMPARE(log->entry(u).ackState, EventLogEntry::AckState::TimedOut);
    QCOMPARE(log->entry(u).pairedSerial, log->entry(t).serial);
    QVERIFY(log->index(u, int(EventLogColumn::Ack)).data().toString().contains(u"timed out"_s));
}

// Volatile in the emit panel: a broadcast or a send to selected sockets reaches the client
// that reads and is dropped for the one that does not; the emit store keeps the flag.
void tst_MonitorWindow::volatileEmitDroppedForAClientNotReading()
{
    ServerSettings settings = m_window->serverSettings();
    settings.options.maxBufferedBytes = 0; // the client that does not read stays
    m_window->setServerSettings(settings);
    QVERIFY(clickStart());
    EventServer *server = m_window->server();
    auto reader = connectPeer();
    QVERIFY(reader->client->isConnected());
    Loopback::StalledPeer stalled;
    const QString sid = stalled.open(server->serverPort());
    QVERIFY(!sid.isEmpty());
    Connection *connection = server->connection(sid);
    QVERIFY(connection);
    QTRY_COMPARE(connection->sockets().size(), 1);
    Socket *stalledSocket = connection->sockets().first();
    const QString chunk(16 * 1024, u'x');
    QVERIFY(Loopback::fillQueue([&] { return connection->bufferedBytes(); },
                                [&] { stalledSocket->send(u"fill"_s, { chunk }); },
                                ServerOptions::volatileBufferedBytes));

    EmitPanel *panel = m_window->emitPanel();
    auto *isVolatile = child<QCheckBox>(u"emitVolatile"_s);
    auto *expectAck = child<QCheckBox>(u"emitExpectAck"_s);
    auto *send = child<QPushButton>(u"emitSend"_s);
    QVERIFY(isVolatile && expectAck && send);
    QVERIFY(!isVolatile->isChecked()); // off unless asked
    expectAck->setChecked(true);
    QTest::mouseClick(isVolatile, Qt::LeftButton);
    QVERIFY(panel->isVolatile());
    QVERIFY(!expectAck->isChecked()); // a volatile event asks for no ack
    QVERIFY(!expectAck->isEnabled());

    panel->setTarget(EmitPanel::Target::Everyone);
    panel->setEventName(u"vol-all"_s);
    panel->setArgumentsText(u"[1]"_s);
    QTest::mouseClick(send, Qt::LeftButton);
    barrier({ reader.get() });
    QVERIFY(reader->got(u"vol-all"_s));
    QCOMPARE(connection->volatileDropped(), 1u);
    QCOMPARE(server->stats().volatileDropped, 1u);
    QVERIFY2(panel->resultText().contains(u"to 1 socket."_s)
                     && panel->resultText().contains(u"dropped for 1 socket"_s),
             qPrintable(panel->resultText()));

    selectSockets({ reader->client->id(), stalledSocket->id() });
    panel->setTarget(EmitPanel::Target::SelectedSockets);
    panel->setEventName(u"vol-picked"_s);
    QTest::mouseClick(send, Qt::LeftButton);
    barrier({ reader.get() });
    QVERIFY(reader->got(u"vol-picked"_s));
    QCOMPARE(connection->volatileDropped(), 2u);
    QVERIFY2(panel->resultText().contains(u"dropped for 1 socket"_s),
             qPrintable(panel->resultText()));

    // Kept in the history with the flag, and given back by Reuse.
    const EmitStore::Entry last = EmitStore::entry(EmitStore::history().value(0));
    QCOMPARE(last.event, u"vol-picked"_s);
    QVERIFY(last.isVolatile);
    QVERIFY(EmitStore::entryLabel(last).contains(u"volatile"_s));
    panel->setVolatile(false);
    QVERIFY(expectAck->isEnabled());
    panel->reuse(1); // the newest
    QVERIFY(panel->isVolatile());
    panel->saveTemplate(u"volatile one"_s);
    const QString saved = EmitStore::templates().value(u"volatile one"_s).toString();
    QVERIFY(EmitStore::entry(saved).isVolatile);

    // Without it, the same send is queued for the client that does not read.
    panel->setVolatile(false);
    const qint64 queued = connection->bufferedBytes();
    panel->setEventName(u"kept"_s);
    QTest::mouseClick(send, Qt::LeftButton);
    barrier({ reader.get() });
    QCOMPARE(connection->volatileDropped(), 2u);
    QVERIFY(connection->bufferedBytes() > queued);
    QVERIFY2(panel->resultText().contains(u"to 2 sockets."_s), qPrintable(panel->resultText()));
    QVERIFY(!EmitStore::entry(EmitStore::history().value(0)).isVolatile);
    // An entry that is not volatile is written as before (the client window's too).
    QCOMPARE(EmitStore::history().value(0), u"{\"args\":\"[1]\",\"event\":\"kept\"}"_s);
}

void tst_MonitorWindow::invalidJsonShowsErrorAndSendsNothing()
{
    QVERIFY(clickStart());
    auto a = connectPeer();
    QVERIFY(a->client->isConnected());
    EmitPanel *panel = m_window->emitPanel();
    auto *send = child<QPushButton>(u"emitSend"_s);
    auto *error = child<QLabel>(u"emitArgsError"_s);
    panel->setTarget(EmitPanel::Target::Everyone);
    panel->setEventName(u"never"_s);

    panel->setArgumentsText(u"[1, 2,\n  {\"a\": }]"_s);
    QVERIFY(!panel->argumentsValid());
    QVERIFY(!error->isHidden());
    QVERIFY2(error->text().startsWith(u"Line 2, column"_s), qPrintable(error->text()));
    QVERIFY(!send->isEnabled());
    QCOMPARE(panel->send(), -1); // even when asked directly
    QVERIFY(panel->resultText().contains(u"Not sent"_s));

    panel->setArgumentsText(u"{\"not\": \"an array\"}"_s);
    QVERIFY(!panel->argumentsValid());
    QVERIFY(error->text().contains(u"array"_s));
    QCOMPARE(panel->send(), -1);

    // Typing fixes it as you go.
    panel->setArgumentsText(QString());
    auto *args = child<QWidget>(u"emitArgs"_s);
    QTest::keyClicks(args, u"[\"ok\""_s);
    QVERIFY(!panel->argumentsValid());
    QTest::keyClicks(args, u"]"_s);
    QVERIFY(panel->argumentsValid());
    QVERIFY(error->isHidden());
    QVERIFY(send->isEnabled());

    barrier({ a.get() });
    QVERIFY(!a->got(u"never"_s));
    m_window->eventLog()->flush();
    for (int r = 0; r < m_window->eventLog()->rowCount(); ++r)
        QVERIFY(m_window->eventLog()->entry(r).event != u"never"_s);
}

void tst_MonitorWindow::handshakeInspectorShowsAcceptComputation()
{
    QVERIFY(clickStart());
    HandshakeInspector *inspector = m_window->handshakeInspector();
    QVERIFY(inspector->followNewest());
    QTcpSocket raw;
    raw.connectToHost(Loopback::LocalHost, m_window->server()->serverPort());
    QVERIFY(raw.waitForConnected(5000));
    raw.write(Loopback::upgradeRequest(m_window->server()->serverPort(),
                                       "/socket.io/?EIO=4&transport=websocket"));
    QByteArray answer;
    QTRY_VERIFY((answer += raw.readAll()).contains("\r\n\r\n"));
    QVERIFY(answer.startsWith("HTTP/1.1 101"));

    QTRY_COMPARE(inspector->acceptText(), u"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="_s);
    QCOMPARE(inspector->keyText(), u"dGhlIHNhbXBsZSBub25jZQ=="_s);
    QCOMPARE(inspector->keyWithGuidText(),
             u"dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11"_s);
    QCOMPARE(inspector->sha1Text(),
             u"b3 7a 4f 2c c0 62 4f 16 90 f6 46 06 cf 38 59 45 b2 be c4 ea"_s);
    QVERIFY(inspector->requestText().startsWith(
            u"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1"_s));
    QVERIFY(inspector->responseText().startsWith(u"HTTP/1.1 101"_s));
    QVERIFY(inspector->responseText().contains(u"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="_s));
    QCOMPARE(inspector->headerCount(), 5);
    QVERIFY(child<QLabel>(u"handshakeAcceptCheck"_s)->text().contains(u"matches"_s));

    QTest::mouseClick(child<QPushButton>(u"handshakeCopy"_s), Qt::LeftButton);
    const QString copied = QApplication::clipboard()->text();
    QVERIFY(copied.contains(u"Base64 = Accept:       s3pPLMBiTxaQ9kYGzzhZRbK+xOo="_s));
    QVERIFY(copied.contains(u"--- Response ---\nHTTP/1.1 101"_s));
    QCOMPARE(copied, inspector->allText());

    // Large text for a projector.
    auto *accept = child<QLineEdit>(u"handshakeAccept"_s);
    const qreal normal = accept->font().pointSizeF();
    child<QCheckBox>(u"handshakeLarge"_s)->click();
    QVERIFY(accept->font().pointSizeF() > normal * 1.5);
    inspector->setLargeText(false);
    QCOMPARE(accept->font().pointSizeF(), normal);

    // A client connecting later becomes the newest; picking the raw one brings it back.
    auto a = connectPeer();
    QVERIFY(a->client->isConnected());
    QTRY_VERIFY(inspector->acceptText() != u"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="_s);
    QVERIFY(inspector->showConnection(m_window->handshakeLog()->record(0).connectionId));
    QVERIFY(!inspector->followNewest());
    QCOMPARE(inspector->acceptText(), u"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="_s);
    raw.abort();
}

void tst_MonitorWindow::busyPortAndBadValuesShownInWindow()
{
    QTcpServer squatter;
    QVERIFY(squatter.listen(Loopback::LocalHost, 0));
    ServerSettings s = m_window->serverSettings();
    s.port = squatter.serverPort();
    m_window->setServerSettings(s);
    auto *error = child<QLabel>(u"error"_s);
    QVERIFY(error->isHidden());
    QVERIFY(!clickStart());
    QVERIFY(!error->isHidden());
    QVERIFY2(error->text().contains(QString::number(squatter.serverPort())), qPrintable(error->text()));
    QVERIFY(error->text().contains(u"cannot listen"_s));
    QVERIFY(m_window->statusBar()->currentMessage().contains(u"cannot listen"_s));
    QVERIFY(child<QPushButton>(u"start"_s)->isEnabled()); // try again after fixing it

    // A bad bind address, typed in the panel.
    auto *bind = child<QLineEdit>(u"bind"_s);
    bind->clear();
    QTest::keyClicks(bind, u"not-an-address"_s);
    QVERIFY(!clickStart());
    QVERIFY(error->text().contains(u"not-an-address"_s));

    // A rules file that does not parse.
    QTemporaryDir dir;
    const QString rulesPath = dir.filePath(u"bad.json"_s);
    QFile f(rulesPath);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{ \"rules\": [ { \"on\": \"x\", \"do\": [ { \"explode\": 1 } ] } ] }");
    f.close();
    s.bind = u"127.0.0.1"_s;
    s.port = 0;
    s.rulesFile = rulesPath;
    m_window->setServerSettings(s);
    QVERIFY(!clickStart());
    QVERIFY2(error->text().contains(u"rules[0].do[0]"_s), qPrintable(error->text()));

    // Fixed: it starts and the error goes.
    s.rulesFile.clear();
    m_window->setServerSettings(s);
    QVERIFY(clickStart());
    QVERIFY(error->isHidden());
}

// A flood is sampled by the log (see EventLogModel); the count line says so, and how much.
void tst_MonitorWindow::floodShownInTheCountLine()
{
    EventLogModel *log = m_window->eventLog();
    log->setCapacity(100);
    log->setFlushInterval(60000);
    for (int i = 0; i < 300; ++i)
        log->logEvent(u"/"_s, u"sock"_s, u"flood"_s, Arguments { i }, -1,
                      EventLogEntry::Direction::In);
    log->flush();
    auto *count = child<QLabel>(u"logCount"_s);
    QVERIFY2(count->text().contains(u"flood: 1 event in 30 logged"_s), qPrintable(count->text()));
    QVERIFY2(count->text().contains(u"%1 left out in floods"_s.arg(log->notLoggedInFlood())),
             qPrintable(count->text()));
    // Calm again: the flood note goes, the tally of what was left out stays until Clear.
    log->logEvent(u"/"_s, u"sock"_s, u"calm"_s, Arguments {}, -1, EventLogEntry::Direction::In);
    log->flush();
    QVERIFY2(!count->text().contains(u"flood:"_s), qPrintable(count->text()));
    QVERIFY(count->text().contains(u"left out in floods"_s));
}

void tst_MonitorWindow::logFilterPauseCapExport()
{
    QVERIFY(clickStart());
    auto a = connectPeer();
    auto b = connectPeer();
    QVERIFY(a->client->isConnected() && b->client->isConnected());
    for (int i = 0; i < 10; ++i)
        a->client->send(i % 2 ? u"typing"_s : u"chat"_s, { u"from a %1"_s.arg(i) });
    for (int i = 0; i < 5; ++i)
        b->client->send(u"chat"_s, { u"from b %1"_s.arg(i) });
    EventLogModel *log = m_window->eventLog();
    QTRY_COMPARE(log->rowCount(), 15);
    QTreeView *view = m_window->eventLogView()->view();
    QCOMPARE(view->model()->rowCount(), 15);
    QVERIFY(view->uniformRowHeights());

    // Event filter, typed: applied after the debounce.
    QTest::keyClicks(child<QLineEdit>(u"logEventFilter"_s), u"chat"_s);
    QCOMPARE(view->model()->rowCount(), 15); // not yet
    QTRY_COMPARE(view->model()->rowCount(), 10);
    // Plus the socket.
    QTest::keyClicks(child<QLineEdit>(u"logSocketFilter"_s), b->client->id());
    QTRY_COMPARE(view->model()->rowCount(), 5);
    // Plus a regex over the payload.
    child<QCheckBox>(u"logRegex"_s)->setChecked(true);
    QTest::keyClicks(child<QLineEdit>(u"logTextFilter"_s), u"b [0-2]\"\\]$"_s);
    QTRY_COMPARE(view->model()->rowCount(), 3);
    QVERIFY(child<QLabel>(u"logCount"_s)->text().contains(u"3 of 15"_s));

    // Export writes what the filter shows.
    QTemporaryDir dir;
    const QString path = dir.filePath(u"log.jsonl"_s);
    QString error;
    QVERIFY2(m_window->eventLogView()->exportTo(path, &error), qPrintable(error));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 3);
    QVERIFY(lines.at(0).contains("\"args\":[\"from b 0\"]"));
    QVERIFY(lines.at(0).contains("\"type\":\"event\""));
    QVERIFY(lines.at(0).contains(b->client->id().toUtf8()));

    // Pause: new events are not logged, and counted.
    child<QToolButton>(u"pause"_s)->click();
    QVERIFY(log->isPaused());
    a->client->send(u"chat"_s, { u"while paused"_s });
    QTRY_COMPARE(log->droppedWhilePaused(), 1u);
    child<QToolButton>(u"pause"_s)->click();
    QVERIFY(!log->isPaused());
    a->client->send(u"chat"_s, { u"after"_s });
    QTRY_COMPARE(log->rowCount(), 16);

    // The cap drops the oldest.
    log->setCapacity(4);
    QCOMPARE(log->rowCount(), 4);
    QCOMPARE(log->index(3, int(EventLogColumn::Arguments)).data().toString(), u"[\"after\"]"_s);

    // Clear.
    child<QToolButton>(u"clear"_s)->click();
    QCOMPARE(log->rowCount(), 0);
    QCOMPARE(view->model()->rowCount(), 0);

    // Follow keeps the newest row in view; unticking it stops that.
    QVERIFY(m_window->eventLogView()->isFollowing());
    child<QToolButton>(u"follow"_s)->click();
    QVERIFY(!m_window->eventLogView()->isFollowing());
}

void tst_MonitorWindow::detailsShowTreeAndHex()
{
    QVERIFY(clickStart());
    auto a = connectPeer();
    QVERIFY(a->client->isConnected());
    a->client->send(u"upload"_s, { u"name.bin"_s, QVariantMap { { u"size"_s, 3 } },
                                  QByteArray("\x00\x41\xff", 3) });
    EventLogModel *log = m_window->eventLog();
    QTRY_COMPARE(log->rowCount(), 1);
    EventLogView *logView = m_window->eventLogView();
    QVERIFY(logView->selectSerial(log->entry(0).serial));
    DetailsPane *details = m_window->detailsPane();
    QCOMPARE(details->tree()->topLevelItemCount(), 3);
    QCOMPARE(details->tree()->topLevelItem(0)->text(1), u"\"name.bin\""_s);
    QCOMPARE(details->tree()->topLevelItem(1)->child(0)->text(0), u"size"_s);
    QCOMPARE(details->tree()->topLevelItem(2)->text(2), u"binary"_s);
    QVERIFY2(details->hexText().startsWith(u"00000000  00 41 ff"_s), qPrintable(details->hexText()));
    QVERIFY(details->hexText().contains(u"|.A.|"_s));
    QVERIFY(details->jsonText().contains(u"\"_binary\": true"_s));
    QVERIFY(child<QLabel>(u"detailsTitle"_s)->text().contains(u"upload"_s));
}

void tst_MonitorWindow::completerOffersSeenEvents()
{
    QVERIFY(clickStart());
    auto a = connectPeer();
    QVERIFY(a->client->isConnected());
    a->client->send(u"chat message"_s);
    a->client->send(u"typing"_s);
    QCompleter *completer = m_window->emitPanel()->completer();
    auto *names = qobject_cast<QStringListModel *>(completer->model());
    QVERIFY(names);
    QTRY_COMPARE(names->stringList(), (QStringList { u"chat message"_s, u"typing"_s }));
}

void tst_MonitorWindow::layoutPersisted()
{
    auto *handshakeDock = m_window->findChild<QDockWidget *>(u"handshakeDock"_s);
    auto *rateDock = m_window->findChild<QDockWidget *>(u"rateDock"_s);
    QVERIFY(handshakeDock && rateDock);
    rateDock->hide();
    m_window->close(); // saves the layout
    m_window = std::make_unique<MonitorWindow>();
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY(m_window->findChild<QDockWidget *>(u"rateDock"_s)->isHidden());
    QVERIFY(!m_window->findChild<QDockWidget *>(u"serverDock"_s)->isHidden());
    QSettings settings;
    QVERIFY(settings.contains(u"monitor/state"_s));
    m_window->findChild<QDockWidget *>(u"rateDock"_s)->show();
    m_window->close();
}

void tst_MonitorWindow::rulesPanelTogglesAndEdits()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"rules.json"_s);
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({ "namespaces": ["/", "/room"],
                 "rules": [ { "on": "ping", "do": [ { "emit": "pong", "args": "$args" } ] } ] })");
    f.close();
    ServerSettings s = m_window->serverSettings();
    s.rulesFile = path;
    m_window->setServerSettings(s);
    QVERIFY(clickStart());
    RulesModel *rules = m_window->rulesModel();
    QCOMPARE(rules->rowCount(), 1);
    QVERIFY(m_window->server()->findNamespace(u"/room"_s)); // declared by the file

    auto a = connectPeer();
    QVERIFY(a->client->isConnected());
    a->client->send(u"ping"_s, { 1 });
    QTRY_VERIFY(a->got(u"pong"_s));

    // Switch the rule off and apply: no more pong.
    auto *view = child<QTreeView>(u"rulesView"_s);
    QVERIFY(view->model()->setData(view->model()->index(0, int(RulesColumn::Enabled)),
                                   Qt::Unchecked, Qt::CheckStateRole));
    QTest::mouseClick(child<QPushButton>(u"rulesApply"_s), Qt::LeftButton);
    a->received.clear();
    a->client->send(u"ping"_s, { 2 });
    barrier({ a.get() });
    QVERIFY(!a->got(u"pong"_s));

    // A bad edit is refused in the panel; a good one is taken, applied and saved.
    RulesPanel *panel = m_window->rulesPanel();
    panel->selectRule(0);
    panel->setEditorText(u"{ \"on\": \"ping\", \"do\": [ { \"shout\": 1 } ] }"_s);
    QVERIFY(!panel->applyEditor());
    QVERIFY2(panel->errorText().contains(u"unknown action"_s), qPrintable(panel->errorText()));
    panel->setEditorText(u"{ \"on\": \"ping\", \"do\": [ { \"emit\": \"pong2\" } ] }"_s);
    QVERIFY(panel->applyEditor());
    QVERIFY(panel->errorText().isEmpty());
    QVERIFY(rules->isEnabled(0)); // the new JSON has no "enabled": false
    QTest::mouseClick(child<QPushButton>(u"rulesApply"_s), Qt::LeftButton);
    a->client->send(u"ping"_s, { 3 });
    QTRY_VERIFY(a->got(u"pong2"_s));
    QVERIFY(!a->got(u"pong"_s));

    QTest::mouseClick(child<QPushButton>(u"rulesSave"_s), Qt::LeftButton);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QVERIFY(f.readAll().contains("pong2"));
}

void tst_MonitorWindow::roomsTreeCountsFiltersAndAims()
{
    QVERIFY(clickStart());
    QAbstractItemModelTester tester(m_window->roomsModel(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_window->server()->of(u"/chat"_s);
    auto a = connectPeer();
    auto b = connectPeer();
    auto c = connectPeer(u"/chat"_s);
    QList<Peer *> all { a.get(), b.get(), c.get() };
    for (Peer *p : all)
        QVERIFY(p->client->isConnected());
    RoomsModel *rooms = m_window->roomsModel();
    QTRY_COMPARE(rooms->countOf(u"/"_s), 2);
    QTRY_COMPARE(rooms->countOf(u"/chat"_s), 1);
    EventServer *server = m_window->server();
    server->socket(a->client->id())->join(u"lobby"_s);
    server->socket(b->client->id())->join(u"lobby"_s);
    server->socket(b->client->id())->join(u"vip"_s);
    server->socket(c->client->id())->join(u"lobby"_s); // /chat's lobby is another room
    QTRY_COMPARE(rooms->countOf(u"/"_s, u"lobby"_s), 2);
    QTRY_COMPARE(rooms->countOf(u"/"_s, u"vip"_s), 1);
    QTRY_COMPARE(rooms->countOf(u"/chat"_s, u"lobby"_s), 1);

    // The tree as shown: namespaces with their counts, rooms under them, no own-id rooms.
    auto *tree = child<QTreeView>(u"roomsView"_s);
    QAbstractItemModel *shown = tree->model();
    auto node = [shown](const QString &nsp, const QString &room = {}) {
        for (int r = 0; r < shown->rowCount(); ++r) {
            const QModelIndex ns = shown->index(r, 0);
            if (ns.data().toString() != nsp)
                continue;
            if (room.isEmpty())
                return ns;
            for (int k = 0; k < shown->rowCount(ns); ++k) {
                if (shown->index(k, 0, ns).data().toString() == room)
                    return shown->index(k, 0, ns);
            }
        }
        return QModelIndex();
    };
    QCOMPARE(node(u"/"_s).siblingAtColumn(int(RoomsColumn::Sockets)).data().toString(), u"2"_s);
    QCOMPARE(shown->rowCount(node(u"/"_s)), 2);
    QCOMPARE(node(u"/"_s, u"lobby"_s).siblingAtColumn(1).data().toString(), u"2"_s);
    QVERIFY(!node(u"/"_s, a->client->id()).isValid());

    auto click = [tree](const QModelIndex &i) {
        QVERIFY(i.isValid());
        tree->scrollTo(i);
        // The part of the row in view: a narrow dock shows the name column only in part.
        const QRect shown = tree->visualRect(i).intersected(tree->viewport()->rect());
        QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, shown.center());
        QCOMPARE(tree->currentIndex(), i);
    };
    // Clicking a room shows its members only, and aims the emit panel at it.
    click(node(u"/"_s, u"lobby"_s));
    QTRY_COMPARE(socketsShown(), 2);
    QVERIFY(child<QLabel>(u"socketScope"_s)->isVisible());
    QVERIFY(child<QLabel>(u"socketScope"_s)->text().contains(u"lobby"_s));
    QCOMPARE(m_window->emitPanel()->target(), EmitPanel::Target::Rooms);
    m_window->emitPanel()->setEventName(u"to-lobby"_s);
    m_window->emitPanel()->setArgumentsText(u"[]"_s);
    QTest::mouseClick(child<QPushButton>(u"emitSend"_s), Qt::LeftButton);
    barrier(all);
    QVERIFY(a->got(u"to-lobby"_s) && b->got(u"to-lobby"_s));
    QVERIFY(!c->got(u"to-lobby"_s));

    // A namespace node: its sockets, and the namespace as the emit target.
    click(node(u"/chat"_s));
    QTRY_COMPARE(socketsShown(), 1);
    QCOMPARE(m_window->emitPanel()->target(), EmitPanel::Target::Namespace);
    m_window->emitPanel()->setEventName(u"to-chat"_s);
    QTest::mouseClick(child<QPushButton>(u"emitSend"_s), Qt::LeftButton);
    barrier(all);
    QVERIFY(c->got(u"to-chat"_s));
    QVERIFY(!a->got(u"to-chat"_s) && !b->got(u"to-chat"_s));

    // Live: a member leaving the room shown leaves the view and the count.
    click(node(u"/"_s, u"lobby"_s));
    QTRY_COMPARE(socketsShown(), 2);
    server->socket(b->client->id())->leave(u"lobby"_s);
    QTRY_COMPARE(socketsShown(), 1);
    QTRY_COMPARE(node(u"/"_s, u"lobby"_s).siblingAtColumn(1).data().toString(), u"1"_s);

    // "Show all" clears the scope and the tree's selection.
    QTest::mouseClick(child<QPushButton>(u"socketScopeClear"_s), Qt::LeftButton);
    QCOMPARE(socketsShown(), 3);
    QVERIFY(!child<QLabel>(u"socketScope"_s)->isVisible());
    QVERIFY(tree->selectionModel()->selectedRows().isEmpty());

    // A disconnect takes the socket out of its namespace's count and its rooms.
    b->client->close();
    QTRY_COMPARE(rooms->countOf(u"/"_s), 1);
    QTRY_VERIFY(!node(u"/"_s, u"vip"_s).isValid());
    QCOMPARE(node(u"/"_s).siblingAtColumn(1).data().toString(), u"1"_s);
}

void tst_MonitorWindow::joinAndLeaveFromTheWindow()
{
    QVERIFY(clickStart());
    auto a = connectPeer();
    auto b = connectPeer();
    QVERIFY(a->client->isConnected() && b->client->isConnected());
    const QString ida = a->client->id(), idb = b->client->id();
    auto *join = child<QPushButton>(u"socketJoin"_s);
    auto *leave = child<QPushButton>(u"socketLeave"_s);
    auto *room = child<QLineEdit>(u"socketRoom"_s);
    QVERIFY(!join->isEnabled()); // nothing selected

    selectSockets({ ida, idb });
    SocketPanel *panel = m_window->socketPanel();
    QVERIFY2(panel->titleText().contains(u"2 sockets"_s), qPrintable(panel->titleText()));
    QVERIFY(!join->isEnabled()); // no room name yet
    QTest::keyClicks(room, u"team"_s);
    QVERIFY(join->isEnabled() && leave->isEnabled());
    QTest::mouseClick(join, Qt::LeftButton);
    EventServer *server = m_window->server();
    QVERIFY(server->socket(ida)->rooms().contains(u"team"_s));
    QVERIFY(server->socket(idb)->rooms().contains(u"team"_s));

    // The rooms column and the tree follow.
    ConnectionsModel *sockets = m_window->connectionsModel();
    auto roomsCell = [sockets](const QString &id) {
        return sockets->index(sockets->rowOf(id), int(ConnectionsColumn::Rooms)).data().toString();
    };
    QTRY_COMPARE(roomsCell(ida), u"team"_s);
    QTRY_COMPARE(roomsCell(idb), u"team"_s);
    QTRY_COMPARE(m_window->roomsModel()->countOf(u"/"_s, u"team"_s), 2);
    a->received.clear();
    server->of(u"/"_s)->to(u"team"_s).send(u"hi-team"_s);
    QTRY_VERIFY(a->got(u"hi-team"_s) && b->got(u"hi-team"_s));

    // Return in the room box joins too; Leave on one socket.
    selectSockets({ ida });
    QVERIFY(panel->titleText().contains(ida));
    room->clear();
    QTest::keyClicks(room, u"solo"_s);
    QTest::keyClick(room, Qt::Key_Return);
    QTRY_VERIFY(panel->roomsText().contains(u"solo, team"_s));
    room->clear();
    QTest::keyClicks(room, u"team"_s);
    QTest::mouseClick(leave, Qt::LeftButton);
    QVERIFY(!server->socket(ida)->rooms().contains(u"team"_s));
    QVERIFY(server->socket(idb)->rooms().contains(u"team"_s));
    QTRY_COMPARE(roomsCell(ida), u"solo"_s);
    QTRY_COMPARE(m_window->roomsModel()->countOf(u"/"_s, u"team"_s), 1);
    QTRY_COMPARE(panel->roomsText(), u"Rooms: solo"_s);
    QVERIFY(child<QLabel>(u"socketRoomResult"_s)->text().contains(u"1 socket"_s));

    // The sockets view's context menu: Leave for each room of the selection, Join a room…
    // goes to the room box.
    selectSockets({ ida, idb });
    std::unique_ptr<QMenu> menu(m_window->connectionsView()->createContextMenu(m_window.get()));
    QAction *leaveSolo = menu->findChild<QAction *>(u"leave:solo"_s);
    QVERIFY(leaveSolo);
    QVERIFY(menu->findChild<QAction *>(u"leave:team"_s));
    leaveSolo->trigger();
    QVERIFY(!server->socket(ida)->rooms().contains(u"solo"_s));
    QTRY_COMPARE(m_window->roomsModel()->countOf(u"/"_s, u"solo"_s), -1);
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    const auto actions = menu->actions();
    for (QAction *action : actions) {
        if (action->text().startsWith(u"&Join"_s))
            action->trigger();
    }
    QTRY_VERIFY(room->hasFocus());
}

void tst_MonitorWindow::authAndSecretHeadersRedactedUntilRevealed()
{
    QVERIFY(clickStart());
    ClientOptions options;
    options.auth = QJsonObject { { u"token"_s, u"s3cret-token"_s }, { u"user"_s, u"ann"_s } };
    options.extraHeaders = { { "Authorization", "Bearer hunter2" }, { "Cookie", "sid=abc123" } };
    auto a = connectPeer(u"/"_s, options);
    auto b = connectPeer();
    QVERIFY(a->client->isConnected() && b->client->isConnected());

    // The selected socket's auth payload: keys shown, values hidden until revealed.
    selectSockets({ a->client->id() });
    SocketPanel *panel = m_window->socketPanel();
    auto *reveal = child<QCheckBox>(u"socketReveal"_s);
    QVERIFY(!reveal->isChecked());
    QVERIFY2(panel->authText().contains(u"\"token\": \"[redacted]\""_s), qPrintable(panel->authText()));
    QVERIFY(panel->authText().contains(u"\"user\": \"[redacted]\""_s));
    QVERIFY(!panel->authText().contains(u"s3cret-token"_s));
    QVERIFY(!panel->authText().contains(u"ann"_s));
    QTest::mouseClick(reveal, Qt::LeftButton);
    QVERIFY(reveal->isChecked());
    QVERIFY(panel->authText().contains(u"\"token\": \"s3cret-token\""_s));
    QVERIFY(panel->authText().contains(u"\"user\": \"ann\""_s));
    // Another socket, then back: hidden again.
    selectSockets({ b->client->id() });
    QVERIFY(!reveal->isChecked());
    QCOMPARE(panel->authText(), u"(none)"_s);
    selectSockets({ a->client->id() });
    QVERIFY(!panel->authText().contains(u"s3cret-token"_s));

    // Its handshake (selecting the socket showed it): secret headers redacted everywhere.
    HandshakeInspector *inspector = m_window->handshakeInspector();
    QVERIFY(inspector->showConnection(a->client->connectionId()));
    QVERIFY(!inspector->secretsRevealed());
    const QString request = inspector->requestText();
    QVERIFY2(request.contains(u"Authorization: [redacted]\n"_s), qPrintable(request));
    QVERIFY(request.contains(u"Cookie: [redacted]\n"_s));
    QVERIFY(!request.contains(u"hunter2"_s) && !request.contains(u"abc123"_s));
    QVERIFY(request.contains(u"Sec-WebSocket-Key: "_s)); // the rest is as it arrived
    auto *headers = child<QTableWidget>(u"handshakeHeaders"_s);
    int secrets = 0;
    for (int r = 0; r < headers->rowCount(); ++r) {
        const QString name = headers->item(r, 0)->text().toLower();
        if (name == u"authorization"_s || name == u"cookie"_s) {
            QCOMPARE(headers->item(r, 1)->text(), u"[redacted]"_s);
            ++secrets;
        }
    }
    QCOMPARE(secrets, 2);
    QVERIFY(!inspector->allText().contains(u"hunter2"_s));
    QTest::mouseClick(child<QPushButton>(u"handshakeCopy"_s), Qt::LeftButton);
    QVERIFY(!QApplication::clipboard()->text().contains(u"hunter2"_s));
    QVERIFY(!QApplication::clipboard()->text().contains(u"abc123"_s));

    child<QCheckBox>(u"handshakeReveal"_s)->click();
    QVERIFY(inspector->secretsRevealed());
    QVERIFY(inspector->requestText().contains(u"Authorization: Bearer hunter2"_s));
    QVERIFY(inspector->requestText().contains(u"Cookie: sid=abc123"_s));
    QVERIFY(inspector->allText().contains(u"hunter2"_s));
    inspector->setSecretsRevealed(false);
    QVERIFY(!inspector->requestText().contains(u"hunter2"_s));
}

void tst_MonitorWindow::serverSettingsRemembered()
{
    QTemporaryDir dir;
    const QString rulesPath = dir.filePath(u"rules.json"_s);
    QVERIFY(QFile::copy(QStringLiteral(SOCKSCOPE_SOURCE_DIR "/resources/rules/tutorial.json"),
                        rulesPath));
    ServerSettings s = m_window->serverSettings();
    s.port = 0;
    s.options.pingInterval = 12345;
    s.options.pingTimeout = 6789;
    s.options.maxPayload = 4242;
    s.options.maxBufferedBytes = 0; // no limit: a value the default is not
    s.options.allowedOrigins = { u"http://a.example"_s, u"http://b.example"_s };
    s.rulesFile = rulesPath;
    m_window->setServerSettings(s);
    QVERIFY(clickStart());
    QTest::mouseClick(child<QPushButton>(u"stop"_s), Qt::LeftButton);

    // A start that fails is not remembered.
    QTcpServer squatter;
    QVERIFY(squatter.listen(Loopback::LocalHost, 0));
    ServerSettings busy = s;
    busy.port = squatter.serverPort();
    busy.options.pingInterval = 1;
    m_window->setServerSettings(busy);
    QVERIFY(!clickStart());

    // The next window offers what was started last.
    m_window = std::make_unique<MonitorWindow>();
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    const ServerSettings r = m_window->serverSettings();
    QCOMPARE(r.bind, u"127.0.0.1"_s);
    QCOMPARE(r.port, 0);
    QCOMPARE(r.options.pingInterval, 12345);
    QCOMPARE(r.options.pingTimeout, 6789);
    QCOMPARE(r.options.maxPayload, 4242);
    QCOMPARE(r.options.maxBufferedBytes, 0);
    QCOMPARE(child<QSpinBox>(u"maxBufferedBytes"_s)->text(), u"no limit"_s);
    QCOMPARE(r.options.allowedOrigins, (QStringList { u"http://a.example"_s, u"http://b.example"_s }));
    QCOMPARE(r.rulesFile, rulesPath);
    QCOMPARE(child<QSpinBox>(u"pingInterval"_s)->value(), 12345);
    QCOMPARE(child<QLineEdit>(u"rulesFile"_s)->text(), rulesPath);
    QVERIFY(clickStart()); // and they work
    QCOMPARE(m_window->server()->options().pingInterval, 12345);
    QCOMPARE(m_window->server()->options().maxBufferedBytes, 0);
    QCOMPARE(m_window->rulesModel()->filePath(), rulesPath);
    m_window->stopServer();

    // What the command line gives wins; options the panel does not show come from it too.
    ServerSettings flags;
    flags.port = 4321;
    flags.options.pingInterval = 999;
    flags.options.maxBufferedBytes = 2048;
    flags.options.path = u"/custom/"_s;
    ServerSettings merged = rememberedServerSettings(flags, ServerSetting::PingInterval);
    QCOMPARE(merged.options.pingInterval, 999);
    QCOMPARE(merged.options.maxBufferedBytes, 0); // remembered, not given
    QCOMPARE(merged.port, 0);
    QCOMPARE(merged.options.pingTimeout, 6789);
    QCOMPARE(merged.options.path, u"/custom/"_s);
    merged = rememberedServerSettings(flags, ServerSetting::MaxBufferedBytes);
    QCOMPARE(merged.options.maxBufferedBytes, 2048);
    QCOMPARE(merged.options.pingInterval, 12345);
    merged = rememberedServerSettings(flags, ServerSetting::Port | ServerSetting::RulesFile);
    QCOMPARE(merged.port, 4321);
    QCOMPARE(merged.options.pingInterval, 12345);
    QVERIFY(merged.rulesFile.isEmpty());

    // A rules file loaded in the rules panel becomes the server's, and is remembered at once.
    const QString otherRules = dir.filePath(u"other.json"_s);
    QVERIFY(QFile::copy(rulesPath, otherRules));
    QVERIFY(m_window->rulesPanel()->loadFile(otherRules));
    QCOMPARE(child<QLineEdit>(u"rulesFile"_s)->text(), otherRules);
    QCOMPARE(rememberedServerSettings(ServerSettings {}).rulesFile, otherRules);
    QVERIFY(clickStart());
    QCOMPARE(m_window->rulesModel()->filePath(), otherRules);
    m_window->stopServer();
    QVERIFY(QFile::remove(otherRules));

    // A remembered rules file that has gone is dropped rather than failing the start.
    QVERIFY(QFile::remove(rulesPath));
    QVERIFY(rememberedServerSettings(ServerSettings {}).rulesFile.isEmpty());
}

void tst_MonitorWindow::shortcutsTooltipsTabOrderAbout()
{
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));

    // F5 starts, Shift+F5 stops.
    QTest::keyClick(m_window.get(), Qt::Key_F5);
    QVERIFY(m_window->server()->isListening());
    QTest::keyClick(m_window.get(), Qt::Key_F5, Qt::ShiftModifier);
    QVERIFY(!m_window->server()->isListening());
    QTest::keyClick(m_window.get(), Qt::Key_F5);
    QVERIFY(m_window->server()->isListening());

    auto a = connectPeer();
    QVERIFY(a->client->isConnected());
    a->client->send(u"one"_s);
    QTRY_COMPARE(m_window->eventLog()->rowCount(), 1);
    // Ctrl+P pauses the log and again resumes it; Ctrl+L clears it; Ctrl+F goes to the filter.
    QTest::keyClick(m_window.get(), Qt::Key_P, Qt::ControlModifier);
    QVERIFY(m_window->eventLog()->isPaused());
    QVERIFY(child<QToolButton>(u"pause"_s)->isChecked());
    QTest::keyClick(m_window.get(), Qt::Key_P, Qt::ControlModifier);
    QVERIFY(!m_window->eventLog()->isPaused());
    QTest::keyClick(m_window.get(), Qt::Key_L, Qt::ControlModifier);
    QCOMPARE(m_window->eventLog()->rowCount(), 0);
    QTest::keyClick(m_window.get(), Qt::Key_F, Qt::ControlModifier);
    QTRY_COMPARE(QApplication::focusWidget(), child<QLineEdit>(u"logTextFilter"_s));

    // Ctrl+Return sends from the emit panel.
    m_window->emitPanel()->setTarget(EmitPanel::Target::Everyone);
    m_window->emitPanel()->setEventName(u"by-key"_s);
    m_window->emitPanel()->setArgumentsText(u"[1]"_s);
    auto *args = child<QWidget>(u"emitArgs"_s);
    args->setFocus();
    QTRY_VERIFY(args->hasFocus());
    QTest::keyClick(args, Qt::Key_Return, Qt::ControlModifier);
    QTRY_VERIFY(a->got(u"by-key"_s));

    // Tab walks the server settings in reading order.
    m_window->stopServer();
    const QStringList order { u"bind"_s, u"port"_s, u"pingInterval"_s, u"pingTimeout"_s,
                              u"maxPayload"_s, u"maxBufferedBytes"_s, u"parser"_s, u"origins"_s,
                              u"rulesFile"_s };
    child<QWidget>(order.first())->setFocus();
    QTRY_VERIFY(child<QWidget>(order.first())->hasFocus());
    for (qsizetype i = 1; i < order.size(); ++i) {
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
        QVERIFY2(child<QWidget>(order.at(i))->hasFocus(),
                 qPrintable(u"after %1: %2"_s.arg(order.at(i - 1),
                                                 QApplication::focusWidget()->objectName())));
    }
    // The socket panel: room name, Join, Leave.
    child<QLineEdit>(u"socketRoom"_s)->setText(u"r"_s);

    // Every button says what it does.
    QStringList silent;
    const auto buttons = m_window->findChildren<QAbstractButton *>();
    for (QAbstractButton *button : buttons) {
        // Qt's own: dock title buttons, tab bar scrollers, line edit clear buttons.
        if (button->objectName().startsWith(u"qt_"_s) || qobject_cast<QTabBar *>(button->parent())
            || qobject_cast<QLineEdit *>(button->parent()))
            continue;
        if (!qobject_cast<QPushButton *>(button) && !qobject_cast<QToolButton *>(button)
            && !qobject_cast<QCheckBox *>(button))
            continue;
        if (button->toolTip().isEmpty())
            silent.append(u"%1 \"%2\" (%3)"_s.arg(QString::fromLatin1(button->metaObject()->className()),
                                                  button->text(), button->objectName()));
    }
    QVERIFY2(silent.isEmpty(), qPrintable(u"no tooltip: "_s + silent.join(u", "_s)));
    // So does every menu action with a shortcut, and the docks can be toggled from View.
    const auto actions = m_window->findChildren<QAction *>();
    int withKeys = 0;
    for (QAction *action : actions) {
        if (!action->shortcut().isEmpty())
            ++withKeys;
    }
    QVERIFY(withKeys >= 10);
    for (const char *dock : { "roomsDock", "socketDock", "socketsDock", "serverDock" })
        QVERIFY(m_window->findChild<QDockWidget *>(QLatin1String(dock)));

    // The About box names the program and its Qt.
    QString aboutText;
    QTimer::singleShot(0, m_window.get(), [&aboutText] {
        auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
        if (box) {
            aboutText = box->text();
            box->accept();
        }
    });
    child<QAction>(u"actionAbout"_s)->trigger();
    QVERIFY2(aboutText.contains(u"Sockscope"_s), qPrintable(aboutText));
    // The version is project(Sockscope VERSION ...)'s, not the application's (unset here).
    QVERIFY2(aboutText.contains(u"Sockscope "_s + QString::fromLatin1(SOCKSCOPE_VERSION_STR)),
             qPrintable(aboutText));
    QVERIFY(aboutText.contains(QString::fromLatin1(qVersion())));
    QVERIFY(!m_window->windowIcon().isNull());

    // The desktop entry starts the program by name with its icon, which exists.
    QFile desktop(QStringLiteral(SOCKSCOPE_SOURCE_DIR "/resources/sockscope.desktop"));
    QVERIFY(desktop.open(QIODevice::ReadOnly));
    const QByteArray entry = desktop.readAll();
    QVERIFY(entry.contains("\nExec=sockscope\n"));
    QVERIFY(entry.contains("\nIcon=sockscope\n"));
    QVERIFY(QFile::exists(QStringLiteral(SOCKSCOPE_SOURCE_DIR "/resources/icons/sockscope.svg")));
}

void tst_MonitorWindow::coloursFollowTheTheme()
{
    // The few colours the window adds stay readable on a dark theme.
    const QPalette original = QApplication::palette();
    QPalette dark = original;
    for (auto role : { QPalette::Window, QPalette::Base, QPalette::Button })
        dark.setColor(role, QColor(0x2a, 0x2a, 0x2a));
    for (auto role : { QPalette::WindowText, QPalette::Text, QPalette::ButtonText })
        dark.setColor(role, QColor(0xee, 0xee, 0xee));
    QApplication::setPalette(dark);
    m_window = std::make_unique<MonitorWindow>();
    const QString darkError = child<QLabel>(u"error"_s)->styleSheet();
    const QString darkArgs = child<QLabel>(u"emitArgsError"_s)->styleSheet();
    QApplication::setPalette(original);
    m_window = std::make_unique<MonitorWindow>();
    const QString lightError = child<QLabel>(u"error"_s)->styleSheet();
    QVERIFY2(darkError.contains(u"#ff6b6b"_s), qPrintable(darkError));
    QVERIFY(darkArgs.contains(u"#ff6b6b"_s));
    QVERIFY2(lightError.contains(u"#b00020"_s), qPrintable(lightError));
}

// Not a test of the suite: the README's screenshots, made only when "screenshots" is named on
// the command line (see screenshotmain.h).
class MonitorWindowScreenshots : public tst_MonitorWindow
{
    Q_OBJECT
private Q_SLOTS:
    void screenshots();
};

// Fills the window and saves pictures of it in SOCKSCOPE_SCREENSHOT_DIR for the README (run
// under Xvfb with QT_QPA_PLATFORM=xcb for real window decorations).
void MonitorWindowScreenshots::screenshots()
{
    const QString outDir = qEnvironmentVariable("SOCKSCOPE_SCREENSHOT_DIR");
    if (outDir.isEmpty())
        QFAIL("set SOCKSCOPE_SCREENSHOT_DIR to the directory the screenshots go to");
    // The first window on the screen it is run on (the README's: xvfb-run -s "-screen 0
    // 1280x720x24").
    m_window->resetLayout();
    ServerSettings s = m_window->serverSettings();
    s.rulesFile = QStringLiteral(SOCKSCOPE_SOURCE_DIR "/resources/rules/tutorial.json");
    m_window->setServerSettings(s);
    QVERIFY(clickStart());
    m_window->server()->of(u"/chat"_s);
    auto a = connectPeer();
    auto b = connectPeer(u"/chat"_s);
    ClientOptions polling;
    polling.transport = ClientOptions::Transport::Auto;
    polling.auth = QJsonObject { { u"token"_s, u"demo-secret"_s }, { u"user"_s, u"ann"_s } };
    auto c = std::make_unique<Peer>();
    c->client = Loopback::connectClient(*m_window->server(), u"/"_s, polling);
    QVERIFY(a->client->isConnected() && b->client->isConnected() && c->client->isConnected());
    m_window->server()->socket(b->client->id())->join(u"lobby"_s);
    m_window->server()->socket(a->client->id())->join(u"lobby"_s);
    m_window->server()->socket(c->client->id())->join(u"lobby"_s);
    m_window->server()->socket(c->client->id())->join(u"uploads"_s);
    a->client->on(u"question"_s, [](const Arguments &args, const Ack &ack) { ack({ u"42"_s, args.value(0) }); });
    a->client->send(u"aaa"_s, { 12, 5, 8 });
    b->client->send(u"chat message"_s, { u"hello everyone"_s, QVariantMap { { u"mood"_s, u"happy"_s } } });
    c->client->send(u"upload"_s, { u"avatar.png"_s, QByteArray("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 16) });
    EmitPanel *panel = m_window->emitPanel();
    panel->setTarget(EmitPanel::Target::Everyone);
    panel->setEventName(u"question"_s);
    panel->setArgumentsText(u"[\"what is the answer?\"]"_s);
    panel->setExpectAck(true, 3000);
    QTest::mouseClick(child<QPushButton>(u"emitSend"_s), Qt::LeftButton);
    QTRY_VERIFY(m_window->eventLog()->rowCount() >= 8);
    QTRY_COMPARE(child<QTreeView>(u"socketsView"_s)->model()->rowCount(), 3);
    m_window->eventLog()->flush();
    for (int r = 0; r < m_window->eventLog()->rowCount(); ++r) {
        if (m_window->eventLog()->entry(r).event == u"upload"_s)
            m_window->eventLogView()->selectSerial(m_window->eventLog()->entry(r).serial);
    }
    panel->setArgumentsText(u"[\"hello\", 42, {\"ok\": true}]"_s);
    selectSockets({ c->client->id() });
    QTRY_COMPARE(m_window->roomsModel()->countOf(u"/"_s, u"lobby"_s), 2);
    QTRY_VERIFY(m_window->eventRate()->history().size() >= 2);
    QVERIFY(QDir().mkpath(outDir));
    QVERIFY(m_window->grab().save(outDir + u"/monitor.png"_s));

    // The handshake inspector of a raw upgrade with the RFC's sample key, in large text.
    m_window->handshakeInspector()->setFollowNewest(true);
    QTcpSocket raw;
    raw.connectToHost(Loopback::LocalHost, m_window->server()->serverPort());
    QVERIFY(raw.waitForConnected(5000));
    raw.write(Loopback::upgradeRequest(m_window->server()->serverPort(),
                                       "/socket.io/?EIO=4&transport=websocket",
                                       "dGhlIHNhbXBsZSBub25jZQ==",
                                       "Origin: http://localhost:3000\r\nUser-Agent: demo\r\n"));
    QTRY_COMPARE(m_window->handshakeInspector()->acceptText(), u"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="_s);
    // In the Handshake demo workspace.
    m_window->setWorkspace(MonitorWindow::Workspace::HandshakeDemo);
    QTRY_VERIFY(!m_window->findChild<QDockWidget *>(u"handshakeDock"_s)->visibleRegion().isEmpty());
    QTest::qWait(300); // the docks' animation
    QVERIFY(m_window->grab().save(outDir + u"/handshake.png"_s));
    m_window->setWorkspace(MonitorWindow::Workspace::Monitor);
    raw.abort();
}

SOCKSCOPE_TEST_MAIN_WITH_SCREENSHOTS(tst_MonitorWindow, MonitorWindowScreenshots)
#include "tst_monitorwindow.moc"
