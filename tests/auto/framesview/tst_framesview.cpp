// The monitor window offscreen against a plain QWebSocket client on the server's /ws: its row
// in the connections view, its handshake, its messages in the event log, every frame in the
// frames dock, and text / binary / ping / close sent from the plain emit tab.
#include <connectionsmodel.h>
#include <connectionsview.h>
#include <detailspane.h>
#include <eventlogmodel.h>
#include <eventlogview.h>
#include <eventserver.h>
#include <framesmodel.h>
#include <framesview.h>
#include <handshakeinspector.h>
#include <handshakelogmodel.h>
#include <monitorwindow.h>
#include <plainconnection.h>
#include <plainemitpanel.h>
#include <rules.h>
#include <rulesmodel.h>

#include "testsettings.h"

#include <QAbstractItemModelTester>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QTest>
#include <QTreeView>
#include <QWebSocket>

#include <memory>

using namespace Qt::StringLiterals;
using namespace Sockscope;
using Op = WebSocketFrame::Opcode;

class tst_FramesView : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void plainClientEndToEnd();
    void framesModelBatchesAndCaps();
    void framesViewFilterPauseClear();
    void rulesModelKeepsPlainRules();
    void disconnectButtonClosesPlain();

private:
    QString connCell(int row, ConnectionsColumn column) const
    {
        auto *m = m_window->connectionsModel();
        return m->data(m->index(row, int(column))).toString();
    }
    // Frames of the model matching a predicate, in order.
    QList<WebSocketFrame> frames(bool incoming) const
    {
        QList<WebSocketFrame> out;
        auto *m = m_window->framesModel();
        for (int i = 0; i < m->rowCount(); ++i) {
            if (m->entry(i).frame.incoming == incoming)
                out.append(m->entry(i).frame);
        }
        return out;
    }
    int logRowOfKind(EventLogEntry::Kind kind, EventLogEntry::Direction dir, int from = 0) const
    {
        auto *m = m_window->eventLog();
        for (int i = from; i < m->rowCount(); ++i) {
            if (m->entry(i).kind == kind && m->entry(i).direction == dir)
                return i;
        }
        return -1;
    }

    QTemporaryDir m_settingsDir;
    std::unique_ptr<MonitorWindow> m_window;
    QList<QAbstractItemModelTester *> m_testers;
};

void tst_FramesView::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    TestShared::keepSettingsIn(m_settingsDir, u"tst_framesview"_s);
}

void tst_FramesView::init()
{
    m_window = std::make_unique<MonitorWindow>();
    ServerSettings s;
    s.bind = u"127.0.0.1"_s;
    s.port = 0;
    m_window->setServerSettings(s);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    using Mode = QAbstractItemModelTester::FailureReportingMode;
    m_testers = {
        new QAbstractItemModelTester(m_window->connectionsModel(), Mode::QtTest, m_window.get()),
        new QAbstractItemModelTester(m_window->eventLog(), Mode::QtTest, m_window.get()),
        new QAbstractItemModelTester(m_window->framesModel(), Mode::QtTest, m_window.get()),
        new QAbstractItemModelTester(m_window->framesView()->proxy(), Mode::QtTest,
                                     m_window.get()),
    };
}

void tst_FramesView::cleanup()
{
    m_window.reset();
}

