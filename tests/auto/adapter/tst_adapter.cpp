// The Adapter interface, run against each adapter factory in initTestCase_data(): rooms,
// broadcasts, acks, and the cluster-wide operations, with real clients on the loopback. A
// cluster adapter adds its row (its servers in a cluster of one here) and must pass the same.
#include <adapter.h>
#include <connection.h>
#include <eventclient.h>
#include <eventserver.h>
#include <namespace.h>
#include <redisadapter.h>
#include <socket.h>

#include "loopback.h"
#include "redisserver.h"

#include <QPointer>
#include <QSignalSpy>
#include <QTest>

#include <memory>
#include <vector>

using namespace Sockscope;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(Sockscope::AdapterFactory)

namespace {

ServerOptions quietOptions()
{
    ServerOptions o;
    o.pingInterval = 5000;
    o.pingTimeout = 5000;
    return o;
}

// A server with the adapter factory of the current row and some clients on it.
struct Setup
{
    std::unique_ptr<EventServer> server;
    std::vector<std::unique_ptr<EventClient>> clients;
    QList<Socket *> sockets; // the server's side of clients, in the same order

    bool start(const AdapterFactory &factory, int clientCount, const QString &nsp = u"/"_s)
    {
        server = std::make_unique<EventServer>(quietOptions());
        server->setAdapterFactory(factory);
        if (!server->listen(Loopback::LocalHost, 0))
            return false;
        Namespace *ns = server->of(nsp);
        for (int i = 0; i < clientCount; ++i) {
            clients.push_back(Loopback::connectClient(*server, nsp));
            if (!clients.back()->isConnected())
                return false;
            Socket *s = ns->socket(clients.back()->id());
            if (!s)
                return false;
            sockets.append(s);
        }
        return true;
    }
};

QStringList sorted(QStringList list)
{
    list.sort();
    return list;
}

QStringList sorted(const QSet<QString> &set)
{
    return sorted(QStringList(set.cbegin(), set.cend()));
}

QStringList idsOf(const QList<Socket *> &sockets)
{
    QStringList out;
    for (const Socket *s : sockets)
        out.append(s->id());
    return sorted(out);
}

// An adapter that notes what reaches it, and does the work of the in-memory one.
class NotingAdapter : public InMemoryAdapter
{
public:
    using InMemoryAdapter::InMemoryAdapter;

    void addAll(Socket *socket, const QStringList &rooms) override
    {
        for (const QString &r : rooms)
            changes.append(u"+"_s + r);
        InMemoryAdapter::addAll(socket, rooms);
    }
    void del(Socket *socket, const QString &room) override
    {
        changes.append(u"-"_s + room);
        InMemoryAdapter::del(socket, room);
    }
    int broadcast(const OutgoingEvent &event, const BroadcastOptions &opts) override
    {
        lastEvent = event.event;
        lastOptions = opts;
        return InMemoryAdapter::broadcast(event, opts);
    }
    int broadcastWithAck(const OutgoingEvent &event, const BroadcastOptions &opts,
                         const BroadcastAckHandlers &handlers) override
    {
        lastEvent = event.event;
        lastOptions = opts;
        return InMemoryAdapter::broadcastWithAck(event, opts, handlers);
    }

    // As a cluster adapter does with an event from another server.
    void receive(const QString &event, const Arguments &args,
                 const std::function<void(const Arguments &)> &reply)
    {
        receiveServerSideEvent(event, args, reply);
    }

    QStringList changes;
    QString lastEvent;
    BroadcastOptions lastOptions;
};

} // namespace

class tst_Adapter : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase_data();
    void init();

    void adapterPerNamespace();
    void rooms();
    void broadcastExcept();
    void acksWithClientCount();
    void ackTimeout();
    void fetchSockets();
    void socketsJoinAndLeave();
    void disconnectSockets();
    void serverSideEmit();
    void serverCount();
    void flagsAndRoomChangesReachTheAdapter();

private:
    RedisServer m_redis;
    std::unique_ptr<RedisCluster> m_cluster;
};

