#include "eventlogmodel.h"

#include <memory>

#include <connection.h>
#include <eventclient.h>
#include <eventserver.h>
#include <jsonlinesformat.h>
#include <plainconnection.h>
#include <socket.h>

#include <QDateTime>
#include <QIODevice>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace Sockscope {

namespace {

constexpr int PreviewLength = 300; // characters of arguments shown in a cell
constexpr qsizetype PayloadTextLimit = 64 * 1024; // characters kept for text filters

QString connectionOf(const Socket *socket)
{
    return socket->connection() ? socket->connection()->id() : QString();
}

QString timeText(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms).toString(u"HH:mm:ss.zzz"_s);
}

QString ackText(const EventLogEntry &e)
{
    if (e.ackId < 0)
        return {};
    const QString id = u"#%1"_s.arg(e.ackId);
    switch (e.kind) {
    case EventLogEntry::Kind::AckReply:
        return EventLogModel::tr("%1 reply (%2 ms)").arg(id).arg(e.roundTripMs);
    case EventLogEntry::Kind::AckTimeout:
        return EventLogModel::tr("%1 no reply after %2 ms").arg(id).arg(e.roundTripMs);
    case EventLogEntry::Kind::Event:
        break;
    case EventLogEntry::Kind::PlainMessage:
    case EventLogEntry::Kind::PlainClose:
    case EventLogEntry::Kind::Disconnect:
        return {};
    }
    switch (e.ackState) {
    case EventLogEntry::AckState::Waiting:
        return EventLogModel::tr("%1 waiting…").arg(id);
    case EventLogEntry::AckState::Replied:
        return e.roundTripMs >= 0 ? EventLogModel::tr("%1 replied in %2 ms").arg(id).arg(e.roundTripMs)
                                  : EventLogModel::tr("%1 replied").arg(id);
    case EventLogEntry::AckState::TimedOut:
        return EventLogModel::tr("%1 timed out after %2 ms").arg(id).arg(e.roundTripMs);
    case EventLogEntry::AckState::Cancelled:
        return EventLogModel::tr("%1 cancelled (socket gone)").arg(id);
    case EventLogEntry::AckState::None:
        break;
    }
    return id;
}

QString eventText(const EventLogEntry &e)
{
    switch (e.kind) {
    case EventLogEntry::Kind::Event:
        return e.event;
    case EventLogEntry::Kind::AckReply:
        return e.event.isEmpty() ? u"(ack)"_s : u"(ack) "_s + e.event;
    case EventLogEntry::Kind::AckTimeout:
        return e.event.isEmpty() ? u"(ack timeout)"_s : u"(ack timeout) "_s + e.event;
    case EventLogEntry::Kind::PlainMessage:
    case EventLogEntry::Kind::PlainClose:
    case EventLogEntry::Kind::Disconnect:
        return e.event;
    }
    return {};
}

} // namespace

EventLogModel::EventLogModel(QObject *parent) : QAbstractTableModel(parent)
{
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(m_flushInterval);
    connect(&m_flushTimer, &QTimer::timeout, this, &EventLogModel::flush);
}

EventLogModel::~EventLogModel()
{
    detachServer();
}

void EventLogModel::detachServer()
{
    for (const auto &c : std::as_const(m_serverConnections))
        disconnect(c);
    m_serverConnections.clear();
    if (m_server)
        m_server->removeObserver(&m_observer);
}

void EventLogModel::ServerObserver::eventReceived(Socket *socket, const QString &event,
                                                  const EventArguments &args, qint64 ackId)
{
    m_model->onEvent(socket, event, args, ackId, EventLogEntry::Direction::In);
}

void EventLogModel::ServerObserver::eventSent(Socket *socket, const QString &event,
                                              const Arguments &args, qint64 ackId)
{
    // Only what becomes a row is wrapped (a broadcast calls this once per recipient).
    if (m_model->admitEvent(event))
        m_model->recordEvent(socket->namespaceName(), socket->id(), event, EventArguments(args),
                             ackId, EventLogEntry::Direction::Out, connectionOf(socket));
}

