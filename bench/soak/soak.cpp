// sockscope-soak: many clients connecting, emitting with acks, joining rooms and leaving at
// random against one headless server, checking what must always hold:
//   every ack request answered exactly once (reply, timeout or cancel on our own disconnect;
//   timeouts are reported, they mean an overloaded machine, not a broken protocol),
//   each reply equal to its request, per-socket order preserved, no shout outside its room,
//   the server holding exactly the sockets that are connected, server memory flat after the
//   churn, and the server still alive at the end.
//
// Memory is measured in phases: all clients connect (checkpoint 0), then each churn phase
// runs for --seconds, every client comes back and the server is measured again (checkpoint
// 1, 2, ...). The first phase may grow (allocator high-water marks, buffers sized by the
// busiest moment, code and caches touched for the first time); a leak keeps growing, so the
// verdict compares the last checkpoint with the first after churn. The server's heap is read
// by a preloaded probe (heapprobe.cpp): bytes in use cannot grow without a leak, RSS also
// moves with fragmentation.
#include <eventclient.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QSet>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>
#include <memory>
#include <signal.h>

using namespace Qt::StringLiterals;
using namespace Sockscope;

namespace {

// A "Name:  N kB" line of /proc/PID/status (VmRSS, RssAnon, ...), in KiB.
qint64 statusKiB(qint64 pid, QByteArrayView field)
{
    QFile f(u"/proc/%1/status"_s.arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith(field) && line.size() > field.size() && line.at(field.size()) == ':')
            return line.mid(field.size() + 1).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

qint64 rssKiB(qint64 pid)
{
    return statusKiB(pid, "VmRSS");
}

// The server's heap, as the probe wrote it on one SIGUSR2 (-1: not measured).
struct HeapSample
{
    qint64 rssKiB = -1, anonKiB = -1, inUse = -1, free = -1, trimmedRssKiB = -1;
};

HeapSample readProbeLine(const QByteArray &line)
{
    HeapSample h;
    for (const QByteArray &field : line.trimmed().split(' ')) {
        const qsizetype eq = field.indexOf('=');
        if (eq < 0)
            continue;
        const QByteArray key = field.left(eq);
        const qint64 value = field.mid(eq + 1).toLongLong();
        if (key == "rss")
            h.rssKiB = value;
        else if (key == "inuse")
            h.inUse = value;
        else if (key == "free")
            h.free = value;
        else if (key == "trimmed_rss")
            h.trimmedRssKiB = value;
    }
    return h;
}

struct Totals
{
    quint64 connects = 0, disconnects = 0, connectErrors = 0, leaves = 0;
    quint64 acksAsked = 0, acksReplied = 0, acksTimedOut = 0, acksCancelled = 0;
    quint64 acksTwice = 0, acksWrong = 0;
    quint64 seqSent = 0, seqBack = 0, seqOutOfOrder = 0;
    quint64 shoutsSent = 0, shoutsReceived = 0, shoutsStray = 0;
    QMap<QString, quint64> drops; // disconnects we did not ask for, by reason
};

class Slot : public QObject
{
public:
    Slot(int index, const QUrl &url, int leavePerMille, Totals *totals, QObject *parent)
        : QObject(parent), m_index(index), m_url(url), m_leavePerMille(leavePerMille), m_totals(totals)
    {
    }

    void start()
    {
        m_client = std::make_unique<EventClient>();
        m_client->setUrl(m_url);
        m_room.clear();
        m_nextSeq = 0;
        m_expectSeq = 0;
        m_client->on(u"seq-back"_s, [this](const Arguments &args) {
            ++m_totals->seqBack;
            if (args.value(0).toLongLong() != m_expectSeq)
                ++m_totals->seqOutOfOrder;
            m_expectSeq = args.value(0).toLongLong() + 1;
        });
        m_client->on(u"shout"_s, [this](const Arguments &args) {
            ++m_totals->shoutsReceived;
            if (args.value(0).toString() != m_room)
                ++m_totals->shoutsStray;
        });
        connect(m_client.get(), &EventClient::connected, this, [this] {
            ++m_totals->connects;
            const QString room = u"r%1"_s.arg(QRandomGenerator::global()->bounded(16));
            ask(u"join"_s, { room }, [this, room](const Arguments &reply) {
                if (reply.value(0).toString() == room)
                    m_room = room;
            });
        });
        connect(m_client.get(), &EventClient::disconnected, this, [this](const QString &reason) {
            ++m_totals->disconnects;
            if (reason == u"io client disconnect" || m_stopped)
                return; // our own leaving
            // Dropped (a heartbeat missed on a machine too busy, say): counted, and back as a
            // new socket like after a leave.
            ++m_totals->drops[reason];
            m_client.release()->deleteLater();
            QTimer::singleShot(QRandomGenerator::global()->bounded(50, 500), this, [this] {
                if (!m_stopped)
                    start();
            });
        });
        connect(m_client.get(), &EventClient::connectErrorOccurred, this,
                [this] { ++m_totals->connectErrors; });
        m_client->open();
    }

    bool isConnected() const { return m_client && m_client->isConnected(); }
    QString socketId() const { return isConnected() ? m_client->id() : QString(); }

    void act()
    {
        if (!isConnected())
            return;
        // The mix: leaving (--leave per mille), then of the rest 45 % acks, 35 % sequenced
        // events, 20 % shouts to our room.
        if (QRandomGenerator::global()->bounded(1000) < m_leavePerMille) {
            // Leave, come back a little later as a new socket.
            ++m_totals->leaves;
            m_client->close();
            m_client.release()->deleteLater();
            QTimer::singleShot(QRandomGenerator::global()->bounded(50, 500), this, [this] {
                if (!m_stopped)
                    start();
            });
            return;
        }
        const int dice = QRandomGenerator::global()->bounded(1000);
        if (dice < 450) {
            const qint64 n = QRandomGenerator::global()->generate64() & 0xffffff;
            const Arguments payload { n, u"slot %1"_s.arg(m_index), QVariantMap { { u"x"_s, true } } };
            ask(u"echo"_s, payload, [this, payload](const Arguments &reply) {
                if (reply != payload)
                    ++m_totals->acksWrong;
            });
        } else if (dice < 800) {
            ++m_totals->seqSent;
            m_client->send(u"seq"_s, { m_nextSeq++ });
        } else {
            if (!m_room.isEmpty()) {
                ++m_totals->shoutsSent;
                m_client->send(u"shout"_s, { m_room, m_index });
            }
        }
    }

    void stop()
    {
        m_stopped = true;
        if (m_client)
            m_client->close();
    }

private:
    void ask(const QString &event, const Arguments &args, std::function<void(const Arguments &)> check)
    {
        ++m_totals->acksAsked;
        auto calls = std::make_shared<int>(0);
        Totals *t = m_totals;
        m_client->send(event, args, [t, calls, check](const AckResult &r) {
            if (++*calls > 1) {
                ++t->acksTwice;
                return;
            }
            if (r.timedOut)
                ++t->acksTimedOut;
            else if (r.cancelled)
                ++t->acksCancelled;
            else {
                ++t->acksReplied;
                check(r.args);
            }
        }, 10000);
    }

    int m_index;
    QUrl m_url;
    int m_leavePerMille;
    Totals *m_totals;
    std::unique_ptr<EventClient> m_client;
    QString m_room;
    qint64 m_nextSeq = 0;
    qint64 m_expectSeq = 0;
    bool m_stopped = false;
};

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    p.setApplicationDescription(u"Soak: clients connect, emit with acks, join rooms and leave at random against one server, in phases; invariants are checked and the server's memory is compared between phases."_s);
    p.addHelpOption();
    p.addOptions({ { u"server"_s, u"The sockscope binary to start (headless)."_s, u"path"_s },
                   { u"clients"_s, u"Clients held at once (default 1000)."_s, u"N"_s, u"1000"_s },
                   { u"seconds"_s, u"Length of each churn phase (default 60)."_s, u"S"_s, u"60"_s },
                   { u"phases"_s, u"Churn phases, with the server measured after each (default 2; the memory verdict needs 2 or more)."_s, u"N"_s, u"2"_s },
                   { u"rate"_s, u"Actions per second over all clients (default 4000)."_s, u"N"_s, u"4000"_s },
                   { u"leave"_s, u"Per mille of actions that leave and come back as a new socket (default 20)."_s, u"N"_s, u"20"_s },
                   { u"max-heap-growth"_s, u"Largest growth of the server's heap in use from the end of the first churn phase to the end of the last, in KiB, for memory to count as flat (default 512). Without the heap probe, RSS is checked instead."_s, u"KiB"_s, u"512"_s },
                   { u"no-heap-probe"_s, u"Do not preload the heap probe into the server (RSS only; for a server built with a sanitizer)."_s },
                   { u"trim"_s, u"At each measurement the probe also runs malloc_trim(0) in the server and reports the RSS after it."_s },
                   { u"inject-leak"_s, u"Make the server leak BYTES per accepted connection (through the probe), to show that the memory check fails."_s, u"BYTES"_s } });
    p.process(app);
    const int clients = p.value(u"clients"_s).toInt();
    const int seconds = p.value(u"seconds"_s).toInt();
    const int phases = p.value(u"phases"_s).toInt();
    const int rate = qMax(1, p.value(u"rate"_s).toInt());
    const int leavePerMille = qBound(0, p.value(u"leave"_s).toInt(), 1000);
    const qint64 maxGrowthKiB = p.value(u"max-heap-growth"_s).toLongLong();
    const bool useProbe = !p.isSet(u"no-heap-probe"_s);
    if (!p.isSet(u"server"_s) || clients <= 0 || seconds <= 0 || phases <= 0) {
        std::fprintf(stderr, "sockscope-soak: --server, --clients, --seconds and --phases are required (see --help)\n");
        return 2;
    }
    if (p.isSet(u"inject-leak"_s) && !useProbe) {
        std::fprintf(stderr, "sockscope-soak: --inject-leak works through the heap probe\n");
        return 2;
    }

    QProcess server;
    server.setProgram(p.value(u"server"_s));
    server.setArguments({ u"--headless"_s, u"--port"_s, u"0"_s, u"--rules"_s,
                          QStringLiteral(SOCKSCOPE_SOAK_RULES), u"--ping-interval"_s, u"5000"_s,
                          u"--ping-timeout"_s, u"5000"_s });
    server.setProcessChannelMode(QProcess::SeparateChannels);
    QTemporaryDir probeDir;
    const QString probeOut = probeDir.filePath(u"heap.txt"_s);
    if (useProbe) {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        const QString preload = env.value(u"LD_PRELOAD"_s);
        env.insert(u"LD_PRELOAD"_s, QStringLiteral(SOCKSCOPE_HEAPPROBE)
                           + (preload.isEmpty() ? QString() : u' ' + preload));
        env.insert(u"SOCKSCOPE_HEAPPROBE_OUT"_s, probeOut);
        if (p.isSet(u"trim"_s))
            env.insert(u"SOCKSCOPE_HEAPPROBE_TRIM"_s, u"1"_s);
        if (p.isSet(u"inject-leak"_s))
            env.insert(u"SOCKSCOPE_HEAPPROBE_LEAK"_s, p.value(u"inject-leak"_s));
        server.setProcessEnvironment(env);
    }
    server.start();
    if (!server.waitForStarted(10000) || !server.waitForReadyRead(10000)) {
        std::fprintf(stderr, "sockscope-soak: the server did not start\n");
        return 1;
    }
    const QJsonObject listening = QJsonDocument::fromJson(server.readLine()).object();
    const int port = listening.value(u"port"_s).toInt();
    // Read the JSON lines so the server never blocks on its pipe, counting the sockets it says
    // it holds: one "connect" line each, one "disconnect" line when it lets go.
    qint64 serverSockets = 0;
    QSet<QString> serverSocketIds;
    QHash<QString, QString> serverGone; // socket id -> why and when the server let go
    QMap<QString, quint64> serverDisconnectReasons;
    QByteArray pending;
    QObject::connect(&server, &QProcess::readyReadStandardOutput, &server, [&] {
        pending += server.readAllStandardOutput();
        qsizetype from = 0;
        for (qsizetype nl; (nl = pending.indexOf('\n', from)) >= 0; from = nl + 1) {
            const QByteArrayView line(pending.constData() + from, nl - from);
            if (line.contains("\"type\":\"connect\"")) {
                ++serverSockets;
                serverSocketIds.insert(QJsonDocument::fromJson(line.toByteArray())
                                               .object()
                                               .value(u"socket"_s)
                                               .toString());
            } else if (line.contains("\"type\":\"disconnect\"")) {
                --serverSockets;
                const QJsonObject o = QJsonDocument::fromJson(line.toByteArray()).object();
                const QString reason = o.value(u"reason"_s).toString();
                ++serverDisconnectReasons[reason];
                const QString id = o.value(u"socket"_s).toString();
                serverSocketIds.remove(id);
                serverGone.insert(id, reason + u" at "_s + o.value(u"time"_s).toString());
            }
        }
        pending.remove(0, from);
    });
    const qint64 pid = server.processId();
    const QUrl url(u"http://127.0.0.1:%1/"_s.arg(port));

    auto waitUntil = [&](const std::function<bool()> &cond, int ms) {
        QElapsedTimer t;
        t.start();
        while (!cond() && t.elapsed() < ms)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        return cond();
    };

    // One measurement of the server: RSS from /proc, the heap from the probe (on SIGUSR2).
    bool probeAnswered = useProbe;
    auto measure = [&]() {
        HeapSample h;
        if (probeAnswered) {
            QFile f(probeOut);
            const qsizetype before = f.open(QIODevice::ReadOnly) ? f.readAll().count('\n') : 0;
            f.close();
            ::kill(pid_t(pid), SIGUSR2);
            QByteArray last;
            probeAnswered = waitUntil([&] {
                QFile g(probeOut);
                if (!g.open(QIODevice::ReadOnly))
                    return false;
                const QList<QByteArray> lines = g.readAll().split('\n');
                if (lines.size() - 1 <= before)
                    return false;
                last = lines.value(lines.size() - 2);
                return true;
            }, 5000);
            if (probeAnswered)
                h = readProbeLine(last);
            else
                std::printf("(the heap probe did not answer: RSS only)\n");
        }
        if (h.rssKiB < 0)
            h.rssKiB = rssKiB(pid);
        h.anonKiB = statusKiB(pid, "RssAnon"); // the heap's pages among them
        return h;
    };
    const HeapSample idle = measure();

    Totals totals;
    QList<Slot *> pool;
    for (int i = 0; i < clients; ++i)
        pool.append(new Slot(i, url, leavePerMille, &totals, &app));

    auto connectedCount = [&] {
        int n = 0;
        for (Slot *s : pool)
            n += s->isConnected();
        return n;
    };
    auto answered = [&] {
        return totals.acksReplied + totals.acksTimedOut + totals.acksCancelled;
    };

    struct Checkpoint
    {
        QString what;
        quint64 connects = 0; // client connects since the previous checkpoint
        int clientsConnected = 0;
        qint64 serverSockets = 0;
        int mismatched = 0; // sockets held on one side only
        HeapSample heap;
    };
    QList<Checkpoint> checkpoints;
    quint64 connectsSoFar = 0;
    // Everyone back, every ack answered, the server holding exactly our sockets, a moment of
    // quiet; then measure.
    auto checkpoint = [&](const QString &what) {
        waitUntil([&] { return connectedCount() == clients; }, 30000);
        waitUntil([&] { return answered() >= totals.acksAsked; }, 15000);
        waitUntil([&] { return serverSockets == connectedCount(); }, 15000);
        waitUntil([] { return false; }, 1500);
        Checkpoint c;
        c.what = what;
        c.connects = totals.connects - connectsSoFar;
        connectsSoFar = totals.connects;
        c.clientsConnected = connectedCount();
        c.serverSockets = serverSockets;
        c.heap = measure();
        // Any client whose socket the server does not hold, or the other way round, named.
        QSet<QString> clientIds;
        for (Slot *s : std::as_const(pool)) {
            if (s->isConnected())
                clientIds.insert(s->socketId());
        }
        for (const QString &id : std::as_const(clientIds)) {
            if (!serverSocketIds.contains(id) && c.mismatched++ < 5)
                std::printf("  %s: client connected, server %s\n", qPrintable(id),
                            qPrintable(serverGone.value(id, u"never saw it"_s)));
        }
        for (const QString &id : std::as_const(serverSocketIds)) {
            if (!clientIds.contains(id) && c.mismatched++ < 10)
                std::printf("  %s: held by the server, no client connected with it\n", qPrintable(id));
        }
        checkpoints.append(c);
    };

    // 1. Everyone connects (32 at a time), then memory with all held.
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < clients; ++i) {
        pool[i]->start();
        if (i % 32 == 31)
            waitUntil([&] { return connectedCount() > i - 16; }, 5000);
    }
    waitUntil([&] { return connectedCount() == clients; }, 30000);
    std::printf("connected %d clients in %lld ms\n", connectedCount(), clock.elapsed());
    std::fflush(stdout);
    checkpoint(u"%1 clients connected"_s.arg(clients));

