// EventLogModel: batched inserts, the cap, pause, clear, ack pairing against a real server,
// JSON lines export, and a burst during which the event loop must keep ticking.
#include <eventclient.h>
#include <eventlogmodel.h>
#include <eventrate.h>
#include <eventserver.h>
#include <namespace.h>
#include <socket.h>

#include "loopback.h"
#include "stalledpeer.h"

#include <connection.h>
#include <plainconnection.h>

#include <QAbstractItemModelTester>
#include <QBuffer>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QSignalSpy>
#include <QTest>

#include <memory>
#include <QTimer>

using namespace Qt::StringLiterals;
using namespace Sockscope;

namespace {

EventLogEntry makeEntry(const QString &event, const Arguments &args = {},
                        EventLogEntry::Direction dir = EventLogEntry::Direction::In)
{
    EventLogEntry e;
    e.event = event;
    e.args = args;
    e.direction = dir;
    e.nsp = u"/"_s;
    e.socketId = u"AAAAAAAAAAAAAAAAAAAA"_s;
    return e;
}

QString cell(const EventLogModel &m, int row, EventLogColumn c)
{
    return m.index(row, int(c)).data().toString();
}

// The first row (from `from`) whose event column and direction match, or -1.
int findRow(const EventLogModel &m, const QString &eventText, EventLogEntry::Direction dir,
            int from = 0)
{
    for (int r = from; r < m.rowCount(); ++r) {
        if (cell(m, r, EventLogColumn::Event) == eventText && m.entry(r).direction == dir)
            return r;
    }
    return -1;
}

} // namespace

class tst_EventLogModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void batchedInsert();
    void capDropsOldestInOneRemove();
    void floodStretchesTheFlushInterval();
    void floodIsSampledThenRecovers();
    void floodEndsWithoutNewEvents();
    void pauseAndClear();
    void formatsAndRoles();
    void eventsFromServer();
    void recoveryOffsetApartFromArguments();
    void detachedFromTheServer();
    void acksPairedBothWays();
    void ackTimeoutPaired();
    void disconnectsLoggedWithTheirReason();
    void exportJsonLines();
    void burstKeepsEventLoopTicking();
    void eventRate();
};

void tst_EventLogModel::batchedInsert()
{
    EventLogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    for (int i = 0; i < 1000; ++i)
        model.append(makeEntry(u"e"_s, { i }));
    // Nothing reaches the views until the flush timer fires...
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.pendingCount(), 1000);
    QTRY_COMPARE(model.rowCount(), 1000);
    // ...and then all at once.
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), 999);
    QCOMPARE(model.entry(0).serial + 999, model.entry(999).serial);
    QCOMPARE(model.rowOfSerial(model.entry(500).serial), 500);
    QCOMPARE(model.index(999, int(EventLogColumn::Arguments)).data().toString(), u"[999]"_s);
}

void tst_EventLogModel::capDropsOldestInOneRemove()
{
    EventLogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.capacity(), 100000);
    model.setCapacity(100);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    for (int i = 0; i < 80; ++i)
        model.append(makeEntry(u"e"_s, { i }));
    model.flush();
    QCOMPARE(model.rowCount(), 80);
    QCOMPARE(removed.size(), 0);

    for (int i = 80; i < 150; ++i)
        model.append(makeEntry(u"e"_s, { i }));
    model.flush();
    QCOMPARE(model.rowCount(), 100);
    QCOMPARE(removed.size(), 1); // one remove for the 50 oldest
    QCOMPARE(removed.at(0).at(1).toInt(), 0);
    QCOMPARE(removed.at(0).at(2).toInt(), 49);
    QCOMPARE(cell(model, 0, EventLogColumn::Arguments), u"[50]"_s);
    QCOMPARE(cell(model, 99, EventLogColumn::Arguments), u"[149]"_s);

    // A batch larger than the cap replaces everything; only the newest survive.
    for (int i = 150; i < 400; ++i)
        model.append(makeEntry(u"e"_s, { i }));
    model.flush();
    QCOMPARE(model.rowCount(), 100);
    QCOMPARE(cell(model, 0, EventLogColumn::Arguments), u"[300]"_s);
    QCOMPARE(cell(model, 99, EventLogColumn::Arguments), u"[399]"_s);

    // Lowering the cap trims at once.
    model.setCapacity(10);
    QCOMPARE(model.rowCount(), 10);
    QCOMPARE(cell(model, 0, EventLogColumn::Arguments), u"[390]"_s);
}

