// Sockscope: a cluster of servers joined through Redis pub/sub, wire-compatible with the
// Node.js @socket.io/redis-adapter 8.3.
#pragma once

#include "adapter.h"
#include "redisclient.h"

#include <QBasicTimer>
#include <QHash>
#include <QObject>
#include <QPointer>

namespace Sockscope {

class RedisAdapter;

/*
    The Redis side of a server: two connections (one publishes and asks, one is subscribed),
    this server's uid in the cluster, and the adapter factory that makes a RedisAdapter for each
    namespace. It reconnects on its own (RedisClient's backoff), resubscribes every namespace's
    channels, and reports its state and the number of servers sharing the root namespace
    (PUBSUB NUMSUB on its request channel, asked every two seconds while connected).

    state: Connecting before the first attempt ends, Down while Redis has never answered,
    Connected, and Reconnecting from the loss of either connection until both are back. In
    every state the server goes on serving its own clients; broadcasts and requests made while
    not connected reach this server only (nothing is queued for later).
*/
class RedisCluster : public QObject
{
    Q_OBJECT
public:
    enum class State { Connecting, Connected, Reconnecting, Down };

    explicit RedisCluster(const RedisAddress &address,
                          const QString &key = QStringLiteral("socket.io"),
                          QObject *parent = nullptr);
    ~RedisCluster() override;

    void open();
    AdapterFactory adapterFactory();

    State state() const { return m_state; }
    static QString stateName(State state);
    QString errorString() const { return m_error; }
    // Servers sharing the root namespace, this one included (1 while not connected).
    int serverCount() const { return m_serverCount; }
    QString uid() const { return m_uid; }
    QString key() const { return m_key; }
    // How long fetchSockets, serverSideEmit with an ack and the like wait for every server.
    int requestsTimeout() const { return m_requestsTimeout; }
    void setRequestsTimeout(int ms) { m_requestsTimeout = ms; }

Q_SIGNALS:
    void stateChanged(Sockscope::RedisCluster::State state, const QString &error);
    void serverCountChanged(int count);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    friend class RedisAdapter;
    void attach(RedisAdapter *adapter);
    void detach(RedisAdapter *adapter);
    void publish(const QByteArray &channel, const QByteArray &payload);
    void countSubscribers(const QByteArray &channel, QObject *context,
                          std::function<void(int)> callback);
    void subscribeAll(RedisAdapter *adapter);
    void updateState();
    void pollServerCount();
    void onMessage(const QByteArray &pattern, const QByteArray &channel, const QByteArray &payload);

    RedisClient *m_pub = nullptr;
    RedisClient *m_sub = nullptr;
    QString m_key;
    QString m_uid;
    State m_state = State::Connecting;
    QString m_error;
    int m_serverCount = 1;
    int m_requestsTimeout = 5000;
    bool m_everConnected = false;
    QHash<QByteArray, QPointer<RedisAdapter>> m_byPattern;
    QHash<QByteArray, QPointer<RedisAdapter>> m_byChannel;
    QList<QPointer<RedisAdapter>> m_adapters;
    QBasicTimer m_pollTimer;
};

/*
    A namespace's adapter in a Redis cluster: InMemoryAdapter for this server's sockets, and
    Node's @socket.io/redis-adapter 8.3 wire format for the others.

    Channels (prefix: RedisCluster::key(), "socket.io" by default; nsp: the namespace's name):
      <prefix>#<nsp>#            broadcasts (PSUBSCRIBE <prefix>#<nsp>#*)
      <prefix>#<nsp>#<room>#     broadcasts to exactly one room
      <prefix>-request#<nsp>#    requests (SUBSCRIBE; PUBSUB NUMSUB counts the servers)
      <prefix>-response#<nsp>#   responses, and <prefix>-response#<nsp>#<uid>#
    A broadcast is the msgpack of [uid, {type: 2, data: [event, ...args], nsp}, {rooms,
    except, flags}]. Requests are JSON {uid, requestId, type, ...}, except BROADCAST (7) and
    BROADCAST_ACK (9), which are msgpack; every request type is answered.
*/
class RedisAdapter : public InMemoryAdapter
{
    Q_OBJECT
public:
    RedisAdapter(Namespace *ns, RedisCluster *cluster);
    ~RedisAdapter() override;

    void init() override;

    int broadcast(const OutgoingEvent &event, const BroadcastOptions &opts) override;
    int broadcastWithAck(const OutgoingEvent &event, const BroadcastOptions &opts,
                         const BroadcastAckHandlers &handlers) override;
    void addSockets(const BroadcastOptions &opts, const QStringList &rooms) override;
    void delSockets(const BroadcastOptions &opts, const QStringList &rooms) override;
    void disconnectSockets(const BroadcastOptions &opts, bool closeConnections) override;
    void fetchSockets(const BroadcastOptions &opts, QObject *context,
                      FetchSocketsCallback callback) override;
    void serverSideEmit(const QString &event, const Arguments &args) override;
    void serverSideEmit(const QString &event, const Arguments &args, int timeoutMs,
                        QObject *context, ServerSideAckCallback callback) override;
    void serverCount(QObject *context, ServerCountCallback callback) override;

    // A socket as the Node adapter's REMOTE_FETCH answer carries it ({id, handshake, rooms,
    // data}, handshake as Node's), and back.
    static QJsonObject socketToJson(const RemoteSocket &socket);
    static RemoteSocket socketFromJson(const QJsonObject &json, const QString &nsp);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    friend class RedisCluster;
    QByteArray broadcastChannel() const;
    QByteArray requestChannel() const;
    QByteArray responseChannel() const;
    QByteArray ownResponseChannel() const;
    void onBroadcastMessage(const QByteArray &channel, const QByteArray &payload);
    void onChannelMessage(const QByteArray &channel, const QByteArray &payload);
    void onRequest(const QVariantMap &request);
    void onResponse(const QVariantMap &response);
    void publishJson(const QByteArray &channel, const QJsonObject &object);
    static QJsonObject roomsJson(const BroadcastOptions &opts);
    void publishResponse(const QVariantMap &request, const QByteArray &payload);
    QVariantMap packetFor(const OutgoingEvent &event) const;
    static QVariantMap optsFor(const BroadcastOptions &opts);
    static BroadcastOptions optsFrom(const QVariant &opts);
    static QString newRequestId();

    // A request waiting for the other servers' answers.
    struct Pending
    {
        int type = 0;
        int expected = 0; // answers expected
        int received = 0;
        qint64 deadline = 0; // m_clock ms
        QList<RemoteSocket> sockets;
        QList<Arguments> responses;
        QPointer<QObject> context;
        bool hasContext = false;
        FetchSocketsCallback fetched;
        ServerSideAckCallback answered;
    };
    // A broadcast with acks waiting for the other servers' counts and clients' replies.
    struct PendingAck
    {
        qint64 deadline = 0;
        BroadcastAckHandlers handlers;
        int serversExpected = -1; // other servers; -1 until NUMSUB answers
        int serversCounted = 0;
        int clientsExpected = 0;
        int clientsAnswered = 0; // replies, timeouts and cancellations
        bool timedOut = false; // a local client's wait ended without its reply
    };
    void finishPending(const QString &requestId, bool timedOut);
    void maybeFinishAck(const QString &requestId);
    void armTimeouts();

    QPointer<RedisCluster> m_cluster;
    QHash<QString, Pending> m_pending;
    QHash<QString, PendingAck> m_pendingAcks;
    QElapsedTimer m_clock;
    QBasicTimer m_timeoutTimer;
};

} // namespace Sockscope
