// The handshake log under QAbstractItemModelTester, fed by a real server on 127.0.0.1: a row per
// request head (accepted or refused, WebSocket or polling), raw values for sorting, the cap that
// drops the oldest rows, clearing, and detaching from the server.
#include <columns.h>
#include <eventclient.h>
#include <eventserver.h>
#include <handshakelogmodel.h>

#include "loopback.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace Sockscope;

class tst_HandshakeLogModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void rowsOfRealHandshakes();
    void headersNameEveryColumn();
    void capacityDropsTheOldest();
    void clearAndDetach();
    void describeAndSummary();

private:
    QString cell(int row, HandshakeColumn column, int role = Qt::DisplayRole) const
    {
        return m_model->index(row, int(column)).data(role).toString();
    }
    // A polling handshake by hand: the server opens a connection and answers 200.
    Loopback::HttpReply pollingHandshake() const
    {
        return Loopback::rawHttp(m_server->serverPort(),
                                 "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\n"
                                 "Host: 127.0.0.1\r\n\r\n",
                                 true);
    }
    Loopback::HttpReply refusedHandshake() const
    {
        return Loopback::rawHttp(m_server->serverPort(),
                                 "GET /socket.io/?EIO=3&transport=polling HTTP/1.1\r\n"
                                 "Host: 127.0.0.1\r\n\r\n");
    }

    std::unique_ptr<EventServer> m_server;
    std::unique_ptr<HandshakeLogModel> m_model;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

void tst_HandshakeLogModel::init()
{
    m_server = std::make_unique<EventServer>(Loopback::fastOptions());
    QVERIFY(m_server->listen(Loopback::LocalHost, 0));
    m_model = std::make_unique<HandshakeLogModel>();
    m_tester = std::make_unique<QAbstractItemModelTester>(
            m_model.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_model->setServer(m_server.get());
}

void tst_HandshakeLogModel::cleanup()
{
    m_model->setServer(nullptr);
    m_tester.reset();
    m_model.reset();
    m_server.reset();
}

void tst_HandshakeLogModel::rowsOfRealHandshakes()
{
    QSignalSpy inserted(m_model.get(), &QAbstractItemModel::rowsInserted);
    QCOMPARE(m_model->rowCount(), 0);
    QCOMPARE(m_model->columnCount(), int(HandshakeColumn::Count));

    // 1. A WebSocket upgrade by our own client.
    auto client = Loopback::connectClient(*m_server);
    QVERIFY(client->isConnected());
    QTRY_COMPARE(m_model->rowCount(), 1);

    // 2. A polling handshake, 3. a refused one (Engine.IO 3 is not spoken).
    const Loopback::HttpReply polling = pollingHandshake();
    QCOMPARE(polling.status, 200);
    const Loopback::HttpReply refused = refusedHandshake();
    QCOMPARE(refused.status, 400);
    QTRY_COMPARE(m_model->rowCount(), 3);
    QCOMPARE(inserted.size(), 3); // one insert a record, each at the end
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(inserted.at(i).at(1).toInt(), i);
        QCOMPARE(inserted.at(i).at(2).toInt(), i);
    }

    // The upgrade: a 101 over WebSocket, tied to the client's connection.
    QCOMPARE(cell(0, HandshakeColumn::Status), u"101"_s);
    QCOMPARE(m_model->index(0, int(HandshakeColumn::Status)).data(SortRole), QVariant(101));
    QCOMPARE(cell(0, HandshakeColumn::Transport), u"websocket"_s);
    QCOMPARE(cell(0, HandshakeColumn::Connection), client->connectionId());
    QVERIFY2(cell(0, HandshakeColumn::Request).startsWith(u"GET /socket.io/?"_s),
             qPrintable(cell(0, HandshakeColumn::Request)));
    QVERIFY(cell(0, HandshakeColumn::Remote).startsWith(u"127.0.0.1:"_s));
    QVERIFY(m_model->index(0, 0).data(Qt::ToolTipRole).isNull()); // accepted: no error to show
    QCOMPARE(m_model->rowOfConnection(client->connectionId()), 0);
    const auto upgrade = m_model->index(0, 0).data(HandshakeRole).value<HandshakeRecord>();
    QCOMPARE(upgrade.connectionId, client->connectionId());
    QCOMPARE(upgrade.secWebSocketAccept, HandshakeRecord::acceptForKey(upgrade.secWebSocketKey));
    QCOMPARE(m_model->record(0).rawRequest, upgrade.rawRequest);

    // The polling handshake: 200, its own connection.
    QCOMPARE(cell(1, HandshakeColumn::Status), u"200"_s);
    QCOMPARE(cell(1, HandshakeColumn::Transport), u"polling"_s);
    const QString pollingId = cell(1, HandshakeColumn::Connection);
    QVERIFY2(Loopback::isNodeStyleId(pollingId), qPrintable(pollingId));
    QVERIFY(m_server->connection(pollingId));
    QCOMPARE(m_model->rowOfConnection(pollingId), 1);
    QCOMPARE(cell(1, HandshakeColumn::Request), u"GET /socket.io/?EIO=4&transport=polling"_s);

    // The refusal: 400, no connection, and the reason as the tooltip.
    QCOMPARE(cell(2, HandshakeColumn::Status), u"400"_s);
    QCOMPARE(m_model->index(2, int(HandshakeColumn::Status)).data(SortRole), QVariant(400));
    QVERIFY(cell(2, HandshakeColumn::Connection).isEmpty());
    const QString why = cell(2, HandshakeColumn::Request, Qt::ToolTipRole);
    QVERIFY(!why.isEmpty());
    QCOMPARE(why, m_model->record(2).error);
    QCOMPARE(m_model->record(2).rawResponse, refused.head);

    // Times sort by their raw value and go forward; unknown connections have no row.
    const qint64 first = m_model->index(0, int(HandshakeColumn::Time)).data(SortRole).toLongLong();
    const qint64 last = m_model->index(2, int(HandshakeColumn::Time)).data(SortRole).toLongLong();
    QVERIFY(first > 0);
    QVERIFY(first <= last);
    QCOMPARE(m_model->rowOfConnection(u"AAAAAAAAAAAAAAAAAAAA"_s), -1);
    QVERIFY(!m_model->index(0, 0).data(Qt::DecorationRole).isValid());
}