void tst_EventLogModel::floodStretchesTheFlushInterval()
{
    EventLogModel model;
    QCOMPARE(model.flushInterval(), 150);
    QCOMPARE(model.currentFlushInterval(), 150);
    for (int i = 0; i <= EventLogModel::floodBatch(); ++i)
        model.append(makeEntry(u"e"_s, { i }));
    model.flush();
    QCOMPARE(model.rowCount(), EventLogModel::floodBatch() + 1);
    // A batch that big: the views lay out again once a second, not every 150 ms.
    QCOMPARE(model.currentFlushInterval(), EventLogModel::floodInterval());
    QCOMPARE(model.flushInterval(), 150); // the setting is kept
    model.append(makeEntry(u"quiet"_s));
    model.flush();
    QCOMPARE(model.currentFlushInterval(), 150);
    model.setFlushInterval(40);
    QCOMPARE(model.currentFlushInterval(), 40);
}

void tst_EventLogModel::floodIsSampledThenRecovers()
{
    using Dir = EventLogEntry::Direction;
    EventLogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setCapacity(100);
    // The batch is due in a minute; 100 events come in far less: sampling starts at once.
    model.setFlushInterval(60000);
    // More events between two batches than the log holds.
    for (int i = 0; i < 300; ++i)
        model.logEvent(u"/"_s, u"sock"_s, u"flood"_s, Arguments { i }, -1, Dir::In);
    QVERIFY(model.notLoggedInFlood() > 0); // sampling started before the batch was due
    // Nothing goes missing unaccounted: every event is logged or counted as left out.
    QCOMPARE(quint64(model.pendingCount()) + model.notLoggedInFlood(), 300u);
    model.flush();
    QCOMPARE(model.rowCount(), 100); // full: sampling kept it from holding 300 entries
    QCOMPARE(quint64(model.rowCount()) + model.notLoggedInFlood(), 300u);
    // Rows follow each other by serial (pairing relies on it).
    for (int r = 1; r < model.rowCount(); ++r)
        QCOMPARE(model.entry(r).serial, model.entry(r - 1).serial + 1);
    QCOMPARE(model.sampleEvery(), 30); // 300 arrived: about a tenth of the log per batch
    QCOMPARE(model.totalSeen(), 300u);
    const quint64 leftOutBefore = model.notLoggedInFlood();

    // One request in 30 is kept, and each kept request's reply with it; the others' replies
    // are left out with them.
    for (int i = 0; i < 40; ++i) {
        model.logEvent(u"/"_s, u"sock"_s, u"ask"_s, Arguments { i }, i, Dir::In);
        model.logAckAnswered(u"/"_s, u"sock"_s, i, Arguments { i * 10 }, 1, Dir::Out);
    }
    QCOMPARE(model.pendingCount(), 4);
    QCOMPARE(model.notLoggedInFlood() - leftOutBefore, 76u);
    model.flush();
    QCOMPARE(model.rowCount(), 100);
    const int tail = model.rowCount() - 4;
    for (int ask : { 0, 30 }) {
        const int request = findRow(model, u"ask"_s, Dir::In, tail + (ask / 30) * 2);
        QVERIFY(request >= 0);
        QCOMPARE(model.entry(request).ackId, ask);
        QCOMPARE(model.entry(request).ackState, EventLogEntry::AckState::Replied);
        const int reply = model.rowOfSerial(model.entry(request).pairedSerial);
        QCOMPARE(reply, request + 1);
        QCOMPARE(cell(model, reply, EventLogColumn::Arguments), u"[%1]"_s.arg(ask * 10));
    }

    // 80 arrived in that batch, fewer than the log holds: every event is logged again.
    QCOMPARE(model.sampleEvery(), 1);
    const quint64 leftOut = model.notLoggedInFlood();
    for (int i = 0; i < 10; ++i)
        model.logEvent(u"/"_s, u"sock"_s, u"calm"_s, Arguments { i }, -1, Dir::In);
    model.flush();
    QCOMPARE(model.notLoggedInFlood(), leftOut);
    for (int i = 0; i < 10; ++i)
        QCOMPARE(cell(model, 90 + i, EventLogColumn::Arguments), u"[%1]"_s.arg(i));
    QCOMPARE(model.sampleEvery(), 1);
    model.clear();
    QCOMPARE(model.notLoggedInFlood(), 0u);
}

