// sockscope-loadgen: drives a Socket.IO server (ours, the official Node.js one, or the bare
// QWebSocketServer echo in bench/bare_echo) over 127.0.0.1 and prints one JSON line of results.
// It speaks Engine.IO / Socket.IO as wire text (42<id>["message-with-ack",…] out, 43<id>[…]
// back) so that it costs little per message, and it reports its own CPU use beside the
// server's, so a saturated generator is visible. See bench/README section in the top README.
//
// Scenarios (the server runs resources/rules/protocol-contract.json or the same behaviour):
//   echo      --clients sockets each keeping --inflight "message-with-ack" events in flight;
//             acks/s and the round trip (median, p99)
//   polling   the same over HTTP long-polling (keep-alive GET + POST per client)
//   fanout    --clients sockets; one of them emits "broadcast" (the server sends it to the whole
//             namespace, sender included), --window broadcasts in flight; deliveries/s and the
//             time until the last socket has one
//   connrate  --concurrency handshakes at a time (WebSocket upgrade, Engine.IO open, Socket.IO
//             CONNECT answered), each connection reset as soon as it is connected; handshakes/s
//   idle      connects up to each of --idle counts and holds them; server RSS per connection
//   slow      --slow-clients stalled readers (WebSocket, CONNECT to "/", a --rcvbuf SO_RCVBUF,
//             then never read again nor answer a ping), one flooder emitting "broadcast" with a
//             --broadcast-bytes string argument, --window broadcasts in flight (one completes
//             when the flooder and the probe have it back), and one well-behaved probe client
//             keeping --inflight (default 1) "message-with-ack" events in flight. Reports the
//             server's peak RSS (read every 100 ms from the flood's start), the probe's acks/s
//             and round trip, the broadcasts sent, and the stalled connections the server
//             closed; the run stops early once the server's RSS passes --rss-cap-mib.
// With --parser msgpack (echo over WebSocket only) the Socket.IO packets are msgpack maps in
// binary frames, as the msgpack parser sends them: CONNECT {type:0,nsp:"/"}, each event
// {type:2,nsp:"/",id:N,data:["message-with-ack",{bin:<--payload bytes>,from:"loadgen",n:42}]}
// (binary-heavy: the blob is bin 8/16/32 by its size), and the ack {type:3,nsp:"/",id:N,
// data:[…]} read for its type and id, its data compared byte for byte with the arguments sent.
// With --acks N (echo, polling) the sockets send N events in all and the run ends when the
// last one is answered, instead of after --warmup and --seconds: a fixed amount of work, for
// counting the server's instructions (bench/callgrind.sh).
#include "eioclient.h"
#include "msgpackwire.h"
#include "pollclient.h"
#include "procstats.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include <mutex>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace Loadgen;

namespace {

enum class Scenario { Echo, Polling, Fanout, ConnRate, Idle, Slow };

struct Config
{
    Scenario scenario = Scenario::Echo;
    QString scenarioName;
    quint16 port = 0;
    int clients = 50;
    int inflight = 10;
    int window = 8;
    int concurrency = 32;
    int payloadBytes = 100;
    double seconds = 3;
    double warmup = 1;
    double settle = 1;
    int threads = 1;
    qint64 serverPid = 0;
    QList<int> idleTargets { 2000, 10000 };
    WsLink::Kind link = WsLink::Kind::Lean;
    bool msgpack = false; // --parser msgpack
    qint64 acks = 0; // echo, polling: events to send in all (0: as many as time allows)
    // slow
    int slowClients = 5;
    int receiveBuffer = 4096;
    int broadcastBytes = 65536;
    qint64 rssCapKiB = 4096 * 1024;
};

enum Phase { Setup = 0, Measure = 1, Done = 2 };
std::atomic<int> g_phase { Setup };
std::atomic<int> g_ready { 0 };
std::atomic<int> g_closed { 0 };
// --acks: events still to send, and acks received in every phase.
std::atomic<qint64> g_unsent { 0 };
std::atomic<qint64> g_answered { 0 };

bool measuring()
{
    return g_phase.load(std::memory_order_relaxed) == Measure;
}

struct Results
{
    quint64 ops = 0; // acks, handshakes or completed broadcasts
    quint64 deliveries = 0; // fanout: messages received
    quint64 bad = 0; // replies not equal to their request
    quint64 errors = 0;
    QString firstError;
    std::vector<quint32> latencyUs;
};

// The ~payloadBytes JSON object sent as the argument (keys in alphabetical order, so that a
// server that sorts keys sends back the same bytes).
QByteArray makeArgs(int bytes, const QByteArray &head)
{
    QByteArray a = "{" + head + "\"text\":\"";
    const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    for (int i = 0; a.size() + 2 < bytes; ++i)
        a.append(alphabet[i % 36]);
    a.append("\"}");
    return a;
}

// msgpack: the argument {bin: <bytes> blob, from: "loadgen", n: 42} (keys in alphabetical
// order, as for JSON).
QByteArray makeMsgpackArgs(int bytes)
{
    QByteArray blob(bytes, Qt::Uninitialized);
    for (int i = 0; i < bytes; ++i)
        blob[i] = char((i * 131 + 7) & 0xff);
    QByteArray a;
    MsgpackWire::appendFixMap(&a, 3);
    MsgpackWire::appendStr(&a, "bin");
    MsgpackWire::appendBin(&a, blob);
    MsgpackWire::appendStr(&a, "from");
    MsgpackWire::appendStr(&a, "loadgen");
    MsgpackWire::appendStr(&a, "n");
    MsgpackWire::appendUint(&a, 42);
    return a;
}

qint64 parseDigits(QByteArrayView v, qsizetype *pos)
{
    qint64 n = 0;
    qsizetype i = *pos;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9')
        n = n * 10 + (v[i++] - '0');
    const bool any = i > *pos;
    *pos = i;
    return any ? n : -1;
}

class Worker : public QObject, public EioHandler
{
public:
    Worker(const Config &config, int firstIndex, int count)
        : m_config(config), m_first(firstIndex), m_count(count)
    {
    }
    virtual void begin() = 0;
    virtual void stop()
    {
        const auto peers = findChildren<Peer *>(Qt::FindDirectChildrenOnly);
        for (Peer *p : peers)
            p->abort();
    }
    Results results;

protected:
    Peer *makePeer(int index, bool polling = false)
    {
        Peer *p = nullptr;
        if (polling) {
            p = new PollClient(m_config.port, this, this);
        } else {
            auto *ws = new EioClient(m_config.link, m_config.port, this, this);
            ws->setMsgpack(m_config.msgpack);
            p = ws;
        }
        p->index = index;
        p->startedAtNs = nowNs();
        return p;
    }
    void noteError(const QString &why)
    {
        ++results.errors;
        if (results.firstError.isEmpty())
            results.firstError = why;
    }
    void clientClosed(Peer *, const QString &why) override
    {
        if (g_phase.load() != Done) {
            noteError(why);
            g_closed.fetch_add(1);
        }
    }
    void record(qint64 startNs)
    {
        results.latencyUs.push_back(quint32(qMin<qint64>((nowNs() - startNs) / 1000, UINT32_MAX)));
    }

