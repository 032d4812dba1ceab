// ConnectionsModel against a real server on 127.0.0.1: rows appear and go with sockets and
// hold the right values; updates are coalesced into one dataChanged per refresh, spanning the rows that changed.
#include <connection.h>
#include <connectionsmodel.h>
#include <eventclient.h>
#include <eventserver.h>
#include <namespace.h>
#include <socket.h>

#include "loopback.h"
#include "stalledpeer.h"

#include <QAbstractItemModelTester>
#include <QLocale>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Sockscope;

class tst_ConnectionsModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rowsFollowSockets();
    void countersRoomsAndPing();
    void oneDataChangedPerRowChange();
    void sortRoleIsRaw();
    void queuedColumn();
    void pollingUpgradeShown();
    void existingSocketsAdoptedAndServerDetached();
    void parserColumn();
    void recoveredColumn();

private:
    static QString cell(const ConnectionsModel &m, int row, ConnectionsColumn c,
                        int role = Qt::DisplayRole)
    {
        return m.index(row, int(c)).data(role).toString();
    }
};

void tst_ConnectionsModel::rowsFollowSockets()
{
    EventServer server;
    server.of(u"/chat"_s);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    ConnectionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setServer(&server);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), int(ConnectionsColumn::Count));

    auto a = Loopback::connectClient(server);
    QVERIFY(a->isConnected());
    auto b = Loopback::connectClient(server, u"/chat"_s);
    QVERIFY(b->isConnected());
    QTRY_COMPARE(model.rowCount(), 2);
    QCOMPARE(model.connectionCount(), 2);

    const int ra = model.rowOf(a->id());
    const int rb = model.rowOf(b->id());
    QVERIFY(ra >= 0 && rb >= 0 && ra != rb);
    QCOMPARE(cell(model, ra, ConnectionsColumn::Socket), a->id());
    QCOMPARE(cell(model, ra, ConnectionsColumn::Connection), a->connectionId());
    QCOMPARE(cell(model, ra, ConnectionsColumn::Namespace), u"/"_s);
    QCOMPARE(cell(model, rb, ConnectionsColumn::Namespace), u"/chat"_s);
    QCOMPARE(cell(model, ra, ConnectionsColumn::Transport), u"websocket"_s);
    QVERIFY2(cell(model, ra, ConnectionsColumn::RemoteAddress).startsWith(u"127.0.0.1:"_s),
             qPrintable(cell(model, ra, ConnectionsColumn::RemoteAddress)));
    QCOMPARE(model.index(ra, 0).data(SocketIdRole).toString(), a->id());
    QVERIFY(!cell(model, ra, ConnectionsColumn::ConnectedSince).isEmpty());

    // The first client leaves: its row goes, the other one's is still found by id.
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    a->close();
    QTRY_COMPARE(model.rowCount(), 1);
    QCOMPARE(removed.size(), 1);
    QCOMPARE(model.rowOf(a->id()), -1);
    QCOMPARE(model.rowOf(b->id()), 0);
    QCOMPARE(cell(model, 0, ConnectionsColumn::Socket), b->id());

    // Transport loss removes the row too.
    b.reset();
    QTRY_COMPARE(model.rowCount(), 0);
}

void tst_ConnectionsModel::countersRoomsAndPing()
{
    ServerOptions options;
    options.pingInterval = 100;
    options.pingTimeout = 2000;
    EventServer server(options);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    ConnectionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setServer(&server);
    model.setRefreshInterval(100);

    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    QTRY_COMPARE(model.rowCount(), 1);
    QCOMPARE(cell(model, 0, ConnectionsColumn::EventsIn), u"0"_s);
    QCOMPARE(cell(model, 0, ConnectionsColumn::Rooms), QString());

    for (int i = 0; i < 3; ++i)
        client->send(u"hello"_s, { i });
    QTRY_COMPARE(cell(model, 0, ConnectionsColumn::EventsIn), u"3"_s);
    QCOMPARE(model.index(0, int(ConnectionsColumn::EventsIn)).data(SortRole).toULongLong(), 3u);

    Socket *s = server.socket(client->id());
    QVERIFY(s);
    s->join(u"room-b"_s);
    s->join(u"room-a"_s);
    QTRY_COMPARE(cell(model, 0, ConnectionsColumn::Rooms), u"room-a, room-b"_s);
    s->send(u"to-client"_s, { 1 });
    QTRY_COMPARE(cell(model, 0, ConnectionsColumn::EventsOut), u"1"_s);

    // Byte counters change without a signal; the periodic refresh catches them.
    QTRY_VERIFY(model.index(0, int(ConnectionsColumn::BytesIn)).data(SortRole).toULongLong() > 0);
    QTRY_VERIFY(model.index(0, int(ConnectionsColumn::BytesOut)).data(SortRole).toULongLong() > 0);
    QTRY_COMPARE(model.index(0, int(ConnectionsColumn::BytesIn)).data(SortRole).toULongLong(),
                 s->connection()->bytesReceived());

    // The server pings every 100 ms; the client's pong gives a round trip.
    QTRY_VERIFY(model.index(0, int(ConnectionsColumn::PingRoundTrip)).data(SortRole).toLongLong() >= 0);
    QVERIFY(cell(model, 0, ConnectionsColumn::PingRoundTrip).endsWith(u" ms"_s));
}

