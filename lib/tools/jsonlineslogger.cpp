#include "jsonlineslogger.h"

#include "connection.h"
#include "eventserver.h"
#include "jsonlinesformat.h"
#include "plainconnection.h"
#include "redisadapter.h"
#include "socket.h"

#include <QAbstractEventDispatcher>
#include <QDateTime>
#include <QFile>
#include <QIODevice>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace Sockscope {

namespace {

using Format = JsonLinesFormat::Direction;

JsonLinesFormat::SocketFields socketFields(Socket *s)
{
    return {s->namespaceName(), s->id(), s->connection() ? s->connection()->id() : QString()};
}

qint64 now() { return QDateTime::currentMSecsSinceEpoch(); }

QString remoteText(const QHostAddress &address, quint16 port)
{
    return u"%1:%2"_s.arg(address.toString()).arg(port);
}

} // namespace

JsonLinesLogger::JsonLinesLogger(EventServer *server, QIODevice *out, QObject *parent)
    : QObject(parent)
    , m_server(server)
    , m_out(out)
{
    connectSignals();
}

JsonLinesLogger::JsonLinesLogger(EventServer *server, AsyncLineWriter *writer, QObject *parent)
    : QObject(parent)
    , m_server(server)
    , m_writer(writer)
{
    // The batch goes to the writer whenever the event loop has nothing left to do (or once it
    // holds BatchBytes): one lock and one copy for all the lines of a busy stretch.
    if (auto *dispatcher = QAbstractEventDispatcher::instance(thread())) {
        connect(dispatcher, &QAbstractEventDispatcher::aboutToBlock, this,
                &JsonLinesLogger::flushBatch);
        m_flushOnIdle = true;
    }
    connectSignals();
}

JsonLinesLogger::~JsonLinesLogger()
{
    flushBatch();
    detach();
}

void JsonLinesLogger::setLevel(Level level)
{
    if (level == m_level)
        return;
    m_level = level;
    detach();
    connectSignals();
}

void JsonLinesLogger::detach()
{
    if (!m_server)
        return;
    m_server->disconnect(this);
    if (m_observing)
        m_server->removeObserver(&m_observer);
    m_observing = false;
}

template<typename Make> void JsonLinesLogger::Observer::writeMade(Make make)
{
    if (m_logger->skipLine())
        return;
    if (m_logger->m_writer) {
        // Into the batch that goes to the writer at the end of this event-loop pass.
        make(m_logger->m_batch);
        m_logger->lineBatched();
        return;
    }
    m_line.resize(0); // keeps the capacity
    make(m_line);
    m_logger->writeLine(m_line);
}

void JsonLinesLogger::Observer::eventReceived(Socket *socket, const QString &event,
                                              const EventArguments &args, qint64 ackId)
{
    writeMade([&](QByteArray &line) {
        JsonLinesFormat::eventLine(line, now(), socketFields(socket), Format::In, event, args,
                                   ackId);
    });
}

void JsonLinesLogger::Observer::eventSent(Socket *socket, const QString &event,
                                          const Arguments &args, qint64 ackId)
{
    writeMade([&](QByteArray &line) {
        m_sentLines.append(line, now(), socketFields(socket), Format::Out, event,
                                   sentArguments(args), ackId);
    });
}

EventArguments JsonLinesLogger::Observer::sentArguments(const Arguments &args)
{
    if (m_lastSentJson.isNull() || args.constData() != m_lastSent.constData()
        || args.size() != m_lastSent.size()) {
        m_lastSent = args;
        m_lastSentJson
                = Json::toCompactJson(Json::toDisplayJson(args, JsonLinesFormat::MaxBinaryBytes));
    }
    return EventArguments::fromJson(m_lastSentJson);
}

void JsonLinesLogger::Observer::eventSentWithOffset(Socket *socket, const QString &event,
                                                    const Arguments &args, qint64 ackId,
                                                    const QString &offset)
{
    writeMade([&](QByteArray &line) {
        m_sentLines.append(line, now(), socketFields(socket), Format::Out, event,
                                   sentArguments(args), ackId, offset);
    });
}

void JsonLinesLogger::Observer::ackSent(Socket *socket, qint64 ackId, const EventArguments &args)
{
    writeMade([&](QByteArray &line) {
        JsonLinesFormat::ackLine(line, now(), socketFields(socket), Format::Out, ackId, args, -1);
    });
}

void JsonLinesLogger::Observer::ackReceived(Socket *socket, qint64 ackId, const Arguments &args,
                                            qint64 roundTripMs)
{
    writeMade([&](QByteArray &line) {
        JsonLinesFormat::ackLine(line, now(), socketFields(socket), Format::In, ackId,
                                 EventArguments(args), roundTripMs);
    });
}