    // 2. Churn phases, each followed by a measurement with every client back.
    QTimer tick;
    const int perTick = qMax(1, rate / 100);
    QObject::connect(&tick, &QTimer::timeout, &app, [&] {
        for (int k = 0; k < perTick; ++k)
            pool[QRandomGenerator::global()->bounded(clients)]->act();
    });
    bool aliveThroughout = true;
    for (int phase = 1; phase <= phases; ++phase) {
        tick.start(10);
        waitUntil([] { return false; }, seconds * 1000);
        tick.stop();
        checkpoint(u"after churn %1"_s.arg(phase));
        const Checkpoint &c = checkpoints.last();
        std::printf("churn %d: %llu reconnects; server RSS %lld KiB, heap in use %lld KiB\n", phase,
                    (unsigned long long)c.connects, c.heap.rssKiB,
                    c.heap.inUse < 0 ? -1 : c.heap.inUse / 1024);
        std::fflush(stdout);
        aliveThroughout = aliveThroughout && server.state() == QProcess::Running;
        if (!aliveThroughout)
            break;
    }
    const bool alive = aliveThroughout && server.state() == QProcess::Running;

    for (Slot *s : pool)
        s->stop();
    waitUntil([] { return false; }, 500);
    server.terminate();
    const bool exitedCleanly = server.waitForFinished(10000) && server.exitStatus() == QProcess::NormalExit
            && server.exitCode() == 0;