// A flood that stops: the next quiet batch ends sampling, so events after it are all logged,
// even if none comes for a long time.
void tst_EventLogModel::floodEndsWithoutNewEvents()
{
    EventLogModel model;
    model.setCapacity(100);
    model.setFlushInterval(20);
    for (int i = 0; i < 300; ++i)
        model.logEvent(u"/"_s, u"sock"_s, u"flood"_s, Arguments { i }, -1, EventLogEntry::Direction::In);
    model.flush();
    QVERIFY(model.sampleEvery() > 1);
    QTRY_COMPARE(model.sampleEvery(), 1); // no event needed
    const int rows = model.rowCount();
    const quint64 leftOut = model.notLoggedInFlood();
    for (int i = 0; i < 5; ++i)
        model.logEvent(u"/"_s, u"sock"_s, u"calm"_s, Arguments { i }, -1, EventLogEntry::Direction::In);
    model.flush();
    QCOMPARE(model.notLoggedInFlood(), leftOut);
    QCOMPARE(findRow(model, u"calm"_s, EventLogEntry::Direction::In, qMax(0, rows - 5)), 95);
    model.clear();
    QCOMPARE(model.sampleEvery(), 1);
}

void tst_EventLogModel::pauseAndClear()
{
    EventServer server;
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    EventLogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setServer(&server);
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());

    client->send(u"one"_s);
    QTRY_COMPARE(model.rowCount(), 1);
    QSignalSpy paused(&model, &EventLogModel::pausedChanged);
    model.setPaused(true);
    QCOMPARE(paused.size(), 1);
    client->send(u"two"_s);
    client->send(u"three"_s);
    QTRY_COMPARE(model.droppedWhilePaused(), 2u);
    QCOMPARE(model.totalSeen(), 3u);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.pendingCount(), 0);
    QCOMPARE(model.eventNames(), (QStringList { u"one"_s, u"three"_s, u"two"_s }));

    model.setPaused(false);
    client->send(u"four"_s);
    QTRY_COMPARE(model.rowCount(), 2);
    QCOMPARE(cell(model, 1, EventLogColumn::Event), u"four"_s);

    client->send(u"five"_s);
    QTRY_COMPARE(model.totalSeen(), 5u);
    QCOMPARE(model.pendingCount(), 1); // seen, not yet flushed: clear drops it too
    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.pendingCount(), 0);
    client->send(u"six"_s);
    QTRY_COMPARE(model.rowCount(), 1);
    QCOMPARE(cell(model, 0, EventLogColumn::Event), u"six"_s);
}

