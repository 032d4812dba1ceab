#include "redisadapter.h"

#include "msgpack.h"
#include "namespace.h"
#include "socket.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QTimerEvent>
#include <QUrlQuery>

namespace Sockscope {

Q_LOGGING_CATEGORY(lcCluster, "sockscope.cluster", QtWarningMsg)

namespace {

// The request types of the Node adapter's requests and responses.
enum RequestType {
    Sockets = 0,
    AllRooms = 1,
    RemoteJoin = 2,
    RemoteLeave = 3,
    RemoteDisconnect = 4,
    RemoteFetch = 5,
    ServerSideEmitRequest = 6,
    BroadcastRequest = 7,
    BroadcastClientCount = 8,
    BroadcastAckResponse = 9,
};

constexpr int ServerCountPollMs = 2000;

QString randomId(int length)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    QString out;
    out.reserve(length);
    for (int i = 0; i < length; ++i)
        out.append(QLatin1Char(alphabet[QRandomGenerator::global()->bounded(62)]));
    return out;
}

// A room name as Node sends it: a string, or a number (rooms may be integers in Node).
QString roomText(const QVariant &v)
{
    if (v.typeId() == QMetaType::Double) {
        const double d = v.toDouble();
        if (d == double(qint64(d)))
            return QString::number(qint64(d));
    }
    return v.toString();
}

QStringList roomList(const QVariant &v)
{
    QStringList out;
    const QVariantList list = v.toList();
    for (const QVariant &room : list)
        out.append(roomText(room));
    return out;
}

bool decodeMessage(const QByteArray &payload, QVariant *out)
{
    if (!payload.isEmpty() && payload.at(0) == '{') {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(payload, &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject())
            return false;
        *out = doc.object().toVariantMap();
        return true;
    }
    return Msgpack::decode(payload, out);
}

} // namespace

// --- RedisCluster -------------------------------------------------------------------------------

RedisCluster::RedisCluster(const RedisAddress &address, const QString &key, QObject *parent)
    : QObject(parent)
    , m_pub(new RedisClient(address, this))
    , m_sub(new RedisClient(address, this))
    , m_key(key)
    , m_uid(randomId(6))
{
    for (RedisClient *c : {m_pub, m_sub}) {
        connect(c, &RedisClient::connected, this, [this, c] {
            if (c == m_sub) {
                const auto adapters = m_adapters;
                for (const QPointer<RedisAdapter> &a : adapters) {
                    if (a)
                        subscribeAll(a);
                }
            }
            updateState();
        });
        connect(c, &RedisClient::disconnected, this, [this](const QString &reason) {
            m_error = reason;
            updateState();
        });
    }
    connect(m_sub, &RedisClient::messageReceived, this, &RedisCluster::onMessage);
}

RedisCluster::~RedisCluster() = default;

void RedisCluster::open()
{
    m_pub->open();
    m_sub->open();
}

AdapterFactory RedisCluster::adapterFactory()
{
    QPointer<RedisCluster> self(this);
    return [self](Namespace *ns) -> Adapter * {
        if (!self)
            return new InMemoryAdapter(ns);
        return new RedisAdapter(ns, self);
    };
}

QString RedisCluster::stateName(State state)
{
    switch (state) {
    case State::Connecting:
        return QStringLiteral("connecting");
    case State::Connected:
        return QStringLiteral("connected");
    case State::Reconnecting:
        return QStringLiteral("reconnecting");
    case State::Down:
        return QStringLiteral("down");
    }
    return {};
}

void RedisCluster::updateState()
{
    // Down until Redis first answers; once it has, reconnecting until it answers again.
    State next;
    if (m_pub->isConnected() && m_sub->isConnected()) {
        next = State::Connected;
        m_everConnected = true;
        m_error.clear();
    } else if (m_everConnected) {
        next = State::Reconnecting;
    } else {
        // One connection up and the other still on its way is not a failure yet.
        next = m_error.isEmpty() ? State::Connecting : State::Down;
    }
    if (next == State::Connected)
        m_pollTimer.start(ServerCountPollMs, this);
    else
        m_pollTimer.stop();
    if (next == m_state)
        return;
    m_state = next;
    qCDebug(lcCluster) << "state" << stateName(next) << m_error;
    Q_EMIT stateChanged(next, m_error);
    if (next == State::Connected) {
        pollServerCount();
    } else if (m_serverCount != 1) {
        m_serverCount = 1;
        Q_EMIT serverCountChanged(1);
    }
}