    const quint64 done = answered();
    std::printf("churn %d x %d s at ~%d actions/s, %d per mille leaving: %llu leaves, "
                "%llu connects, %llu disconnects, %llu connect errors\n",
                phases, seconds, rate, leavePerMille, (unsigned long long)totals.leaves,
                (unsigned long long)totals.connects,
                (unsigned long long)totals.disconnects, (unsigned long long)totals.connectErrors);
    QStringList reasons;
    for (auto it = serverDisconnectReasons.cbegin(); it != serverDisconnectReasons.cend(); ++it)
        reasons.append(u"%1 %2"_s.arg(it.value()).arg(it.key()));
    QStringList drops;
    for (auto it = totals.drops.cbegin(); it != totals.drops.cend(); ++it)
        drops.append(u"%1 %2"_s.arg(it.value()).arg(it.key()));
    std::printf("dropped without leaving (reported; the client came back): %s\n",
                qPrintable(drops.isEmpty() ? u"none"_s : drops.join(u", "_s)));
    std::printf("server-side disconnects: %s\n",
                qPrintable(reasons.isEmpty() ? u"none"_s : reasons.join(u", "_s)));
    std::printf("acks: %llu asked, %llu replied, %llu timed out, %llu cancelled by our own leaving or a drop, "
                "%llu answered twice, %llu wrong replies, %llu unanswered\n",
                (unsigned long long)totals.acksAsked, (unsigned long long)totals.acksReplied,
                (unsigned long long)totals.acksTimedOut, (unsigned long long)totals.acksCancelled,
                (unsigned long long)totals.acksTwice, (unsigned long long)totals.acksWrong,
                (unsigned long long)(totals.acksAsked - qMin(done, totals.acksAsked)));
    std::printf("order: %llu sequenced events, %llu came back, %llu out of order\n",
                (unsigned long long)totals.seqSent, (unsigned long long)totals.seqBack,
                (unsigned long long)totals.seqOutOfOrder);
    std::printf("rooms: %llu shouts sent, %llu deliveries, %llu outside their room\n",
                (unsigned long long)totals.shoutsSent, (unsigned long long)totals.shoutsReceived,
                (unsigned long long)totals.shoutsStray);

