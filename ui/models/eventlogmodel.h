// Sockscope: the live log of events and acks on a server.
#pragma once

#include "columns.h"

#include <eventclient.h>
#include <eventserver.h>

#include <arguments.h>

#include <QAbstractTableModel>
#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QList>
#include <QPointer>
#include <QTimer>

#include <array>
#include <deque>

QT_BEGIN_NAMESPACE
class QIODevice;
QT_END_NAMESPACE

namespace Sockscope {

class EventClient;
class EventServer;
class Socket;

struct EventLogEntry
{
    enum class Direction : quint8 { In, Out }; // In: client to server
    enum class Kind : quint8 {
        Event, // an event; ackId >= 0 when it asked for an ack
        AckReply, // the answer to an ack request (ackId); pairedSerial is the request
        AckTimeout, // no answer came in time; pairedSerial is the request
        PlainMessage, // a plain WebSocket message: args is [QString] (text) or [QByteArray]
        PlainClose, // a plain WebSocket connection closed: event says code and reason
        Disconnect // a socket left its namespace: event says the reason, args is [reason]
    };
    enum class AckState : quint8 { None, Waiting, Replied, TimedOut, Cancelled };

    qint64 serial = 0; // increases by one per entry, never reused
    qint64 timeMs = 0; // milliseconds since the epoch
    Direction direction = Direction::In;
    Kind kind = Kind::Event;
    AckState ackState = AckState::None; // for an Event that asked for an ack
    QString nsp;
    QString socketId; // for a plain WebSocket row, the connection's id
    QString connectionId; // the Engine.IO session of the socket, when known
    QString event; // for ack rows: the name of the event answered
    // The arguments; for an event logged from the JSON text it carried (json), converted the
    // first time someone asks (EventLogModel::argsOf()).
    mutable Arguments args;
    QByteArray json; // the arguments array as it went over the wire, when it was text
    mutable bool jsonConverted = false;
    // Compact JSON of the display form of args; made the first time a view, a filter or the
    // sort asks (EventLogModel::payloadOf()), not for every event that passes.
    mutable QString payload;
    qint64 ackId = -1;
    // The connection state recovery offset an event sent carried after its arguments (empty
    // when none): shown and exported apart from args, which are the application's.
    QString offset;
    qint64 pairedSerial = -1;
    qint64 roundTripMs = -1; // reply round trip, or how long we waited before the timeout
};

} // namespace Sockscope
// Every member is relocatable: a growing list of entries moves them as bytes.
Q_DECLARE_TYPEINFO(Sockscope::EventLogEntry, Q_RELOCATABLE_TYPE);
namespace Sockscope {

/*
    Every event and ack that passes through a server, oldest first.

    Library signals append to a pending list; a timer (flushInterval(), 150 ms) moves the
    pending entries into the model with one beginInsertRows per batch, so a burst of thousands
    of events costs the views a handful of updates. In a flood (a batch of more than
    floodBatch() rows) the next batch waits floodInterval() (1 s) instead: each batch makes the
    views lay out and paint again, and nobody reads hundreds of thousands of rows a second, so
    the server keeps its time for the traffic. When the log holds more than capacity() entries
    the oldest are dropped with one beginRemoveRows; pending entries that could never become
    rows (more than capacity() newer ones came after them) are dropped as they go.

    Above that, when more events arrive between two batches than the whole log holds, the log
    samples: until the rate falls again it keeps one event in sampleEvery(), about a tenth of
    capacity() per batch (spread evenly, so the log shows the last ten seconds or so rather
    than the last instant), with the reply to each kept request, and counts the rest
    (notLoggedInFlood()). Without it the log would build
    hundreds of thousands of rows a second only to drop all but the newest, on the server's
    thread. Counts elsewhere (connections, rates) stay exact.

    While paused, new events are counted (droppedWhilePaused()) but not logged; replies to
    requests already in the log still update them. An event that asked for an ack is
    paired with its reply or timeout: each row's Ack column names the other, and
    PairedSerialRole gives its serial (row = serial - firstSerial()).
*/
class EventLogModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    explicit EventLogModel(QObject *parent = nullptr);
    ~EventLogModel() override;

    // The server's events come through an EventObserver, not its signals: under a flood the
    // log only counts most of them, and a signal per event would cost the server more.
    void setServer(EventServer *server);
    EventServer *server() const { return m_server; }
    // Logs what one client sends and receives instead of a server (the client window): Out is
    // what the client sent, In what it received; the socket column is the client's socket id.
    void setClient(EventClient *client);
    EventClient *client() const { return m_client; }
    // Logs one more socket besides setClient()'s: another namespace over the same connection
    // (ClientManager). Its rows carry its namespace. setClient() and setServer() drop it.
    void addClient(EventClient *client);
    // Which events received by the client are logged: a list of names, or "*" (the default)
    // for all of them. Sent events and acks are always logged.
    void setClientListeners(const QStringList &events) { m_clientListeners = events; }
    QStringList clientListeners() const { return m_clientListeners; }