void RedisCluster::pollServerCount()
{
    const QByteArray channel = m_key.toUtf8() + "-request#/#";
    countSubscribers(channel, this, [this](int count) {
        if (m_state != State::Connected || count < 1 || count == m_serverCount)
            return;
        m_serverCount = count;
        Q_EMIT serverCountChanged(count);
    });
}

void RedisCluster::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_pollTimer.timerId()) {
        pollServerCount();
        return;
    }
    QObject::timerEvent(event);
}

void RedisCluster::attach(RedisAdapter *adapter)
{
    m_adapters.append(adapter);
    m_byPattern.insert(adapter->broadcastChannel() + '*', adapter);
    m_byChannel.insert(adapter->requestChannel(), adapter);
    m_byChannel.insert(adapter->responseChannel(), adapter);
    m_byChannel.insert(adapter->ownResponseChannel(), adapter);
    if (m_sub->isConnected())
        subscribeAll(adapter);
}

void RedisCluster::detach(RedisAdapter *adapter)
{
    m_adapters.removeAll(adapter);
    const auto drop = [adapter](QHash<QByteArray, QPointer<RedisAdapter>> &map) {
        for (auto it = map.begin(); it != map.end();) {
            if (it.value() == adapter || !it.value())
                it = map.erase(it);
            else
                ++it;
        }
    };
    QList<QByteArray> patterns, channels;
    for (auto it = m_byPattern.cbegin(); it != m_byPattern.cend(); ++it)
        if (it.value() == adapter)
            patterns.append(it.key());
    for (auto it = m_byChannel.cbegin(); it != m_byChannel.cend(); ++it)
        if (it.value() == adapter)
            channels.append(it.key());
    drop(m_byPattern);
    drop(m_byChannel);
    if (m_sub->isConnected()) {
        for (const QByteArray &p : std::as_const(patterns))
            m_sub->send({"PUNSUBSCRIBE", p});
        for (const QByteArray &c : std::as_const(channels))
            m_sub->send({"UNSUBSCRIBE", c});
    }
}

void RedisCluster::subscribeAll(RedisAdapter *adapter)
{
    // One channel a command: each has one reply, so the replies stay in step with the queue.
    m_sub->send({"PSUBSCRIBE", adapter->broadcastChannel() + '*'});
    m_sub->send({"SUBSCRIBE", adapter->requestChannel()});
    m_sub->send({"SUBSCRIBE", adapter->responseChannel()});
    m_sub->send({"SUBSCRIBE", adapter->ownResponseChannel()});
}

void RedisCluster::publish(const QByteArray &channel, const QByteArray &payload)
{
    if (m_pub->isConnected())
        m_pub->send({"PUBLISH", channel, payload});
}

void RedisCluster::countSubscribers(const QByteArray &channel, QObject *context,
                                    std::function<void(int)> callback)
{
    QPointer<QObject> guard(context);
    m_pub->send({"PUBSUB", "NUMSUB", channel},
                [guard, callback = std::move(callback)](const RespValue &reply) {
                    if (!guard)
                        return;
                    int count = 1; // not connected: this server alone
                    if (reply.isArray() && reply.elements.size() >= 2)
                        count = int(reply.elements.at(1).integer);
                    callback(qMax(count, 1));
                });
}

void RedisCluster::onMessage(const QByteArray &pattern, const QByteArray &channel,
                             const QByteArray &payload)
{
    if (!pattern.isEmpty()) {
        if (RedisAdapter *a = m_byPattern.value(pattern))
            a->onBroadcastMessage(channel, payload);
        return;
    }
    if (RedisAdapter *a = m_byChannel.value(channel))
        a->onChannelMessage(channel, payload);
}

// --- RedisAdapter -------------------------------------------------------------------------------

RedisAdapter::RedisAdapter(Namespace *ns, RedisCluster *cluster)
    : InMemoryAdapter(ns)
    , m_cluster(cluster)
{
    m_clock.start();
}

RedisAdapter::~RedisAdapter()
{
    if (m_cluster)
        m_cluster->detach(this);
}

void RedisAdapter::init()
{
    if (m_cluster)
        m_cluster->attach(this);
}

QByteArray RedisAdapter::broadcastChannel() const
{
    return (m_cluster->key() + QLatin1Char('#') + ns()->name() + QLatin1Char('#')).toUtf8();
}

QByteArray RedisAdapter::requestChannel() const
{
    return (m_cluster->key() + QLatin1String("-request#") + ns()->name() + QLatin1Char('#'))
            .toUtf8();
}