void tst_FramesView::plainClientEndToEnd()
{
    QVERIFY(m_window->startServer());
    const quint16 port = m_window->server()->serverPort();
    QVERIFY(port > 0);
    auto *conns = m_window->connectionsModel();

    QWebSocket client;
    QSignalSpy texts(&client, &QWebSocket::textMessageReceived);
    QSignalSpy binaries(&client, &QWebSocket::binaryMessageReceived);
    QSignalSpy disconnected(&client, &QWebSocket::disconnected);
    client.open(QUrl(u"ws://127.0.0.1:%1/ws"_s.arg(port)));
    QTRY_COMPARE(client.state(), QAbstractSocket::ConnectedState);

    // 1. The row: transport, no namespace, remote address; its handshake is selectable.
    QTRY_COMPARE(conns->rowCount(), 1);
    QVERIFY(conns->isPlainAt(0));
    const QString id = conns->socketIdAt(0);
    QVERIFY(!id.isEmpty());
    QCOMPARE(connCell(0, ConnectionsColumn::Transport), u"websocket (plain)"_s);
    QCOMPARE(connCell(0, ConnectionsColumn::Namespace), u"—"_s);
    QCOMPARE(connCell(0, ConnectionsColumn::RemoteAddress),
             u"127.0.0.1:%1"_s.arg(client.localPort()));
    QVERIFY(!connCell(0, ConnectionsColumn::ConnectedSince).isEmpty());
    QCOMPARE(m_window->server()->plainConnection(id)->id(), id);

    m_window->connectionsView()->selectSocket(id);
    QTRY_VERIFY(m_window->handshakeInspector()->currentRow() >= 0);
    {
        auto *hs = m_window->handshakeLog();
        const int row = m_window->handshakeInspector()->currentRow();
        QCOMPARE(hs->data(hs->index(row, int(HandshakeColumn::Transport))).toString(),
                 u"websocket (plain)"_s);
        QCOMPARE(hs->data(hs->index(row, int(HandshakeColumn::Connection))).toString(), id);
        QVERIFY(m_window->handshakeInspector()->requestText().startsWith(u"GET /ws"_s));
        QVERIFY(!m_window->handshakeInspector()->acceptText().isEmpty());
    }

    // 2. A fragmented text message: one text frame and continuations, FIN on the last only.
    client.setOutgoingFrameSize(4);
    client.sendTextMessage(u"hello world!"_s); // 12 bytes: 4 + 4 + 4
    QTRY_COMPARE(frames(true).size(), 3);
    {
        const auto in = frames(true);
        QCOMPARE(in.at(0).opcode, Op::Text);
        QCOMPARE(in.at(0).fin, false);
        QCOMPARE(in.at(0).length, 4);
        QCOMPARE(in.at(1).opcode, Op::Continuation);
        QCOMPARE(in.at(1).fin, false);
        QCOMPARE(in.at(1).length, 4);
        QCOMPARE(in.at(2).opcode, Op::Continuation);
        QCOMPARE(in.at(2).fin, true);
        QCOMPARE(in.at(2).length, 4);
        auto *fm = m_window->framesModel();
        QCOMPARE(fm->data(fm->index(0, int(FramesColumn::Opcode))).toString(), u"text"_s);
        QCOMPARE(fm->data(fm->index(1, int(FramesColumn::Opcode))).toString(),
                 u"continuation"_s);
        QCOMPARE(fm->data(fm->index(2, int(FramesColumn::Fin))).toString(), u"FIN"_s);
        QCOMPARE(fm->data(fm->index(0, int(FramesColumn::Fin))).toString(), QString());
        QCOMPARE(fm->data(fm->index(0, int(FramesColumn::Direction))).toString(), u"in"_s);
        QCOMPARE(fm->data(fm->index(0, int(FramesColumn::Length))).toString(), u"4"_s);
        QCOMPARE(fm->data(fm->index(0, int(FramesColumn::Payload))).toString(), u"hell"_s);
        QCOMPARE(fm->data(fm->index(0, int(FramesColumn::Connection))).toString(), id);
    }
    // ... and one text message in the event log.
    QTRY_VERIFY(logRowOfKind(EventLogEntry::Kind::PlainMessage, EventLogEntry::Direction::In) >= 0);
    {
        const int row =
                logRowOfKind(EventLogEntry::Kind::PlainMessage, EventLogEntry::Direction::In);
        const EventLogEntry &e = m_window->eventLog()->entry(row);
        QCOMPARE(e.socketId, id);
        QCOMPARE(e.args, QVariantList { u"hello world!"_s });
        QVERIFY2(e.event.contains(u"text"_s), qPrintable(e.event));
        QVERIFY2(e.event.contains(u"12"_s), qPrintable(e.event));
    }
    QTRY_COMPARE(connCell(0, ConnectionsColumn::EventsIn), u"1"_s);

    // A binary frame, unfragmented; in the log as binary, with a hex view in the details.
    client.setOutgoingFrameSize(512 * 1024);
    client.sendBinaryMessage(QByteArray::fromHex("0102ff"));
    QTRY_COMPARE(frames(true).size(), 4);
    QCOMPARE(frames(true).at(3).opcode, Op::Binary);
    QCOMPARE(frames(true).at(3).fin, true);
    QCOMPARE(frames(true).at(3).length, 3);
    QCOMPARE(frames(true).at(3).payload, QByteArray::fromHex("0102ff"));
    QTRY_COMPARE(connCell(0, ConnectionsColumn::EventsIn), u"2"_s);
    {
        int row = -1;
        QTRY_VERIFY((row = logRowOfKind(EventLogEntry::Kind::PlainMessage,
                                        EventLogEntry::Direction::In, 1))
                    >= 0);
        const EventLogEntry &e = m_window->eventLog()->entry(row);
        QCOMPARE(e.args, QVariantList { QByteArray::fromHex("0102ff") });
        QVERIFY2(e.event.contains(u"binary"_s), qPrintable(e.event));
        QVERIFY(m_window->eventLogView()->selectSerial(e.serial));
        QTRY_VERIFY2(m_window->detailsPane()->hexText().contains(u"01 02 ff"_s),
                     qPrintable(m_window->detailsPane()->hexText()));
    }

    // 4. The plain emit tab, to the selected connection: text, binary (hex), ping.
    PlainEmitPanel *panel = m_window->plainEmitPanel();
    panel->setTarget(PlainEmitPanel::Target::Selected);
    panel->setKind(PlainEmitPanel::Kind::Text);
    panel->setText(u"from the monitor"_s);
    QCOMPARE(panel->send(), 1);
    QTRY_COMPARE(texts.size(), 1);
    QCOMPARE(texts.at(0).at(0).toString(), u"from the monitor"_s);

    panel->setKind(PlainEmitPanel::Kind::Binary);
    panel->setText(u"zz"_s);
    QCOMPARE(panel->send(), -1); // not hex: nothing sent
    QVERIFY(!panel->resultText().isEmpty());
    panel->setText(u"de ad be ef"_s);
    QCOMPARE(panel->send(), 1);
    QTRY_COMPARE(binaries.size(), 1);
    QCOMPARE(binaries.at(0).at(0).toByteArray(), QByteArray::fromHex("deadbeef"));

    // Binary from a file.
    QTemporaryFile file;
    QVERIFY(file.open());
    file.write(QByteArray("\x00\x01file", 6));
    file.close();
    panel->setBinaryFile(file.fileName());
    QCOMPARE(panel->send(), 1);
    QTRY_COMPARE(binaries.size(), 2);
    QCOMPARE(binaries.at(1).at(0).toByteArray(), QByteArray("\x00\x01file", 6));

    // Outgoing messages appear in the log too.
    QTRY_VERIFY(logRowOfKind(EventLogEntry::Kind::PlainMessage, EventLogEntry::Direction::Out)
                >= 0);

    // Ping from the monitor: an outgoing ping frame, the client's pong comes back.
    panel->setKind(PlainEmitPanel::Kind::Ping);
    panel->setText(u"70 69 6e 67"_s); // "ping"
    QCOMPARE(panel->send(), 1);
    QTRY_VERIFY(!frames(true).isEmpty() && frames(true).last().opcode == Op::Pong);
    QCOMPARE(frames(true).last().payload, QByteArray("ping"));
    {
        bool sawPing = false;
        for (const WebSocketFrame &f : frames(false))
            sawPing = sawPing || (f.opcode == Op::Ping && f.payload == "ping");
        QVERIFY(sawPing);
        bool sawText = false;
        for (const WebSocketFrame &f : frames(false))
            sawText = sawText || (f.opcode == Op::Text && f.fin && f.length == 16);
        QVERIFY(sawText);
    }

    // Close 4001 "bye": the client sees both, the close frame is listed, the row goes.
    panel->setKind(PlainEmitPanel::Kind::Close);
    panel->setCloseCode(4001);
    panel->setCloseReason(u"bye"_s);
    QCOMPARE(panel->send(), 1);
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(int(client.closeCode()), 4001);
    QCOMPARE(client.closeReason(), u"bye"_s);
    QTRY_COMPARE(conns->rowCount(), 0);
    QTRY_VERIFY(!frames(false).isEmpty() && frames(false).last().opcode == Op::Close);
    QCOMPARE(frames(false).last().closeCode, 4001);
    QCOMPARE(frames(false).last().closeReason, u"bye"_s);
    {
        auto *fm = m_window->framesModel();
        int closeRow = -1;
        for (int i = 0; i < fm->rowCount(); ++i) {
            if (!fm->entry(i).frame.incoming && fm->entry(i).frame.opcode == Op::Close)
                closeRow = i;
        }
        QVERIFY(closeRow >= 0);
        QCOMPARE(fm->data(fm->index(closeRow, int(FramesColumn::Opcode))).toString(), u"close"_s);
        QCOMPARE(fm->data(fm->index(closeRow, int(FramesColumn::Payload))).toString(),
                 u"4001 \"bye\""_s);
    }
    // The close is logged with its code and reason.
    int closeRow = -1;
    QTRY_VERIFY((closeRow = logRowOfKind(EventLogEntry::Kind::PlainClose,
                                         EventLogEntry::Direction::In))
                >= 0);
    QVERIFY2(m_window->eventLog()->entry(closeRow).event.contains(u"4001"_s),
             qPrintable(m_window->eventLog()->entry(closeRow).event));
    QVERIFY(m_window->eventLog()->entry(closeRow).event.contains(u"bye"_s));

    // Nothing selected any more: the panel says so and sends nothing.
    m_window->connectionsView()->view()->clearSelection();
    QCOMPARE(panel->send(), 0);
}

