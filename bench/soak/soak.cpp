// sockscope-soak: many clients connecting, emitting with acks, joining rooms and leaving at
// random against one headless server, checking what must always hold:
//   every ack request answered exactly once (reply, timeout or cancel on our own disconnect;
//   timeouts are reported, they mean an overloaded machine, not a broken protocol),
//   each reply equal to its request, per-socket order preserved, no shout outside its room,
//   server memory flat after the churn, and the server still alive at the end.
#include <eventclient.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QTimer>

#include <cstdio>
#include <memory>

using namespace Qt::StringLiterals;
using namespace Sockscope;

namespace {

qint64 rssKiB(qint64 pid)
{
    QFile f(u"/proc/%1/status"_s.arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

struct Totals
{
    quint64 connects = 0, disconnects = 0, connectErrors = 0;
    quint64 acksAsked = 0, acksReplied = 0, acksTimedOut = 0, acksCancelled = 0;
    quint64 acksTwice = 0, acksWrong = 0;
    quint64 seqSent = 0, seqBack = 0, seqOutOfOrder = 0;
    quint64 shoutsSent = 0, shoutsReceived = 0, shoutsStray = 0;
};

class Slot : public QObject
{
public:
    Slot(int index, const QUrl &url, Totals *totals, QObject *parent)
        : QObject(parent), m_index(index), m_url(url), m_totals(totals)
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
        connect(m_client.get(), &EventClient::disconnected, this, [this] { ++m_totals->disconnects; });
        connect(m_client.get(), &EventClient::connectErrorOccurred, this,
                [this] { ++m_totals->connectErrors; });
        m_client->open();
    }

    bool isConnected() const { return m_client && m_client->isConnected(); }

    void act()
    {
        if (!isConnected())
            return;
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
        } else if (dice < 995) {
            if (!m_room.isEmpty()) {
                ++m_totals->shoutsSent;
                m_client->send(u"shout"_s, { m_room, m_index });
            }
        } else {
            // Leave at random, come back a little later as a new socket.
            m_client->close();
            m_client.release()->deleteLater();
            QTimer::singleShot(QRandomGenerator::global()->bounded(50, 500), this, [this] { start(); });
        }
    }

    void stop()
    {
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
    Totals *m_totals;
    std::unique_ptr<EventClient> m_client;
    QString m_room;
    qint64 m_nextSeq = 0;
    qint64 m_expectSeq = 0;
};

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    p.setApplicationDescription(u"Soak: clients connect, emit with acks, join rooms and leave at random against one server; invariants are checked and reported."_s);
    p.addHelpOption();
    p.addOptions({ { u"server"_s, u"The sockscope binary to start (headless)."_s, u"path"_s },
                   { u"clients"_s, u"Clients held at once (default 1000)."_s, u"N"_s, u"1000"_s },
                   { u"seconds"_s, u"Length of the churn (default 60)."_s, u"S"_s, u"60"_s },
                   { u"rate"_s, u"Actions per second over all clients (default 4000)."_s, u"N"_s, u"4000"_s } });
    p.process(app);
    const int clients = p.value(u"clients"_s).toInt();
    const int seconds = p.value(u"seconds"_s).toInt();
    const int rate = qMax(1, p.value(u"rate"_s).toInt());
    if (!p.isSet(u"server"_s) || clients <= 0 || seconds <= 0) {
        std::fprintf(stderr, "sockscope-soak: --server, --clients and --seconds are required (see --help)\n");
        return 2;
    }

    QProcess server;
    server.setProgram(p.value(u"server"_s));
    server.setArguments({ u"--headless"_s, u"--port"_s, u"0"_s, u"--rules"_s,
                          QStringLiteral(SOCKSCOPE_SOAK_RULES), u"--ping-interval"_s, u"5000"_s,
                          u"--ping-timeout"_s, u"5000"_s });
    server.setProcessChannelMode(QProcess::SeparateChannels);
    server.start();
    if (!server.waitForStarted(10000) || !server.waitForReadyRead(10000)) {
        std::fprintf(stderr, "sockscope-soak: the server did not start\n");
        return 1;
    }
    const QJsonObject listening = QJsonDocument::fromJson(server.readLine()).object();
    const int port = listening.value(u"port"_s).toInt();
    // Drain the JSON lines (they are not checked here) so the server never blocks on its pipe.
    QObject::connect(&server, &QProcess::readyReadStandardOutput, &server,
                     [&server] { server.readAllStandardOutput(); });
    const qint64 pid = server.processId();
    const QUrl url(u"http://127.0.0.1:%1/"_s.arg(port));
    const qint64 rssIdle = rssKiB(pid);

    Totals totals;
    QList<Slot *> pool;
    for (int i = 0; i < clients; ++i)
        pool.append(new Slot(i, url, &totals, &app));

    auto connectedCount = [&] {
        int n = 0;
        for (Slot *s : pool)
            n += s->isConnected();
        return n;
    };
    auto waitUntil = [&](const std::function<bool()> &cond, int ms) {
        QElapsedTimer t;
        t.start();
        while (!cond() && t.elapsed() < ms)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        return cond();
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
    waitUntil([] { return false; }, 1000);
    const qint64 rssWarm = rssKiB(pid);
    std::printf("connected %d clients in %lld ms; server RSS %lld KiB (idle %lld KiB)\n",
                connectedCount(), clock.elapsed(), rssWarm, rssIdle);

    // 2. Churn.
    QTimer tick;
    const int perTick = qMax(1, rate / 100);
    QObject::connect(&tick, &QTimer::timeout, &app, [&] {
        for (int k = 0; k < perTick; ++k)
            pool[QRandomGenerator::global()->bounded(clients)]->act();
    });
    tick.start(10);
    waitUntil([] { return false; }, seconds * 1000);
    tick.stop();

    // 3. Settle: everyone back, every ack answered, then memory again.
    waitUntil([&] { return connectedCount() == clients; }, 30000);
    waitUntil([&] {
        return totals.acksReplied + totals.acksTimedOut + totals.acksCancelled >= totals.acksAsked;
    }, 15000);
    waitUntil([] { return false; }, 1500);
    const qint64 rssAfter = rssKiB(pid);
    const bool alive = server.state() == QProcess::Running;

    for (Slot *s : pool)
        s->stop();
    waitUntil([] { return false; }, 500);
    server.terminate();
    const bool exitedCleanly = server.waitForFinished(10000) && server.exitStatus() == QProcess::NormalExit
            && server.exitCode() == 0;

    const quint64 answered = totals.acksReplied + totals.acksTimedOut + totals.acksCancelled;
    std::printf("churn %d s at ~%d actions/s: %llu connects, %llu disconnects, %llu connect errors\n",
                seconds, rate, (unsigned long long)totals.connects,
                (unsigned long long)totals.disconnects, (unsigned long long)totals.connectErrors);
    std::printf("acks: %llu asked, %llu replied, %llu timed out, %llu cancelled by our own leaving, "
                "%llu answered twice, %llu wrong replies, %llu unanswered\n",
                (unsigned long long)totals.acksAsked, (unsigned long long)totals.acksReplied,
                (unsigned long long)totals.acksTimedOut, (unsigned long long)totals.acksCancelled,
                (unsigned long long)totals.acksTwice, (unsigned long long)totals.acksWrong,
                (unsigned long long)(totals.acksAsked - qMin(answered, totals.acksAsked)));
    std::printf("order: %llu sequenced events, %llu came back, %llu out of order\n",
                (unsigned long long)totals.seqSent, (unsigned long long)totals.seqBack,
                (unsigned long long)totals.seqOutOfOrder);
    std::printf("rooms: %llu shouts sent, %llu deliveries, %llu outside their room\n",
                (unsigned long long)totals.shoutsSent, (unsigned long long)totals.shoutsReceived,
                (unsigned long long)totals.shoutsStray);
    std::printf("server RSS: %lld KiB with %d clients before the churn, %lld KiB after (%+lld KiB); "
                "alive at the end: %s; clean exit on SIGTERM: %s\n",
                rssWarm, clients, rssAfter, rssAfter - rssWarm, alive ? "yes" : "NO",
                exitedCleanly ? "yes" : "NO");

    const bool ok = alive && exitedCleanly && totals.acksTwice == 0 && totals.acksWrong == 0
            && answered == totals.acksAsked && totals.seqOutOfOrder == 0 && totals.shoutsStray == 0
            && totals.connectErrors == 0;
    std::printf("%s\n", ok ? "PASS: every invariant held" : "FAIL: an invariant was broken");
    return ok ? 0 : 1;
}