QByteArray RedisAdapter::responseChannel() const
{
    return (m_cluster->key() + QLatin1String("-response#") + ns()->name() + QLatin1Char('#'))
            .toUtf8();
}

QByteArray RedisAdapter::ownResponseChannel() const
{
    return responseChannel() + m_cluster->uid().toUtf8() + '#';
}

QString RedisAdapter::newRequestId() { return randomId(6); }

QVariantMap RedisAdapter::packetFor(const OutgoingEvent &event) const
{
    QVariantList data;
    data.reserve(event.args.size() + 1);
    data.append(event.event);
    if (event.args.isEmpty() && !event.rawJson.isNull()) {
        const QJsonDocument doc = QJsonDocument::fromJson(event.rawJson);
        data.append(doc.array().toVariantList());
    } else {
        data.append(event.args);
    }
    QVariantMap packet;
    packet.insert(QStringLiteral("type"), 2); // EVENT, binary arguments included
    packet.insert(QStringLiteral("data"), data);
    packet.insert(QStringLiteral("nsp"), ns()->name());
    return packet;
}

QVariantMap RedisAdapter::optsFor(const BroadcastOptions &opts)
{
    QVariantMap flags;
    if (opts.flags.isVolatile)
        flags.insert(QStringLiteral("volatile"), true);
    if (opts.flags.timeoutMs > 0)
        flags.insert(QStringLiteral("timeout"), opts.flags.timeoutMs);
    QStringList except;
    for (const QString &room : opts.except) {
        if (!except.contains(room))
            except.append(room);
    }
    QVariantMap out;
    out.insert(QStringLiteral("rooms"), opts.rooms);
    out.insert(QStringLiteral("except"), except);
    out.insert(QStringLiteral("flags"), flags);
    return out;
}

BroadcastOptions RedisAdapter::optsFrom(const QVariant &value)
{
    const QVariantMap map = value.toMap();
    BroadcastOptions opts;
    opts.rooms = roomList(map.value(QStringLiteral("rooms")));
    opts.except = roomList(map.value(QStringLiteral("except")));
    const QVariantMap flags = map.value(QStringLiteral("flags")).toMap();
    opts.flags.isVolatile = flags.value(QStringLiteral("volatile")).toBool();
    opts.flags.timeoutMs = flags.value(QStringLiteral("timeout")).toInt();
    opts.flags.local = true; // carried out here only
    return opts;
}

void RedisAdapter::publishJson(const QByteArray &channel, const QJsonObject &object)
{
    if (m_cluster)
        m_cluster->publish(channel, QJsonDocument(object).toJson(QJsonDocument::Compact));
}

void RedisAdapter::publishResponse(const QVariantMap &, const QByteArray &payload)
{
    // Node 8.3 answers on the common response channel unless its requester asked otherwise
    // (publishOnSpecificResponseChannel); the requester listens on both.
    if (m_cluster)
        m_cluster->publish(responseChannel(), payload);
}

int RedisAdapter::broadcast(const OutgoingEvent &event, const BroadcastOptions &opts)
{
    if (!opts.flags.local && m_cluster) {
        QByteArray msg;
        Msgpack::append(&msg, QVariantList {m_cluster->uid(), packetFor(event), optsFor(opts)});
        QByteArray channel = broadcastChannel();
        if (opts.rooms.size() == 1)
            channel += opts.rooms.constFirst().toUtf8() + '#';
        m_cluster->publish(channel, msg);
    }
    return InMemoryAdapter::broadcast(event, opts);
}

void RedisAdapter::onBroadcastMessage(const QByteArray &channel, const QByteArray &payload)
{
    const QByteArray prefix = broadcastChannel();
    if (!channel.startsWith(prefix) || !channel.endsWith('#'))
        return;
    const QString room
            = QString::fromUtf8(channel.mid(prefix.size(), channel.size() - prefix.size() - 1));
    if (!room.isEmpty()) {
        BroadcastOptions one;
        one.rooms = QStringList {room};
        if (sockets(one).isEmpty())
            return; // a room this server does not have: not even decoded
    }
    QVariant decoded;
    if (!Msgpack::decode(payload, &decoded)) {
        qCDebug(lcCluster) << "malformed broadcast on" << channel;
        return;
    }
    const QVariantList parts = decoded.toList();
    if (parts.size() < 3 || parts.at(0).toString() == m_cluster->uid())
        return;
    const QVariantMap packet = parts.at(1).toMap();
    const QString nsp = packet.contains(QStringLiteral("nsp"))
            ? packet.value(QStringLiteral("nsp")).toString()
            : QStringLiteral("/");
    if (nsp != ns()->name())
        return;
    const QVariantList data = packet.value(QStringLiteral("data")).toList();
    if (data.isEmpty())
        return;
    OutgoingEvent event;
    event.event = data.at(0).toString();
    event.args = data.mid(1);
    InMemoryAdapter::broadcast(event, optsFrom(parts.at(2)));
}