void tst_Adapter::initTestCase_data()
{
    QTest::addColumn<AdapterFactory>("factory");
    QTest::addColumn<QString>("setupError");
    QTest::newRow("default") << AdapterFactory() << QString();
    QTest::newRow("in-memory")
            << AdapterFactory([](Namespace *ns) { return new InMemoryAdapter(ns); }) << QString();

    // The Redis adapter, its server alone in a cluster, on a redis-server of the test's own.
    QString error;
    if (!m_redis.start()) {
        error = u"redis-server did not start (scripts/deps.sh --tests installs it): "_s
                + m_redis.error;
    } else {
        RedisAddress address;
        RedisAddress::parse(m_redis.url(), &address, &error);
        m_cluster = std::make_unique<RedisCluster>(address);
        m_cluster->open();
        if (!QTest::qWaitFor(
                    [this] { return m_cluster->state() == RedisCluster::State::Connected; }, 10000))
            error = u"the Redis cluster did not connect: "_s + m_cluster->errorString();
    }
    QTest::newRow("redis") << (m_cluster ? m_cluster->adapterFactory() : AdapterFactory())
                           << error;
}

void tst_Adapter::init()
{
    QFETCH_GLOBAL(QString, setupError);
    QVERIFY2(setupError.isEmpty(), qPrintable(setupError));
}

void tst_Adapter::adapterPerNamespace()
{
    QFETCH_GLOBAL(AdapterFactory, factory);
    EventServer server(quietOptions());
    Namespace *root = server.of(u"/"_s);
    server.setAdapterFactory(factory);
    Namespace *chat = server.of(u"/chat"_s);
    QVERIFY(root->adapter());
    QVERIFY(chat->adapter());
    QVERIFY(root->adapter() != chat->adapter());
    QCOMPARE(root->adapter()->ns(), root);
    QCOMPARE(chat->adapter()->ns(), chat);
    QCOMPARE(chat->adapter()->parent(), chat);
}

void tst_Adapter::rooms()
{
    QFETCH_GLOBAL(AdapterFactory, factory);
    Setup s;
    QVERIFY(s.start(factory, 2));
    Namespace *ns = s.server->of(u"/"_s);
    Adapter *adapter = ns->adapter();
    Socket *a = s.sockets.at(0);
    Socket *b = s.sockets.at(1);
    QCOMPARE(sorted(adapter->rooms()), sorted(QStringList { a->id(), b->id() }));

    QSignalSpy created(adapter, &Adapter::roomCreated);
    QSignalSpy joined(adapter, &Adapter::roomJoined);
    QSignalSpy left(adapter, &Adapter::roomLeft);
    QSignalSpy deleted(adapter, &Adapter::roomDeleted);
    QSignalSpy roomsChanged(a, &Socket::roomsChanged);
    a->join(u"red"_s);
    b->join(u"red"_s);
    a->join(u"red"_s); // already in: no change
    QCOMPARE(created.size(), 1);
    QCOMPARE(created.at(0).at(0).toString(), u"red"_s);
    QCOMPARE(joined.size(), 2);
    QCOMPARE(joined.at(1).at(1).toString(), b->id());
    QCOMPARE(roomsChanged.size(), 1);
    QCOMPARE(sorted(adapter->rooms()), sorted(QStringList { a->id(), b->id(), u"red"_s }));
    QCOMPARE(idsOf(ns->socketsInRoom(u"red"_s)), sorted(QStringList { a->id(), b->id() }));
    QCOMPARE(idsOf(ns->socketsInRoom(a->id())), QStringList { a->id() });
    QVERIFY(a->isInRoom(u"red"_s));
    QVERIFY(a->isInRoom(a->id()));
    QVERIFY(!a->isInRoom(b->id()));

    a->leave(u"red"_s);
    QCOMPARE(left.size(), 1);
    QCOMPARE(deleted.size(), 0);
    b->leave(u"red"_s);
    QCOMPARE(deleted.size(), 1);
    QCOMPARE(deleted.at(0).at(0).toString(), u"red"_s);
    QVERIFY(ns->socketsInRoom(u"red"_s).isEmpty());

    // A socket that goes away leaves every room, its own included.
    b->join(u"blue"_s);
    deleted.clear();
    QSignalSpy gone(ns, &Namespace::socketDisconnected);
    s.clients.at(1)->close();
    QTRY_COMPARE(gone.size(), 1);
    QCOMPARE(sorted(adapter->rooms()), QStringList { a->id() });
    QVERIFY(ns->socketsInRoom(u"blue"_s).isEmpty());
    QCOMPARE(deleted.size(), 2); // blue and its own room
}