    const Config &m_config;
    int m_first;
    int m_count;
};

// echo and polling: each client keeps `inflight` acks outstanding.
class EchoWorker final : public Worker
{
public:
    EchoWorker(const Config &c, int first, int count, bool polling)
        : Worker(c, first, count), m_polling(polling)
    {
        if (c.msgpack) {
            m_args = makeMsgpackArgs(c.payloadBytes);
            MsgpackWire::appendFixArray(&m_expected, 1);
            m_expected.append(m_args);
        } else {
            m_args = makeArgs(c.payloadBytes, "\"from\":\"loadgen\",\"n\":42,");
            m_expected = '[' + m_args + ']';
        }
        m_ring = 1;
        while (m_ring < 2 * c.inflight)
            m_ring <<= 1;
        m_sentAt.assign(size_t(count) * size_t(m_ring), 0);
        m_nextId.assign(size_t(count), 0);
        results.latencyUs.reserve(1 << 20);
    }
    void begin() override
    {
        for (int i = 0; i < m_count; ++i)
            makePeer(i, m_polling)->start();
    }

private:
    void send(Peer *p)
    {
        if (m_config.acks > 0 && g_unsent.fetch_sub(1) <= 0)
            return;
        const qint64 id = m_nextId[size_t(p->index)]++;
        m_sentAt[size_t(p->index) * size_t(m_ring) + size_t(id & (m_ring - 1))] = nowNs();
        m_frame.resize(0);
        if (m_config.msgpack) {
            // {type:2, nsp:"/", id:N, data:["message-with-ack", args]}
            MsgpackWire::appendFixMap(&m_frame, 4);
            MsgpackWire::appendStr(&m_frame, "type");
            MsgpackWire::appendUint(&m_frame, 2);
            MsgpackWire::appendStr(&m_frame, "nsp");
            MsgpackWire::appendStr(&m_frame, "/");
            MsgpackWire::appendStr(&m_frame, "id");
            MsgpackWire::appendUint(&m_frame, quint64(id));
            MsgpackWire::appendStr(&m_frame, "data");
            MsgpackWire::appendFixArray(&m_frame, 2);
            MsgpackWire::appendStr(&m_frame, "message-with-ack");
            m_frame.append(m_args);
            p->sendBinary(m_frame);
            return;
        }
        m_frame.append("42").append(QByteArray::number(id)).append("[\"message-with-ack\",");
        m_frame.append(m_args).append(']');
        p->sendRaw(m_frame);
    }
    void clientReady(Peer *p) override
    {
        g_ready.fetch_add(1);
        for (int i = 0; i < m_config.inflight; ++i)
            send(p);
    }
    void clientPacket(Peer *p, QByteArrayView packet) override
    {
        if (!packet.startsWith('3'))
            return; // "auth" on connect, …
        qsizetype pos = 1;
        const qint64 id = parseDigits(packet, &pos);
        if (id < 0)
            return;
        answered(p, id, packet.sliced(pos) == QByteArrayView(m_expected));
    }
    void clientBinary(Peer *p, QByteArrayView packet) override
    {
        MsgpackWire::Packet ack;
        if (!MsgpackWire::readPacket(packet, &ack)) {
            // Not a packet we can read: counted, though no ack can be matched to it.
            ++results.bad;
            return;
        }
        if (ack.type != 3 || ack.id < 0)
            return; // "auth" on connect, …
        answered(p, ack.id, ack.data == QByteArrayView(m_expected));
    }
    void answered(Peer *p, qint64 id, bool good)
    {
        if (!good)
            ++results.bad;
        if (m_config.acks > 0)
            g_answered.fetch_add(1);
        if (measuring()) {
            ++results.ops;
            record(m_sentAt[size_t(p->index) * size_t(m_ring) + size_t(id & (m_ring - 1))]);
        }
        send(p);
    }