int RedisAdapter::broadcastWithAck(const OutgoingEvent &event, const BroadcastOptions &opts,
                                   const BroadcastAckHandlers &handlers)
{
    if (opts.flags.local || !m_cluster || m_cluster->state() != RedisCluster::State::Connected)
        return InMemoryAdapter::broadcastWithAck(event, opts, handlers);

    const QString requestId = newRequestId();
    const int timeoutMs
            = opts.flags.timeoutMs > 0 ? opts.flags.timeoutMs : m_cluster->requestsTimeout();
    PendingAck &pending = m_pendingAcks[requestId];
    pending.deadline = m_clock.elapsed() + timeoutMs;
    pending.handlers = handlers;

    QVariantMap request;
    request.insert(QStringLiteral("uid"), m_cluster->uid());
    request.insert(QStringLiteral("requestId"), requestId);
    request.insert(QStringLiteral("type"), int(BroadcastRequest));
    request.insert(QStringLiteral("packet"), packetFor(event));
    request.insert(QStringLiteral("opts"), optsFor(opts));
    m_cluster->publish(requestChannel(), Msgpack::encode(request));
    m_cluster->countSubscribers(requestChannel(), this, [this, requestId](int count) {
        auto it = m_pendingAcks.find(requestId);
        if (it == m_pendingAcks.end())
            return;
        it->serversExpected = count - 1;
        maybeFinishAck(requestId);
    });

    // The local part, its count and replies joining the others'.
    BroadcastAckHandlers local;
    local.clientsCounted = [this, requestId](int count) {
        auto it = m_pendingAcks.find(requestId);
        if (it == m_pendingAcks.end())
            return;
        it->clientsExpected += count;
        if (it->handlers.clientsCounted)
            it->handlers.clientsCounted(count);
    };
    local.ackReceived = [this, requestId](const AckResult &result) {
        auto it = m_pendingAcks.find(requestId);
        if (it == m_pendingAcks.end())
            return;
        ++it->clientsAnswered;
        if (result.timedOut)
            it->timedOut = true;
        if (it->handlers.ackReceived)
            it->handlers.ackReceived(result);
        maybeFinishAck(requestId);
    };
    OutgoingEvent localEvent = event;
    BroadcastOptions localOpts = opts;
    localOpts.flags.timeoutMs = timeoutMs;
    const int count = InMemoryAdapter::broadcastWithAck(localEvent, localOpts, local);
    armTimeouts();
    return count;
}

void RedisAdapter::maybeFinishAck(const QString &requestId)
{
    auto it = m_pendingAcks.find(requestId);
    if (it == m_pendingAcks.end() || it->serversExpected < 0)
        return;
    if (it->serversCounted < it->serversExpected || it->clientsAnswered < it->clientsExpected)
        return;
    const auto finished = it->handlers.finished;
    const bool timedOut = it->timedOut;
    m_pendingAcks.erase(it);
    if (finished)
        finished(timedOut);
}

// A request's "opts": the rooms and the rooms excepted of a broadcast.
QJsonObject RedisAdapter::roomsJson(const BroadcastOptions &opts)
{
    return QJsonObject {{QStringLiteral("rooms"), QJsonArray::fromStringList(opts.rooms)},
                        {QStringLiteral("except"), QJsonArray::fromStringList(opts.except)}};
}

void RedisAdapter::addSockets(const BroadcastOptions &opts, const QStringList &rooms)
{
    InMemoryAdapter::addSockets(opts, rooms);
    if (opts.flags.local || !m_cluster)
        return;
    publishJson(requestChannel(),
                QJsonObject {{QStringLiteral("uid"), m_cluster->uid()},
                             {QStringLiteral("type"), RemoteJoin},
                             {QStringLiteral("opts"),
                              roomsJson(opts)},
                             {QStringLiteral("rooms"), QJsonArray::fromStringList(rooms)}});
}

void RedisAdapter::delSockets(const BroadcastOptions &opts, const QStringList &rooms)
{
    InMemoryAdapter::delSockets(opts, rooms);
    if (opts.flags.local || !m_cluster)
        return;
    publishJson(requestChannel(),
                QJsonObject {{QStringLiteral("uid"), m_cluster->uid()},
                             {QStringLiteral("type"), RemoteLeave},
                             {QStringLiteral("opts"),
                              roomsJson(opts)},
                             {QStringLiteral("rooms"), QJsonArray::fromStringList(rooms)}});
}