void tst_ConnectionsModel::oneDataChangedPerRowChange()
{
    EventServer server;
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    ConnectionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setServer(&server);
    model.setRefreshInterval(60 * 60 * 1000); // only the signal-driven refresh in this test

    auto a = Loopback::connectClient(server);
    auto b = Loopback::connectClient(server);
    QVERIFY(a->isConnected() && b->isConnected());
    QTRY_COMPARE(model.rowCount(), 2);
    QTRY_VERIFY(server.socket(a->id()) && server.socket(b->id()));
    // A row's first snapshot is taken while the CONNECT answer is still queued (Queued); the
    // clients have it now: settle the rows before counting.
    model.refreshAll();

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    const int n = 200;
    for (int i = 0; i < n; ++i)
        a->send(u"burst"_s, { i });
    QTRY_COMPARE(cell(model, model.rowOf(a->id()), ConnectionsColumn::EventsIn), QString::number(n));
    // Far fewer updates than events, each of whole rows, and none for the quiet row.
    QVERIFY2(changed.size() < n / 4, qPrintable(QString::number(changed.size())));
    for (const auto &args : std::as_const(changed)) {
        const auto tl = args.at(0).value<QModelIndex>();
        const auto br = args.at(1).value<QModelIndex>();
        QCOMPARE(tl.row(), br.row());
        QCOMPARE(tl.row(), model.rowOf(a->id()));
        QCOMPARE(tl.column(), 0);
        QCOMPARE(br.column(), int(ConnectionsColumn::Count) - 1);
    }
    // Nothing changed: refreshing emits nothing.
    changed.clear();
    model.refreshAll();
    model.refreshAll();
    QVERIFY(changed.size() <= 2); // at most the byte counters that moved since
}

void tst_ConnectionsModel::sortRoleIsRaw()
{
    EventServer server;
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    ConnectionsModel model;
    model.setServer(&server);
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(SortRole);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);

    auto nine = Loopback::connectClient(server);
    auto ten = Loopback::connectClient(server);
    for (int i = 0; i < 9; ++i)
        nine->send(u"e"_s);
    for (int i = 0; i < 10; ++i)
        ten->send(u"e"_s);
    QTRY_COMPARE(model.rowCount(), 2);
    QTRY_COMPARE(cell(model, model.rowOf(ten->id()), ConnectionsColumn::EventsIn), u"10"_s);
    QTRY_COMPARE(cell(model, model.rowOf(nine->id()), ConnectionsColumn::EventsIn), u"9"_s);
    // As text "10" < "9"; as numbers 9 < 10.
    proxy.sort(int(ConnectionsColumn::EventsIn), Qt::AscendingOrder);
    QCOMPARE(proxy.index(0, 0).data(SocketIdRole).toString(), nine->id());
    QCOMPARE(proxy.index(1, 0).data(SocketIdRole).toString(), ten->id());
    proxy.sort(int(ConnectionsColumn::EventsIn), Qt::DescendingOrder);
    QCOMPARE(proxy.index(0, 0).data(SocketIdRole).toString(), ten->id());
}

