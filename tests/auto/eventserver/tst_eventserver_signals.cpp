// EventServer on loopback: what the server reports (its signals, observers, byte counters and
// the arguments it keeps).
// Our EventClient, raw WebSocket peers and raw TCP requests against a real server on 127.0.0.1.
#include <connection.h>
#include <eventclient.h>
#include <eventserver.h>
#include <namespace.h>
#include <socket.h>

#include "loopback.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Sockscope;
using Loopback::RawPeer;
using Loopback::fastOptions;

class tst_EventServerSignals : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void signalsConnectedBetweenEvents();
    void bytesCountedAsPackets();
    void keptArgumentsAreCompact();
    void observerSeesTheTraffic();
    void serverSignalsCarryData();
};

// ---------------------------------------------------------------------------------------------

namespace {
// Writes down every call, as "kind socket event-or-id args".
class RecordingObserver : public EventObserver
{
public:
    QStringList calls;
    void eventReceived(Socket *s, const QString &event, const EventArguments &args,
                       qint64 ackId) override
    {
        calls << u"in %1 %2 %3 %4"_s.arg(s->id(), event, QString::fromUtf8(args.json())).arg(ackId);
    }
    void eventSent(Socket *s, const QString &event, const Arguments &args, qint64 ackId) override
    {
        calls << u"out %1 %2 %3 %4"_s.arg(s->id(), event, QString::fromUtf8(Loopback::display(args)))
                        .arg(ackId);
    }
    void ackSent(Socket *s, qint64 ackId, const EventArguments &args) override
    {
        calls << u"ack-out %1 %2 %3"_s.arg(s->id()).arg(ackId).arg(QString::fromUtf8(args.json()));
    }
    void ackReceived(Socket *s, qint64 ackId, const Arguments &args, qint64 rtt) override
    {
        calls << u"ack-in %1 %2 %3 %4"_s.arg(s->id()).arg(ackId).arg(
                QString::fromUtf8(Loopback::display(args)), rtt >= 0 ? u"rtt"_s : u"no rtt"_s);
    }
};
} // namespace

// Whether a signal has listeners is cached for the hot path: a listener connected after
// events went by unheard still hears the next one, through every signal that is checked, and a
// context object deleted without a disconnect breaks nothing.
void tst_EventServerSignals::signalsConnectedBetweenEvents()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    Socket *s = server.socket(client->id());
    QVERIFY(s);
    s->onAnyRaw([](const QString &, const ReceivedArguments &args, const Ack &ack) {
        ack.replyJson(args.json());
    });
    int acks = 0;
    const auto echo = [&] {
        const int before = acks;
        client->send(u"echo"_s, { 1 }, [&](const AckResult &) { ++acks; }, 5000);
        return QTest::qWaitFor([&] { return acks == before + 1; }, 5000);
    };
    QVERIFY(echo()); // nobody listens: the states say so from here on
    QVERIFY(echo());

    int in = 0, inRaw = 0, acked = 0, ackedRaw = 0, onSocket = 0, sent = 0;
    auto context = std::make_unique<QObject>();
    connect(&server, &EventServer::eventReceived, context.get(), [&] { ++in; });
    connect(&server, &EventServer::eventReceivedRaw, context.get(), [&] { ++inRaw; });
    connect(&server, &EventServer::ackSent, context.get(), [&] { ++acked; });
    connect(&server, &EventServer::ackSentRaw, context.get(), [&] { ++ackedRaw; });
    connect(s, &Socket::eventReceived, context.get(), [&] { ++onSocket; });
    connect(&server, &EventServer::eventSent, context.get(), [&] { ++sent; });
    QVERIFY(echo());
    s->send(u"news"_s, { 2 });
    server.of(u"/"_s)->send(u"news"_s, { 3 });
    QCOMPARE(sent, 2);
    QCOMPARE(in, 1);
    QCOMPARE(inRaw, 1);
    QCOMPARE(acked, 1);
    QCOMPARE(ackedRaw, 1);
    QCOMPARE(onSocket, 1);

    // Gone without a disconnect: nothing is delivered, nothing breaks.
    context.reset();
    QVERIFY(echo());
    QCOMPARE(in, 1);
    QCOMPARE(onSocket, 1);

    // Disconnected explicitly, then connected again.
    QObject other;
    auto c = connect(s, &Socket::eventReceived, &other, [&] { ++onSocket; });
    auto r = connect(&server, &EventServer::eventReceivedRaw, &other, [&] { ++inRaw; });
    QVERIFY(echo());
    QCOMPARE(onSocket, 2);
    QCOMPARE(inRaw, 2);
    disconnect(c);
    disconnect(r);
    QVERIFY(echo());
    QCOMPARE(onSocket, 2);
    QCOMPARE(inRaw, 2);
    connect(s, &Socket::eventReceived, &other, [&] { ++onSocket; });
    connect(&server, &EventServer::eventReceivedRaw, &other, [&] { ++inRaw; });
    QVERIFY(echo());
    QCOMPARE(onSocket, 3);
    QCOMPARE(inRaw, 3);
}