void tst_Adapter::broadcastExcept()
{
    QFETCH_GLOBAL(AdapterFactory, factory);
    Setup s;
    QVERIFY(s.start(factory, 3));
    Namespace *ns = s.server->of(u"/"_s);
    Socket *a = s.sockets.at(0);
    Socket *b = s.sockets.at(1);
    Socket *c = s.sockets.at(2);
    a->join(u"red"_s);
    b->join(u"red"_s);
    c->join(u"blue"_s);
    std::vector<std::unique_ptr<QSignalSpy>> got;
    for (const auto &client : s.clients)
        got.push_back(std::make_unique<QSignalSpy>(client.get(), &EventClient::eventReceived));

    QCOMPARE(ns->to(u"red"_s).except(a->id()).send(u"hi"_s, { 1 }), 1);
    QCOMPARE(ns->to(QStringList { u"red"_s, u"blue"_s }).except(u"blue"_s).send(u"hi"_s, { 2 }), 2);
    QCOMPARE(ns->except(u"red"_s).send(u"hi"_s, { 3 }), 1);
    QCOMPARE(ns->to(c->id()).to(u"blue"_s).send(u"hi"_s, { 4 }), 1); // each target once
    QCOMPARE(ns->to(u"nobody"_s).send(u"hi"_s, { 5 }), 0);
    QCOMPARE(ns->send(u"end"_s), 3);

    QTRY_COMPARE(got.at(0)->size(), 2);
    QTRY_COMPARE(got.at(1)->size(), 3);
    QTRY_COMPARE(got.at(2)->size(), 3);
    const auto values = [](const QSignalSpy &spy) {
        QList<qint64> out;
        for (const auto &call : spy) {
            const Arguments args = call.at(1).value<Arguments>();
            out.append(args.isEmpty() ? -1 : args.at(0).toLongLong());
        }
        return out;
    };
    QCOMPARE(values(*got.at(0)), (QList<qint64> { 2, -1 }));
    QCOMPARE(values(*got.at(1)), (QList<qint64> { 1, 2, -1 }));
    QCOMPARE(values(*got.at(2)), (QList<qint64> { 3, 4, -1 }));
}

void tst_Adapter::acksWithClientCount()
{
    QFETCH_GLOBAL(AdapterFactory, factory);
    Setup s;
    QVERIFY(s.start(factory, 3));
    Namespace *ns = s.server->of(u"/"_s);
    for (int i = 0; i < 3; ++i) {
        s.clients.at(i)->on(u"ask"_s, [i](const Arguments &args, const Ack &ack) {
            ack.reply({ args.value(0).toLongLong() * 10 + i });
        });
    }
    s.sockets.at(2)->join(u"others"_s);

    QStringList log;
    QList<AckResult> results;
    BroadcastAckHandlers handlers;
    handlers.clientsCounted = [&log](int count) { log.append(u"count %1"_s.arg(count)); };
    handlers.ackReceived = [&log, &results](const AckResult &r) {
        log.append(u"ack"_s);
        results.append(r);
    };
    handlers.finished = [&log](bool timedOut) {
        log.append(timedOut ? u"timed out"_s : u"done"_s);
    };
    QCOMPARE(ns->except(u"others"_s).timeout(5000).sendWithAck(u"ask"_s, { 4 }, handlers), 2);
    QCOMPARE(log, QStringList { u"count 2"_s }); // counted during the call, before any reply
    QTRY_COMPARE(log.size(), 4);
    QCOMPARE(log, (QStringList { u"count 2"_s, u"ack"_s, u"ack"_s, u"done"_s }));
    QStringList replies;
    for (const AckResult &r : std::as_const(results)) {
        QVERIFY(!r.timedOut);
        replies.append(u"%1 %2"_s.arg(r.socketId).arg(r.args.value(0).toLongLong()));
    }
    QCOMPARE(sorted(replies),
             sorted(QStringList { s.sockets.at(0)->id() + u" 40"_s,
                                  s.sockets.at(1)->id() + u" 41"_s }));

    // No target: the count is 0 and it is done, from the event loop.
    log.clear();
    QCOMPARE(ns->to(u"nobody"_s).sendWithAck(u"ask"_s, {}, handlers), 0);
    QCOMPARE(log, QStringList { u"count 0"_s });
    QTRY_COMPARE(log, (QStringList { u"count 0"_s, u"done"_s }));

    // The plain form: one callback per target.
    int plain = 0;
    QCOMPARE(ns->send(u"ask"_s, { 1 }, [&plain](const AckResult &r) { plain += !r.timedOut; },
                      5000),
             3);
    QTRY_COMPARE(plain, 3);
}