    bool m_polling;
    QByteArray m_args;
    QByteArray m_expected;
    QByteArray m_frame;
    int m_ring;
    std::vector<qint64> m_sentAt;
    std::vector<qint64> m_nextId;
};

// fanout: the state all workers share.
struct FanoutShared
{
    int receivers = 0;
    int window = 0;
    std::unique_ptr<std::atomic<int>[]> count;
    std::unique_ptr<std::atomic<qint64>[]> sentAt;
};

class FanoutWorker final : public Worker
{
public:
    FanoutWorker(const Config &c, int first, int count, FanoutShared *shared)
        : Worker(c, first, count), m_shared(shared)
    {
        m_prefix = "2[\"broadcast\",{\"n\":";
        results.latencyUs.reserve(1 << 18);
    }
    void begin() override
    {
        for (int i = 0; i < m_count; ++i) {
            Peer *p = makePeer(m_first + i);
            if (p->index == 0)
                m_sender = p;
            p->start();
        }
    }
    // Worker 0 only: the first `window` broadcasts; each completed one sends the next.
    void startSending()
    {
        for (int i = 0; i < m_shared->window; ++i)
            sendOne();
    }
    FanoutWorker *senderWorker = nullptr;

private:
    void sendOne()
    {
        if (!m_sender || g_phase.load() == Done)
            return;
        const qint64 seq = m_nextSeq++;
        const int slot = int(seq % m_shared->window);
        m_shared->count[slot].store(0);
        m_shared->sentAt[slot].store(nowNs());
        m_frame.resize(0);
        m_frame.append("4").append(m_prefix).append(QByteArray::number(seq)).append(m_tail);
        m_sender->sendRaw(m_frame);
    }
    void clientReady(Peer *) override { g_ready.fetch_add(1); }
    void clientPacket(Peer *, QByteArrayView packet) override
    {
        if (!packet.startsWith(QByteArrayView(m_prefix)))
            return;
        qsizetype pos = m_prefix.size();
        const qint64 seq = parseDigits(packet, &pos);
        if (seq < 0)
            return;
        if (packet.sliced(pos) != QByteArrayView(m_tail))
            ++results.bad;
        const bool m = measuring();
        if (m)
            ++results.deliveries;
        const int slot = int(seq % m_shared->window);
        if (m_shared->count[slot].fetch_add(1) + 1 == m_shared->receivers) {
            if (m) {
                ++results.ops;
                record(m_shared->sentAt[slot].load());
            }
            FanoutWorker *s = senderWorker;
            if (s == this)
                sendOne();
            else
                QMetaObject::invokeMethod(s, [s] { s->sendOne(); }, Qt::QueuedConnection);
        }
    }

    FanoutShared *m_shared;
    Peer *m_sender = nullptr;
    qint64 m_nextSeq = 0;
    QByteArray m_prefix;
    QByteArray m_frame;

public:
    QByteArray m_tail; // ",\"text\":\"…\"}]" after the sequence number
};

// slow: the state both workers share. Worker "flood" holds the stalled readers and the flooder,
// worker "probe" the well-behaved client; a broadcast completes when both readers have it.
struct SlowShared
{
    static constexpr int receivers = 2; // the flooder (the namespace includes the sender), the probe
    int window = 0;
    std::unique_ptr<std::atomic<int>[]> count;
    std::atomic<qint64> sent { 0 };
    std::atomic<qint64> completed { 0 };
    std::atomic<qint64> probeReceived { 0 };
    std::mutex mutex; // guards stalledFds
    std::vector<int> stalledFds; // parked: nobody reads them
};

class SlowWorker final : public Worker
{
public:
    enum class Role { Flood, Probe };
    SlowWorker(const Config &c, Role role, SlowShared *shared)
        : Worker(c, 0, 1), m_role(role), m_shared(shared)
    {
        m_prefix = "2[\"broadcast\",\"";
        const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
        m_filler.resize(c.broadcastBytes);
        for (int i = 0; i < c.broadcastBytes; ++i)
            m_filler[i] = alphabet[i % 36];
        m_filler[0] = '-';
        if (c.msgpack) {
            m_args = makeMsgpackArgs(c.payloadBytes);
            MsgpackWire::appendFixArray(&m_expected, 1);
            m_expected.append(m_args);
        } else {
            m_args = makeArgs(c.payloadBytes, "\"from\":\"loadgen\",\"n\":42,");
            m_expected = '[' + m_args + ']';
        }
        m_ring = 1;
        while (m_ring < 2 * c.inflight)
            m_ring <<= 1;
        m_sentAt.assign(size_t(m_ring), 0);
        results.latencyUs.reserve(1 << 20);
    }
    ~SlowWorker() override { closeStalled(); }
    void begin() override
    {
        if (m_role == Role::Probe) {
            m_client = makePeer(0);
            m_client->start();
            return;
        }
        // The stalled readers use the lean link: it takes SO_RCVBUF and can be parked.
        for (int i = 0; i < m_config.slowClients; ++i) {
            auto *p = new EioClient(WsLink::Kind::Lean, m_config.port, this, this);
            p->index = 1 + i;
            p->startedAtNs = nowNs();
            p->setReceiveBufferSize(m_config.receiveBuffer);
            p->start();
        }
        m_client = makePeer(0);
        m_client->start();
    }
    void stop() override
    {
        Worker::stop();
        closeStalled();
    }
    // Flood worker only: the first `window` broadcasts; each completed one sends the next.
    void startSending()
    {
        for (int i = 0; i < m_shared->window; ++i)
            sendBroadcast();
    }
    void sendBroadcast()
    {
        if (!m_client || g_phase.load() == Done)
            return;
        const qint64 seq = m_shared->sent.fetch_add(1);
        m_shared->count[seq % m_shared->window].store(0);
        const QByteArray digits = QByteArray::number(seq);
        m_frame.resize(0);
        m_frame.append('4').append(m_prefix).append(digits);
        m_frame.append(m_filler.constData(), qMax<qsizetype>(0, m_filler.size() - digits.size()));
        m_frame.append("\"]");
        m_client->sendRaw(m_frame);
    }
    SlowWorker *floodWorker = nullptr;

private:
    void sendAck()
    {
        if (g_phase.load() == Done)
            return;
        const qint64 id = m_nextId++;
        m_sentAt[size_t(id & (m_ring - 1))] = nowNs();
        m_frame.resize(0);
        m_frame.append("42").append(QByteArray::number(id)).append("[\"message-with-ack\",");
        m_frame.append(m_args).append(']');
        m_client->sendRaw(m_frame);
    }
    void clientReady(Peer *p) override
    {
        if (p != m_client) {
            // A stalled reader: from now on nobody reads its socket.
            const int fd = p->park();
            if (fd < 0) {
                noteError(QStringLiteral("a stalled reader could not be parked"));
                g_closed.fetch_add(1);
                return;
            }
            std::lock_guard<std::mutex> lock(m_shared->mutex);
            m_shared->stalledFds.push_back(fd);
        } else if (m_role == Role::Probe) {
            for (int i = 0; i < m_config.inflight; ++i)
                sendAck();
        }
        g_ready.fetch_add(1);
    }
    void clientPacket(Peer *, QByteArrayView packet) override
    {
        if (m_role == Role::Probe && packet.startsWith('3')) {
            qsizetype pos = 1;
            const qint64 id = parseDigits(packet, &pos);
            if (id < 0)
                return;
            if (packet.sliced(pos) != QByteArrayView(m_expected))
                ++results.bad;
            if (measuring()) {
                ++results.ops;
                record(m_sentAt[size_t(id & (m_ring - 1))]);
            }
            sendAck();
            return;
        }
        if (!packet.startsWith(QByteArrayView(m_prefix)))
            return; // "auth" on connect, …
        qsizetype pos = m_prefix.size();
        const qint64 seq = parseDigits(packet, &pos);
        if (seq < 0)
            return;
        if (packet.size() != m_prefix.size() + m_filler.size() + 2)
            ++results.bad;
        if (m_role == Role::Probe)
            m_shared->probeReceived.fetch_add(1);
        if (m_shared->count[seq % m_shared->window].fetch_add(1) + 1 == SlowShared::receivers) {
            m_shared->completed.fetch_add(1);
            SlowWorker *f = floodWorker;
            if (f == this)
                sendBroadcast();
            else
                QMetaObject::invokeMethod(f, [f] { f->sendBroadcast(); }, Qt::QueuedConnection);
        }
    }
    void closeStalled()
    {
        std::lock_guard<std::mutex> lock(m_shared->mutex);
        if (m_role != Role::Flood)
            return;
        for (int fd : m_shared->stalledFds) {
            struct linger l = { 1, 0 }; // a reset: the server frees what it queued at once
            ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
            ::close(fd);
        }
        m_shared->stalledFds.clear();
    }