void RedisAdapter::disconnectSockets(const BroadcastOptions &opts, bool closeConnections)
{
    if (!opts.flags.local && m_cluster) {
        publishJson(requestChannel(),
                    QJsonObject {{QStringLiteral("uid"), m_cluster->uid()},
                                 {QStringLiteral("type"), RemoteDisconnect},
                                 {QStringLiteral("opts"),
                                  roomsJson(opts)},
                                 {QStringLiteral("close"), closeConnections}});
    }
    InMemoryAdapter::disconnectSockets(opts, closeConnections);
}

void RedisAdapter::fetchSockets(const BroadcastOptions &opts, QObject *context,
                                FetchSocketsCallback callback)
{
    if (opts.flags.local || !m_cluster || m_cluster->state() != RedisCluster::State::Connected) {
        InMemoryAdapter::fetchSockets(opts, context, std::move(callback));
        return;
    }
    if (!callback)
        return;
    QList<RemoteSocket> local;
    const QList<Socket *> targets = sockets(opts);
    for (const Socket *s : targets)
        local.append(snapshot(s));
    QPointer<QObject> guard(context);
    m_cluster->countSubscribers(
            requestChannel(), this,
            [this, opts, guard, hasContext = context != nullptr, local,
             callback = std::move(callback)](int count) {
                if (hasContext && !guard)
                    return;
                if (count <= 1) {
                    callback(local);
                    return;
                }
                const QString requestId = newRequestId();
                Pending &p = m_pending[requestId];
                p.type = RemoteFetch;
                p.expected = count - 1;
                p.deadline = m_clock.elapsed() + m_cluster->requestsTimeout();
                p.sockets = local;
                p.context = guard;
                p.hasContext = hasContext;
                p.fetched = callback;
                publishJson(
                        requestChannel(),
                        QJsonObject {{QStringLiteral("uid"), m_cluster->uid()},
                                     {QStringLiteral("requestId"), requestId},
                                     {QStringLiteral("type"), RemoteFetch},
                                     {QStringLiteral("opts"),
                                      roomsJson(opts)}});
                armTimeouts();
            });
}

void RedisAdapter::serverSideEmit(const QString &event, const Arguments &args)
{
    if (!m_cluster)
        return;
    QVariantList data {event};
    data.append(args);
    publishJson(requestChannel(),
                QJsonObject {{QStringLiteral("uid"), m_cluster->uid()},
                             {QStringLiteral("type"), ServerSideEmitRequest},
                             {QStringLiteral("data"), QJsonArray::fromVariantList(data)}});
}

void RedisAdapter::serverSideEmit(const QString &event, const Arguments &args, int timeoutMs,
                                  QObject *context, ServerSideAckCallback callback)
{
    if (!m_cluster || m_cluster->state() != RedisCluster::State::Connected) {
        InMemoryAdapter::serverSideEmit(event, args, timeoutMs, context, std::move(callback));
        return;
    }
    QPointer<QObject> guard(context);
    m_cluster->countSubscribers(
            requestChannel(), this,
            [this, event, args, timeoutMs, guard, hasContext = context != nullptr,
             callback = std::move(callback)](int count) {
                if (hasContext && !guard)
                    return;
                if (count <= 1) {
                    if (callback)
                        callback(ServerSideAckResult());
                    return;
                }
                const QString requestId = newRequestId();
                Pending &p = m_pending[requestId];
                p.type = ServerSideEmitRequest;
                p.expected = count - 1;
                p.deadline = m_clock.elapsed()
                        + (timeoutMs > 0 ? timeoutMs : m_cluster->requestsTimeout());
                p.context = guard;
                p.hasContext = hasContext;
                p.answered = callback;
                QVariantList data {event};
                data.append(args);
                publishJson(
                        requestChannel(),
                        QJsonObject {{QStringLiteral("uid"), m_cluster->uid()},
                                     {QStringLiteral("requestId"), requestId},
                                     {QStringLiteral("type"), ServerSideEmitRequest},
                                     {QStringLiteral("data"), QJsonArray::fromVariantList(data)}});
                armTimeouts();
            });
}