void tst_HandshakeLogModel::headersNameEveryColumn()
{
    QStringList names;
    for (int c = 0; c < m_model->columnCount(); ++c)
        names.append(m_model->headerData(c, Qt::Horizontal).toString());
    QCOMPARE(names,
             QStringList({u"Time"_s, u"Remote"_s, u"Request"_s, u"Status"_s, u"Transport"_s,
                          u"Connection"_s}));
}

void tst_HandshakeLogModel::capacityDropsTheOldest()
{
    QSignalSpy removed(m_model.get(), &QAbstractItemModel::rowsRemoved);
    for (int i = 0; i < 4; ++i)
        QCOMPARE(pollingHandshake().status, 200);
    QTRY_COMPARE(m_model->rowCount(), 4);
    const QString third = cell(2, HandshakeColumn::Connection);
    const QString fourth = cell(3, HandshakeColumn::Connection);

    // Lowering the cap drops the oldest rows in one removal.
    m_model->setCapacity(2);
    QCOMPARE(m_model->capacity(), 2);
    QCOMPARE(m_model->rowCount(), 2);
    QCOMPARE(removed.size(), 1);
    QCOMPARE(removed.at(0).at(1).toInt(), 0);
    QCOMPARE(removed.at(0).at(2).toInt(), 1);
    QCOMPARE(cell(0, HandshakeColumn::Connection), third);
    QCOMPARE(cell(1, HandshakeColumn::Connection), fourth);

    // At the cap, a new handshake pushes out the oldest one.
    QCOMPARE(refusedHandshake().status, 400);
    QTRY_COMPARE(removed.size(), 2);
    QCOMPARE(m_model->rowCount(), 2);
    QCOMPARE(cell(0, HandshakeColumn::Connection), fourth);
    QCOMPARE(cell(1, HandshakeColumn::Status), u"400"_s);
    QCOMPARE(m_model->rowOfConnection(third), -1);

    // The cap is at least one row.
    m_model->setCapacity(0);
    QCOMPARE(m_model->capacity(), 1);
    QCOMPARE(m_model->rowCount(), 1);
    QCOMPARE(cell(0, HandshakeColumn::Status), u"400"_s);
}

