// Connection state recovery (ServerOptions::maxDisconnectionDuration), against hand-made peers:
// the pid in the CONNECT reply, the offset after the arguments of what is kept, a session
// taken back with its id, rooms, data and missed events, and what gives a fresh socket instead.
#include "loopback.h"
#include "stalledpeer.h"

#include <adapter.h>
#include <eventserver.h>
#include <namespace.h>
#include <socket.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Sockscope;
using Loopback::RawPeer;

namespace {

template<typename Json>
QString compact(const Json &json)
{
    return QString::fromUtf8(QJsonDocument(json).toJson(QJsonDocument::Compact));
}

// The JSON of the first text starting with prefix, parsed after it.
QJsonValue jsonAfter(const QStringList &texts, const QString &prefix)
{
    for (const QString &t : texts) {
        if (t.startsWith(prefix))
            return QJsonDocument::fromJson(u"[%1]"_s.arg(t.mid(prefix.size())).toUtf8())
                    .array()
                    .at(0);
    }
    return {};
}

// Opens the peer and joins "/" with auth; returns the CONNECT reply's payload.
QJsonObject connectPeer(RawPeer &peer, quint16 port, const QJsonObject &auth = {})
{
    peer.autoPong = true;
    peer.open(port);
    if (peer.waitOpen().isEmpty())
        return {};
    peer.send(u"40"_s + (auth.isEmpty() ? QString() : compact(auth)));
    if (peer.waitText(u"40{"_s, true).isNull())
        return {};
    return jsonAfter(peer.texts, u"40"_s).toObject();
}

// The events the peer got, in order: each the name then the arguments as they came (an ack
// id, if any, left out).
QList<QJsonArray> eventsOf(const RawPeer &peer)
{
    QList<QJsonArray> out;
    for (const QString &t : peer.texts) {
        if (!t.startsWith(u"42"))
            continue;
        const qsizetype open = t.indexOf(u'[');
        if (open >= 0)
            out.append(QJsonDocument::fromJson(t.mid(open).toUtf8()).array());
    }
    return out;
}

// The index of the CONNECT reply among the peer's texts.
qsizetype connectIndex(const RawPeer &peer)
{
    for (qsizetype i = 0; i < peer.texts.size(); ++i) {
        if (peer.texts.at(i).startsWith(u"40"))
            return i;
    }
    return -1;
}

ServerOptions recoveryOptions(int ms = 120000)
{
    ServerOptions o = Loopback::fastOptions();
    o.maxDisconnectionDuration = ms;
    return o;
}

// Notes the offsets reported with sent events (EventObserver::eventSentWithOffset).
class OffsetObserver : public EventObserver
{
public:
    void eventReceived(Socket *, const QString &, const EventArguments &, qint64) override { }
    void eventSent(Socket *, const QString &event, const Arguments &args, qint64) override
    {
        plain.append({ event, args });
    }
    void eventSentWithOffset(Socket *, const QString &event, const Arguments &args, qint64,
                             const QString &offset) override
    {
        withOffset.append({ event, args });
        offsets.append(offset);
    }
    void ackSent(Socket *, qint64, const EventArguments &) override { }
    void ackReceived(Socket *, qint64, const Arguments &, qint64) override { }

    QList<std::pair<QString, Arguments>> plain;
    QList<std::pair<QString, Arguments>> withOffset;
    QStringList offsets;
};

} // namespace

class tst_Recovery : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void connectReplyCarriesPid();
    void keptEventsCarryOffsets();
    void restoresIdRoomsDataAndMissedEvents();
    void expiredSessionGivesFreshSocket();
    void unknownSessionGivesFreshSocket();
    void slowConsumerIsNotRecoverable();
    void offAddsNothing();
    void adapterHandsASessionOutOnceFromTheEventLoop();
};

void tst_Recovery::connectReplyCarriesPid()
{
    EventServer server(recoveryOptions());
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    RawPeer peer;
    const QJsonObject reply = connectPeer(peer, server.serverPort());
    const QString sid = reply.value(u"sid"_s).toString();
    const QString pid = reply.value(u"pid"_s).toString();
    QVERIFY(Loopback::isNodeStyleId(sid));
    QVERIFY(Loopback::isNodeStyleId(pid));
    QVERIFY(sid != pid);
    QTRY_VERIFY(server.socket(sid));
    QVERIFY(!server.socket(sid)->isRecovered());
}