// The byte counters count Engine.IO packets (type digit and data), not WebSocket frames, on
// both sides and for every transport.
void tst_EventServerSignals::bytesCountedAsPackets()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    Loopback::RawPeer peer;
    peer.open(server.serverPort());
    QVERIFY(!peer.waitOpen().isEmpty());
    peer.send(u"40"_s);
    QVERIFY(!peer.waitText(u"40"_s, true).isEmpty());
    QTRY_COMPARE(server.connections().size(), 1);
    Connection *c = server.connections().first();
    Socket *s = c->sockets().value(0);
    QVERIFY(s);
    qsizetype bytes = 0;
    for (const QString &t : std::as_const(peer.texts))
        bytes += t.toUtf8().size();
    QCOMPARE(c->bytesSent(), quint64(bytes));
    s->send(u"e"_s, { u"é"_s, 300 });
    QVERIFY(!peer.waitText(u"42[\"e\""_s, true).isEmpty());
    QCOMPARE(c->bytesSent(), quint64(bytes + peer.texts.last().toUtf8().size()));
    const quint64 in = c->bytesReceived();
    peer.send(u"42[\"x\",\"é\"]"_s);
    QTRY_COMPARE(c->bytesReceived(), in + quint64(QByteArray("42[\"x\",\"\xc3\xa9\"]").size()));
}

// The arguments' JSON text keeps the bytes the packet arrived in (no copy), and no more memory
// than they need: the event log holds it for as long as a row lives.
void tst_EventServerSignals::keptArgumentsAreCompact()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    QList<QByteArray> kept;
    connect(&server, &EventServer::eventReceivedRaw, this,
            [&](Socket *, const QString &, const EventArguments &args) { kept.append(args.json()); });
    client->send(u"big"_s, { QString(10000, u'a'), QString(2000, QChar(0x00e9)) });
    QTRY_COMPARE(kept.size(), 1);
    const QByteArray &json = kept.first();
    QCOMPARE(json.size(), 10000 + 4000 + 7); // ["a…","é…"]
    QVERIFY2(json.capacity() < json.size() + 1024,
             qPrintable(u"%1 bytes kept for %2"_s.arg(json.capacity()).arg(json.size())));
}