    // The memory table: one row per checkpoint.
    auto kib = [](qint64 bytes) { return bytes < 0 ? -1 : (bytes + 512) / 1024; };
    auto kibDelta = [](qint64 bytes) { return bytes < 0 ? -((-bytes + 512) / 1024) : (bytes + 512) / 1024; };
    std::printf("server (memory in KiB; idle before any client: RSS %lld, heap in use %lld):\n",
                idle.rssKiB, kib(idle.inUse));
    std::printf("  %-26s %10s %8s %8s %8s %9s %12s %10s %14s\n", "checkpoint", "reconnects", "clients", "sockets",
                "RSS", "anon RSS", "heap in use", "heap free", "RSS after trim");
    bool socketsMatch = true;
    for (const Checkpoint &c : std::as_const(checkpoints)) {
        socketsMatch = socketsMatch && c.serverSockets == c.clientsConnected
                && c.clientsConnected == clients && c.mismatched == 0;
        std::printf("  %-26s %10llu %8d %8lld %8lld %9lld %12lld %10lld %14lld\n", qPrintable(c.what),
                    (unsigned long long)c.connects, c.clientsConnected, c.serverSockets, c.heap.rssKiB,
                    c.heap.anonKiB,
                    kib(c.heap.inUse), kib(c.heap.free), c.heap.trimmedRssKiB);
    }
    std::printf("sockets: the server held %s the sockets connected at every checkpoint\n",
                socketsMatch ? "exactly" : "NOT");