// Queued: the bytes a connection has not had taken by the kernel, read by the periodic
// refresh; 0 for a client that reads, the connection's bufferedBytes() for one that does
// not, sorted by the number.
void tst_ConnectionsModel::queuedColumn()
{
    ServerOptions options;
    options.maxBufferedBytes = 0; // no limit: the client that does not read stays
    EventServer server(options);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    ConnectionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setServer(&server);
    model.setRefreshInterval(100);
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(SortRole);
    const int queued = int(ConnectionsColumn::Queued);
    QCOMPARE(model.headerData(queued, Qt::Horizontal).toString(), u"Queued"_s);
    QVERIFY(model.headerData(queued, Qt::Horizontal, Qt::ToolTipRole)
                    .toString()
                    .contains(u"slow consumer"_s));
    // Beside the other byte counters.
    QCOMPARE(queued, int(ConnectionsColumn::BytesOut) + 1);

    auto reader = Loopback::connectClient(server);
    QVERIFY(reader->isConnected());
    Loopback::StalledPeer stalled;
    const QString sid = stalled.open(server.serverPort());
    QVERIFY(!sid.isEmpty());
    QTRY_COMPARE(model.rowCount(), 2);
    Connection *connection = server.connection(sid);
    QVERIFY(connection);
    QTRY_COMPARE(connection->sockets().size(), 1);
    Socket *socket = connection->sockets().first();
    const int readerRow = model.rowOf(reader->id());
    const int stalledRow = model.rowOf(socket->id());
    QVERIFY(readerRow >= 0 && stalledRow >= 0);
    QCOMPARE(model.index(readerRow, queued).data(SortRole).typeId(), QMetaType::LongLong);
    QCOMPARE(model.index(readerRow, queued).data(SortRole).toLongLong(), 0);
    QCOMPARE(cell(model, readerRow, ConnectionsColumn::Queued), u"0 B"_s);
    QCOMPARE(model.index(readerRow, queued).data(Qt::TextAlignmentRole).toInt(),
             int(Qt::AlignRight | Qt::AlignVCenter));

    // Events it does not read pile up; the refresh shows what the connection says.
    const QString chunk(16 * 1024, u'x');
    QVERIFY(Loopback::fillQueue([&] { return connection->bufferedBytes(); },
                                [&] { socket->send(u"fill"_s, { chunk }); },
                                256 * 1024));
    QTRY_COMPARE(model.index(stalledRow, queued).data(SortRole).toLongLong(),
                 connection->bufferedBytes());
    QVERIFY(model.index(stalledRow, queued).data(SortRole).toLongLong() >= 256 * 1024);
    const QString shown = cell(model, stalledRow, ConnectionsColumn::Queued);
    QCOMPARE(shown, QLocale::system().formattedDataSize(connection->bufferedBytes(), 1,
                                                        QLocale::DataSizeTraditionalFormat));
    QCOMPARE(cell(model, readerRow, ConnectionsColumn::Queued), u"0 B"_s);

    proxy.sort(queued, Qt::DescendingOrder);
    QCOMPARE(proxy.index(0, 0).data(SocketIdRole).toString(), socket->id());
    QCOMPARE(proxy.index(1, 0).data(SocketIdRole).toString(), reader->id());
    proxy.sort(queued, Qt::AscendingOrder);
    QCOMPARE(proxy.index(0, 0).data(SocketIdRole).toString(), reader->id());

    // Gone with its connection: the row goes, the reader's stays at 0.
    connection->close();
    QTRY_COMPARE(model.rowCount(), 1);
    QCOMPARE(model.index(0, queued).data(SortRole).toLongLong(), 0);
}

void tst_ConnectionsModel::pollingUpgradeShown()
{
    EventServer server;
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    ConnectionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setServer(&server);

    ClientOptions polling;
    polling.transport = ClientOptions::Transport::Polling;
    auto p = Loopback::connectClient(server, u"/"_s, polling);
    QVERIFY(p->isConnected());
    ClientOptions upgrading;
    upgrading.transport = ClientOptions::Transport::Auto;
    auto u = Loopback::connectClient(server, u"/"_s, upgrading);
    QVERIFY(u->isConnected());
    QTRY_COMPARE(model.rowCount(), 2);
    QCOMPARE(cell(model, model.rowOf(p->id()), ConnectionsColumn::Transport), u"polling"_s);
    QTRY_COMPARE(cell(model, model.rowOf(u->id()), ConnectionsColumn::Transport),
                 u"websocket (upgraded)"_s);
}

void tst_ConnectionsModel::existingSocketsAdoptedAndServerDetached()
{
    EventServer server;
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto a = Loopback::connectClient(server);
    QVERIFY(a->isConnected());
    QTRY_VERIFY(server.socket(a->id()));

    ConnectionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setServer(&server);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(cell(model, 0, ConnectionsColumn::Socket), a->id());

    model.setServer(nullptr);
    QCOMPARE(model.rowCount(), 0);
    auto b = Loopback::connectClient(server);
    QVERIFY(b->isConnected());
    QCOMPARE(model.rowCount(), 0);
}

