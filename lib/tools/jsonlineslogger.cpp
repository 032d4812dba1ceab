#include "jsonlineslogger.h"

#include "connection.h"
#include "eventserver.h"
#include "plainconnection.h"
#include "secrets.h"
#include "socket.h"

#include <QDateTime>
#include <QFile>
#include <QIODevice>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace Sockscope {

namespace {

// Binary arguments are logged with their size and the base64 of their first bytes only.
constexpr qsizetype MaxLoggedBinary = 1024;

QJsonObject socketFields(Socket *s)
{
    QJsonObject o;
    o.insert(u"socket"_s, s->id());
    o.insert(u"namespace"_s, s->namespaceName());
    if (s->connection())
        o.insert(u"connection"_s, s->connection()->id());
    return o;
}

} // namespace

JsonLinesLogger::JsonLinesLogger(EventServer *server, QIODevice *out, QObject *parent)
    : QObject(parent), m_server(server), m_out(out)
{
    connectSignals();
}

void JsonLinesLogger::setLevel(Level level)
{
    if (level == m_level)
        return;
    m_level = level;
    if (m_server)
        m_server->disconnect(this);
    connectSignals();
}

// Listens to the server's signals the level asks for; the others cost the server nothing.
void JsonLinesLogger::connectSignals()
{
    EventServer *server = m_server;
    if (!server || m_level == Level::None)
        return;
    const bool events = m_level == Level::Everything;
    connect(server, &EventServer::handshakeReceived, this, &JsonLinesLogger::onHandshake);
    connect(server, &EventServer::socketConnected, this, [this](Socket *s) {
        QJsonObject o = socketFields(s);
        o.insert(u"auth"_s, redactAuth(s->auth()));
        const Connection *c = s->connection();
        o.insert(u"remote"_s, c ? u"%1:%2"_s.arg(c->remoteAddress().toString()).arg(c->remotePort())
                                : QString());
        write(u"connect"_s, o);
    });
    connect(server, &EventServer::socketDisconnected, this, [this](Socket *s, const QString &reason) {
        QJsonObject o = socketFields(s);
        o.insert(u"reason"_s, reason);
        write(u"disconnect"_s, o);
    });
    connect(server, &EventServer::connectRefused, this,
            [this](const QString &connection, const QString &nsp, const QString &message) {
                QJsonObject o;
                o.insert(u"connection"_s, connection);
                o.insert(u"namespace"_s, nsp);
                o.insert(u"message"_s, message);
                write(u"connect_error"_s, o);
            });
    auto eventLine = [this](const char *direction, Socket *s, const QString &event,
                            const Arguments &args, qint64 ackId) {
        QJsonObject o = socketFields(s);
        o.insert(u"direction"_s, QString::fromLatin1(direction));
        o.insert(u"event"_s, event);
        o.insert(u"args"_s, Json::toDisplayJson(args, MaxLoggedBinary));
        if (ackId >= 0)
            o.insert(u"ackId"_s, ackId);
        write(u"event"_s, o);
    };
    if (events) {
        connect(server, &EventServer::eventReceived, this,
                [eventLine](Socket *s, const QString &e, const Arguments &a, qint64 id) {
                    eventLine("in", s, e, a, id);
                });
        connect(server, &EventServer::eventSent, this,
                [eventLine](Socket *s, const QString &e, const Arguments &a, qint64 id) {
                    eventLine("out", s, e, a, id);
                });
        connect(server, &EventServer::ackReceived, this,
                [this](Socket *s, qint64 id, const Arguments &args, qint64 rtt) {
                    QJsonObject o = socketFields(s);
                    o.insert(u"direction"_s, u"in"_s);
                    o.insert(u"ackId"_s, id);
                    o.insert(u"args"_s, Json::toDisplayJson(args, MaxLoggedBinary));
                    o.insert(u"roundTripMs"_s, rtt);
                    write(u"ack"_s, o);
                });
        connect(server, &EventServer::ackSent, this, [this](Socket *s, qint64 id, const Arguments &args) {
            QJsonObject o = socketFields(s);
            o.insert(u"direction"_s, u"out"_s);
            o.insert(u"ackId"_s, id);
            o.insert(u"args"_s, Json::toDisplayJson(args, MaxLoggedBinary));
            write(u"ack"_s, o);
        });
        connect(server, &EventServer::ackTimedOut, this, [this](Socket *s, qint64 id, qint64 waited) {
            QJsonObject o = socketFields(s);
            o.insert(u"direction"_s, u"in"_s);
            o.insert(u"ackId"_s, id);
            o.insert(u"timedOut"_s, true);
            o.insert(u"waitedMs"_s, waited);
            write(u"ack"_s, o);
        });
    }
    connect(server, &EventServer::errorOccurred, this,
            [this](const QString &connection, const QString &message) {
                QJsonObject o;
                if (!connection.isEmpty())
                    o.insert(u"connection"_s, connection);
                o.insert(u"message"_s, message);
                write(u"error"_s, o);
            });
    connect(server, &EventServer::plainConnectionOpened, this, [this](PlainConnection *c) {
        QJsonObject o;
        o.insert(u"connection"_s, c->id());
        o.insert(u"transport"_s, u"websocket (plain)"_s);
        o.insert(u"remote"_s, u"%1:%2"_s.arg(c->remoteAddress().toString()).arg(c->remotePort()));
        if (!c->subprotocol().isEmpty())
            o.insert(u"subprotocol"_s, c->subprotocol());
        write(u"plain_connect"_s, o);
    });
    auto plainMessage = [this](const char *direction, PlainConnection *c, const QByteArray &data,
                               bool binary) {
        QJsonObject o;
        o.insert(u"connection"_s, c->id());
        o.insert(u"direction"_s, QString::fromLatin1(direction));
        o.insert(u"opcode"_s, binary ? u"binary"_s : u"text"_s);
        o.insert(u"size"_s, qint64(data.size()));
        if (binary) {
            o.insert(u"base64"_s, QString::fromLatin1(data.left(MaxLoggedBinary).toBase64()));
            if (data.size() > MaxLoggedBinary)
                o.insert(u"truncated"_s, true);
        }
        else
            o.insert(u"text"_s, QString::fromUtf8(data));
        write(u"plain_message"_s, o);
    };
    if (events) {
        connect(server, &EventServer::plainMessageReceived, this,
                [plainMessage](PlainConnection *c, const QByteArray &d, bool b) { plainMessage("in", c, d, b); });
        connect(server, &EventServer::plainMessageSent, this,
                [plainMessage](PlainConnection *c, const QByteArray &d, bool b) { plainMessage("out", c, d, b); });
    }
    connect(server, &EventServer::plainConnectionClosed, this,
            [this](PlainConnection *c, int code, const QString &reason) {
                QJsonObject o;
                o.insert(u"connection"_s, c->id());
                o.insert(u"code"_s, code);
                o.insert(u"reason"_s, reason);
                write(u"plain_close"_s, o);
            });
    connect(server, &EventServer::connectionUpgraded, this, [this](Connection *c) {
        QJsonObject o;
        o.insert(u"connection"_s, c->id());
        o.insert(u"transport"_s, c->transportName());
        write(u"upgrade"_s, o);
    });
    connect(server, &EventServer::connectionClosed, this,
            [this](Connection *c, const QString &reason) {
                QJsonObject o;
                o.insert(u"connection"_s, c->id());
                o.insert(u"reason"_s, reason);
                write(u"connection_closed"_s, o);
            });
}