void EventLogModel::ServerObserver::eventSentWithOffset(Socket *socket, const QString &event,
                                                        const Arguments &args, qint64 ackId,
                                                        const QString &offset)
{
    if (m_model->admitEvent(event))
        m_model->recordEvent(socket->namespaceName(), socket->id(), event, EventArguments(args),
                             ackId, EventLogEntry::Direction::Out, connectionOf(socket), offset);
}

void EventLogModel::ServerObserver::ackSent(Socket *socket, qint64 ackId,
                                            const EventArguments &args)
{
    m_model->onAckAnswered(socket, ackId, args, -1, EventLogEntry::Direction::Out);
}

void EventLogModel::ServerObserver::ackReceived(Socket *socket, qint64 ackId,
                                                const Arguments &args, qint64 roundTripMs)
{
    if (m_model->admitReply(ackId))
        m_model->recordReply(socket->namespaceName(), socket->id(), ackId, EventArguments(args),
                             roundTripMs, EventLogEntry::Direction::In, connectionOf(socket));
}

void EventLogModel::setServer(EventServer *server)
{
    if (server == m_server)
        return;
    detachServer();
    m_server = server;
    m_client = nullptr;
    if (!server)
        return;
    using Dir = EventLogEntry::Direction;
    // Events in and acks out as they went over the wire: the server converts nothing for the
    // log; a row's arguments are converted when someone looks at them. The observer is called
    // directly, so the model must live in the server's thread.
    Q_ASSERT(server->thread() == thread());
    server->addObserver(&m_observer);
    m_serverConnections = {
        connect(server, &EventServer::ackTimedOut, this, &EventLogModel::onAckTimedOut),
        connect(server, &EventServer::socketDisconnected, this,
                [this](Socket *s, const QString &reason) { onSocketGone(s, reason); }),
        connect(server, &EventServer::plainMessageReceived, this,
                [this](PlainConnection *c, const QByteArray &data, bool binary) {
                    logPlainMessage(c->id(), data, binary, Dir::In);
                }),
        connect(server, &EventServer::plainMessageSent, this,
                [this](PlainConnection *c, const QByteArray &data, bool binary) {
                    logPlainMessage(c->id(), data, binary, Dir::Out);
                }),
        connect(server, &EventServer::plainConnectionClosed, this,
                [this](PlainConnection *c, int code, const QString &reason) {
                    logPlainClose(c->id(), code, reason);
                }),
    };
}

void EventLogModel::setClient(EventClient *client)
{
    if (client == m_client)
        return;
    detachServer();
    m_server = nullptr;
    m_client = client;
    if (client)
        watchClient(client);
}

void EventLogModel::addClient(EventClient *client)
{
    if (client && client != m_client)
        watchClient(client);
}

void EventLogModel::watchClient(EventClient *client)
{
    using Dir = EventLogEntry::Direction;
    // Events sent before the socket id is known are logged under the id it gets; the id is
    // kept while disconnected, for late acks.
    auto id = std::make_shared<QString>();
    auto sid = [id, client] {
        if (!client->id().isEmpty())
            *id = client->id();
        return *id;
    };
    m_serverConnections += {
        connect(client, &EventClient::eventReceived, this,
                [this, client, sid](const QString &event, const Arguments &args, const Ack &ack) {
                    if (!m_clientListeners.contains(u"*"_s) && !m_clientListeners.contains(event))
                        return;
                    logEvent(client->namespaceName(), sid(), event, args,
                             ack.isRequested() ? ack.id() : -1, Dir::In, client->connectionId());
                }),
        connect(client, &EventClient::eventSent, this,
                [this, client, sid](const QString &event, const Arguments &args, qint64 ackId) {
                    logEvent(client->namespaceName(), sid(), event, args, ackId, Dir::Out,
                             client->connectionId());
                }),
        connect(client, &EventClient::ackReceived, this,
                [this, client, sid](qint64 id, const Arguments &args, qint64 rtt) {
                    logAckAnswered(client->namespaceName(), sid(), id, args, rtt, Dir::In,
                                   client->connectionId());
                }),
        connect(client, &EventClient::ackSent, this,
                [this, client, sid](qint64 id, const Arguments &args) {
                    logAckAnswered(client->namespaceName(), sid(), id, args, -1, Dir::Out,
                                   client->connectionId());
                }),
        connect(client, &EventClient::ackTimedOut, this,
                [this, client, sid](qint64 id, qint64 waited) {
                    logAckTimedOut(client->namespaceName(), sid(), id, waited, Dir::Out,
                                   client->connectionId());
                }),
        connect(client, &EventClient::disconnected, this, [this, sid] { logSocketGone(sid()); }),
    };
}

int EventLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int EventLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(EventLogColumn::Count);
}

void EventLogModel::setFlushInterval(int ms)
{
    m_flushInterval = ms;
    m_flushTimer.setInterval(ms);
}

void EventLogModel::onEvent(Socket *socket, const QString &event, const EventArguments &args,
                            qint64 ackId, EventLogEntry::Direction direction)
{
    // Under a flood most events are only counted: decide before fetching the socket's strings.
    if (admitEvent(event))
        recordEvent(socket->namespaceName(), socket->id(), event, args, ackId, direction,
                    connectionOf(socket));
}

void EventLogModel::logEvent(const QString &nsp, const QString &socketId, const QString &event,
                             const Arguments &args, qint64 ackId,
                             EventLogEntry::Direction direction, const QString &connectionId)
{
    logEvent(nsp, socketId, event, EventArguments(args), ackId, direction, connectionId);
}

void EventLogModel::logEvent(const QString &nsp, const QString &socketId, const QString &event,
                             const EventArguments &args, qint64 ackId,
                             EventLogEntry::Direction direction, const QString &connectionId)
{
    if (admitEvent(event))
        recordEvent(nsp, socketId, event, args, ackId, direction, connectionId);
}

bool EventLogModel::admitEvent(const QString &event)
{
    ++m_totalSeen;
    // Floods are mostly one name over and over: compare with the last before hashing.
    if (event != m_lastEventName) {
        if (!m_eventNames.contains(event)) {
            m_eventNames.insert(event);
            Q_EMIT eventNamesChanged();
        }
        m_lastEventName = event;
    }
    if (m_paused) {
        ++m_droppedWhilePaused;
        return false;
    }
    return sampled();
}

void EventLogModel::recordEvent(const QString &nsp, const QString &socketId, const QString &event,
                                const EventArguments &args, qint64 ackId,
                                EventLogEntry::Direction direction, const QString &connectionId,
                                const QString &offset)
{
    EventLogEntry e;
    e.direction = direction;
    e.nsp = nsp;
    e.socketId = socketId;
    e.connectionId = connectionId;
    e.event = event;
    if (args.hasValues())
        e.args = args.values();
    else
        e.json = args.json();
    e.ackId = ackId;
    e.offset = offset;
    e.ackState = ackId >= 0 ? EventLogEntry::AckState::Waiting : EventLogEntry::AckState::None;
    const qint64 serial = append(std::move(e));
    if (ackId >= 0)
        addWaiting(AckKey { socketId, ackId, direction }, serial);
}

void EventLogModel::onAckAnswered(Socket *socket, qint64 ackId, const EventArguments &args,
                                  qint64 rtt, EventLogEntry::Direction direction)
{
    if (admitReply(ackId))
        recordReply(socket->namespaceName(), socket->id(), ackId, args, rtt, direction,
                    connectionOf(socket));
}

void EventLogModel::logAckAnswered(const QString &nsp, const QString &socketId, qint64 ackId,
                                   const Arguments &args, qint64 rtt,
                                   EventLogEntry::Direction direction,
                                   const QString &connectionId)
{
    logAckAnswered(nsp, socketId, ackId, EventArguments(args), rtt, direction, connectionId);
}

void EventLogModel::logAckAnswered(const QString &nsp, const QString &socketId, qint64 ackId,
                                   const EventArguments &args, qint64 rtt,
                                   EventLogEntry::Direction direction,
                                   const QString &connectionId)
{
    if (admitReply(ackId))
        recordReply(nsp, socketId, ackId, args, rtt, direction, connectionId);
}