void tst_Adapter::ackTimeout()
{
    QFETCH_GLOBAL(AdapterFactory, factory);
    Setup s;
    QVERIFY(s.start(factory, 2));
    Namespace *ns = s.server->of(u"/"_s);
    s.clients.at(0)->on(u"ask"_s, [](const Arguments &, const Ack &ack) { ack.reply({ 1 }); });
    // the second client does not answer
    int counted = -1;
    int replies = 0;
    int timeouts = 0;
    int finished = 0;
    bool finishedTimedOut = false;
    BroadcastAckHandlers handlers;
    handlers.clientsCounted = [&counted](int count) { counted = count; };
    handlers.ackReceived = [&](const AckResult &r) { r.timedOut ? ++timeouts : ++replies; };
    handlers.finished = [&](bool timedOut) {
        ++finished;
        finishedTimedOut = timedOut;
    };
    QCOMPARE(ns->timeout(300).sendWithAck(u"ask"_s, {}, handlers), 2);
    QCOMPARE(counted, 2);
    QTRY_COMPARE(finished, 1);
    QCOMPARE(replies, 1);
    QCOMPARE(timeouts, 1);
    QVERIFY(finishedTimedOut);
}

void tst_Adapter::fetchSockets()
{
    QFETCH_GLOBAL(AdapterFactory, factory);
    Setup s;
    QVERIFY(s.start(factory, 3));
    Namespace *ns = s.server->of(u"/"_s);
    Socket *a = s.sockets.at(0);
    Socket *b = s.sockets.at(1);
    a->join(u"red"_s);
    a->setData({ { u"user"_s, u"ada"_s }, { u"level"_s, 3 } });
    b->join(u"red"_s);
    b->join(u"blue"_s);

    QObject context;
    QList<RemoteSocket> found;
    int calls = 0;
    ns->to(u"red"_s).fetchSockets(&context, [&](const QList<RemoteSocket> &sockets) {
        found = sockets;
        ++calls;
    });
    QCOMPARE(calls, 0); // never before the call returns
    QTRY_COMPARE(calls, 1);
    QCOMPARE(found.size(), 2);
    std::sort(found.begin(), found.end(),
              [a](const RemoteSocket &x, const RemoteSocket &) { return x.id == a->id(); });
    const RemoteSocket &ra = found.at(0);
    const RemoteSocket &rb = found.at(1);
    QCOMPARE(ra.id, a->id());
    QCOMPARE(ra.nsp, u"/"_s);
    QCOMPARE(ra.data.value(u"user"_s).toString(), u"ada"_s);
    QCOMPARE(ra.data.value(u"level"_s).toInt(), 3);
    QCOMPARE(sorted(ra.rooms), sorted(QStringList { a->id(), u"red"_s }));
    QCOMPARE(ra.handshake.connectionId, a->handshake().connectionId);
    QVERIFY(!ra.handshake.rawRequest.isEmpty());
    QCOMPARE(rb.id, b->id());
    QVERIFY(rb.data.isEmpty());
    QCOMPARE(sorted(rb.rooms), sorted(QStringList { b->id(), u"red"_s, u"blue"_s }));

    // The whole namespace.
    calls = 0;
    ns->fetchSockets(&context, [&](const QList<RemoteSocket> &sockets) {
        found = sockets;
        ++calls;
    });
    QTRY_COMPARE(calls, 1);
    QCOMPARE(found.size(), 3);

    // A context destroyed before the answer: no call.
    {
        QObject shortLived;
        ns->fetchSockets(&shortLived, [&](const QList<RemoteSocket> &) { ++calls; });
    }
    QSignalSpy done(&context, &QObject::objectNameChanged);
    ns->fetchSockets(&context, [&](const QList<RemoteSocket> &) { context.setObjectName(u"x"_s); });
    QTRY_COMPARE(done.size(), 1); // the later request was answered, the earlier one not
    QCOMPARE(calls, 1);
}