QJsonObject JsonLinesLogger::redactAuth(const QJsonObject &auth) const
{
    return m_reveal ? auth : Secrets::redactAuth(auth);
}

void JsonLinesLogger::onHandshake(const HandshakeRecord &r)
{
    QJsonObject o;
    if (!r.connectionId.isEmpty())
        o.insert(u"connection"_s, r.connectionId);
    o.insert(u"remote"_s, u"%1:%2"_s.arg(r.remoteAddress.toString()).arg(r.remotePort));
    o.insert(u"method"_s, QString::fromLatin1(r.method));
    o.insert(u"target"_s, QString::fromUtf8(r.target));
    o.insert(u"status"_s, r.statusCode);
    if (!r.transport.isEmpty())
        o.insert(u"transport"_s, r.transport);
    QJsonObject headers;
    for (const auto &h : r.headers) {
        const QString value = !m_reveal && Secrets::isSecretHeader(h.first) ? Secrets::Redacted.toString()
                                                                   : QString::fromUtf8(h.second);
        headers.insert(QString::fromLatin1(h.first), value);
    }
    o.insert(u"headers"_s, headers);
    if (!r.secWebSocketKey.isEmpty()) {
        o.insert(u"secWebSocketKey"_s, QString::fromLatin1(r.secWebSocketKey));
        o.insert(u"sha1"_s, QString::fromLatin1(r.sha1.toHex()));
        o.insert(u"secWebSocketAccept"_s, QString::fromLatin1(r.secWebSocketAccept));
    }
    if (!r.error.isEmpty())
        o.insert(u"error"_s, r.error);
    write(u"handshake"_s, o);
}

void JsonLinesLogger::write(const QString &type, const QJsonObject &fields)
{
    if (!m_out)
        return;
    QJsonObject o = fields;
    o.insert(u"type"_s, type);
    o.insert(u"time"_s, QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    QByteArray line = QJsonDocument(o).toJson(QJsonDocument::Compact);
    line.append('\n');
    m_out->write(line);
    if (auto *file = qobject_cast<QFile *>(m_out.data()))
        file->flush();
}

} // namespace Sockscope