bool EventLogModel::admitReply(qint64 ackId)
{
    countArrival();
    // Sampling: a reply is logged only with its request, and no request with this id waits.
    if (m_sampleEvery > 1 && !m_paused && m_waitingIds[size_t(ackId) % WaitingIdBuckets] == 0) {
        ++m_notLoggedInFlood;
        return false;
    }
    return true;
}

void EventLogModel::addWaiting(const AckKey &key, qint64 serial)
{
    const auto it = m_waiting.find(key);
    if (it != m_waiting.end()) {
        it.value() = serial; // the same id again: the newer request waits
        return;
    }
    m_waiting.insert(key, serial);
    ++m_waitingIds[size_t(key.ackId) % WaitingIdBuckets];
}

qint64 EventLogModel::takeWaiting(const AckKey &key)
{
    const auto it = m_waiting.find(key);
    if (it == m_waiting.end())
        return 0;
    const qint64 serial = it.value();
    m_waiting.erase(it);
    --m_waitingIds[size_t(key.ackId) % WaitingIdBuckets];
    return serial;
}

void EventLogModel::recordReply(const QString &nsp, const QString &socketId, qint64 ackId,
                                const EventArguments &args, qint64 rtt,
                                EventLogEntry::Direction direction, const QString &connectionId)
{
    // A reply travels the other way from its request.
    const auto requestDir = direction == EventLogEntry::Direction::In
            ? EventLogEntry::Direction::Out
            : EventLogEntry::Direction::In;
    const qint64 requestSerial = takeWaiting(AckKey { socketId, ackId, requestDir });
    if (m_sampleEvery > 1 && requestSerial <= 0 && !m_paused) {
        // Sampling: the request was left out, so is its reply.
        ++m_notLoggedInFlood;
        return;
    }
    EventLogEntry reply;
    reply.kind = EventLogEntry::Kind::AckReply;
    reply.direction = direction;
    reply.nsp = nsp;
    reply.socketId = socketId;
    reply.connectionId = connectionId;
    if (args.hasValues())
        reply.args = args.values();
    else
        reply.json = args.json();
    reply.ackId = ackId;
    reply.pairedSerial = requestSerial > 0 ? requestSerial : -1;
    int row = -1;
    EventLogEntry *request = requestSerial > 0 ? findEntry(requestSerial, &row) : nullptr;
    if (request) {
        reply.event = request->event;
        if (rtt < 0)
            rtt = QDateTime::currentMSecsSinceEpoch() - request->timeMs;
    }
    reply.roundTripMs = rtt;
    if (m_paused) {
        ++m_droppedWhilePaused;
        if (request) {
            request->ackState = EventLogEntry::AckState::Replied;
            request->roundTripMs = rtt;
            entryChanged(row);
        }
        return;
    }
    const qint64 serial = append(std::move(reply));
    if (request) {
        // append() may have moved entries; look the request up again.
        request = findEntry(requestSerial, &row);
        if (request) {
            request->ackState = EventLogEntry::AckState::Replied;
            request->roundTripMs = rtt;
            request->pairedSerial = serial;
            entryChanged(row);
        }
    }
}

void EventLogModel::onAckTimedOut(Socket *socket, qint64 ackId, qint64 waited)
{
    logAckTimedOut(socket->namespaceName(), socket->id(), ackId, waited,
                   EventLogEntry::Direction::Out, connectionOf(socket));
}

void EventLogModel::logAckTimedOut(const QString &nsp, const QString &socketId, qint64 ackId,
                                   qint64 waited, EventLogEntry::Direction requestDirection,
                                   const QString &connectionId)
{
    const qint64 requestSerial = takeWaiting(AckKey { socketId, ackId, requestDirection });
    EventLogEntry e;
    e.kind = EventLogEntry::Kind::AckTimeout;
    e.direction = requestDirection == EventLogEntry::Direction::Out
            ? EventLogEntry::Direction::In
            : EventLogEntry::Direction::Out;
    e.nsp = nsp;
    e.socketId = socketId;
    e.connectionId = connectionId;
    e.ackId = ackId;
    e.roundTripMs = waited;
    e.pairedSerial = requestSerial > 0 ? requestSerial : -1;
    int row = -1;
    if (EventLogEntry *request = requestSerial > 0 ? findEntry(requestSerial, &row) : nullptr)
        e.event = request->event;
    qint64 serial = -1;
    if (m_paused)
        ++m_droppedWhilePaused;
    else
        serial = append(std::move(e));
    if (EventLogEntry *request = requestSerial > 0 ? findEntry(requestSerial, &row) : nullptr) {
        request->ackState = EventLogEntry::AckState::TimedOut;
        request->roundTripMs = waited;
        request->pairedSerial = serial;
        entryChanged(row);
    }
}