// Listens to what the level asks for; the rest costs the server nothing.
void JsonLinesLogger::connectSignals()
{
    EventServer *server = m_server;
    if (!server || m_level == Level::None)
        return;
    const bool events = m_level == Level::Everything;
    connect(server, &EventServer::handshakeReceived, this, [this](const HandshakeRecord &r) {
        writeLine(JsonLinesFormat::handshakeLine(now(), r, m_reveal));
    });
    connect(server, &EventServer::socketConnected, this, [this](Socket *s) {
        const Connection *c = s->connection();
        writeLine(JsonLinesFormat::connectLine(now(), socketFields(s), s->auth(),
                                               c ? remoteText(c->remoteAddress(), c->remotePort())
                                                 : QString(),
                                               m_reveal, s->isRecovered()));
    });
    connect(server, &EventServer::socketDisconnected, this,
            [this](Socket *s, const QString &reason) {
                const auto f = socketFields(s);
                QJsonObject o;
                o.insert(u"socket"_s, f.socket);
                o.insert(u"namespace"_s, f.nsp);
                if (!f.connection.isEmpty())
                    o.insert(u"connection"_s, f.connection);
                o.insert(u"reason"_s, reason);
                writeObject(u"disconnect"_s, o);
            });
    connect(server, &EventServer::connectRefused, this,
            [this](const QString &connection, const QString &nsp, const QString &message) {
                QJsonObject o;
                o.insert(u"connection"_s, connection);
                o.insert(u"namespace"_s, nsp);
                o.insert(u"message"_s, message);
                writeObject(u"connect_error"_s, o);
            });
    if (events) {
        // Events and replies through the observer: no signal per event, nothing converted.
        server->addObserver(&m_observer);
        m_observing = true;
        connect(server, &EventServer::ackTimedOut, this,
                [this](Socket *s, qint64 id, qint64 waited) {
                    writeLine(JsonLinesFormat::ackTimeoutLine(now(), socketFields(s), Format::In,
                                                              id, waited));
                });
    }
    connect(server, &EventServer::errorOccurred, this,
            [this](const QString &connection, const QString &message) {
                QJsonObject o;
                if (!connection.isEmpty())
                    o.insert(u"connection"_s, connection);
                o.insert(u"message"_s, message);
                writeObject(u"error"_s, o);
            });
    connect(server, &EventServer::plainConnectionOpened, this, [this](PlainConnection *c) {
        QJsonObject o;
        o.insert(u"connection"_s, c->id());
        o.insert(u"transport"_s, u"websocket (plain)"_s);
        o.insert(u"remote"_s, remoteText(c->remoteAddress(), c->remotePort()));
        if (!c->subprotocol().isEmpty())
            o.insert(u"subprotocol"_s, c->subprotocol());
        writeObject(u"plain_connect"_s, o);
    });
    if (events) {
        connect(server, &EventServer::plainMessageReceived, this,
                [this](PlainConnection *c, const QByteArray &d, bool b) {
                    if (!skipLine())
                        writeLine(JsonLinesFormat::plainMessageLine(now(), c->id(), Format::In, d,
                                                                    b));
                });
        connect(server, &EventServer::plainMessageSent, this,
                [this](PlainConnection *c, const QByteArray &d, bool b) {
                    if (!skipLine())
                        writeLine(JsonLinesFormat::plainMessageLine(now(), c->id(), Format::Out, d,
                                                                    b));
                });
    }
    connect(server, &EventServer::plainConnectionClosed, this,
            [this](PlainConnection *c, int code, const QString &reason) {
                writeLine(JsonLinesFormat::plainCloseLine(now(), c->id(), code, reason));
            });
    connect(server, &EventServer::connectionUpgraded, this, [this](Connection *c) {
        QJsonObject o;
        o.insert(u"connection"_s, c->id());
        o.insert(u"transport"_s, c->transportName());
        writeObject(u"upgrade"_s, o);
    });
    connect(server, &EventServer::connectionClosed, this,
            [this](Connection *c, const QString &reason) {
                QJsonObject o;
                o.insert(u"connection"_s, c->id());
                o.insert(u"reason"_s, reason);
                writeObject(u"connection_closed"_s, o);
            });
}

void JsonLinesLogger::write(const QString &type, const QJsonObject &fields)
{
    if (m_out || m_writer)
        writeLine(JsonLinesFormat::line(type, now(), fields), AsyncLineWriter::WhenFull::Keep);
}

void JsonLinesLogger::watchCluster(RedisCluster *cluster)
{
    const auto report = [this, cluster] {
        QJsonObject o;
        o.insert(u"state"_s, RedisCluster::stateName(cluster->state()));
        o.insert(u"servers"_s, cluster->serverCount());
        if (cluster->state() != RedisCluster::State::Connected && !cluster->errorString().isEmpty())
            o.insert(u"error"_s, cluster->errorString());
        write(u"adapter"_s, o);
    };
    connect(cluster, &RedisCluster::stateChanged, this, report);
    connect(cluster, &RedisCluster::serverCountChanged, this, report);
}

void JsonLinesLogger::writeObject(const QString &type, const QJsonObject &fields)
{
    if ((m_out || m_writer) && !skipLine())
        writeLine(JsonLinesFormat::line(type, now(), fields));
}

void JsonLinesLogger::lineBatched()
{
    ++m_batchLines;
    if (m_batch.size() >= BatchBytes) {
        flushBatch();
    } else if (!m_flushPosted) {
        // Once a pass, not once a line: the writer's lock and wake-up are shared by every
        // line of the pass.
        m_flushPosted = true;
        QMetaObject::invokeMethod(this, &JsonLinesLogger::flushBatch, Qt::QueuedConnection);
    }
}

void JsonLinesLogger::flushBatch()
{
    m_flushPosted = false;
    if (m_batchLines == 0)
        return;
    if (m_writer)
        m_writer->write(m_batch, m_batchLines);
    m_batch.resize(0); // keeps the capacity
    m_batchLines = 0;
}

void JsonLinesLogger::writeLine(const QByteArray &line, AsyncLineWriter::WhenFull whenFull)
{
    if (m_writer) {
        if (whenFull == AsyncLineWriter::WhenFull::Drop) {
            m_batch.append(line);
            lineBatched();
        } else {
            flushBatch(); // the lines before it go first
            m_writer->write(line, whenFull);
        }
        return;
    }
    if (!m_out)
        return;
    m_out->write(line);
    if (auto *file = qobject_cast<QFile *>(m_out.data()))
        file->flush();
}

} // namespace Sockscope
