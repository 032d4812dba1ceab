// EventServer on loopback: rooms, broadcasts with and without acks, and server-wide sends.
// Our EventClient against a real server on 127.0.0.1.
#include <connection.h>
#include <eventclient.h>
#include <eventserver.h>
#include <namespace.h>
#include <socket.h>
#include <socketioparser.h>

#include "loopback.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Sockscope;
using Loopback::fastOptions;

class tst_EventServerRooms : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rooms();
    void broadcastTargets();
    void broadcastWithAck();
    void serverWideSend();
    void broadcastAckCancelledWhenTargetLeaves();
    void connectHookJoinsRooms();
    void broadcastPerFormat();
};

// ---------------------------------------------------------------------------------------------

void tst_EventServerRooms::rooms()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    Namespace *root = server.findNamespace(u"/"_s);
    auto a = Loopback::connectClient(server);
    auto b = Loopback::connectClient(server);
    QVERIFY(a->isConnected() && b->isConnected());
    Socket *sa = server.socket(a->id());
    Socket *sb = server.socket(b->id());
    QVERIFY(sa && sb);

    // Every socket is in its own-id room from the start.
    QCOMPARE(sa->rooms(), QSet<QString> { sa->id() });
    QCOMPARE(root->socketsInRoom(sa->id()), QList<Socket *> { sa });
    const QStringList initialRooms = root->rooms();
    QCOMPARE(QSet<QString>(initialRooms.cbegin(), initialRooms.cend()),
             (QSet<QString> { sa->id(), sb->id() }));

    QSignalSpy roomsChanged(sa, &Socket::roomsChanged);
    sa->join(u"red"_s);
    sa->join(u"red"_s); // twice is once
    sa->join(QStringList { u"blue"_s, u"green"_s });
    sb->join(u"blue"_s);
    QCOMPARE(roomsChanged.size(), 3);
    QCOMPARE(sa->rooms(), (QSet<QString> { sa->id(), u"red"_s, u"blue"_s, u"green"_s }));
    QCOMPARE(root->socketsInRoom(u"red"_s), QList<Socket *> { sa });
    QCOMPARE(root->socketsInRoom(u"blue"_s).size(), 2);
    QVERIFY(root->rooms().contains(u"green"_s));

    sa->leave(u"green"_s);
    sa->leave(u"never-joined"_s);
    QCOMPARE(roomsChanged.size(), 4);
    QVERIFY(!root->rooms().contains(u"green"_s)); // empty rooms vanish
    QVERIFY(root->socketsInRoom(u"green"_s).isEmpty());

    // Sending to a socket's own id reaches only it.
    QSignalSpy gotA(a.get(), &EventClient::eventReceived);
    QSignalSpy gotB(b.get(), &EventClient::eventReceived);
    QCOMPARE(root->to(sb->id()).send(u"direct"_s, { 1 }), 1);
    QTRY_COMPARE(gotB.size(), 1);
    QCOMPARE(gotB.at(0).at(0).toString(), u"direct"_s);

    // A socket that goes leaves all its rooms.
    const QString bId = sb->id();
    b->close();
    QTRY_VERIFY(!root->socket(bId));
    QCOMPARE(root->socketsInRoom(u"blue"_s), QList<Socket *> { sa });
    QVERIFY(!root->rooms().contains(bId));
    QCOMPARE(gotA.size(), 0);
}