    // What a server or a client reported, by namespace and socket id (setServer and setClient
    // feed these; a test may call them directly).
    // connectionId is the socket's Engine.IO session, exported as "connection" when known.
    void logEvent(const QString &nsp, const QString &socketId, const QString &event,
                  const Arguments &args, qint64 ackId, EventLogEntry::Direction direction,
                  const QString &connectionId = {});
    void logEvent(const QString &nsp, const QString &socketId, const QString &event,
                  const EventArguments &args, qint64 ackId, EventLogEntry::Direction direction,
                  const QString &connectionId = {});
    // direction is the reply's; rtt < 0: measured from the request's time.
    void logAckAnswered(const QString &nsp, const QString &socketId, qint64 ackId,
                        const Arguments &args, qint64 rtt, EventLogEntry::Direction direction,
                        const QString &connectionId = {});
    void logAckAnswered(const QString &nsp, const QString &socketId, qint64 ackId,
                        const EventArguments &args, qint64 rtt, EventLogEntry::Direction direction,
                        const QString &connectionId = {});
    // A request sent in requestDirection got no reply in time.
    void logAckTimedOut(const QString &nsp, const QString &socketId, qint64 ackId, qint64 waited,
                        EventLogEntry::Direction requestDirection = EventLogEntry::Direction::Out,
                        const QString &connectionId = {});
    // The socket is gone: its pending requests are cancelled.
    void logSocketGone(const QString &socketId);
    // A row for a socket that left, with the reason (Node's, or Sockscope's "slow consumer").
    void logDisconnect(const QString &nsp, const QString &socketId, const QString &reason,
                       const QString &connectionId = {});
    // A plain WebSocket client's message (no namespace; socketId is the connection's id).
    void logPlainMessage(const QString &connectionId, const QByteArray &data, bool binary,
                         EventLogEntry::Direction direction);
    void logPlainClose(const QString &connectionId, int code, const QString &reason);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    const EventLogEntry &entry(int row) const { return m_entries.at(size_t(row)); }
    // The entry's payload text (compact display JSON, or the JSON text as it came), made on
    // first use.
    static const QString &payloadOf(const EventLogEntry &e);
    // The entry's arguments, converted from its JSON text on first use.
    static const Arguments &argsOf(const EventLogEntry &e);
    // The row of an entry by serial, -1 if it is pending, dropped or unknown.
    int rowOfSerial(qint64 serial) const;
    qint64 firstSerial() const { return m_entries.empty() ? -1 : m_entries.front().serial; }

    qsizetype capacity() const { return m_capacity; }
    void setCapacity(qsizetype capacity); // at least 1; drops the oldest rows now if needed
    int flushInterval() const { return m_flushInterval; }
    void setFlushInterval(int ms);
    // When the next batch is due after the last one: flushInterval(), or floodInterval() after
    // a batch of more than floodBatch() rows.
    int currentFlushInterval() const { return m_flushTimer.interval(); }
    static constexpr int floodBatch() { return 5000; }
    static constexpr int floodInterval() { return 1000; }

    bool isPaused() const { return m_paused; }
    void setPaused(bool paused);
    quint64 droppedWhilePaused() const { return m_droppedWhilePaused; }
    // Events seen since the model was created, logged or not (for rates).
    quint64 totalSeen() const { return m_totalSeen; }
    // 1: every event is logged; N: a flood, one event in N is (see above).
    int sampleEvery() const { return m_sampleEvery; }
    // Events and replies that never became rows because of a flood (left out by sampling, or
    // pushed out by newer ones before their batch was due) since the model was created or
    // cleared.
    quint64 notLoggedInFlood() const { return m_notLoggedInFlood; }
    int pendingCount() const { return int(m_pending.size()); }

    // Adds an entry as if a server had reported it (serial and, if 0, time are filled in).
    // Returns the serial.
    qint64 append(EventLogEntry entry);
    // Moves pending entries into the model now.
    void flush();
    void clear();

    // Event names seen so far, sorted (for completers).
    QStringList eventNames() const;