void tst_Adapter::socketsJoinAndLeave()
{
    QFETCH_GLOBAL(AdapterFactory, factory);
    Setup s;
    QVERIFY(s.start(factory, 3));
    Namespace *ns = s.server->of(u"/"_s);
    Socket *a = s.sockets.at(0);
    Socket *b = s.sockets.at(1);
    Socket *c = s.sockets.at(2);
    a->join(u"red"_s);
    b->join(u"red"_s);
    QSignalSpy bChanged(b, &Socket::roomsChanged);

    ns->to(u"red"_s).socketsJoin(QStringList { u"blue"_s, u"green"_s });
    QTRY_COMPARE(idsOf(ns->socketsInRoom(u"blue"_s)), sorted(QStringList { a->id(), b->id() }));
    QCOMPARE(idsOf(ns->socketsInRoom(u"green"_s)), sorted(QStringList { a->id(), b->id() }));
    QVERIFY(!c->isInRoom(u"blue"_s));
    QCOMPARE(bChanged.size(), 2); // what the monitor's rooms tree listens to

    ns->to(c->id()).socketsJoin(u"blue"_s);
    QTRY_VERIFY(c->isInRoom(u"blue"_s));

    ns->except(a->id()).socketsLeave(u"blue"_s);
    QTRY_COMPARE(idsOf(ns->socketsInRoom(u"blue"_s)), QStringList { a->id() });
    QVERIFY(b->isInRoom(u"green"_s));

    ns->socketsLeave({ u"green"_s, u"red"_s });
    QTRY_VERIFY(ns->socketsInRoom(u"green"_s).isEmpty());
    QVERIFY(ns->socketsInRoom(u"red"_s).isEmpty());
    QCOMPARE(sorted(a->rooms()), sorted(QStringList { a->id(), u"blue"_s }));
}

void tst_Adapter::disconnectSockets()
{
    QFETCH_GLOBAL(AdapterFactory, factory);
    Setup s;
    QVERIFY(s.start(factory, 3));
    Namespace *ns = s.server->of(u"/"_s);
    s.sockets.at(0)->join(u"red"_s);
    s.sockets.at(1)->join(u"red"_s);
    QSignalSpy gone(ns, &Namespace::socketDisconnected);
    QSignalSpy closed(s.server.get(), &EventServer::connectionClosed);
    QSignalSpy clientGone0(s.clients.at(0).get(), &EventClient::disconnected);
    QSignalSpy clientGone1(s.clients.at(1).get(), &EventClient::disconnected);

    ns->to(u"red"_s).disconnectSockets();
    QTRY_COMPARE(gone.size(), 2);
    for (const auto &call : std::as_const(gone))
        QCOMPARE(call.at(1).toString(), u"server namespace disconnect"_s);
    QTRY_COMPARE(clientGone0.size(), 1);
    QTRY_COMPARE(clientGone1.size(), 1);
    QCOMPARE(clientGone0.at(0).at(0).toString(), u"io server disconnect"_s);
    QVERIFY(s.clients.at(2)->isConnected());
    QCOMPARE(ns->socketCount(), 1);
    QVERIFY(ns->socketsInRoom(u"red"_s).isEmpty());
    // (the clients then close their connections, having no namespace left)
    for (const auto &call : std::as_const(closed))
        QVERIFY(call.at(1).toString() != u"forced server close"_s);

    // With closeConnections, the server closes the connection itself.
    const QString lastConnection = s.sockets.at(2)->connection()->id();
    QHash<QString, QString> reasons; // by connection id, noted as they close
    QObject watching; // goes before reasons does
    connect(s.server.get(), &EventServer::connectionClosed, &watching,
            [&reasons](Connection *c, const QString &reason) { reasons.insert(c->id(), reason); });
    const auto closeReason = [&reasons](const QString &id) { return reasons.value(id); };
    ns->disconnectSockets(true);
    QTRY_COMPARE(gone.size(), 3);
    QTRY_COMPARE(closeReason(lastConnection), u"forced server close"_s);
    QCOMPARE(ns->socketCount(), 0);
}