void EventLogModel::onSocketGone(Socket *socket, const QString &reason)
{
    logSocketGone(socket->id());
    const Connection *c = socket->connection();
    logDisconnect(socket->namespaceName(), socket->id(), reason, c ? c->id() : QString());
}

void EventLogModel::logDisconnect(const QString &nsp, const QString &socketId,
                                  const QString &reason, const QString &connectionId)
{
    if (m_paused) {
        ++m_droppedWhilePaused;
        return;
    }
    EventLogEntry e;
    e.kind = EventLogEntry::Kind::Disconnect;
    e.nsp = nsp;
    e.socketId = socketId;
    e.connectionId = connectionId;
    e.event = tr("(disconnect \"%1\")").arg(reason);
    e.args = { reason };
    append(std::move(e));
}

void EventLogModel::logSocketGone(const QString &socketId)
{
    for (auto it = m_waiting.begin(); it != m_waiting.end();) {
        if (it.key().socketId != socketId) {
            ++it;
            continue;
        }
        int row = -1;
        if (EventLogEntry *request = findEntry(it.value(), &row);
            request && request->direction == EventLogEntry::Direction::Out) {
            request->ackState = EventLogEntry::AckState::Cancelled;
            entryChanged(row);
        }
        --m_waitingIds[size_t(it.key().ackId) % WaitingIdBuckets];
        it = m_waiting.erase(it);
    }
}

void EventLogModel::logPlainMessage(const QString &connectionId, const QByteArray &data,
                                    bool binary, EventLogEntry::Direction direction)
{
    ++m_totalSeen;
    if (m_paused) {
        ++m_droppedWhilePaused;
        return;
    }
    if (!sampled())
        return;
    EventLogEntry e;
    e.kind = EventLogEntry::Kind::PlainMessage;
    e.direction = direction;
    e.socketId = connectionId;
    e.event = (binary ? tr("(binary, %1 B)") : tr("(text, %1 B)")).arg(data.size());
    if (binary) {
        e.args = { data };
    } else {
        const QString text = QString::fromUtf8(data);
        e.args = { text };
        e.payload = text.left(PayloadTextLimit);
    }
    append(std::move(e));
}

void EventLogModel::logPlainClose(const QString &connectionId, int code, const QString &reason)
{
    if (m_paused) {
        ++m_droppedWhilePaused;
        return;
    }
    EventLogEntry e;
    e.kind = EventLogEntry::Kind::PlainClose;
    e.socketId = connectionId;
    e.event = reason.isEmpty() ? tr("(closed %1)").arg(code)
                               : tr("(closed %1 \"%2\")").arg(code).arg(reason);
    e.args = { code, reason };
    append(std::move(e));
}

int EventLogModel::samplingFor(quint64 arrivals) const
{
    if (arrivals <= quint64(m_capacity))
        return 1;
    const quint64 tenth = quint64(qMax<qsizetype>(1, m_capacity / 10));
    return int(qBound<quint64>(2, (arrivals + tenth - 1) / tenth, 1000000));
}

void EventLogModel::countArrival()
{
    // The batch's clock runs from its first arrival: the rate estimate must not count the
    // quiet time before it.
    if (m_arrived++ == 0)
        m_sinceFlush.start();
}

bool EventLogModel::sampled()
{
    countArrival();
    // One in m_sampleEvery is kept: a countdown to the next kept one, no division per event.
    if (m_sampleEvery <= 1)
        return true;
    if (m_sampleTick > 0) {
        --m_sampleTick;
        ++m_notLoggedInFlood;
        return false;
    }
    m_sampleTick = quint64(m_sampleEvery - 1);
    return true;
}