void tst_HandshakeLogModel::clearAndDetach()
{
    auto client = Loopback::connectClient(*m_server);
    QVERIFY(client->isConnected());
    QTRY_COMPARE(m_model->rowCount(), 1);

    QSignalSpy reset(m_model.get(), &QAbstractItemModel::modelReset);
    m_model->clear();
    QCOMPARE(reset.size(), 1);
    QCOMPARE(m_model->rowCount(), 0);
    QCOMPARE(m_model->rowOfConnection(client->connectionId()), -1);

    // Still attached: the next handshake is a row again.
    QCOMPARE(pollingHandshake().status, 200);
    QTRY_COMPARE(m_model->rowCount(), 1);

    // Detached: the server's handshakes no longer reach the model (the server's own signal,
    // spied on, says when one went by).
    m_model->setServer(nullptr);
    QSignalSpy handshakes(m_server.get(), &EventServer::handshakeReceived);
    QCOMPARE(pollingHandshake().status, 200);
    QTRY_COMPARE(handshakes.size(), 1);
    QCOMPARE(m_model->rowCount(), 1);

    // Records can be appended by hand (a saved session, say), at the end.
    HandshakeRecord r;
    r.method = "GET";
    r.target = "/by-hand";
    r.statusCode = 404;
    m_model->append(r);
    QCOMPARE(m_model->rowCount(), 2);
    QCOMPARE(cell(1, HandshakeColumn::Request), u"GET /by-hand"_s);
    QCOMPARE(cell(1, HandshakeColumn::Status), u"404"_s);
}

void tst_HandshakeLogModel::describeAndSummary()
{
    auto client = Loopback::connectClient(*m_server);
    QVERIFY(client->isConnected());
    QCOMPARE(refusedHandshake().status, 400);
    QTRY_COMPARE(m_model->rowCount(), 2);

    // The upgrade laid bare: request, headers, each step of the accept, response.
    const HandshakeRecord &upgrade = m_model->record(0);
    const QString text = HandshakeLogModel::describe(upgrade);
    QVERIFY2(text.startsWith(u"Handshake from 127.0.0.1:"_s), qPrintable(text));
    QVERIFY(text.contains(u"Connection: %1 (websocket)"_s.arg(client->connectionId())));
    QVERIFY(text.contains(QString::fromLatin1(upgrade.rawRequest)));
    QVERIFY(text.contains(u"--- Sec-WebSocket-Accept ---"_s));
    QVERIFY(text.contains(QString::fromLatin1(upgrade.secWebSocketKey)));
    QVERIFY(text.contains(QString::fromLatin1(upgrade.sha1.toHex(' '))));
    QVERIFY(text.contains(u"Base64 = Accept:       "_s
                          + QString::fromLatin1(upgrade.secWebSocketAccept)));
    QVERIFY(text.endsWith(QString::fromLatin1(upgrade.rawResponse)));
    QVERIFY(!text.contains(u"Refused:"_s));
    const QString line = HandshakeLogModel::summary(upgrade);
    QVERIFY2(line.contains(u" GET /socket.io/?EIO=4"_s), qPrintable(line));
    QVERIFY2(line.contains(u"→ 101"_s), qPrintable(line));
    QVERIFY(line.endsWith(u"  ("_s + client->connectionId() + u')'));

    // The refusal: its reason, and no accept computation (it was no upgrade).
    const HandshakeRecord &refusal = m_model->record(1);
    const QString refusedText = HandshakeLogModel::describe(refusal);
    QVERIFY2(refusedText.contains(u"Refused: "_s + refusal.error), qPrintable(refusedText));
    QVERIFY(!refusedText.contains(u"--- Sec-WebSocket-Accept ---"_s));
    QVERIFY(HandshakeLogModel::summary(refusal).contains(u"→ 400"_s));
    QVERIFY(!HandshakeLogModel::summary(refusal).contains(u'('));
}

QTEST_GUILESS_MAIN(tst_HandshakeLogModel)
#include "tst_handshakelogmodel.moc"