    Role m_role;
    SlowShared *m_shared;
    Peer *m_client = nullptr; // the flooder or the probe
    QByteArray m_prefix;
    QByteArray m_filler;
    QByteArray m_frame;
    QByteArray m_args;
    QByteArray m_expected;
    int m_ring;
    std::vector<qint64> m_sentAt;
    qint64 m_nextId = 0;
};

// The stalled readers the server has closed. A stalled reader never reads, so it would see the
// server's FIN only behind everything queued for it: the server's end of each connection is
// looked up in /proc/net/tcp instead (not ESTABLISHED or gone: closed), and our end is polled
// for a reset. That is the TCP close: a server that sends a WebSocket close frame first and
// waits for the answer (Node's ws waits 30 s) counts only once it drops the connection.
class StalledWatch
{
public:
    StalledWatch(quint16 serverPort, const std::vector<int> &fds) : m_serverPort(serverPort)
    {
        for (int fd : fds) {
            sockaddr_in local = {};
            socklen_t len = sizeof local;
            ::getsockname(fd, reinterpret_cast<sockaddr *>(&local), &len);
            m_fds.push_back(fd);
            m_ports.push_back(ntohs(local.sin_port));
            m_closed.push_back(false);
        }
    }
    // The number closed so far (once closed, a connection stays counted).
    int check()
    {
        const QHash<quint32, int> states = tcpStatesByPorts();
        int closed = 0;
        for (size_t i = 0; i < m_fds.size(); ++i) {
            if (!m_closed[i]) {
                const int state = states.value(quint32(m_serverPort) << 16 | m_ports[i], 0);
                pollfd pfd = { m_fds[i], POLLRDHUP, 0 };
                const bool reset = ::poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLERR));
                m_closed[i] = state != 1 || reset; // 1: TCP_ESTABLISHED
            }
            closed += m_closed[i] ? 1 : 0;
        }
        return closed;
    }

private:
    quint16 m_serverPort;
    std::vector<int> m_fds;
    std::vector<quint16> m_ports;
    std::vector<bool> m_closed;
};

// connrate: `slots` handshakes at a time, each connection reset once connected.
class ConnRateWorker final : public Worker
{
public:
    ConnRateWorker(const Config &c, int first, int count) : Worker(c, first, count)
    {
        results.latencyUs.reserve(1 << 18);
    }
    void begin() override
    {
        for (int i = 0; i < m_count; ++i)
            spawn();
    }

private:
    void spawn()
    {
        if (g_phase.load() == Done || results.errors > 10000)
            return;
        makePeer(0)->start();
    }
    void clientReady(Peer *p) override
    {
        if (measuring()) {
            ++results.ops;
            record(p->startedAtNs);
        }
        p->abort();
        spawn();
    }
    void clientPacket(Peer *, QByteArrayView) override { }
    void clientClosed(Peer *p, const QString &why) override
    {
        Worker::clientClosed(p, why);
        spawn();
    }
};

