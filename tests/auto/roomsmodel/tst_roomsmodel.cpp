// The namespaces-and-rooms tree under QAbstractItemModelTester, fed by a real server with
// real clients: counts follow connects, joins, leaves and disconnects, a socket's own room
// is never listed, and a burst of changes is one batch.
#include <columns.h>
#include <eventclient.h>
#include <eventserver.h>
#include <namespace.h>
#include <roomsmodel.h>
#include <socket.h>

#include "loopback.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Sockscope;

class tst_RoomsModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void namespacesWithSocketCounts();
    void roomsFollowJoinLeaveAndDisconnect();
    void burstIsOneBatch();
    void attachesToABusyServer();

private:
    QStringList roomsOf(const QString &nsp) const;
    Socket *serverSocket(const EventClient &client) const
    {
        return m_server->socket(client.id());
    }

    std::unique_ptr<EventServer> m_server;
    std::unique_ptr<RoomsModel> m_model;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

void tst_RoomsModel::init()
{
    m_server = std::make_unique<EventServer>();
    QVERIFY(m_server->listen(Loopback::LocalHost, 0));
    m_server->of(u"/chat"_s);
    m_model = std::make_unique<RoomsModel>();
    m_model->setBatchInterval(20);
    m_tester = std::make_unique<QAbstractItemModelTester>(
            m_model.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_model->setServer(m_server.get());
}

void tst_RoomsModel::cleanup()
{
    m_model->setServer(nullptr);
    m_tester.reset();
    m_model.reset();
    m_server.reset();
}

QStringList tst_RoomsModel::roomsOf(const QString &nsp) const
{
    QStringList rooms;
    const QModelIndex ns = m_model->indexOf(nsp);
    for (int r = 0; r < m_model->rowCount(ns); ++r) {
        const QModelIndex i = m_model->index(r, 0, ns);
        rooms.append(u"%1=%2"_s.arg(i.data().toString(),
                                    i.siblingAtColumn(int(RoomsColumn::Sockets)).data().toString()));
    }
    return rooms;
}

void tst_RoomsModel::namespacesWithSocketCounts()
{
    // Declared namespaces are there before anyone connects, sorted.
    QCOMPARE(m_model->rowCount(), 2);
    QCOMPARE(m_model->index(0, 0).data().toString(), u"/"_s);
    QCOMPARE(m_model->index(1, 0).data().toString(), u"/chat"_s);
    QCOMPARE(m_model->countOf(u"/"_s), 0);
    QCOMPARE(m_model->headerData(int(RoomsColumn::Sockets), Qt::Horizontal).toString(),
             u"Sockets"_s);

    auto a = Loopback::connectClient(*m_server);
    auto b = Loopback::connectClient(*m_server);
    auto c = Loopback::connectClient(*m_server, u"/chat"_s);
    QVERIFY(a->isConnected() && b->isConnected() && c->isConnected());
    QTRY_COMPARE(m_model->countOf(u"/"_s), 2);
    QTRY_COMPARE(m_model->countOf(u"/chat"_s), 1);
    const QModelIndex root = m_model->indexOf(u"/"_s);
    QCOMPARE(root.data(NamespaceRole).toString(), u"/"_s);
    QVERIFY(root.data(RoomRole).toString().isEmpty());
    QCOMPARE(root.siblingAtColumn(int(RoomsColumn::Sockets)).data(SortRole).toInt(), 2);
    // No room nodes: own rooms are not listed.
    QCOMPARE(m_model->rowCount(root), 0);
    QVERIFY(serverSocket(*a)->rooms().contains(a->id()));

    // A namespace declared later shows up on refresh (it has no signal), or with its first socket.
    m_server->of(u"/admin"_s);
    auto d = Loopback::connectClient(*m_server, u"/admin"_s);
    QVERIFY(d->isConnected());
    QTRY_COMPARE(m_model->countOf(u"/admin"_s), 1);
    QCOMPARE(m_model->index(0, 0).data().toString(), u"/"_s);
    QCOMPARE(m_model->index(1, 0).data().toString(), u"/admin"_s);
    QCOMPARE(m_model->index(2, 0).data().toString(), u"/chat"_s);
    m_server->of(u"/zzz"_s);
    m_model->refresh();
    QCOMPARE(m_model->countOf(u"/zzz"_s), 0);

    b->close();
    QTRY_COMPARE(m_model->countOf(u"/"_s), 1);
    a.reset();
    QTRY_COMPARE(m_model->countOf(u"/"_s), 0);
    QCOMPARE(m_model->countOf(u"/chat"_s), 1);
}

void tst_RoomsModel::roomsFollowJoinLeaveAndDisconnect()
{
    auto a = Loopback::connectClient(*m_server);
    auto b = Loopback::connectClient(*m_server);
    auto c = Loopback::connectClient(*m_server, u"/chat"_s);
    QVERIFY(a->isConnected() && b->isConnected() && c->isConnected());
    QTRY_COMPARE(m_model->countOf(u"/"_s), 2);

    serverSocket(*a)->join(u"lobby"_s);
    serverSocket(*b)->join(u"lobby"_s);
    serverSocket(*b)->join(u"admins"_s);
    serverSocket(*c)->join(u"lobby"_s); // another namespace's room of the same name
    QTRY_COMPARE(roomsOf(u"/"_s), (QStringList { u"admins=1"_s, u"lobby=2"_s }));
    QTRY_COMPARE(roomsOf(u"/chat"_s), (QStringList { u"lobby=1"_s }));
    const QModelIndex lobby = m_model->indexOf(u"/"_s, u"lobby"_s);
    QCOMPARE(lobby.data(RoomRole).toString(), u"lobby"_s);
    QCOMPARE(lobby.data(NamespaceRole).toString(), u"/"_s);
    QCOMPARE(lobby.parent(), m_model->indexOf(u"/"_s));
    QVERIFY(lobby.data(Qt::ToolTipRole).toString().contains(u"members: 2"_s));

    // A count change is one dataChanged of that room, no rows moving.
    QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);
    QSignalSpy inserted(m_model.get(), &QAbstractItemModel::rowsInserted);
    serverSocket(*a)->leave(u"lobby"_s);
    QTRY_COMPARE(m_model->countOf(u"/"_s, u"lobby"_s), 1);
    QCOMPARE(inserted.count(), 0);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.first().at(0).toModelIndex().data(RoomRole).toString(), u"lobby"_s);

    // The last member leaving removes the room; disconnecting leaves every room.
    serverSocket(*b)->leave(u"admins"_s);
    QTRY_COMPARE(roomsOf(u"/"_s), (QStringList { u"lobby=1"_s }));
    b->close();
    QTRY_COMPARE(roomsOf(u"/"_s), QStringList());
    QCOMPARE(m_model->countOf(u"/"_s), 1);
    QVERIFY(!m_model->indexOf(u"/"_s, u"lobby"_s).isValid());
    QCOMPARE(roomsOf(u"/chat"_s), (QStringList { u"lobby=1"_s }));

    // A room named like another socket's id is a room like any other.
    serverSocket(*a)->join(c->id());
    QTRY_COMPARE(roomsOf(u"/"_s), (QStringList { c->id() + u"=1"_s }));
}