void tst_Recovery::keptEventsCarryOffsets()
{
    EventServer server(recoveryOptions());
    OffsetObserver observer;
    server.addObserver(&observer);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    RawPeer peer;
    const QString sid = connectPeer(peer, server.serverPort()).value(u"sid"_s).toString();
    QTRY_VERIFY(server.socket(sid));
    Socket *socket = server.socket(sid);
    socket->join(u"room"_s);

    server.of(u"/"_s)->send(u"all"_s, { 1 });
    server.of(u"/"_s)->to(u"room"_s).send(u"room"_s, { u"a"_s });
    socket->send(u"direct"_s, { 2 });
    socket->sendVolatile(u"volatile"_s, { 3 }); // may be lost: not kept, no offset
    socket->send(u"withAck"_s, { 4 }, [](const AckResult &) { }, 0); // an ack: not kept
    server.of(u"/"_s)->send(u"last"_s);
    QTRY_COMPARE(eventsOf(peer).size(), 6);
    const QList<QJsonArray> got = eventsOf(peer);
    const QStringList offsets = { got.at(0).last().toString(), got.at(1).last().toString(),
                                  got.at(2).last().toString(), got.at(5).last().toString() };
    QCOMPARE(got.at(0).size(), 3); // name, 1, offset
    QCOMPARE(got.at(0).at(1).toInt(), 1);
    QCOMPARE(got.at(1).at(1).toString(), u"a"_s);
    QCOMPARE(got.at(2).at(1).toInt(), 2);
    QCOMPARE(got.at(3), QJsonArray({ u"volatile"_s, 3 }));
    QCOMPARE(got.at(4), QJsonArray({ u"withAck"_s, 4 }));
    QCOMPARE(got.at(5).size(), 2); // name, offset
    for (const QString &o : offsets)
        QVERIFY(!o.isEmpty());
    QCOMPARE(QSet<QString>(offsets.cbegin(), offsets.cend()).size(), 4); // each its own
    // Reported with the application's arguments, the offset apart.
    QCOMPARE(observer.offsets, offsets);
    QCOMPARE(observer.withOffset.at(0).second, Arguments({ 1 }));
    QCOMPARE(observer.withOffset.at(3).second, Arguments());
    QCOMPARE(observer.plain.size(), 2); // the volatile one and the one with an ack
    server.removeObserver(&observer);
}

void tst_Recovery::restoresIdRoomsDataAndMissedEvents()
{
    EventServer server(recoveryOptions());
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QSignalSpy disconnected(&server, &EventServer::socketDisconnected);
    auto first = std::make_unique<RawPeer>();
    const QJsonObject reply = connectPeer(*first, server.serverPort());
    const QString sid = reply.value(u"sid"_s).toString();
    const QString pid = reply.value(u"pid"_s).toString();
    QTRY_VERIFY(server.socket(sid));
    Socket *socket = server.socket(sid);
    socket->join(u"room"_s);
    socket->setData({ { u"user"_s, u"ada"_s } });
    Namespace *root = server.of(u"/"_s);
    root->to(u"room"_s).send(u"seen"_s, { 0 });
    QTRY_COMPARE(eventsOf(*first).size(), 1);
    const QString offset = eventsOf(*first).at(0).last().toString();

    first->ws.abort(); // the TCP connection ends: "transport close"
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(disconnected.at(0).at(1).toString(), u"transport close"_s);
    QVERIFY(!server.socket(sid));
    root->to(u"room"_s).send(u"missed"_s, { 1 });
    root->to(u"other"_s).send(u"notForIt"_s, { 2 });
    root->send(u"missed"_s, { 3 });
    root->except(u"room"_s).send(u"notForIt"_s, { 4 });
    root->to(sid).send(u"missed"_s, { 5 }); // its own room
    root->to(u"room"_s).send(u"withAck"_s, { 6 }, [](const AckResult &) { }, 0); // not kept

    RawPeer second;
    const QJsonObject again = connectPeer(
            second, server.serverPort(), { { u"pid"_s, pid }, { u"offset"_s, offset } });
    QCOMPARE(again.value(u"sid"_s).toString(), sid);
    QCOMPARE(again.value(u"pid"_s).toString(), pid);
    QTRY_VERIFY(server.socket(sid));
    Socket *back = server.socket(sid);
    QVERIFY(back->isRecovered());
    QCOMPARE(back->rooms(), QSet<QString>({ sid, u"room"_s }));
    QCOMPARE(back->data().value(u"user"_s).toString(), u"ada"_s);
    QVERIFY(root->socketsInRoom(u"room"_s).contains(back));
    // The missed events, in order and ahead of the CONNECT reply, as the Node.js server
    // writes them; each with its offset.
    const QList<QJsonArray> missed = eventsOf(second);
    QCOMPARE(missed.size(), 3);
    const qsizetype connectAt = connectIndex(second);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(missed.at(i).at(0).toString(), u"missed"_s);
        QCOMPARE(missed.at(i).at(1).toInt(), i == 0 ? 1 : i == 1 ? 3 : 5);
        QVERIFY(!missed.at(i).at(2).toString().isEmpty());
        QVERIFY(second.texts.indexOf(u"42"_s + compact(missed.at(i))) < connectAt);
    }
    // It goes on as before: events to its room reach it.
    root->to(u"room"_s).send(u"after"_s);
    QTRY_COMPARE(eventsOf(second).size(), 4);
    QCOMPARE(eventsOf(second).at(3).at(0).toString(), u"after"_s);
}