void tst_EventLogModel::formatsAndRoles()
{
    EventLogModel model;
    EventLogEntry e = makeEntry(u"bin"_s, { QByteArray("\x01\x02", 2), u"x"_s },
                                EventLogEntry::Direction::Out);
    e.timeMs = 1700000000123;
    const qint64 serial = model.append(e);
    model.flush();
    QCOMPARE(model.rowCount(), 1);
    const QModelIndex row = model.index(0, 0);
    QCOMPARE(row.data(SerialRole).toLongLong(), serial);
    QCOMPARE(row.data(DirectionRole).toInt(), int(EventLogEntry::Direction::Out));
    QCOMPARE(row.data(EventNameRole).toString(), u"bin"_s);
    QCOMPARE(row.data(NamespaceRole).toString(), u"/"_s);
    QCOMPARE(row.data(ArgumentsRole).toList().at(0).toByteArray(), QByteArray("\x01\x02", 2));
    QCOMPARE(row.data(PayloadTextRole).toString(),
             u"[{\"_binary\":true,\"base64\":\"AQI=\",\"size\":2},\"x\"]"_s);
    QCOMPARE(cell(model, 0, EventLogColumn::Direction), u"out"_s);
    QCOMPARE(model.index(0, int(EventLogColumn::Time)).data(SortRole).toLongLong(), 1700000000123);
    QVERIFY(cell(model, 0, EventLogColumn::Time).endsWith(u".123"_s));

    // Long arguments are cut in the cell but kept whole for filtering.
    model.append(makeEntry(u"long"_s, { QString(2000, u'a') }));
    model.flush();
    QVERIFY(cell(model, 1, EventLogColumn::Arguments).size() < 400);
    QVERIFY(model.index(1, 0).data(PayloadTextRole).toString().size() > 2000);
}

void tst_EventLogModel::eventsFromServer()
{
    EventServer server;
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    EventLogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setServer(&server);
    QSignalSpy names(&model, &EventLogModel::eventNamesChanged);
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    client->send(u"aaa"_s, { 12, 5, 8 });
    QTRY_COMPARE(model.rowCount(), 1);
    QCOMPARE(cell(model, 0, EventLogColumn::Direction), u"in"_s);
    QCOMPARE(cell(model, 0, EventLogColumn::Namespace), u"/"_s);
    QCOMPARE(cell(model, 0, EventLogColumn::Socket), client->id());
    QCOMPARE(cell(model, 0, EventLogColumn::Event), u"aaa"_s);
    QCOMPARE(cell(model, 0, EventLogColumn::Arguments), u"[12,5,8]"_s);
    QCOMPARE(cell(model, 0, EventLogColumn::Ack), QString());

    server.socket(client->id())->send(u"time"_s, { 42 });
    QTRY_COMPARE(model.rowCount(), 2);
    QCOMPARE(cell(model, 1, EventLogColumn::Direction), u"out"_s);
    QCOMPARE(cell(model, 1, EventLogColumn::Event), u"time"_s);
    QCOMPARE(model.eventNames(), (QStringList { u"aaa"_s, u"time"_s }));
    QCOMPARE(names.size(), 2);
}

// With connection state recovery on, an event sent carries an offset after its arguments: the
// row shows the application's arguments, and the offset is a field of its own, exported so.
void tst_EventLogModel::recoveryOffsetApartFromArguments()
{
    ServerOptions options;
    options.maxDisconnectionDuration = 60000;
    EventServer server(options);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    EventLogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setServer(&server);
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    server.of(u"/"_s)->send(u"news"_s, { 7 });
    QTRY_COMPARE(model.rowCount(), 1);
    QCOMPARE(cell(model, 0, EventLogColumn::Arguments), u"[7]"_s);
    const EventLogEntry &e = model.entry(0);
    QVERIFY(!e.offset.isEmpty());
    const QJsonObject line = QJsonDocument::fromJson(EventLogModel::jsonLine(e)).object();
    QCOMPARE(line.value(u"offset"_s).toString(), e.offset);
    QCOMPARE(line.value(u"args"_s).toArray(), QJsonArray({ 7 }));
}