void tst_RoomsModel::burstIsOneBatch()
{
    auto a = Loopback::connectClient(*m_server);
    QVERIFY(a->isConnected());
    QTRY_COMPARE(m_model->countOf(u"/"_s), 1);
    m_model->setBatchInterval(200);
    QSignalSpy inserted(m_model.get(), &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(m_model.get(), &QAbstractItemModel::rowsRemoved);
    Socket *s = serverSocket(*a);
    for (int i = 0; i < 200; ++i)
        s->join(u"room-%1"_s.arg(i, 3, 10, QChar(u'0')));
    QCOMPARE(inserted.count(), 0); // nothing until the batch timer fires
    QTRY_COMPARE(inserted.count(), 1);
    QCOMPARE(inserted.first().at(1).toInt(), 0);
    QCOMPARE(inserted.first().at(2).toInt(), 199);
    QCOMPARE(m_model->rowCount(m_model->indexOf(u"/"_s)), 200);

    // Leaving every other room and joining one: the gone rooms are removed, the new one added,
    // all in one flush.
    for (int i = 0; i < 200; i += 2)
        s->leave(u"room-%1"_s.arg(i, 3, 10, QChar(u'0')));
    s->join(u"room-zzz"_s);
    m_model->flush();
    QCOMPARE(removed.count(), 100); // each gone room sits between two kept ones
    QCOMPARE(inserted.count(), 2);
    QCOMPARE(m_model->rowCount(m_model->indexOf(u"/"_s)), 101);
    QCOMPARE(m_model->index(0, 0, m_model->indexOf(u"/"_s)).data().toString(), u"room-001"_s);
    QCOMPARE(m_model->index(100, 0, m_model->indexOf(u"/"_s)).data().toString(), u"room-zzz"_s);
}

void tst_RoomsModel::attachesToABusyServer()
{
    auto a = Loopback::connectClient(*m_server);
    auto b = Loopback::connectClient(*m_server, u"/chat"_s);
    QVERIFY(a->isConnected() && b->isConnected());
    serverSocket(*a)->join(u"x"_s);
    serverSocket(*b)->join(u"y"_s);
    // A second model attached now sees what is there, and still follows changes.
    RoomsModel late;
    QAbstractItemModelTester tester(&late, QAbstractItemModelTester::FailureReportingMode::QtTest);
    late.setServer(m_server.get());
    QCOMPARE(late.countOf(u"/"_s), 1);
    QCOMPARE(late.countOf(u"/"_s, u"x"_s), 1);
    QCOMPARE(late.countOf(u"/chat"_s, u"y"_s), 1);
    serverSocket(*b)->leave(u"y"_s);
    QTRY_COMPARE(late.countOf(u"/chat"_s, u"y"_s), -1);
    late.setServer(nullptr);
    QCOMPARE(late.rowCount(), 0);
}

QTEST_GUILESS_MAIN(tst_RoomsModel)
#include "tst_roomsmodel.moc"