void tst_Recovery::expiredSessionGivesFreshSocket()
{
    constexpr int Keep = 150;
    EventServer server(recoveryOptions(Keep));
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QSignalSpy disconnected(&server, &EventServer::socketDisconnected);
    RawPeer first;
    const QJsonObject reply = connectPeer(first, server.serverPort());
    const QString sid = reply.value(u"sid"_s).toString();
    QTRY_VERIFY(server.socket(sid));
    server.socket(sid)->join(u"room"_s);
    server.of(u"/"_s)->send(u"seen"_s);
    QTRY_COMPARE(eventsOf(first).size(), 1);
    const QString offset = eventsOf(first).at(0).last().toString();
    first.ws.abort();
    QTRY_COMPARE(disconnected.size(), 1);
    server.of(u"/"_s)->to(u"room"_s).send(u"missed"_s);
    QTest::qWait(Keep + 100); // the session's time runs out: nothing to wait for but the clock

    RawPeer second;
    const QJsonObject again = connectPeer(
            second, server.serverPort(),
            { { u"pid"_s, reply.value(u"pid"_s) }, { u"offset"_s, offset } });
    const QString newSid = again.value(u"sid"_s).toString();
    QVERIFY(Loopback::isNodeStyleId(newSid));
    QVERIFY(newSid != sid);
    QVERIFY(again.value(u"pid"_s).toString() != reply.value(u"pid"_s).toString());
    QTRY_VERIFY(server.socket(newSid));
    QVERIFY(!server.socket(newSid)->isRecovered());
    QCOMPARE(server.socket(newSid)->rooms(), QSet<QString>({ newSid }));
    QVERIFY(eventsOf(second).isEmpty());
}

void tst_Recovery::unknownSessionGivesFreshSocket()
{
    EventServer server(recoveryOptions());
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    RawPeer peer;
    const QJsonObject reply = connectPeer(
            peer, server.serverPort(),
            { { u"pid"_s, u"AAAAAAAAAAAAAAAAAAAA"_s }, { u"offset"_s, u"1"_s } });
    const QString sid = reply.value(u"sid"_s).toString();
    QVERIFY(Loopback::isNodeStyleId(sid));
    QTRY_VERIFY(server.socket(sid));
    QVERIFY(!server.socket(sid)->isRecovered());
}

void tst_Recovery::slowConsumerIsNotRecoverable()
{
    ServerOptions o = recoveryOptions();
    o.maxBufferedBytes = 256 * 1024;
    EventServer server(o);
    OffsetObserver observer;
    server.addObserver(&observer);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QSignalSpy disconnected(&server, &EventServer::socketDisconnected);
    Loopback::StalledPeer stalled;
    QVERIFY(!stalled.open(server.serverPort()).isEmpty());
    const QByteArray received = stalled.received();
    const qsizetype at = received.indexOf("\"pid\":\"");
    QVERIFY(at >= 0);
    const QString pid = QString::fromLatin1(received.mid(at + 7, 20));
    QTRY_COMPARE(server.of(u"/"_s)->socketCount(), 1);
    Socket *socket = server.of(u"/"_s)->sockets().constFirst();
    const QString sid = socket->id();
    const QString big(16 * 1024, u'x');
    for (int i = 0; i < 200 && disconnected.isEmpty(); ++i) {
        server.of(u"/"_s)->send(u"flood"_s, { big });
        QTest::qWait(1);
    }
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(disconnected.at(0).at(1).toString(), u"slow consumer"_s);
    QVERIFY(!observer.offsets.isEmpty());

    RawPeer peer;
    const QJsonObject reply = connectPeer(
            peer, server.serverPort(),
            { { u"pid"_s, pid }, { u"offset"_s, observer.offsets.constFirst() } });
    const QString newSid = reply.value(u"sid"_s).toString();
    QVERIFY(Loopback::isNodeStyleId(newSid));
    QVERIFY(newSid != sid);
    QTRY_VERIFY(server.socket(newSid));
    QVERIFY(!server.socket(newSid)->isRecovered());
    QVERIFY(eventsOf(peer).isEmpty());
    server.removeObserver(&observer);
}