void tst_FramesView::framesModelBatchesAndCaps()
{
    FramesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    WebSocketFrame f;
    f.opcode = Op::Binary;
    f.length = 3;
    f.payload = QByteArray::fromHex("0a0b0c");
    for (int i = 0; i < 500; ++i)
        model.append(u"c%1"_s.arg(i % 2), f);
    QCOMPARE(model.rowCount(), 0); // pending until the timer
    QTRY_COMPARE(model.rowCount(), 500);
    QCOMPARE(inserted.size(), 1); // one batch
    QCOMPARE(model.data(model.index(0, int(FramesColumn::Payload))).toString(), u"0a 0b 0c"_s);
    QCOMPARE(model.data(model.index(0, int(FramesColumn::Length)), SortRole).toLongLong(), 3);

    model.setCapacity(100);
    QCOMPARE(model.rowCount(), 100);
    for (int i = 0; i < 30; ++i)
        model.append(u"c"_s, f);
    model.flush();
    QCOMPARE(model.rowCount(), 100);
    QCOMPARE(model.entry(99).connectionId, u"c"_s);

    model.setPaused(true);
    model.append(u"c"_s, f);
    model.flush();
    QCOMPARE(model.droppedWhilePaused(), 1u);
    QCOMPARE(model.rowCount(), 100);
    model.setPaused(false);

    WebSocketFrame close;
    close.opcode = Op::Close;
    close.closeCode = 1000;
    QCOMPARE(FramesModel::preview(close), u"1000"_s);
    close.closeReason = u"done"_s;
    QCOMPARE(FramesModel::preview(close), u"1000 \"done\""_s);

    model.clear();
    QCOMPARE(model.rowCount(), 0);
}