// idle: connections held; the target grows in steps. Connected sockets are parked (see
// WsLink::detach) so that the generator's event loop does not poll thousands of them.
class IdleWorker final : public Worker
{
public:
    using Worker::Worker;
    ~IdleWorker() override { closeParked(); }
    void begin() override { }
    void stop() override
    {
        Worker::stop();
        closeParked();
    }
    void setTarget(int target)
    {
        m_target = target;
        spawnMore();
    }

private:
    void spawnMore()
    {
        while (m_started - m_failed < m_target && m_pending < m_config.concurrency / m_config.threads + 1) {
            ++m_started;
            ++m_pending;
            makePeer(m_started)->start();
        }
    }
    void clientReady(Peer *p) override
    {
        --m_pending;
        g_ready.fetch_add(1);
        p->sentAtNs = nowNs(); // marks it connected
        const int fd = p->park();
        if (fd >= 0)
            m_parked.push_back(fd);
        spawnMore();
    }
    void closeParked()
    {
        for (int fd : m_parked) {
            struct linger l = { 1, 0 };
            ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
            ::close(fd);
        }
        m_parked.clear();
    }
    std::vector<int> m_parked;
    void clientPacket(Peer *, QByteArrayView) override { }
    void clientClosed(Peer *p, const QString &why) override
    {
        if (g_phase.load() != Done)
            noteError(why);
        if (p->sentAtNs) { // it was connected (and could not be parked)
            g_ready.fetch_sub(1);
            ++m_failed;
            spawnMore();
            return;
        }
        --m_pending;
        ++m_failed;
        if (results.errors < 1000)
            spawnMore();
    }
    int m_target = 0;
    int m_started = 0;
    int m_failed = 0;
    int m_pending = 0;
};

void sleepSeconds(double s)
{
    std::this_thread::sleep_for(std::chrono::microseconds(qint64(s * 1e6)));
}