void tst_EventServerRooms::broadcastTargets()
{
    EventServer server(fastOptions());
    server.of(u"/other"_s);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    Namespace *root = server.findNamespace(u"/"_s);

    // Four clients in "/", one in "/other".
    std::vector<std::unique_ptr<EventClient>> clients;
    QList<Socket *> sockets;
    QList<QStringList> got; // event names received per client
    for (int i = 0; i < 5; ++i) {
        clients.push_back(Loopback::connectClient(server, i == 4 ? u"/other"_s : u"/"_s));
        QVERIFY(clients.back()->isConnected());
        sockets.append(server.socket(clients.back()->id()));
        QVERIFY(sockets.back());
        got.append(QStringList());
        clients.back()->onAny([&got, i](const QString &e, const Arguments &, const Ack &) {
            got[i].append(e);
        });
    }
    sockets[0]->join(u"a"_s);
    sockets[1]->join(u"a"_s);
    sockets[1]->join(u"b"_s);
    sockets[2]->join(u"b"_s);
    sockets[4]->join(u"a"_s); // "a" in /other is a different room

    // Sends, then a "sync" to everybody: when each has its sync, nothing else is on the way.
    auto settle = [&]() -> bool {
        for (Socket *s : sockets)
            s->send(u"sync"_s);
        return QTest::qWaitFor(
                [&] {
                    for (const QStringList &g : got)
                        if (!g.contains(u"sync"_s))
                            return false;
                    return true;
                },
                5000);
    };
    auto receivers = [&](const QString &event) {
        QList<int> out;
        for (int i = 0; i < int(got.size()); ++i)
            if (got.at(i).contains(event))
                out.append(i);
        return out;
    };
    using Ids = QList<int>;

    QCOMPARE(root->to(u"a"_s).send(u"to-a"_s, { 1 }), 2);
    QCOMPARE(root->to(QStringList { u"a"_s, u"b"_s }).send(u"to-a-or-b"_s), 3); // no duplicates
    QCOMPARE(root->to(u"a"_s).to(u"b"_s).send(u"chained"_s), 3);
    QCOMPARE(root->to(u"b"_s).except(u"a"_s).send(u"b-not-a"_s), 1);
    QCOMPARE(root->except(sockets[0]->id()).send(u"all-but-0"_s), 3);
    QCOMPARE(Broadcast(root).except(QStringList { u"a"_s }).send(u"not-a"_s), 2);
    QCOMPARE(Broadcast(root).except(QStringList { u"a"_s, u"b"_s }).send(u"neither"_s), 1);
    QCOMPARE(root->to(u"nobody-here"_s).send(u"empty-room"_s), 0);
    QCOMPARE(root->send(u"everyone"_s, { u"x"_s }), 4);
    QCOMPARE(root->to(u"a"_s).targets().size(), 2);
    QVERIFY(settle());

    QCOMPARE(receivers(u"to-a"_s), (Ids { 0, 1 }));
    QCOMPARE(receivers(u"to-a-or-b"_s), (Ids { 0, 1, 2 }));
    QCOMPARE(got.at(1).count(u"to-a-or-b"_s), 1);
    QCOMPARE(receivers(u"chained"_s), (Ids { 0, 1, 2 }));
    QCOMPARE(receivers(u"b-not-a"_s), (Ids { 2 }));
    QCOMPARE(receivers(u"all-but-0"_s), (Ids { 1, 2, 3 }));
    QCOMPARE(receivers(u"not-a"_s), (Ids { 2, 3 }));
    QCOMPARE(receivers(u"neither"_s), (Ids { 3 }));
    QCOMPARE(receivers(u"empty-room"_s), Ids());
    QCOMPARE(receivers(u"everyone"_s), (Ids { 0, 1, 2, 3 }));
    // The broadcast counts as an event sent to each target.
    QCOMPARE(sockets[3]->eventsSent(), quint64(5)); // all-but-0, not-a, neither, everyone, sync
}

void tst_EventServerRooms::broadcastWithAck()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    Namespace *root = server.findNamespace(u"/"_s);
    std::vector<std::unique_ptr<EventClient>> clients;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(Loopback::connectClient(server));
        QVERIFY(clients.back()->isConnected());
    }
    // Two answer with their own id; the third stays silent.
    for (int i = 0; i < 2; ++i) {
        EventClient *c = clients.at(i).get();
        c->on(u"roll-call"_s, [c](const Arguments &a, const Ack &ack) {
            ack({ c->id(), a.value(0) });
        });
    }
    QSignalSpy timedOut(&server, &EventServer::ackTimedOut);
    QList<AckResult> results;
    const int n = root->send(
            u"roll-call"_s, { u"present?"_s }, [&](const AckResult &r) { results.append(r); }, 500);
    QCOMPARE(n, 3);
    QTRY_COMPARE_WITH_TIMEOUT(results.size(), 3, 3000);

    QSet<QString> replied, timedOutIds;
    for (const AckResult &r : std::as_const(results)) {
        if (r.timedOut) {
            timedOutIds.insert(r.socketId);
        } else {
            QCOMPARE(r.args.value(0).toString(), r.socketId); // each reply came from its sender
            QCOMPARE(r.args.value(1).toString(), u"present?"_s);
            replied.insert(r.socketId);
        }
    }
    QCOMPARE(replied, (QSet<QString> { clients.at(0)->id(), clients.at(1)->id() }));
    QCOMPARE(timedOutIds, QSet<QString> { clients.at(2)->id() });
    QCOMPARE(timedOut.size(), 1);
    QCOMPARE(timedOut.at(0).at(0).value<Socket *>()->id(), clients.at(2)->id());
    for (const auto &c : clients)
        QCOMPARE(server.socket(c->id())->pendingAcks(), 0);
}