void RedisAdapter::serverCount(QObject *context, ServerCountCallback callback)
{
    if (!callback)
        return;
    if (!m_cluster || m_cluster->state() != RedisCluster::State::Connected) {
        InMemoryAdapter::serverCount(context, std::move(callback));
        return;
    }
    m_cluster->countSubscribers(requestChannel(), context ? context : this, std::move(callback));
}

void RedisAdapter::onChannelMessage(const QByteArray &channel, const QByteArray &payload)
{
    QVariant decoded;
    if (!decodeMessage(payload, &decoded) || decoded.typeId() != QMetaType::QVariantMap) {
        qCDebug(lcCluster) << "malformed message on" << channel;
        return;
    }
    if (channel.startsWith(responseChannel()))
        onResponse(decoded.toMap());
    else if (channel == requestChannel())
        onRequest(decoded.toMap());
}

void RedisAdapter::onRequest(const QVariantMap &request)
{
    const int type = request.value(QStringLiteral("type")).toInt();
    const QString requestId = request.value(QStringLiteral("requestId")).toString();
    const bool own = request.value(QStringLiteral("uid")).toString() == m_cluster->uid();
    const QJsonValue requestIdJson(requestId);
    switch (type) {
    case Sockets: {
        if (m_pending.contains(requestId) || own)
            return;
        BroadcastOptions opts;
        opts.rooms = roomList(request.value(QStringLiteral("rooms")));
        QJsonArray ids;
        for (const Socket *s : sockets(opts))
            ids.append(s->id());
        publishResponse(request,
                        QJsonDocument(QJsonObject {{QStringLiteral("requestId"), requestIdJson},
                                                   {QStringLiteral("sockets"), ids}})
                                .toJson(QJsonDocument::Compact));
        return;
    }
    case AllRooms: {
        if (m_pending.contains(requestId) || own)
            return;
        publishResponse(request,
                        QJsonDocument(QJsonObject {{QStringLiteral("requestId"), requestIdJson},
                                                   {QStringLiteral("rooms"),
                                                    QJsonArray::fromStringList(rooms())}})
                                .toJson(QJsonDocument::Compact));
        return;
    }
    case RemoteJoin:
    case RemoteLeave:
    case RemoteDisconnect: {
        if (own)
            return; // done here when asked
        if (request.contains(QStringLiteral("opts"))) {
            BroadcastOptions opts = optsFrom(request.value(QStringLiteral("opts")));
            const QStringList rooms = roomList(request.value(QStringLiteral("rooms")));
            if (type == RemoteJoin)
                InMemoryAdapter::addSockets(opts, rooms);
            else if (type == RemoteLeave)
                InMemoryAdapter::delSockets(opts, rooms);
            else
                InMemoryAdapter::disconnectSockets(opts,
                                                   request.value(QStringLiteral("close")).toBool());
            return;
        }
        // The older form: one socket by id, answered.
        Socket *socket = ns()->socket(request.value(QStringLiteral("sid")).toString());
        if (!socket)
            return;
        const QString room = roomText(request.value(QStringLiteral("room")));
        if (type == RemoteJoin)
            socket->join(room);
        else if (type == RemoteLeave)
            socket->leave(room);
        else
            socket->close(request.value(QStringLiteral("close")).toBool());
        publishResponse(request,
                        QJsonDocument(QJsonObject {{QStringLiteral("requestId"), requestIdJson}})
                                .toJson(QJsonDocument::Compact));
        return;
    }
    case RemoteFetch: {
        if (m_pending.contains(requestId) || own)
            return;
        const BroadcastOptions opts = optsFrom(request.value(QStringLiteral("opts")));
        QJsonArray list;
        for (const Socket *s : sockets(opts))
            list.append(socketToJson(snapshot(s)));
        publishResponse(request,
                        QJsonDocument(QJsonObject {{QStringLiteral("requestId"), requestIdJson},
                                                   {QStringLiteral("sockets"), list}})
                                .toJson(QJsonDocument::Compact));
        return;
    }
    case ServerSideEmitRequest: {
        if (own)
            return;
        const QVariantList data = request.value(QStringLiteral("data")).toList();
        if (data.isEmpty())
            return;
        const QString event = data.at(0).toString();
        const Arguments args = data.mid(1);
        if (!request.contains(QStringLiteral("requestId"))) {
            receiveServerSideEvent(event, args, {});
            return;
        }
        QPointer<RedisAdapter> self(this);
        auto called = std::make_shared<bool>(false);
        receiveServerSideEvent(event, args, [self, requestId, called](const Arguments &reply) {
            if (!self || *called)
                return;
            *called = true;
            // Node passes one argument back.
            const QVariant first = reply.isEmpty() ? QVariant() : reply.constFirst();
            QJsonObject answer {{QStringLiteral("type"), ServerSideEmitRequest},
                                {QStringLiteral("requestId"), requestId}};
            if (first.isValid())
                answer.insert(QStringLiteral("data"), QJsonValue::fromVariant(first));
            self->publishJson(self->responseChannel(), answer);
        });
        return;
    }
    case BroadcastRequest: {
        if (m_pendingAcks.contains(requestId) || own)
            return;
        const QVariantMap packet = request.value(QStringLiteral("packet")).toMap();
        const QVariantList data = packet.value(QStringLiteral("data")).toList();
        if (data.isEmpty())
            return;
        OutgoingEvent event;
        event.event = data.at(0).toString();
        event.args = data.mid(1);
        event.ackId = nextAckId();
        BroadcastOptions opts = optsFrom(request.value(QStringLiteral("opts")));
        if (opts.flags.timeoutMs <= 0) // the requester forgets the request then anyway
            opts.flags.timeoutMs = m_cluster->requestsTimeout();
        QPointer<RedisAdapter> self(this);
        BroadcastAckHandlers handlers;
        handlers.clientsCounted = [self, request, requestId](int count) {
            if (!self)
                return;
            self->publishResponse(
                    request,
                    QJsonDocument(QJsonObject {{QStringLiteral("type"), BroadcastClientCount},
                                               {QStringLiteral("requestId"), requestId},
                                               {QStringLiteral("clientCount"), count}})
                            .toJson(QJsonDocument::Compact));
        };
        handlers.ackReceived = [self, request, requestId](const AckResult &result) {
            if (!self || result.timedOut || result.cancelled)
                return;
            QVariantMap answer;
            answer.insert(QStringLiteral("type"), int(BroadcastAckResponse));
            answer.insert(QStringLiteral("requestId"), requestId);
            answer.insert(QStringLiteral("packet"),
                          result.args.isEmpty() ? QVariant::fromValue(nullptr)
                                                : result.args.constFirst());
            self->publishResponse(request, Msgpack::encode(answer));
        };
        InMemoryAdapter::broadcastWithAck(event, opts, handlers);
        return;
    }
    default:
        qCDebug(lcCluster) << "request of unknown type" << type;
    }
}