void tst_Adapter::serverSideEmit()
{
    QFETCH_GLOBAL(AdapterFactory, factory);
    Setup s;
    QVERIFY(s.start(factory, 1));
    Namespace *ns = s.server->of(u"/"_s);
    int handled = 0;
    ns->onServerSideEvent([&handled](const QString &, const Arguments &,
                                     const std::function<void(const Arguments &)> &reply) {
        ++handled;
        reply({ u"here"_s });
    });
    QSignalSpy clientGot(s.clients.at(0).get(), &EventClient::eventReceived);

    ns->serverSideEmit(u"hello"_s, { u"world"_s });
    QObject context;
    int answered = 0;
    ServerSideAckResult result;
    result.timedOut = true; // to see it set
    ns->serverSideEmit(u"hello"_s, { u"world"_s }, &context,
                       [&](const ServerSideAckResult &r) {
                           result = r;
                           ++answered;
                       });
    QCOMPARE(answered, 0); // from the event loop
    QTRY_COMPARE(answered, 1);
    QVERIFY(result.responses.isEmpty()); // no other server
    QVERIFY(!result.timedOut);
    QCOMPARE(handled, 0); // not to this server
    // Not to clients either: the next event they get is this one.
    ns->send(u"after"_s);
    QTRY_COMPARE(clientGot.size(), 1);
    QCOMPARE(clientGot.at(0).at(0).toString(), u"after"_s);
}

void tst_Adapter::serverCount()
{
    QFETCH_GLOBAL(AdapterFactory, factory);
    Setup s;
    QVERIFY(s.start(factory, 0));
    QObject context;
    int count = -1;
    s.server->of(u"/"_s)->serverCount(&context, [&count](int n) { count = n; });
    QCOMPARE(count, -1);
    QTRY_COMPARE(count, 1);
}

void tst_Adapter::flagsAndRoomChangesReachTheAdapter()
{
    QFETCH_GLOBAL(AdapterFactory, factory);
    Q_UNUSED(factory) // this one plugs its own adapter in
    QList<QPointer<NotingAdapter>> made;
    Setup s;
    QVERIFY(s.start(
            [&made](Namespace *ns) {
                auto *adapter = new NotingAdapter(ns);
                made.append(adapter);
                return adapter;
            },
            1));
    Namespace *ns = s.server->of(u"/"_s);
    QCOMPARE(ns->adapter(), made.last().data());
    auto *adapter = static_cast<NotingAdapter *>(ns->adapter());
    Socket *a = s.sockets.at(0);
    QCOMPARE(adapter->changes, QStringList { u"+"_s + a->id() });

    a->join(u"red"_s);
    a->leave(u"red"_s);
    a->join(u"blue"_s);
    QCOMPARE(adapter->changes,
             (QStringList { u"+"_s + a->id(), u"+red"_s, u"-red"_s, u"+blue"_s }));

    QCOMPARE(ns->to(u"blue"_s).except(u"red"_s).local().setVolatile().send(u"ev"_s), 1);
    QCOMPARE(adapter->lastEvent, u"ev"_s);
    QCOMPARE(adapter->lastOptions.rooms, QStringList { u"blue"_s });
    QCOMPARE(adapter->lastOptions.except, QStringList { u"red"_s });
    QVERIFY(adapter->lastOptions.flags.local);
    QVERIFY(adapter->lastOptions.flags.isVolatile);

    QCOMPARE(ns->timeout(1234).sendWithAck(u"ev2"_s, {}, {}), 1);
    QCOMPARE(adapter->lastEvent, u"ev2"_s);
    QCOMPARE(adapter->lastOptions.flags.timeoutMs, 1234);
    QVERIFY(!adapter->lastOptions.flags.local);
    QCOMPARE(ns->send(u"ev3"_s, {}, [](const AckResult &) { }, 777), 1);
    QCOMPARE(adapter->lastOptions.flags.timeoutMs, 777);

    // Another server's server-side event reaches the namespace's handlers, and their answer
    // goes back through the adapter.
    QStringList heard;
    ns->onServerSideEvent([&heard](const QString &event, const Arguments &args,
                                   const std::function<void(const Arguments &)> &reply) {
        heard.append(event + u" "_s + args.value(0).toString());
        reply({ heard.size() });
    });
    Arguments answer;
    adapter->receive(u"hello"_s, { u"there"_s }, [&answer](const Arguments &a) { answer = a; });
    adapter->receive(u"quiet"_s, {}, {}); // no answer asked for
    QCOMPARE(heard, (QStringList { u"hello there"_s, u"quiet "_s }));
    QCOMPARE(answer.value(0).toInt(), 1);

    // A socket that goes away leaves its rooms through the adapter.
    QSignalSpy gone(ns, &Namespace::socketDisconnected);
    a->close();
    QTRY_COMPARE(gone.size(), 1);
    QCOMPARE(sorted(adapter->changes.mid(4)), sorted(QStringList { u"-blue"_s, u"-"_s + a->id() }));
}

QTEST_GUILESS_MAIN(tst_Adapter)
#include "tst_adapter.moc"