void tst_Recovery::offAddsNothing()
{
    EventServer server(Loopback::fastOptions());
    QCOMPARE(server.options().maxDisconnectionDuration, 0); // off by default
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QSignalSpy disconnected(&server, &EventServer::socketDisconnected);
    RawPeer first;
    const QJsonObject reply = connectPeer(first, server.serverPort());
    QVERIFY(!reply.contains(u"pid"_s));
    const QString sid = reply.value(u"sid"_s).toString();
    QTRY_VERIFY(server.socket(sid));
    server.of(u"/"_s)->send(u"all"_s, { 1 });
    server.socket(sid)->send(u"direct"_s, { 2 });
    QTRY_COMPARE(eventsOf(first).size(), 2);
    QCOMPARE(eventsOf(first).at(0), QJsonArray({ u"all"_s, 1 }));
    QCOMPARE(eventsOf(first).at(1), QJsonArray({ u"direct"_s, 2 }));
    first.ws.abort();
    QTRY_COMPARE(disconnected.size(), 1);
    server.of(u"/"_s)->send(u"missed"_s);

    RawPeer second; // presents what a client of a recovering server would: nothing comes of it
    const QJsonObject again = connectPeer(
            second, server.serverPort(), { { u"pid"_s, sid }, { u"offset"_s, u"1"_s } });
    QVERIFY(!again.contains(u"pid"_s));
    const QString newSid = again.value(u"sid"_s).toString();
    QVERIFY(newSid != sid);
    QTRY_VERIFY(server.socket(newSid));
    QVERIFY(!server.socket(newSid)->isRecovered());
    QVERIFY(eventsOf(second).isEmpty());
}

void tst_Recovery::adapterHandsASessionOutOnceFromTheEventLoop()
{
    EventServer server(recoveryOptions());
    Adapter *adapter = server.of(u"/"_s)->adapter();
    PersistedSession session;
    session.sid = u"AAAAAAAAAAAAAAAAAAAA"_s;
    session.pid = u"BBBBBBBBBBBBBBBBBBBB"_s;
    session.rooms = { session.sid, u"r"_s };
    session.data = { { u"k"_s, 1 } };
    adapter->persistSession(session);
    // An offset to start from, then one event for the session's room and one for another.
    server.of(u"/"_s)->send(u"before"_s);
    server.of(u"/"_s)->to(u"r"_s).send(u"mine"_s, { 1 });
    server.of(u"/"_s)->to(u"x"_s).send(u"other"_s, { 2 });

    int calls = 0;
    PersistedSession got;
    bool found = false;
    // Offsets are the adapter's own: "1" is the first event kept.
    adapter->restoreSession(session.pid, u"1"_s, &server,
                            [&](bool f, const PersistedSession &s) {
                                ++calls;
                                found = f;
                                got = s;
                            });
    QCOMPARE(calls, 0); // never before the call returns
    QTRY_COMPARE(calls, 1);
    QVERIFY(found);
    QCOMPARE(got.sid, session.sid);
    QCOMPARE(got.rooms, session.rooms);
    QCOMPARE(got.data, session.data);
    QCOMPARE(got.missedEvents.size(), 1);
    QCOMPARE(got.missedEvents.at(0).at(0).toString(), u"mine"_s);
    QCOMPARE(got.missedEvents.at(0).at(1).toInt(), 1);
    QCOMPARE(got.missedEvents.at(0).at(2).toString(), u"2"_s); // its offset, last

    adapter->restoreSession(session.pid, u"1"_s, &server,
                            [&](bool f, const PersistedSession &) {
                                ++calls;
                                found = f;
                            });
    QTRY_COMPARE(calls, 2);
    QVERIFY(!found); // handed out once
}

QTEST_GUILESS_MAIN(tst_Recovery)
#include "tst_recovery.moc"