void tst_FramesView::framesViewFilterPauseClear()
{
    FramesModel model;
    FramesView view(&model);
    WebSocketFrame f;
    f.payload = "hi";
    f.length = 2;
    model.append(u"aaa"_s, f);
    model.append(u"bbb"_s, f);
    model.append(u"aaa"_s, f);
    model.flush();
    QCOMPARE(view.proxy()->rowCount(), 3);
    view.setConnectionFilter(u"aaa"_s);
    QTRY_COMPARE(view.proxy()->rowCount(), 2); // after the debounce
    view.setConnectionFilter({});
    view.applyFilterNow();
    QCOMPARE(view.proxy()->rowCount(), 3);

    view.setPaused(true);
    QVERIFY(model.isPaused());
    model.append(u"aaa"_s, f);
    model.flush();
    QCOMPARE(model.rowCount(), 3);
    view.setPaused(false);
    QVERIFY(!model.isPaused());

    auto *clear = view.findChild<QPushButton *>(u"framesClear"_s);
    QVERIFY(clear);
    clear->click();
    QCOMPARE(model.rowCount(), 0);
}

// The rules panel does not list "plain" rules yet, but keeps them: they are saved and applied.
void tst_FramesView::rulesModelKeepsPlainRules()
{
    RulesModel model;
    QString error;
    QVERIFY2(model.setDocument(R"({"rules":[{"on":"ping","do":[{"emit":"pong"}]}],
                                   "plain":[{"on":"text","match":"^hi$","reply":"hello"},
                                            {"on":"*","echo":true}]})",
                               &error),
             qPrintable(error));
    QCOMPARE(model.rowCount(), 1);
    const QJsonObject added = QJsonDocument::fromJson(R"({"on":"x","do":[{"emit":"y"}]})").object();
    QVERIFY2(model.addRule(added, &error), qPrintable(error));
    RuleSet set;
    QVERIFY2(model.ruleSet(&set, &error), qPrintable(error));
    QCOMPARE(set.rules.size(), 2);
    QCOMPARE(set.plain.size(), 2);
    QCOMPARE(set.plain.at(0).reply, u"hello"_s);
    QVERIFY(set.plain.at(1).echo);
}