void RedisAdapter::onResponse(const QVariantMap &response)
{
    const QString requestId = response.value(QStringLiteral("requestId")).toString();
    if (auto ack = m_pendingAcks.find(requestId); ack != m_pendingAcks.end()) {
        const int type = response.value(QStringLiteral("type")).toInt();
        if (type == BroadcastClientCount) {
            const int count = response.value(QStringLiteral("clientCount")).toInt();
            ++ack->serversCounted;
            ack->clientsExpected += count;
            if (ack->handlers.clientsCounted)
                ack->handlers.clientsCounted(count);
        } else if (type == BroadcastAckResponse) {
            ++ack->clientsAnswered;
            AckResult result;
            result.args = Arguments {response.value(QStringLiteral("packet"))};
            if (ack->handlers.ackReceived)
                ack->handlers.ackReceived(result);
        }
        maybeFinishAck(requestId);
        return;
    }
    auto it = m_pending.find(requestId);
    if (it == m_pending.end())
        return;
    if (it->type == RemoteFetch) {
        ++it->received;
        const QVariantList list = response.value(QStringLiteral("sockets")).toList();
        for (const QVariant &s : list)
            it->sockets.append(
                    socketFromJson(QJsonObject::fromVariantMap(s.toMap()), ns()->name()));
    } else if (it->type == ServerSideEmitRequest) {
        ++it->received;
        const QVariant data = response.value(QStringLiteral("data"));
        it->responses.append(data.isValid() ? Arguments {data} : Arguments {});
    }
    if (it->received >= it->expected)
        finishPending(requestId, false);
}

void RedisAdapter::finishPending(const QString &requestId, bool timedOut)
{
    const auto it = m_pending.find(requestId);
    if (it == m_pending.end())
        return;
    const Pending p = *it;
    m_pending.erase(it);
    if (p.hasContext && !p.context)
        return;
    if (timedOut)
        qCDebug(lcCluster) << "request" << requestId << "timed out:" << p.received << "of"
                           << p.expected << "servers answered";
    if (p.fetched) {
        p.fetched(p.sockets);
    } else if (p.answered) {
        ServerSideAckResult result;
        result.responses = p.responses;
        result.timedOut = timedOut;
        p.answered(result);
    }
}