// A model that leaves the server (for another server, a client, or by being destroyed) hears
// nothing more of it; the server then runs on without calling into a model that is gone.
void tst_EventLogModel::detachedFromTheServer()
{
    EventServer server;
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    EventLogModel toClient;
    toClient.setServer(&server);
    toClient.setClient(client.get());
    EventLogModel toOther;
    toOther.setServer(&server);
    EventServer other;
    toOther.setServer(&other);
    auto gone = std::make_unique<EventLogModel>();
    gone->setServer(&server);
    gone.reset();
    EventLogModel staying;
    staying.setServer(&server);

    client->send(u"hello"_s, { 1 });
    QTRY_COMPARE(staying.rowCount(), 1);
    QCOMPARE(toOther.rowCount(), 0);
    // The client's own log has its "out" row; nothing of the server's side came in.
    QTRY_COMPARE(toClient.rowCount(), 1);
    QCOMPARE(cell(toClient, 0, EventLogColumn::Direction), u"out"_s);
    server.socket(client->id())->send(u"back"_s, { 2 });
    QTRY_COMPARE(staying.rowCount(), 2);
    QTRY_COMPARE(toClient.rowCount(), 2);
    QCOMPARE(cell(toClient, 1, EventLogColumn::Direction), u"in"_s); // as the client saw it
    QTest::qWait(200); // a flush more: nothing else arrives
    QCOMPARE(toClient.rowCount(), 2);
    QCOMPARE(toOther.rowCount(), 0);
}

void tst_EventLogModel::acksPairedBothWays()
{
    EventServer server;
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    EventLogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setServer(&server);
    QObject::connect(&server, &EventServer::socketConnected, &server, [](Socket *s) {
        s->on(u"ask"_s, [](const Arguments &args, const Ack &ack) { ack({ u"got"_s, args.value(0) }); });
    });
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    client->on(u"question"_s, [](const Arguments &, const Ack &ack) { ack({ u"answer"_s }); });

    // Client asks, server answers.
    bool replied = false;
    client->send(u"ask"_s, { 7 }, [&](const AckResult &) { replied = true; }, 5000);
    QTRY_VERIFY(replied);
    QTRY_COMPARE(model.rowCount(), 2);
    const int request = findRow(model, u"ask"_s, EventLogEntry::Direction::In);
    const int reply = findRow(model, u"(ack) ask"_s, EventLogEntry::Direction::Out);
    QVERIFY(request >= 0 && reply >= 0);
    QCOMPARE(model.entry(request).ackState, EventLogEntry::AckState::Replied);
    QCOMPARE(model.index(request, 0).data(PairedSerialRole).toLongLong(), model.entry(reply).serial);
    QCOMPARE(model.index(reply, 0).data(PairedSerialRole).toLongLong(), model.entry(request).serial);
    QCOMPARE(model.entry(reply).ackId, model.entry(request).ackId);
    QCOMPARE(cell(model, reply, EventLogColumn::Arguments), u"[\"got\",7]"_s);
    QVERIFY(cell(model, request, EventLogColumn::Ack).contains(u"replied"_s));

    // Server asks, client answers: the round trip comes from the library.
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    Socket *s = server.socket(client->id());
    s->send(u"question"_s, {}, [](const AckResult &) { }, 5000);
    QTRY_COMPARE(model.rowCount(), 4);
    const int q = findRow(model, u"question"_s, EventLogEntry::Direction::Out);
    const int a = findRow(model, u"(ack) question"_s, EventLogEntry::Direction::In);
    QVERIFY(q >= 0 && a > q);
    QTRY_COMPARE(model.entry(q).ackState, EventLogEntry::AckState::Replied);
    QCOMPARE(model.entry(q).pairedSerial, model.entry(a).serial);
    QCOMPARE(model.entry(a).pairedSerial, model.entry(q).serial);
    QVERIFY(model.entry(a).roundTripMs >= 0);
    QCOMPARE(cell(model, a, EventLogColumn::Arguments), u"[\"answer\"]"_s);
    QVERIFY(cell(model, a, EventLogColumn::Ack).startsWith(u"#%1 reply"_s.arg(model.entry(q).ackId)));
}