// One server under --parser auto, a JSON client and a msgpack client: each row says its
// connection's format.
void tst_ConnectionsModel::parserColumn()
{
    ServerOptions options;
    options.parser = ServerOptions::Parser::Auto;
    EventServer server(options);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    ConnectionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setServer(&server);

    QCOMPARE(int(ConnectionsColumn::Parser), int(ConnectionsColumn::Transport) + 1);
    QCOMPARE(model.headerData(int(ConnectionsColumn::Parser), Qt::Horizontal).toString(),
             u"Parser"_s);
    QVERIFY(!model.headerData(int(ConnectionsColumn::Parser), Qt::Horizontal, Qt::ToolTipRole)
                     .toString()
                     .isEmpty());

    auto json = Loopback::connectClient(server);
    QVERIFY(json->isConnected());
    ClientOptions co;
    co.parser = ClientOptions::Parser::Msgpack;
    co.transport = ClientOptions::Transport::Polling;
    auto msgpack = Loopback::connectClient(server, u"/"_s, co);
    QVERIFY2(msgpack->isConnected(), qPrintable(msgpack->errorString()));
    QTRY_COMPARE(model.rowCount(), 2);

    const int rj = model.rowOf(json->id());
    const int rm = model.rowOf(msgpack->id());
    QVERIFY(rj >= 0 && rm >= 0);
    QCOMPARE(cell(model, rj, ConnectionsColumn::Parser), u"json"_s);
    QCOMPARE(cell(model, rm, ConnectionsColumn::Parser), u"msgpack"_s);
    QCOMPARE(cell(model, rm, ConnectionsColumn::Parser, SortRole), u"msgpack"_s);
    QCOMPARE(cell(model, rm, ConnectionsColumn::Transport), u"polling"_s);
    QCOMPARE(model.row(rm).parser, server.socket(msgpack->id())->connection()->parserName());

    // The sort role is the raw name: descending puts msgpack first.
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(SortRole);
    proxy.sort(int(ConnectionsColumn::Parser), Qt::DescendingOrder);
    QCOMPARE(proxy.index(0, int(ConnectionsColumn::Socket)).data().toString(), msgpack->id());
}

// A socket that took back its session after its transport dropped shows "yes"; one that
// connected afresh shows nothing; the sort role is the flag.
void tst_ConnectionsModel::recoveredColumn()
{
    ServerOptions options;
    options.maxDisconnectionDuration = 5000;
    EventServer server(options);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    ConnectionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setServer(&server);
    QCOMPARE(model.headerData(int(ConnectionsColumn::Recovered), Qt::Horizontal).toString(),
             u"Recovered"_s);
    QVERIFY(!model.headerData(int(ConnectionsColumn::Recovered), Qt::Horizontal, Qt::ToolTipRole)
                     .toString()
                     .isEmpty());

    ClientOptions co;
    co.reconnection = true;
    co.reconnectionDelay = 50;
    co.randomizationFactor = 0;
    auto back = Loopback::connectClient(server, u"/"_s, co);
    QVERIFY(back->isConnected());
    auto fresh = Loopback::connectClient(server);
    QVERIFY(fresh->isConnected());
    QTRY_COMPARE(model.rowCount(), 2);
    QCOMPARE(cell(model, model.rowOf(back->id()), ConnectionsColumn::Recovered), QString());

    // An event with an offset, which the client presents when it comes back.
    QSignalSpy got(back.get(), &EventClient::eventReceived);
    server.of(u"/"_s)->send(u"tick"_s);
    QTRY_COMPARE(got.size(), 1);
    QSignalSpy connected(back.get(), &EventClient::connected);
    const QString id = back->id();
    server.connection(back->connectionId())->close();
    QTRY_COMPARE(connected.size(), 1);
    QVERIFY(back->isRecovered());
    QCOMPARE(back->id(), id);
    QTRY_COMPARE(model.rowCount(), 2);
    QTRY_VERIFY(model.rowOf(id) >= 0);

    const int rb = model.rowOf(id);
    const int rf = model.rowOf(fresh->id());
    QVERIFY(model.row(rb).recovered);
    QCOMPARE(cell(model, rb, ConnectionsColumn::Recovered), u"yes"_s);
    QCOMPARE(cell(model, rf, ConnectionsColumn::Recovered), QString());
    QCOMPARE(model.index(rb, int(ConnectionsColumn::Recovered)).data(SortRole).toBool(), true);

    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(SortRole);
    proxy.sort(int(ConnectionsColumn::Recovered), Qt::DescendingOrder);
    QCOMPARE(proxy.index(0, int(ConnectionsColumn::Socket)).data().toString(), id);
    proxy.sort(int(ConnectionsColumn::Recovered), Qt::AscendingOrder);
    QCOMPARE(proxy.index(0, int(ConnectionsColumn::Socket)).data().toString(), fresh->id());
}

QTEST_GUILESS_MAIN(tst_ConnectionsModel)
#include "tst_connectionsmodel.moc"