void RedisAdapter::armTimeouts()
{
    if (!m_timeoutTimer.isActive())
        m_timeoutTimer.start(100, this);
}

void RedisAdapter::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_timeoutTimer.timerId()) {
        InMemoryAdapter::timerEvent(event);
        return;
    }
    const qint64 now = m_clock.elapsed();
    QStringList expired;
    for (auto it = m_pending.cbegin(); it != m_pending.cend(); ++it) {
        if (it->deadline <= now)
            expired.append(it.key());
    }
    for (const QString &id : std::as_const(expired))
        finishPending(id, true);
    QStringList expiredAcks;
    for (auto it = m_pendingAcks.cbegin(); it != m_pendingAcks.cend(); ++it) {
        if (it->deadline <= now)
            expiredAcks.append(it.key());
    }
    for (const QString &id : std::as_const(expiredAcks)) {
        const auto finished = m_pendingAcks.take(id).handlers.finished;
        if (finished)
            finished(true);
    }
    if (m_pending.isEmpty() && m_pendingAcks.isEmpty())
        m_timeoutTimer.stop();
}

QJsonObject RedisAdapter::socketToJson(const RemoteSocket &socket)
{
    const HandshakeRecord &h = socket.handshake;
    QJsonObject headers;
    for (const auto &header : h.headers)
        headers.insert(QString::fromLatin1(header.first).toLower(),
                       QString::fromUtf8(header.second));
    QJsonObject query;
    const QUrl url(QString::fromUtf8(h.target));
    const auto items = QUrlQuery(url).queryItems(QUrl::FullyDecoded);
    for (const auto &item : items)
        query.insert(item.first, item.second);
    const QDateTime time = h.time.isValid() ? h.time.toUTC() : QDateTime::currentDateTimeUtc();
    QJsonObject handshake;
    handshake.insert(QStringLiteral("headers"), headers);
    // As JavaScript's Date#toString() writes it (in UTC).
    handshake.insert(QStringLiteral("time"),
                     QString(QLocale::c().toString(time, QStringLiteral("ddd MMM dd yyyy HH:mm:ss"))
                             + QStringLiteral(" GMT+0000 (Coordinated Universal Time)")));
    handshake.insert(QStringLiteral("address"), h.remoteAddress.toString());
    handshake.insert(QStringLiteral("xdomain"), !h.header("origin").isEmpty());
    handshake.insert(QStringLiteral("secure"), false);
    handshake.insert(QStringLiteral("issued"), double(time.toMSecsSinceEpoch()));
    handshake.insert(QStringLiteral("url"), QString::fromUtf8(h.target));
    handshake.insert(QStringLiteral("query"), query);
    handshake.insert(QStringLiteral("auth"), socket.auth);
    QStringList rooms(socket.rooms.cbegin(), socket.rooms.cend());
    rooms.sort();
    return QJsonObject {{QStringLiteral("id"), socket.id},
                        {QStringLiteral("handshake"), handshake},
                        {QStringLiteral("rooms"), QJsonArray::fromStringList(rooms)},
                        {QStringLiteral("data"), QJsonObject::fromVariantMap(socket.data)}};
}

RemoteSocket RedisAdapter::socketFromJson(const QJsonObject &json, const QString &nsp)
{
    RemoteSocket out;
    out.id = json.value(QStringLiteral("id")).toString();
    out.nsp = nsp;
    const QJsonObject handshake = json.value(QStringLiteral("handshake")).toObject();
    const QJsonObject headers = handshake.value(QStringLiteral("headers")).toObject();
    for (auto it = headers.constBegin(); it != headers.constEnd(); ++it)
        out.handshake.headers.append({it.key().toLatin1(), it.value().toString().toUtf8()});
    out.handshake.time = QDateTime::fromMSecsSinceEpoch(
            qint64(handshake.value(QStringLiteral("issued")).toDouble()), Qt::UTC);
    QString address = handshake.value(QStringLiteral("address")).toString();
    out.handshake.remoteAddress = QHostAddress(address);
    out.handshake.target = handshake.value(QStringLiteral("url")).toString().toUtf8();
    out.handshake.method = "GET";
    out.auth = handshake.value(QStringLiteral("auth")).toObject();
    const QJsonArray rooms = json.value(QStringLiteral("rooms")).toArray();
    for (const QJsonValue &room : rooms)
        out.rooms.insert(room.isDouble() ? QString::number(room.toDouble()) : room.toString());
    out.data = json.value(QStringLiteral("data")).toObject().toVariantMap();
    return out;
}

} // namespace Sockscope