// An observer is called for what eventReceivedRaw, eventSent, ackSentRaw and ackReceived say,
// with the same arguments, once each; removed, it is called no more.
void tst_EventServerSignals::observerSeesTheTraffic()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    RecordingObserver observer;
    server.addObserver(&observer);
    server.addObserver(&observer); // once is enough
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    Socket *s = server.socket(client->id());
    QVERIFY(s);
    const QString id = s->id();
    QSignalSpy rawIn(&server, &EventServer::eventReceivedRaw);
    s->onAnyRaw([](const QString &, const ReceivedArguments &args, const Ack &ack) {
        if (ack.isRequested())
            ack.replyJson(args.json());
    });
    client->on(u"question"_s, [](const Arguments &, const Ack &ack) { ack({ 42 }); });

    bool answered = false;
    const qint64 clientAck = client->send(u"echo"_s, { 1, u"a"_s }, [&](const AckResult &) { answered = true; }, 5000);
    QTRY_VERIFY(answered);
    int serverCallbacks = 0;
    const qint64 serverAck = s->send(u"question"_s, { u"life"_s }, [&](const AckResult &) { ++serverCallbacks; }, 5000);
    QTRY_COMPARE(serverCallbacks, 1);
    QCOMPARE(observer.calls,
             (QStringList {
                     u"in %1 echo [1,\"a\"] %2"_s.arg(id).arg(clientAck),
                     u"ack-out %1 %2 [1,\"a\"]"_s.arg(id).arg(clientAck),
                     u"out %1 question [\"life\"] %2"_s.arg(id).arg(serverAck),
                     u"ack-in %1 %2 [42] rtt"_s.arg(id).arg(serverAck),
             }));
    QCOMPARE(rawIn.size(), 1); // the signal still goes out beside it

    server.removeObserver(&observer);
    client->send(u"echo"_s, { 2 });
    QTRY_COMPARE(rawIn.size(), 2);
    QCOMPARE(observer.calls.size(), 4);
}

void tst_EventServerSignals::serverSignalsCarryData()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy opened(&server, &EventServer::connectionOpened);
    QSignalSpy connected(&server, &EventServer::socketConnected);
    QSignalSpy nsConnected(server.findNamespace(u"/"_s), &Namespace::socketConnected);
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    QCOMPARE(opened.size(), 1);
    auto *c = opened.at(0).at(0).value<Connection *>();
    QCOMPARE(c->id(), client->connectionId());
    QVERIFY(c->isOpen());
    QVERIFY(c->openedAt().isValid());
    QCOMPARE(connected.size(), 1);
    QCOMPARE(nsConnected.size(), 1);
    auto *s = connected.at(0).at(0).value<Socket *>();
    QCOMPARE(s->id(), client->id());
    QVERIFY(s->isConnected());
    QVERIFY(s->connectedAt().isValid());
    QCOMPARE(s->server(), &server);
    QCOMPARE(s->ns(), server.findNamespace(u"/"_s));

    QSignalSpy received(&server, &EventServer::eventReceived);
    QSignalSpy sent(&server, &EventServer::eventSent);
    client->send(u"in"_s, { 1, u"a"_s });
    client->send(u"in-ack"_s, { 2 }, [](const AckResult &) { });
    QTRY_COMPARE(received.size(), 2);
    QCOMPARE(received.at(0).at(0).value<Socket *>(), s);
    QCOMPARE(received.at(0).at(1).toString(), u"in"_s);
    QCOMPARE(Loopback::display(received.at(0).at(2).value<Arguments>()),
             Loopback::display({ 1, u"a"_s }));
    QCOMPARE(received.at(0).at(3).toLongLong(), -1);
    QCOMPARE(received.at(1).at(1).toString(), u"in-ack"_s);
    QVERIFY(received.at(1).at(3).toLongLong() >= 0);

    s->send(u"out"_s, { true });
    const qint64 id = s->send(u"out-ack"_s, { false }, [](const AckResult &) { });
    QCOMPARE(sent.size(), 2);
    QCOMPARE(sent.at(0).at(0).value<Socket *>(), s);
    QCOMPARE(sent.at(0).at(1).toString(), u"out"_s);
    QCOMPARE(Loopback::display(sent.at(0).at(2).value<Arguments>()), Loopback::display({ true }));
    QCOMPARE(sent.at(0).at(3).toLongLong(), -1);
    QCOMPARE(sent.at(1).at(3).toLongLong(), id);
    QVERIFY(c->bytesReceived() > 0);
    QVERIFY(c->bytesSent() > 0);
}

QTEST_GUILESS_MAIN(tst_EventServerSignals)
#include "tst_eventserver_signals.moc"