EventLogEntry *EventLogModel::findEntry(qint64 serial, int *row)
{
    *row = rowOfSerial(serial);
    if (*row >= 0)
        return &m_entries[size_t(*row)];
    if (!m_pending.isEmpty()) {
        const qint64 at = serial - m_pending.first().serial;
        if (at >= 0 && at < m_pending.size())
            return &m_pending[at];
    }
    return nullptr;
}

int EventLogModel::rowOfSerial(qint64 serial) const
{
    if (m_entries.empty())
        return -1;
    const qint64 at = serial - m_entries.front().serial;
    return at >= 0 && at < qint64(m_entries.size()) ? int(at) : -1;
}

void EventLogModel::entryChanged(int row)
{
    if (row < 0)
        return; // a pending entry: it has not been shown yet
    Q_EMIT dataChanged(index(row, 0), index(row, int(EventLogColumn::Count) - 1));
}

qint64 EventLogModel::append(EventLogEntry entry)
{
    entry.serial = m_nextSerial++;
    if (entry.timeMs == 0)
        entry.timeMs = QDateTime::currentMSecsSinceEpoch();
    if (const qsizetype step = qMin<qsizetype>(floodBatch(), m_capacity);
        m_arrived > 0 && m_pending.size() > 0 && m_pending.size() % step == 0
        && m_pending.size() < 2 * m_capacity) {
        // Every flood's batch (or whole log) before the batch is due: if the rate so far would
        // bring more than the log holds in a flood's interval, sample from now on rather than
        // only from the next batch, so a flood is thinned within milliseconds of its start.
        const qint64 elapsed = qMax<qint64>(1, m_sinceFlush.elapsed());
        const qint64 interval = qMax(m_flushTimer.interval(), floodInterval());
        const quint64 expected = m_arrived * quint64(qMax(elapsed, interval)) / quint64(elapsed);
        // Pending entries are not thinned here: a batch smaller than the log keeps the rows
        // before it, and rows must follow each other by serial (rowOfSerial()).
        m_sampleEvery = qMax(m_sampleEvery, samplingFor(expected));
    } else if (m_pending.size() >= 2 * m_capacity) {
        // Only the newest capacity() entries can become rows: drop the older ones now rather
        // than hold a flood's worth of entries until the batch is due.
        const qsizetype drop = m_pending.size() - m_capacity;
        m_pending.remove(0, drop);
        m_notLoggedInFlood += quint64(drop);
    }
    m_pending.append(std::move(entry));
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
    return m_pending.last().serial;
}

const Arguments &EventLogModel::argsOf(const EventLogEntry &e)
{
    if (!e.json.isNull() && !e.jsonConverted) {
        e.args = EventArguments::fromJson(e.json).values();
        e.jsonConverted = true;
    }
    return e.args;
}

const QString &EventLogModel::payloadOf(const EventLogEntry &e)
{
    if (e.payload.isEmpty() && !e.json.isNull() && !e.jsonConverted) {
        // Text as it came over the wire: no conversion needed to show it.
        e.payload = QString::fromUtf8(e.json.left(4 * PayloadTextLimit));
        if (e.payload.size() > PayloadTextLimit)
            e.payload.truncate(PayloadTextLimit);
    }
    if (e.payload.isEmpty()) {
        // Binary shows its first KiB only: a multi-megabyte blob must not stall a view.
        e.payload = QString::fromUtf8(Json::toCompactJson(Json::toDisplayJson(e.args, 1024)));
        if (e.payload.size() > PayloadTextLimit)
            e.payload.truncate(PayloadTextLimit);
    }
    return e.payload;
}