// Waits until pred() or timeout; false on timeout.
template<class Pred>
bool waitFor(Pred pred, double timeoutSeconds)
{
    const qint64 end = nowNs() + qint64(timeoutSeconds * 1e9);
    while (!pred()) {
        if (nowNs() > end)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

double pct(std::vector<quint32> &v, double p)
{
    if (v.empty())
        return -1;
    const size_t k = std::min(v.size() - 1, size_t(p * double(v.size())));
    std::nth_element(v.begin(), v.begin() + qsizetype(k), v.end());
    return double(v[k]) / 1000.0;
}

int fail(const QString &message)
{
    std::fprintf(stderr, "sockscope-loadgen: %s\n", qPrintable(message));
    return 2;
}

} // namespace

int main(int argc, char *argv[])
{
    // Qt's poll() dispatcher: glib's costs more per socket notifier change, and a cheap
    // generator is one that does not saturate before the server does.
    if (qEnvironmentVariableIsEmpty("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"sockscope-loadgen"_s);
    QCommandLineParser p;
    p.setApplicationDescription(u"Load generator for Socket.IO servers on 127.0.0.1 (see bench/run.sh)."_s);
    p.addHelpOption();
    p.addOptions({
            { u"port"_s, u"Server port on 127.0.0.1."_s, u"port"_s },
            { u"scenario"_s, u"echo, polling, fanout, connrate, idle or slow."_s, u"name"_s, u"echo"_s },
            { u"clients"_s, u"Sockets (echo, polling: 50; fanout: receivers, sender included)."_s, u"n"_s },
            { u"inflight"_s, u"Acks in flight per socket (echo, polling: default 10; slow: the probe's, default 1)."_s, u"n"_s, u"10"_s },
            { u"window"_s, u"Broadcasts in flight (fanout, slow; default 8)."_s, u"n"_s, u"8"_s },
            { u"slow-clients"_s, u"slow: stalled readers (default 5; 0 measures the probe without them)."_s, u"n"_s, u"5"_s },
            { u"rcvbuf"_s, u"slow: SO_RCVBUF of each stalled reader, set before it connects (default 4096)."_s, u"bytes"_s, u"4096"_s },
            { u"broadcast-bytes"_s, u"slow: length of the broadcast's string argument (default 65536)."_s, u"bytes"_s, u"65536"_s },
            { u"rss-cap-mib"_s, u"slow: stop the flood once the server's RSS passes this (default 4096)."_s, u"MiB"_s, u"4096"_s },
            { u"concurrency"_s, u"Handshakes at a time (connrate, idle; default 32)."_s, u"n"_s, u"32"_s },
            { u"idle"_s, u"Connection counts to hold in turn (default 2000,10000)."_s, u"list"_s, u"2000,10000"_s },
            { u"payload"_s, u"Bytes of the JSON argument; with --parser msgpack, of its binary blob (default 100)."_s, u"bytes"_s, u"100"_s },
            { u"parser"_s, u"Socket.IO parser: json (text, default) or msgpack (msgpack maps in binary frames; echo only)."_s, u"name"_s, u"json"_s },
            { u"seconds"_s, u"Measuring time (default 3)."_s, u"s"_s, u"3"_s },
            { u"warmup"_s, u"Time before measuring (default 1)."_s, u"s"_s, u"1"_s },
            { u"settle"_s, u"idle: wait before reading the RSS (default 1)."_s, u"s"_s, u"1"_s },
            { u"threads"_s, u"Generator threads (default 1)."_s, u"n"_s, u"1"_s },
            { u"server-pid"_s, u"PID of the server, for its CPU and RSS."_s, u"pid"_s },
            { u"link"_s, u"WebSocket client: lean (own framing, default) or qt (QWebSocket)."_s, u"kind"_s, u"lean"_s },
            { u"label"_s, u"Free text copied into the output (e.g. the server's name)."_s, u"text"_s },
            { u"acks"_s, u"echo, polling: send this many events in all and stop when all are answered (instead of --warmup and --seconds; --seconds becomes the time limit, at least 600)."_s, u"n"_s },
    });
    p.process(app);

    Config c;
    c.scenarioName = p.value(u"scenario"_s);
    const QHash<QString, Scenario> names { { u"echo"_s, Scenario::Echo },
                                           { u"polling"_s, Scenario::Polling },
                                           { u"fanout"_s, Scenario::Fanout },
                                           { u"connrate"_s, Scenario::ConnRate },
                                           { u"idle"_s, Scenario::Idle },
                                           { u"slow"_s, Scenario::Slow } };
    if (!names.contains(c.scenarioName))
        return fail(u"unknown scenario %1"_s.arg(c.scenarioName));
    c.scenario = names.value(c.scenarioName);
    c.port = quint16(p.value(u"port"_s).toUInt());
    if (c.port == 0)
        return fail(u"--port is required"_s);
    c.clients = p.value(u"clients"_s).toInt();
    if (c.clients <= 0)
        c.clients = c.scenario == Scenario::Fanout ? 200 : 50;
    c.inflight = qMax(1, p.value(u"inflight"_s).toInt());
    if (c.scenario == Scenario::Slow && !p.isSet(u"inflight"_s))
        c.inflight = 1;
    c.slowClients = qMax(0, p.value(u"slow-clients"_s).toInt());
    c.receiveBuffer = qMax(0, p.value(u"rcvbuf"_s).toInt());
    c.broadcastBytes = qMax(32, p.value(u"broadcast-bytes"_s).toInt());
    c.rssCapKiB = qMax<qint64>(1, p.value(u"rss-cap-mib"_s).toLongLong()) * 1024;
    c.window = qMax(1, p.value(u"window"_s).toInt());
    c.concurrency = qMax(1, p.value(u"concurrency"_s).toInt());
    c.payloadBytes = qMax(40, p.value(u"payload"_s).toInt());
    c.seconds = qMax(0.2, p.value(u"seconds"_s).toDouble());
    c.warmup = qMax(0.0, p.value(u"warmup"_s).toDouble());
    c.settle = qMax(0.0, p.value(u"settle"_s).toDouble());
    c.threads = qBound(1, p.value(u"threads"_s).toInt(), 16);
    c.serverPid = p.value(u"server-pid"_s).toLongLong();
    c.link = p.value(u"link"_s) == u"qt" ? WsLink::Kind::Qt : WsLink::Kind::Lean;
    const QString parser = p.value(u"parser"_s);
    if (parser != u"json"_s && parser != u"msgpack"_s)
        return fail(u"--parser is json or msgpack"_s);
    c.msgpack = parser == u"msgpack"_s;
    if (c.msgpack && c.scenario != Scenario::Echo)
        return fail(u"--parser msgpack is for the echo scenario (over WebSocket)"_s);
    c.idleTargets.clear();
    for (const QString &s : p.value(u"idle"_s).split(u',', Qt::SkipEmptyParts))
        c.idleTargets.append(s.toInt());
    std::sort(c.idleTargets.begin(), c.idleTargets.end());
    c.acks = qMax<qint64>(0, p.value(u"acks"_s).toLongLong());
    if (c.acks > 0 && c.scenario != Scenario::Echo && c.scenario != Scenario::Polling)
        return fail(u"--acks is for the echo and polling scenarios"_s);
    if (c.scenario == Scenario::Slow && c.serverPid <= 0)
        return fail(u"the slow scenario needs --server-pid (it reads the server's RSS)"_s);
    g_unsent.store(c.acks);

    // slow: two threads, the flood's and the probe's, whatever --threads says.
    const int threads = c.scenario == Scenario::ConnRate ? qMin(c.threads, c.concurrency)
            : c.scenario == Scenario::Slow               ? 2
                                                         : c.threads;
    const int total = c.scenario == Scenario::ConnRate ? c.concurrency
            : c.scenario == Scenario::Slow             ? c.slowClients + 2
                                                       : c.clients;
    FanoutShared shared;
    if (c.scenario == Scenario::Fanout) {
        shared.receivers = c.clients;
        shared.window = c.window;
        shared.count.reset(new std::atomic<int>[size_t(c.window)]);
        shared.sentAt.reset(new std::atomic<qint64>[size_t(c.window)]);
        for (int i = 0; i < c.window; ++i) {
            shared.count[i] = 0;
            shared.sentAt[i] = 0;
        }
    }
    SlowShared slow;
    if (c.scenario == Scenario::Slow) {
        slow.window = c.window;
        slow.count.reset(new std::atomic<int>[size_t(c.window)]);
        for (int i = 0; i < c.window; ++i)
            slow.count[i] = 0;
    }
    const QByteArray fanoutTail = makeArgs(c.payloadBytes, "\"n\":0,").mid(6) + ']';

    std::vector<std::unique_ptr<QThread>> workerThreads;
    std::vector<Worker *> workers;
    for (int t = 0; t < threads; ++t) {
        const int first = total * t / threads;
        const int count = total * (t + 1) / threads - first;
        Worker *w = nullptr;
        switch (c.scenario) {
        case Scenario::Echo:
        case Scenario::Polling:
            w = new EchoWorker(c, first, count, c.scenario == Scenario::Polling);
            break;
        case Scenario::Fanout: {
            auto *f = new FanoutWorker(c, first, count, &shared);
            f->m_tail = fanoutTail;
            w = f;
            break;
        }
        case Scenario::ConnRate:
            w = new ConnRateWorker(c, first, count);
            break;
        case Scenario::Idle:
            w = new IdleWorker(c, first, count);
            break;
        case Scenario::Slow:
            w = new SlowWorker(c, t == 0 ? SlowWorker::Role::Flood : SlowWorker::Role::Probe, &slow);
            break;
        }
        auto thread = std::make_unique<QThread>();
        w->moveToThread(thread.get());
        thread->start();
        workers.push_back(w);
        workerThreads.push_back(std::move(thread));
    }
    if (c.scenario == Scenario::Fanout) {
        for (Worker *w : workers)
            static_cast<FanoutWorker *>(w)->senderWorker = static_cast<FanoutWorker *>(workers[0]);
    }
    if (c.scenario == Scenario::Slow) {
        for (Worker *w : workers)
            static_cast<SlowWorker *>(w)->floodWorker = static_cast<SlowWorker *>(workers[0]);
    }
    for (Worker *w : workers)
        QMetaObject::invokeMethod(w, [w] { w->begin(); }, Qt::QueuedConnection);

    QJsonObject out;
    out.insert(u"scenario"_s, c.scenarioName);
    if (p.isSet(u"label"_s))
        out.insert(u"label"_s, p.value(u"label"_s));
    out.insert(u"threads"_s, threads);
    out.insert(u"link"_s, c.link == WsLink::Kind::Qt ? u"qt"_s : u"lean"_s);
    out.insert(u"parser"_s, parser);
    if (c.msgpack)
        out.insert(u"payload_bytes"_s, c.payloadBytes);
    QString error;
    const qint64 baselineRss = c.serverPid > 0 ? rssKiB(c.serverPid) : -1;

    auto stopAll = [&] {
        g_phase.store(Done);
        for (Worker *w : workers)
            QMetaObject::invokeMethod(w, [w] { w->stop(); }, Qt::BlockingQueuedConnection);
    };

    CpuSnapshot a, b;
    if (c.scenario == Scenario::Idle) {
        // The baseline is read with the first `warm` connections held, so that what a server
        // allocates once (lazily, on its first connections) is not charged to each one.
        const int warm = qMin(100, c.idleTargets.value(0, 100) / 10);
        QJsonArray steps;
        qint64 prevNs = nowNs();
        int prevCount = 0;
        qint64 baseRss = baselineRss;
        QList<int> targets = c.idleTargets;
        targets.prepend(warm);
        for (int target : std::as_const(targets)) {
            for (int t = 0; t < threads; ++t) {
                auto *w = static_cast<IdleWorker *>(workers[size_t(t)]);
                const int share = target * (t + 1) / threads - target * t / threads;
                QMetaObject::invokeMethod(w, [w, share] { w->setTarget(share); }, Qt::QueuedConnection);
            }
            if (!waitFor([&] { return g_ready.load() >= target; }, 120)) {
                error = u"only %1 of %2 connections after 120 s"_s.arg(g_ready.load()).arg(target);
                break;
            }
            const qint64 connectedNs = nowNs();
            sleepSeconds(c.settle);
            const qint64 rss = rssKiB(c.serverPid);
            if (target == warm) {
                baseRss = rss;
                prevNs = nowNs();
                prevCount = target;
                continue;
            }
            const double perConnection = double(rss - baseRss) * 1024.0 / (target - warm);
            QJsonObject step;
            step.insert(u"connections"_s, target);
            step.insert(u"connect_seconds"_s, double(connectedNs - prevNs) / 1e9);
            step.insert(u"handshakes_per_s"_s, double(target - prevCount) * 1e9 / double(connectedNs - prevNs));
            step.insert(u"rss_kib"_s, rss);
            step.insert(u"bytes_per_connection"_s, perConnection);
            steps.append(step);
            std::fprintf(stderr, "idle %d: server RSS %lld KiB, %.0f bytes per connection\n", target,
                         rss, perConnection);
            prevNs = nowNs();
            prevCount = target;
        }
        out.insert(u"steps"_s, steps);
        out.insert(u"fresh_rss_kib"_s, baselineRss);
        out.insert(u"baseline_rss_kib"_s, baseRss);
        out.insert(u"baseline_connections"_s, warm);
        stopAll();
    } else if (c.scenario == Scenario::Slow) {
        if (!waitFor([&] { return g_ready.load() >= total || g_closed.load() > 0; }, 120))
            error = u"only %1 of %2 sockets connected after 120 s"_s.arg(g_ready.load()).arg(total);
        else if (g_closed.load() > 0)
            error = u"a socket closed while connecting"_s;
        if (error.isEmpty()) {
            std::vector<int> fds;
            {
                std::lock_guard<std::mutex> lock(slow.mutex);
                fds = slow.stalledFds;
            }
            StalledWatch watch(c.port, fds);
            if (!fds.empty()) {
                int rcvbuf = 0;
                socklen_t len = sizeof rcvbuf;
                ::getsockopt(fds.front(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len);
                out.insert(u"stalled_rcvbuf_bytes"_s, rcvbuf); // as the kernel set it (doubled)
            }
            const qint64 floodRss = rssKiB(c.serverPid);
            auto *f = static_cast<SlowWorker *>(workers[0]);
            QMetaObject::invokeMethod(f, [f] { f->startSending(); }, Qt::QueuedConnection);
            const qint64 floodNs = nowNs();
            qint64 peak = floodRss;
            qint64 capNs = 0, firstCloseNs = 0, goneNs = 0;
            int closed = 0;
            // Samples every 100 ms until `until`; false once the cap is passed or the server is gone.
            auto sampleUntil = [&](qint64 until) {
                while (nowNs() < until) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(100));
                    const qint64 rss = rssKiB(c.serverPid);
                    if (rss < 0) {
                        goneNs = nowNs();
                        return false;
                    }
                    peak = qMax(peak, rss);
                    const int now = watch.check();
                    if (now > 0 && closed == 0)
                        firstCloseNs = nowNs();
                    closed = now;
                    if (rss > c.rssCapKiB) {
                        capNs = nowNs();
                        return false;
                    }
                }
                return true;
            };
            const bool warm = sampleUntil(floodNs + qint64(c.warmup * 1e9));
            a = snapshot(c.serverPid);
            g_phase.store(Measure);
            if (warm)
                sampleUntil(a.wallNs + qint64(c.seconds * 1e9));
            g_phase.store(Done);
            b = snapshot(c.serverPid);
            closed = watch.check();
            if (goneNs)
                error = u"the server exited during the flood"_s;
            out.insert(u"slow_clients"_s, c.slowClients);
            out.insert(u"broadcast_bytes"_s, c.broadcastBytes);
            out.insert(u"fresh_rss_kib"_s, baselineRss);
            out.insert(u"flood_start_rss_kib"_s, floodRss);
            out.insert(u"peak_rss_kib"_s, peak);
            out.insert(u"rss_cap_kib"_s, c.rssCapKiB);
            out.insert(u"rss_cap_hit"_s, capNs > 0);
            if (capNs > 0)
                out.insert(u"rss_cap_after_s"_s, double(capNs - floodNs) / 1e9);
            out.insert(u"flood_seconds"_s, double(b.wallNs - floodNs) / 1e9);
            out.insert(u"broadcasts_sent"_s, slow.sent.load());
            out.insert(u"broadcasts_completed"_s, slow.completed.load());
            out.insert(u"probe_broadcasts_received"_s, slow.probeReceived.load());
            out.insert(u"stalled_closed"_s, closed);
            if (firstCloseNs > 0)
                out.insert(u"first_close_after_s"_s, double(firstCloseNs - floodNs) / 1e9);
        }
        stopAll();
    } else {
        if (c.scenario != Scenario::ConnRate) {
            if (!waitFor([&] { return g_ready.load() >= total || g_closed.load() > 0; }, 120)) {
                error = u"only %1 of %2 sockets connected after 120 s"_s.arg(g_ready.load()).arg(total);
            } else if (g_closed.load() > 0) {
                error = u"a socket closed while connecting"_s;
            }
        }
        if (error.isEmpty()) {
            if (c.scenario == Scenario::Fanout) {
                auto *f = static_cast<FanoutWorker *>(workers[0]);
                QMetaObject::invokeMethod(f, [f] { f->startSending(); }, Qt::QueuedConnection);
            }
            if (c.acks > 0) {
                // Acks answered while the sockets connected count here too.
                a = snapshot(c.serverPid);
                g_phase.store(Measure);
                if (!waitFor([&] { return g_answered.load() >= c.acks || g_closed.load() > 0; },
                             qMax(600.0, c.seconds)))
                    error = u"only %1 of %2 acks answered"_s.arg(g_answered.load()).arg(c.acks);
                else if (g_closed.load() > 0)
                    error = u"a socket closed"_s;
            } else {
                sleepSeconds(c.warmup);
                a = snapshot(c.serverPid);
                g_phase.store(Measure);
                sleepSeconds(c.seconds);
            }
            g_phase.store(Done);
            b = snapshot(c.serverPid);
        }
        stopAll();
    }
    for (auto &t : workerThreads) {
        t->quit();
        t->wait();
    }

    Results r;
    for (Worker *w : workers) {
        r.ops += w->results.ops;
        r.deliveries += w->results.deliveries;
        r.bad += w->results.bad;
        r.errors += w->results.errors;
        if (r.firstError.isEmpty())
            r.firstError = w->results.firstError;
        r.latencyUs.insert(r.latencyUs.end(), w->results.latencyUs.begin(), w->results.latencyUs.end());
    }
    if (c.scenario != Scenario::Idle && error.isEmpty()) {
        const double secs = double(b.wallNs - a.wallNs) / 1e9;
        out.insert(u"seconds"_s, secs);
        out.insert(u"ops"_s, qint64(r.ops));
        if (c.acks > 0)
            out.insert(u"acks_answered"_s, g_answered.load());
        out.insert(u"rate"_s, secs > 0 ? double(r.ops) / secs : 0.0);
        if (c.scenario == Scenario::Fanout) {
            out.insert(u"deliveries"_s, qint64(r.deliveries));
            out.insert(u"deliveries_per_s"_s, double(r.deliveries) / secs);
        }
        out.insert(u"p50_ms"_s, pct(r.latencyUs, 0.50));
        out.insert(u"p99_ms"_s, pct(r.latencyUs, 0.99));
        const double server = a.serverCpuUs >= 0 ? percent(a.serverCpuUs, b.serverCpuUs, a.wallNs, b.wallNs) : -1;
        const double gen = percent(a.selfCpuUs, b.selfCpuUs, a.wallNs, b.wallNs);
        const double machine = percent(a.machineBusyUs, b.machineBusyUs, a.wallNs, b.wallNs);
        const int cores = QThread::idealThreadCount();
        out.insert(u"server_cpu_pct"_s, server);
        out.insert(u"gen_cpu_pct"_s, gen);
        out.insert(u"machine_cpu_pct"_s, machine);
        out.insert(u"other_cpu_pct"_s, qMax(0.0, machine - gen - qMax(0.0, server)));
        out.insert(u"cores"_s, cores);
        // Saturated: every generator thread busy nearly all the time.
        out.insert(u"gen_saturated"_s, gen >= 90.0 * threads);
        out.insert(u"machine_saturated"_s, machine >= 95.0 * cores);
        if (c.serverPid > 0)
            out.insert(u"server_rss_kib"_s, rssKiB(c.serverPid));
    }
    for (Worker *w : workers)
        delete w; // their threads have finished
    out.insert(u"errors"_s, qint64(r.errors));
    out.insert(u"bad_replies"_s, qint64(r.bad));
    if (!r.firstError.isEmpty())
        out.insert(u"first_error"_s, r.firstError);
    if (!error.isEmpty())
        out.insert(u"failed"_s, error);
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
    return error.isEmpty() ? 0 : 1;
}