// The sockets view's Disconnect closes a selected plain connection (1000), and its export
// names plain rows for what they are.
void tst_FramesView::disconnectButtonClosesPlain()
{
    QVERIFY(m_window->startServer());
    QWebSocket client;
    QSignalSpy disconnected(&client, &QWebSocket::disconnected);
    client.open(QUrl(u"ws://127.0.0.1:%1/ws"_s.arg(m_window->server()->serverPort())));
    QTRY_COMPARE(m_window->connectionsModel()->rowCount(), 1);
    client.sendTextMessage(u"one"_s);
    QTRY_VERIFY(logRowOfKind(EventLogEntry::Kind::PlainMessage, EventLogEntry::Direction::In)
                >= 0);

    m_window->connectionsView()->selectSocket(m_window->connectionsModel()->socketIdAt(0));
    QPushButton *button = nullptr;
    const auto buttons = m_window->connectionsView()->findChildren<QPushButton *>();
    for (QPushButton *b : buttons) {
        if (b->text() == u"Disconnect"_s)
            button = b;
    }
    QVERIFY(button);
    QTRY_VERIFY(button->isEnabled());
    button->click();
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(int(client.closeCode()), 1000);
    QTRY_COMPARE(m_window->connectionsModel()->rowCount(), 0);
    QTRY_VERIFY(logRowOfKind(EventLogEntry::Kind::PlainClose, EventLogEntry::Direction::In) >= 0);

    QTemporaryFile out;
    QVERIFY(out.open());
    QVERIFY(m_window->eventLog()->exportJsonLines(&out));
    out.seek(0);
    const QByteArray lines = out.readAll();
    QVERIFY2(lines.contains(R"("type":"plain_message")"), lines.constData());
    QVERIFY2(lines.contains(R"("type":"plain_close")"), lines.constData());
    QVERIFY(!lines.contains(R"("type":"ack")"));
}

QTEST_MAIN(tst_FramesView)
#include "tst_framesview.moc"