void tst_EventServerRooms::serverWideSend()
{
    EventServer server(fastOptions());
    server.of(u"/side"_s);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto a = Loopback::connectClient(server);
    auto b = Loopback::connectClient(server);
    auto side = Loopback::connectClient(server, u"/side"_s);
    QVERIFY(a->isConnected() && b->isConnected() && side->isConnected());
    QSignalSpy gotA(a.get(), &EventClient::eventReceived);
    QSignalSpy gotB(b.get(), &EventClient::eventReceived);
    QSignalSpy gotSide(side.get(), &EventClient::eventReceived);
    QSignalSpy sent(&server, &EventServer::eventSent);

    QCOMPARE(server.send(u"news"_s, { 1, u"two"_s }), 2);
    QTRY_COMPARE(gotA.size(), 1);
    QTRY_COMPARE(gotB.size(), 1);
    QCOMPARE(Loopback::display(gotB.at(0).at(1).value<Arguments>()),
             Loopback::display({ 1, u"two"_s }));
    QCOMPARE(sent.size(), 2);
    QCOMPARE(sent.at(0).at(3).toLongLong(), -1);
    // "/side" did not get it: its own namespace message arrives first.
    server.findNamespace(u"/side"_s)->send(u"side-news"_s);
    QTRY_COMPARE(gotSide.size(), 1);
    QCOMPARE(gotSide.at(0).at(0).toString(), u"side-news"_s);
}

void tst_EventServerRooms::broadcastAckCancelledWhenTargetLeaves()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto stays = Loopback::connectClient(server);
    auto leaves = Loopback::connectClient(server);
    QVERIFY(stays->isConnected() && leaves->isConnected());
    Ack held;
    stays->on(u"q"_s, [&](const Arguments &, const Ack &ack) { held = ack; });
    QSignalSpy leavesGot(leaves.get(), &EventClient::eventReceived);

    QList<AckResult> results;
    QCOMPARE(server.findNamespace(u"/"_s)->send(u"q"_s, {}, [&](const AckResult &r) { results.append(r); },
                                                0),
             2);
    QTRY_VERIFY(held.isRequested());
    QTRY_COMPARE(leavesGot.size(), 1);
    const QString leavingId = leaves->id();
    leaves->close();
    QTRY_COMPARE(results.size(), 1);
    QVERIFY(results.at(0).cancelled);
    QCOMPARE(results.at(0).socketId, leavingId);
    held.reply({ u"here"_s });
    QTRY_COMPARE(results.size(), 2);
    QVERIFY(!results.at(1).cancelled && !results.at(1).timedOut);
    QCOMPARE(results.at(1).socketId, stays->id());
    QCOMPARE(results.at(1).args.value(0).toString(), u"here"_s);
}

void tst_EventServerRooms::connectHookJoinsRooms()
{
    EventServer server(fastOptions());
    Namespace *root = server.findNamespace(u"/"_s);
    root->addConnectHook([](Socket *s) {
        s->join(u"lobby"_s);
        if (s->auth().value(u"vip"_s).toBool())
            s->join(u"vip"_s);
        if (s->auth().value(u"banned"_s).toBool())
            return ConnectDecision::refuse(u"banned"_s);
        return ConnectDecision::accept();
    });
    QVERIFY(server.listen(Loopback::LocalHost, 0));

    ClientOptions vip;
    vip.auth.insert(u"vip"_s, true);
    auto a = Loopback::connectClient(server, u"/"_s, vip);
    QVERIFY(a->isConnected());
    Socket *sa = server.socket(a->id());
    QCOMPARE(sa->rooms(), (QSet<QString> { sa->id(), u"lobby"_s, u"vip"_s }));
    QCOMPARE(root->socketsInRoom(u"vip"_s), QList<Socket *> { sa });

    // Refused after joining: no trace left in the rooms.
    ClientOptions banned;
    banned.auth.insert(u"banned"_s, true);
    banned.auth.insert(u"vip"_s, true);
    auto b = Loopback::connectClient(server, u"/"_s, banned);
    QVERIFY(!b->isConnected());
    QCOMPARE(b->errorString(), u"banned"_s);
    QCOMPARE(root->socketsInRoom(u"vip"_s), QList<Socket *> { sa });
    QCOMPARE(root->socketsInRoom(u"lobby"_s), QList<Socket *> { sa });
    QCOMPARE(root->to(u"vip"_s).send(u"x"_s), 1);
}