void EventLogModel::flush()
{
    m_flushTimer.stop();
    // More arrived since the last batch than the log holds: sample until the rate falls,
    // aiming at a tenth of the log per batch.
    m_sampleEvery = samplingFor(std::exchange(m_arrived, 0));
    m_sampleTick = 0;
    // While sampling, batches keep coming even if nothing is pending, so the first quiet
    // batch after a flood ends sampling (not the next event, which would be sampled).
    if (m_sampleEvery > 1)
        m_flushTimer.start();
    if (m_pending.isEmpty())
        return;
    const qsizetype size = m_pending.size();
    // A flood: the views lay out and paint once a second rather than every flushInterval().
    m_flushTimer.setInterval(size > floodBatch() ? qMax(m_flushInterval, floodInterval())
                                                 : m_flushInterval);
    // More new entries than the log holds: only the newest ever become rows.
    const qsizetype skip = qMax<qsizetype>(0, size - m_capacity);
    m_notLoggedInFlood += quint64(skip);
    const qsizetype count = size - skip;
    int removed = 0;
    const qsizetype overflow = qsizetype(m_entries.size()) + count - m_capacity;
    if (overflow > 0) {
        removed = int(qMin(overflow, qsizetype(m_entries.size())));
        beginRemoveRows({}, 0, removed - 1);
        m_entries.erase(m_entries.begin(), m_entries.begin() + removed);
        endRemoveRows();
    }
    const int first = int(m_entries.size());
    beginInsertRows({}, first, first + int(count) - 1);
    m_entries.insert(m_entries.end(), std::make_move_iterator(m_pending.begin() + skip),
                     std::make_move_iterator(m_pending.end()));
    endInsertRows();
    // The list keeps its memory for the next batch (a flood refills it without growing and
    // faulting in new pages every time) unless it was a quiet one.
    if (size < 1024 && m_pending.capacity() > 4096)
        m_pending = {};
    else
        m_pending.clear();
    Q_EMIT flushed(int(m_entries.size()) - first, removed);
}

void EventLogModel::setCapacity(qsizetype capacity)
{
    m_capacity = qMax<qsizetype>(1, capacity);
    if (qsizetype(m_entries.size()) > m_capacity) {
        const int removed = int(qsizetype(m_entries.size()) - m_capacity);
        beginRemoveRows({}, 0, removed - 1);
        m_entries.erase(m_entries.begin(), m_entries.begin() + removed);
        endRemoveRows();
        Q_EMIT flushed(0, removed);
    }
}

void EventLogModel::setPaused(bool paused)
{
    if (paused == m_paused)
        return;
    m_paused = paused;
    Q_EMIT pausedChanged(paused);
}

void EventLogModel::clear()
{
    m_notLoggedInFlood = 0;
    m_arrived = 0;
    m_sampleTick = 0;
    m_sampleEvery = 1;
    m_flushTimer.setInterval(m_flushInterval);
    m_pending.clear();
    m_waiting.clear();
    m_waitingIds.fill(0);
    m_flushTimer.stop();
    beginResetModel();
    m_entries.clear();
    endResetModel();
}

QStringList EventLogModel::eventNames() const
{
    QStringList names = m_eventNames.values();
    names.sort();
    return names;
}

QVariant EventLogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const EventLogEntry &e = m_entries.at(size_t(index.row()));
    const auto column = EventLogColumn(index.column());
    switch (role) {
    case SocketIdRole:
        return e.socketId;
    case NamespaceRole:
        return e.nsp;
    case DirectionRole:
        return int(e.direction);
    case KindRole:
        return int(e.kind);
    case EventNameRole:
        return e.event;
    case PayloadTextRole:
        return payloadOf(e);
    case ArgumentsRole:
        return argsOf(e);
    case SerialRole:
        return e.serial;
    case PairedSerialRole:
        return e.pairedSerial;
    case Qt::ToolTipRole:
        if (column == EventLogColumn::Arguments)
            return payloadOf(e).left(4 * PreviewLength);
        if (column == EventLogColumn::Time)
            return QDateTime::fromMSecsSinceEpoch(e.timeMs).toString(Qt::ISODateWithMs);
        return {};
    case SortRole:
        switch (column) {
        case EventLogColumn::Time: return e.timeMs;
        case EventLogColumn::Direction: return int(e.direction);
        case EventLogColumn::Namespace: return e.nsp;
        case EventLogColumn::Socket: return e.socketId;
        case EventLogColumn::Event: return e.event;
        case EventLogColumn::Arguments: return payloadOf(e);
        case EventLogColumn::Ack: return e.ackId;
        case EventLogColumn::Count: break;
        }
        return {};
    case Qt::DisplayRole:
        switch (column) {
        case EventLogColumn::Time: return timeText(e.timeMs);
        case EventLogColumn::Direction:
            return e.direction == EventLogEntry::Direction::In ? u"in"_s : u"out"_s;
        case EventLogColumn::Namespace: return e.nsp;
        case EventLogColumn::Socket: return e.socketId;
        case EventLogColumn::Event: return eventText(e);
        case EventLogColumn::Arguments: {
            const QString &payload = payloadOf(e);
            return payload.size() > PreviewLength ? payload.left(PreviewLength) + u'…' : payload;
        }
        case EventLogColumn::Ack: return ackText(e);
        case EventLogColumn::Count: break;
        }
        return {};
    default:
        return {};
    }
}

