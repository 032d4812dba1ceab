// Sockscope: one JSON line per thing that happens on a server, for logs and scripts.
#pragma once

#include "asynclinewriter.h"
#include "eventserver.h"
#include "jsonlinesformat.h"

#include <QObject>
#include <QPointer>

QT_BEGIN_NAMESPACE
class QIODevice;
QT_END_NAMESPACE

namespace Sockscope {

struct HandshakeRecord;
class RedisCluster;

/*
    Writes one compact JSON object per line for every handshake, connect, disconnect, event,
    ack and error of a server, in the format of JsonLinesFormat (the monitor's export writes
    the same lines), e.g.

        {"args":[12,5,8],"connection":"…","direction":"in","event":"aaa","namespace":"/",
         "socket":"…","time":"2026-11-26T10:00:00.123Z","type":"event"}

    Events and acks come through an EventObserver, with the arguments as they went over the
    wire: nothing is converted for the log. Auth payloads and the Authorization and Cookie
    headers are redacted unless revealed.
    The level says which lines are written: everything (the default); connections (handshakes,
    connects, disconnects, upgrades and errors, but no line per event, ack or plain message,
    for a busy server); or none (only the caller's own lines).

    Given a QIODevice, each line is written to it at once (a QFile is flushed after each), for
    a QBuffer or a file that must be complete at any moment. Given an AsyncLineWriter (the
    headless server's standard output), lines are queued for its thread and the server never
    waits for the reader: when the queue is full, the server's lines are dropped and counted
    (a "log_dropped" line), while the caller's own lines (write()) are always kept.
*/
class JsonLinesLogger : public QObject
{
    Q_OBJECT
public:
    enum class Level { Everything, Connections, None };

    JsonLinesLogger(EventServer *server, QIODevice *out, QObject *parent = nullptr);
    // Lines go to writer, which must outlive the logger.
    JsonLinesLogger(EventServer *server, AsyncLineWriter *writer, QObject *parent = nullptr);
    ~JsonLinesLogger() override;

    Level level() const { return m_level; }
    void setLevel(Level level);

    bool revealSecrets() const { return m_reveal; }
    void setRevealSecrets(bool reveal) { m_reveal = reveal; }

    // Writes a line of the caller's own (type and time are added); never dropped.
    void write(const QString &type, const QJsonObject &fields);

    // Writes an "adapter" line each time the cluster's state or its server count changes
    // (at every level, none included):
    //   {"type":"adapter","state":"connected"|"reconnecting"|"down","servers":N,"error":"…"}
    // error only when the state is not connected.
    void watchCluster(RedisCluster *cluster);

private:
    void connectSignals();
    void detach();
    bool skipLine() { return m_writer && m_writer->skipLine(); }
    void writeObject(const QString &type, const QJsonObject &fields);
    void writeLine(const QByteArray &line,
                   AsyncLineWriter::WhenFull whenFull = AsyncLineWriter::WhenFull::Drop);
    // With a writer, lines gather in m_batch and go to it when the event loop is about to wait
    // (or once BatchBytes are waiting; without an event dispatcher, at the end of the pass).
    void lineBatched();
    void flushBatch();
    static constexpr qsizetype BatchBytes = 32 * 1024;

    // Writes the event and ack lines (see EventObserver).
    class Observer final : public EventObserver
    {
    public:
        explicit Observer(JsonLinesLogger *logger)
            : m_logger(logger)
        {
        }
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
        // The arguments of a sent event as JSON text. A broadcast reports the same arguments
        // (one shared list) for each recipient: they are converted once, for the first.
        EventArguments sentArguments(const Arguments &args);

        // A line made in the buffer kept for it (no allocation per line), then written.
        template<typename Make> void writeMade(Make make);

        JsonLinesLogger *m_logger;
        QByteArray m_line;
        JsonLinesFormat::SharedEventLines m_sentLines;
        Arguments m_lastSent;
        QByteArray m_lastSentJson;
    };

    Observer m_observer {this};
    bool m_observing = false;
    QPointer<EventServer> m_server;
    QPointer<QIODevice> m_out;
    AsyncLineWriter *m_writer = nullptr;
    QByteArray m_batch;
    qsizetype m_batchLines = 0;
    bool m_flushPosted = false;
    bool m_flushOnIdle = false;
    Level m_level = Level::Everything;
    bool m_reveal = false;
};

} // namespace Sockscope