// One server (parser auto), a JSON peer and a msgpack peer by hand: each connection speaks the
// format of its first message, and a broadcast (with an ack) reaches each in its own format.
void tst_EventServerRooms::broadcastPerFormat()
{
    EventServer server(fastOptions());
    QCOMPARE(server.options().parser, ServerOptions::Parser::Auto);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    Loopback::RawPeer json, msgpack;
    json.autoPong = msgpack.autoPong = true;
    json.open(server.serverPort());
    msgpack.open(server.serverPort());
    QVERIFY(!json.waitOpen().isEmpty());
    QVERIFY(!msgpack.waitOpen().isEmpty());
    json.send(u"40"_s);
    QVERIFY(!json.waitText(u"40{"_s, true).isNull());
    // {type: 0, nsp: "/"} as socket.io-msgpack-parser writes it.
    msgpack.ws.sendBinaryMessage(QByteArray::fromHex("82a47479706500a36e7370a12f"));
    QTRY_COMPARE(msgpack.binaries.size(), 1);
    MsgpackSocketIoParser parser;
    SocketIoPacket p;
    QCOMPARE(parser.decode(EngineIoPacket::binaryMessage(msgpack.binaries.at(0)), &p),
             SocketIoParser::Status::Packet);
    QCOMPARE(p.type(), SocketIoPacket::Type::Connect);
    QVERIFY(!p.payload().toObject().value(u"sid"_s).toString().isEmpty());
    QCOMPARE(msgpack.texts.size(), 1); // the open packet only: Engine.IO stays text
    QStringList formats;
    for (Connection *c : server.connections())
        formats.append(c->parserName());
    formats.sort();
    QCOMPARE(formats, (QStringList { u"json"_s, u"msgpack"_s }));

    // A broadcast with binary and an ack: BINARY_EVENT + attachment for one, one map for the other.
    QList<AckResult> results;
    Namespace *root = server.findNamespace(u"/"_s);
    QCOMPARE(root->send(u"news"_s, { 1, QByteArray("\x01\x02"_ba) },
                        [&](const AckResult &r) { results.append(r); }, 3000),
             2);
    const QString header = json.waitText(u"451-"_s, true);
    QCOMPARE(header, uR"(451-0["news",1,{"_placeholder":true,"num":0}])"_s);
    QTRY_COMPARE(json.binaries.size(), 1);
    QCOMPARE(json.binaries.at(0), "\x01\x02"_ba);
    QTRY_COMPARE(msgpack.binaries.size(), 2);
    QCOMPARE(parser.decode(EngineIoPacket::binaryMessage(msgpack.binaries.at(1)), &p),
             SocketIoParser::Status::Packet);
    QCOMPARE(p.eventName(), u"news"_s);
    QCOMPARE(p.ackId(), qint64(0));
    QCOMPARE(p.arguments().value(1).toByteArray(), "\x01\x02"_ba);
    // {type:3, nsp:"/", data:["ok", <09>], id:0} from the msgpack peer; 430["ok"] from the other.
    msgpack.ws.sendBinaryMessage(QByteArray::fromHex("84a47479706503a36e7370a12fa46461746192a26f6bc40109a2696400"));
    json.send(uR"(430["ok"])"_s);
    QTRY_COMPARE(results.size(), 2);
    for (const AckResult &r : std::as_const(results)) {
        QVERIFY(!r.timedOut);
        QCOMPARE(r.args.value(0).toString(), u"ok"_s);
    }
    // A text message on the msgpack connection is a parse error for it alone.
    msgpack.send(u"42[\"x\"]"_s);
    QVERIFY(msgpack.waitClosed());
    QTRY_COMPARE(server.connections().size(), 1);
    QCOMPARE(server.connections().at(0)->parserName(), u"json"_s);
}

QTEST_GUILESS_MAIN(tst_EventServerRooms)
#include "tst_eventserver_rooms.moc"