    // The memory verdict: from the end of the first churn phase to the end of the last.
    bool memoryFlat = true;
    if (checkpoints.size() >= 3) {
        const Checkpoint &warm = checkpoints.at(0), &first = checkpoints.at(1), &last = checkpoints.last();
        quint64 laterConnects = 0;
        for (qsizetype i = 2; i < checkpoints.size(); ++i)
            laterConnects += checkpoints.at(i).connects;
        const bool heap = first.heap.inUse >= 0 && last.heap.inUse >= 0;
        const qint64 rssGrowth = last.heap.rssKiB - first.heap.rssKiB;
        const qint64 heapGrowth = heap ? last.heap.inUse - first.heap.inUse : 0;
        std::printf("churn 1 (settling in): RSS %+lld KiB, heap in use %+lld KiB\n",
                    first.heap.rssKiB - warm.heap.rssKiB,
                    heap ? kibDelta(first.heap.inUse - warm.heap.inUse) : 0);
        std::printf("churn 2..%lld (%llu reconnects) vs churn 1: RSS %+lld KiB, heap in use ",
                    (long long)checkpoints.size() - 1, (unsigned long long)laterConnects, rssGrowth);
        if (heap)
            std::printf("%+lld KiB (%+lld bytes per reconnect)\n", kibDelta(heapGrowth),
                        laterConnects ? heapGrowth / qint64(laterConnects) : 0);
        else
            std::printf("not measured (no heap probe)\n");
        const qint64 growthKiB = heap ? kibDelta(heapGrowth) : rssGrowth;
        memoryFlat = growthKiB <= maxGrowthKiB;
        std::printf("memory: %s (%s growth %+lld KiB, limit %lld KiB)\n",
                    memoryFlat ? "flat" : "GREW", heap ? "heap in use" : "RSS", growthKiB,
                    maxGrowthKiB);
    } else {
        std::printf("memory: not judged (the verdict needs --phases 2 or more)\n");
    }
    std::printf("server alive at the end: %s; clean exit on SIGTERM: %s\n", alive ? "yes" : "NO",
                exitedCleanly ? "yes" : "NO");

    const bool ok = alive && exitedCleanly && totals.acksTwice == 0 && totals.acksWrong == 0
            && done == totals.acksAsked && totals.seqOutOfOrder == 0 && totals.shoutsStray == 0
            && totals.connectErrors == 0 && socketsMatch && memoryFlat;
    std::printf("%s\n", ok ? "PASS: every invariant held" : "FAIL: an invariant was broken");
    return ok ? 0 : 1;
}