void tst_EventLogModel::ackTimeoutPaired()
{
    EventServer server;
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    EventLogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setServer(&server);
    auto client = Loopback::connectClient(server); // never answers "silent"
    QVERIFY(client->isConnected());
    Socket *s = server.socket(client->id());
    s->send(u"silent"_s, {}, [](const AckResult &) { }, 150);
    QTRY_COMPARE(model.rowCount(), 2);
    const int request = findRow(model, u"silent"_s, EventLogEntry::Direction::Out);
    const int timeout = findRow(model, u"(ack timeout) silent"_s, EventLogEntry::Direction::In);
    QVERIFY(request >= 0 && timeout > request);
    QCOMPARE(model.entry(request).ackState, EventLogEntry::AckState::TimedOut);
    QCOMPARE(model.entry(request).pairedSerial, model.entry(timeout).serial);
    QVERIFY(model.entry(timeout).roundTripMs >= 150);
    QVERIFY(cell(model, request, EventLogColumn::Ack).contains(u"timed out"_s));

    // A request still waiting when its socket leaves is marked cancelled.
    s->send(u"silent"_s, {}, [](const AckResult &) { }, 0);
    QTRY_COMPARE(model.rowCount(), 3);
    client->close();
    QTRY_COMPARE(model.entry(2).ackState, EventLogEntry::AckState::Cancelled);
}

// A socket that leaves is a row with its reason; a client that stops reading is closed as a
// slow consumer and the row says so (a plain client's close says 1008 "slow consumer").
void tst_EventLogModel::disconnectsLoggedWithTheirReason()
{
    ServerOptions options;
    options.maxBufferedBytes = 128 * 1024;
    EventServer server(options);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    EventLogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setServer(&server);
    QSignalSpy gone(&server, &EventServer::socketDisconnected);
    auto rowOf = [&model](EventLogEntry::Kind kind, const QString &socketId) {
        for (int r = 0; r < model.rowCount(); ++r) {
            if (model.entry(r).kind == kind && model.entry(r).socketId == socketId)
                return r;
        }
        return -1;
    };

    // A client that leaves.
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    const QString clientId = client->id();
    client->close();
    QTRY_COMPARE(gone.size(), 1);
    const QString clientReason = gone.at(0).at(1).toString();
    int row = -1;
    QTRY_VERIFY((row = rowOf(EventLogEntry::Kind::Disconnect, clientId)) >= 0);
    QCOMPARE(cell(model, row, EventLogColumn::Event), u"(disconnect \"%1\")"_s.arg(clientReason));
    QCOMPARE(cell(model, row, EventLogColumn::Namespace), u"/"_s);

    // A client that stops reading.
    Loopback::StalledPeer stalled;
    const QString sid = stalled.open(server.serverPort());
    QVERIFY(!sid.isEmpty());
    Connection *connection = server.connection(sid);
    QVERIFY(connection);
    QTRY_COMPARE(connection->sockets().size(), 1);
    QPointer<Socket> socket = connection->sockets().first();
    const QString socketId = socket->id();
    const QString chunk(8 * 1024, u'x');
    QVERIFY(QTest::qWaitFor([&] {
        for (int i = 0; i < 16 && socket && socket->isConnected(); ++i)
            socket->send(u"fill"_s, { chunk });
        return gone.size() == 2;
    }, 20000));
    QCOMPARE(gone.at(1).at(1).toString(), u"slow consumer"_s);
    QTRY_VERIFY((row = rowOf(EventLogEntry::Kind::Disconnect, socketId)) >= 0);
    QCOMPARE(cell(model, row, EventLogColumn::Event), u"(disconnect \"slow consumer\")"_s);
    QCOMPARE(cell(model, row, EventLogColumn::Arguments), u"[\"slow consumer\"]"_s);
    QCOMPARE(model.entry(row).connectionId, sid);
    // Exported as the headless server writes it.
    const QJsonObject line =
            QJsonDocument::fromJson(EventLogModel::jsonLine(model.entry(row))).object();
    QCOMPARE(line.value(u"type"_s).toString(), u"disconnect"_s);
    QCOMPARE(line.value(u"reason"_s).toString(), u"slow consumer"_s);
    QCOMPARE(line.value(u"socket"_s).toString(), socketId);
    QCOMPARE(line.value(u"namespace"_s).toString(), u"/"_s);
    QCOMPARE(line.value(u"connection"_s).toString(), sid);
    QVERIFY(line.contains(u"time"_s));

    // A plain WebSocket client that stops reading.
    QSignalSpy plainClosed(&server, &EventServer::plainConnectionClosed);
    Loopback::StalledPeer plain;
    QVERIFY(plain.openPlain(server.serverPort()));
    QTRY_COMPARE(server.plainConnections().size(), 1);
    QPointer<PlainConnection> pc = server.plainConnections().first();
    const QString plainId = pc->id();
    QVERIFY(QTest::qWaitFor([&] {
        for (int i = 0; i < 16 && pc && pc->isOpen(); ++i)
            pc->sendText(chunk);
        return !plainClosed.isEmpty();
    }, 20000));
    QTRY_VERIFY((row = rowOf(EventLogEntry::Kind::PlainClose, plainId)) >= 0);
    QCOMPARE(cell(model, row, EventLogColumn::Event), u"(closed 1008 \"slow consumer\")"_s);
    QCOMPARE(server.stats().slowConsumerCloses, 2u);
}