    // Writes the given rows (all when rows is null) as JSON lines in the headless server's
    // format (JsonLinesFormat): the same lines JsonLinesLogger writes for the same events,
    // acks and plain messages, with the time each row was logged.
    bool exportJsonLines(QIODevice *out, const QList<int> *rows = nullptr,
                         QString *errorString = nullptr) const;
    // The JSON line of one entry, as exportJsonLines() writes it.
    static QByteArray jsonLine(const EventLogEntry &entry);

Q_SIGNALS:
    void flushed(int inserted, int removed);
    void pausedChanged(bool paused);
    void eventNamesChanged();

private:
    void onEvent(Socket *socket, const QString &event, const EventArguments &args, qint64 ackId,
                 EventLogEntry::Direction direction);
    void onAckAnswered(Socket *socket, qint64 ackId, const EventArguments &args, qint64 rtt,
                       EventLogEntry::Direction direction);
    void onAckTimedOut(Socket *socket, qint64 ackId, qint64 waited);
    void onSocketGone(Socket *socket, const QString &reason);
    // The fast half of logging an event or a reply: counts it and says whether it becomes a
    // row (not when paused or left out by sampling); the slow half makes the row.
    bool admitEvent(const QString &event);
    void recordEvent(const QString &nsp, const QString &socketId, const QString &event,
                     const EventArguments &args, qint64 ackId, EventLogEntry::Direction direction,
                     const QString &connectionId, const QString &offset = {});
    bool admitReply(qint64 ackId);
    void recordReply(const QString &nsp, const QString &socketId, qint64 ackId,
                     const EventArguments &args, qint64 rtt, EventLogEntry::Direction direction,
                     const QString &connectionId);
    // Counts an arriving event, reply or message.
    void countArrival();
    // Counts an arriving event or message; false when sampling leaves it out.
    bool sampled();
    // The sampling for so many arrivals in one batch: 1 up to capacity(), then enough to
    // keep about a tenth of the log's worth (so in a flood the log spans about ten batches).
    int samplingFor(quint64 arrivals) const;
    EventLogEntry *findEntry(qint64 serial, int *row);
    void entryChanged(int row);
    // A request waiting for its ack: the socket, the direction the request went, its id.
    struct AckKey
    {
        QString socketId;
        qint64 ackId;
        EventLogEntry::Direction direction;
        bool operator==(const AckKey &o) const
        {
            return ackId == o.ackId && direction == o.direction && socketId == o.socketId;
        }
        // Ids are random: their last four characters spread the keys as well as hashing the
        // whole id would, for a fraction of the cost on every reply.
        friend size_t qHash(const AckKey &k, size_t seed = 0)
        {
            return qHashMulti(seed, QStringView(k.socketId).right(4), k.ackId, int(k.direction));
        }
    };

    // Stops hearing from m_server: its signals and the observer (m_server itself is kept).
    void detachServer();
    // What the server calls for each event and ack (see setServer()).
    class ServerObserver final : public EventObserver
    {
    public:
        explicit ServerObserver(EventLogModel *model) : m_model(model) { }
        void eventReceived(Socket *socket, const QString &event, const EventArguments &args,
                           qint64 ackId) override;
        void eventSent(Socket *socket, const QString &event, const Arguments &args,
                       qint64 ackId) override;
        void eventSentWithOffset(Socket *socket, const QString &event, const Arguments &args,
                                 qint64 ackId, const QString &offset) override;
        void ackSent(Socket *socket, qint64 ackId, const EventArguments &args) override;
        void ackReceived(Socket *socket, qint64 ackId, const Arguments &args,
                         qint64 roundTripMs) override;

    private:
        EventLogModel *m_model;
    };
    void watchClient(EventClient *client);

    ServerObserver m_observer { this };
    QPointer<EventServer> m_server;
    QPointer<EventClient> m_client;
    QList<QMetaObject::Connection> m_serverConnections;
    QStringList m_clientListeners { QStringLiteral("*") };
    // A deque: the oldest rows go from the front and new ones come at the back without moving
    // the 100,000 in between.
    std::deque<EventLogEntry> m_entries;
    QList<EventLogEntry> m_pending;
    // Requests waiting for their ack -> serial. m_waitingIds counts how many waiting requests
    // have an id in each bucket (by id modulo the bucket count), so that a sampled flood's
    // replies, nearly all without a logged request, are turned away without a hash of their
    // socket id: every change to m_waiting must keep it (addWaiting and takeWaiting do;
    // logSocketGone and clear() keep it by hand).
    void addWaiting(const AckKey &key, qint64 serial);
    qint64 takeWaiting(const AckKey &key); // 0 if none
    QHash<AckKey, qint64> m_waiting;
    static constexpr size_t WaitingIdBuckets = 1024;
    std::array<quint32, WaitingIdBuckets> m_waitingIds {};
    QSet<QString> m_eventNames;
    QString m_lastEventName;
    qint64 m_nextSerial = 1;
    qsizetype m_capacity = 100000;
    bool m_paused = false;
    quint64 m_droppedWhilePaused = 0;
    quint64 m_totalSeen = 0;
    QTimer m_flushTimer;
    int m_flushInterval = 150;
    int m_sampleEvery = 1;
    quint64 m_arrived = 0; // events, replies and messages offered since the last batch
    quint64 m_sampleTick = 0; // while sampling: events to leave out before the next kept one
    QElapsedTimer m_sinceFlush; // since the batch's first arrival
    quint64 m_notLoggedInFlood = 0;
};

} // namespace Sockscope