QVariant EventLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (EventLogColumn(section)) {
    case EventLogColumn::Time: return tr("Time");
    case EventLogColumn::Direction: return tr("Dir");
    case EventLogColumn::Namespace: return tr("Namespace");
    case EventLogColumn::Socket: return tr("Socket");
    case EventLogColumn::Event: return tr("Event");
    case EventLogColumn::Arguments: return tr("Arguments");
    case EventLogColumn::Ack: return tr("Ack");
    case EventLogColumn::Count: break;
    }
    return {};
}

QByteArray EventLogModel::jsonLine(const EventLogEntry &e)
{
    namespace Format = JsonLinesFormat;
    const Format::Direction direction = e.direction == EventLogEntry::Direction::In
            ? Format::Direction::In
            : Format::Direction::Out;
    const Format::SocketFields socket { e.nsp, e.socketId, e.connectionId };
    // Arguments logged as the JSON text they came as are written as that text, as the
    // headless server writes them.
    const EventArguments args = !e.json.isNull() ? EventArguments::fromJson(e.json)
                                                 : EventArguments(e.args);
    switch (e.kind) {
    case EventLogEntry::Kind::Event:
        return Format::eventLine(e.timeMs, socket, direction, e.event, args, e.ackId, e.offset);
    case EventLogEntry::Kind::AckReply:
        return Format::ackLine(e.timeMs, socket, direction, e.ackId, args, e.roundTripMs);
    case EventLogEntry::Kind::AckTimeout:
        return Format::ackTimeoutLine(e.timeMs, socket, direction, e.ackId, e.roundTripMs);
    case EventLogEntry::Kind::PlainMessage: {
        const QVariant data = e.args.value(0);
        const bool binary = data.typeId() == QMetaType::QByteArray;
        return Format::plainMessageLine(e.timeMs, e.socketId, direction,
                                        binary ? data.toByteArray() : data.toString().toUtf8(),
                                        binary);
    }
    case EventLogEntry::Kind::PlainClose:
        return Format::plainCloseLine(e.timeMs, e.socketId, e.args.value(0).toInt(),
                                      e.args.value(1).toString());
    case EventLogEntry::Kind::Disconnect: {
        // As the headless server writes it.
        QJsonObject o { { u"socket"_s, e.socketId }, { u"namespace"_s, e.nsp } };
        if (!e.connectionId.isEmpty())
            o.insert(u"connection"_s, e.connectionId);
        o.insert(u"reason"_s, e.args.value(0).toString());
        return Format::line(u"disconnect"_s, e.timeMs, o);
    }
    }
    return {};
}

bool EventLogModel::exportJsonLines(QIODevice *out, const QList<int> *rows,
                                    QString *errorString) const
{
    const auto lineFor = &EventLogModel::jsonLine;
    auto fail = [&] {
        if (errorString)
            *errorString = out->errorString();
        return false;
    };
    if (!rows) {
        for (const EventLogEntry &e : m_entries) {
            if (out->write(lineFor(e)) < 0)
                return fail();
        }
    } else {
        for (int row : *rows) {
            if (row >= 0 && size_t(row) < m_entries.size()
                && out->write(lineFor(m_entries.at(size_t(row)))) < 0)
                return fail();
        }
    }
    return true;
}

} // namespace Sockscope