void tst_EventLogModel::exportJsonLines()
{
    EventLogModel model;
    EventLogEntry e = makeEntry(u"aaa"_s, { 1, QByteArray("hi") });
    e.timeMs = 1700000000000;
    e.ackId = 3;
    model.append(e);
    // A reply that came in: its round trip is the server's own (an answer the server sent has
    // none in the headless format, so none in the export).
    EventLogEntry r = makeEntry(u"aaa"_s, { u"ok"_s }, EventLogEntry::Direction::In);
    r.kind = EventLogEntry::Kind::AckReply;
    r.ackId = 3;
    r.roundTripMs = 4;
    model.append(r);
    EventLogEntry t = makeEntry(u"bbb"_s);
    t.kind = EventLogEntry::Kind::AckTimeout;
    t.ackId = 9;
    t.roundTripMs = 500;
    model.append(t);
    model.flush();

    QBuffer buffer;
    QVERIFY(buffer.open(QIODevice::WriteOnly));
    QVERIFY(model.exportJsonLines(&buffer));
    const QList<QByteArray> lines = buffer.data().split('\n');
    QCOMPARE(lines.size(), 4);
    QVERIFY(lines.last().isEmpty());
    const QJsonObject first = QJsonDocument::fromJson(lines.at(0)).object();
    QCOMPARE(first.value(u"type"_s).toString(), u"event"_s);
    QCOMPARE(first.value(u"time"_s).toString(), u"2023-11-14T22:13:20.000Z"_s);
    QCOMPARE(first.value(u"direction"_s).toString(), u"in"_s);
    QCOMPARE(first.value(u"event"_s).toString(), u"aaa"_s);
    QCOMPARE(first.value(u"ackId"_s).toInt(), 3);
    QCOMPARE(QJsonDocument(first.value(u"args"_s).toArray()).toJson(QJsonDocument::Compact),
             QByteArray(R"([1,{"_binary":true,"base64":"aGk=","size":2}])"));
    const QJsonObject second = QJsonDocument::fromJson(lines.at(1)).object();
    QCOMPARE(second.value(u"type"_s).toString(), u"ack"_s);
    QCOMPARE(second.value(u"roundTripMs"_s).toInt(), 4);
    const QJsonObject third = QJsonDocument::fromJson(lines.at(2)).object();
    QCOMPARE(third.value(u"timedOut"_s).toBool(), true);
    QCOMPARE(third.value(u"waitedMs"_s).toInt(), 500);

    // Chosen rows only, e.g. what a filter shows.
    QBuffer some;
    QVERIFY(some.open(QIODevice::WriteOnly));
    const QList<int> rows { 2 };
    QVERIFY(model.exportJsonLines(&some, &rows));
    QCOMPARE(some.data().count('\n'), 1);
    QVERIFY(some.data().contains("\"ackId\":9,"));
    // An empty selection writes nothing.
    QBuffer none;
    QVERIFY(none.open(QIODevice::WriteOnly));
    const QList<int> noRows;
    QVERIFY(model.exportJsonLines(&none, &noRows));
    QVERIFY(none.data().isEmpty());
}

void tst_EventLogModel::burstKeepsEventLoopTicking()
{
    EventServer server;
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    EventLogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setServer(&server);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());

    // A timer that should fire every 10 ms; record the longest gap between its ticks.
    QElapsedTimer clock;
    clock.start();
    qint64 last = 0, longestGap = 0;
    int ticks = 0;
    QTimer ticker;
    ticker.setInterval(10);
    QObject::connect(&ticker, &QTimer::timeout, &ticker, [&] {
        const qint64 now = clock.elapsed();
        longestGap = qMax(longestGap, now - last);
        last = now;
        ++ticks;
    });
    ticker.start();

    const int n = 5000;
    for (int i = 0; i < n; ++i)
        client->send(u"burst"_s, { i, u"payload"_s });
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), n, 30000);
    ticker.stop();
    // Thousands of events arrived as a handful of batches...
    QVERIFY2(inserted.size() < 200, qPrintable(QString::number(inserted.size())));
    QCOMPARE(cell(model, n - 1, EventLogColumn::Arguments), u"[%1,\"payload\"]"_s.arg(n - 1));
    // ...and the loop kept turning: timers fired throughout, never starved for long.
    QVERIFY(ticks > 0);
    QVERIFY2(longestGap < 2000, qPrintable(u"longest gap %1 ms"_s.arg(longestGap)));
    qInfo("burst of %d events: %d batches, %d ticks, longest gap %lld ms", n,
          int(inserted.size()), ticks, longestGap);
}

void tst_EventLogModel::eventRate()
{
    EventRate rate;
    rate.setHistorySize(3);
    QSignalSpy sampled(&rate, &EventRate::sampled);
    rate.addEvents(50);
    rate.sample();
    QCOMPARE(sampled.size(), 1);
    QVERIFY(sampled.at(0).at(0).toDouble() > 0);
    QCOMPARE(rate.total(), 50u);
    rate.sample();
    QCOMPARE(rate.current(), 0.0);
    rate.sample();
    rate.sample();
    QCOMPARE(rate.history().size(), 3);
    QCOMPARE(rate.peak(), 0.0); // the first sample has left the history

    EventServer server;
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    rate.setServer(&server);
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    client->send(u"x"_s);
    QTRY_COMPARE(rate.total(), 51u);
    // Read from the server's counters at each sample: events out count per recipient.
    auto second = Loopback::connectClient(server);
    QVERIFY(second->isConnected());
    server.of(u"/"_s)->send(u"news"_s, { 1 });
    rate.setInterval(60000); // samples by hand from here
    QTRY_COMPARE(server.stats().eventsSent, 2u);
    QCOMPARE(server.stats().eventsReceived, 1u);
    rate.sample();
    QCOMPARE(rate.total(), 53u);
    QVERIFY(rate.current() > 0);
    rate.setServer(nullptr);
    rate.sample();
    QCOMPARE(rate.total(), 53u);
}

QTEST_GUILESS_MAIN(tst_EventLogModel)
#include "tst_eventlogmodel.moc"
