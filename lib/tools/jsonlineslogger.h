// Sockscope: one JSON line per thing that happens on a server, for logs and scripts.
#pragma once

#include <QObject>
#include <QPointer>

QT_BEGIN_NAMESPACE
class QIODevice;
QT_END_NAMESPACE

namespace Sockscope {

class EventServer;
struct HandshakeRecord;

/*
    Writes one compact JSON object per line for every handshake, connect, disconnect, event,
    ack and error of a server, e.g.

        {"type":"event","time":"2026-11-26T10:00:00.123Z","direction":"in","socket":"…",
         "namespace":"/","event":"aaa","args":[12,5,8]}

    Auth payloads and the Authorization and Cookie headers are redacted unless revealed.
    The level says which lines are written: everything (the default); connections (handshakes,
    connects, disconnects, upgrades and errors, but no line per event, ack or plain message,
    for a busy server); or none (only the caller's own lines).
*/
class JsonLinesLogger : public QObject
{
    Q_OBJECT
public:
    enum class Level { Everything, Connections, None };

    JsonLinesLogger(EventServer *server, QIODevice *out, QObject *parent = nullptr);

    Level level() const { return m_level; }
    void setLevel(Level level);

    bool revealSecrets() const { return m_reveal; }
    void setRevealSecrets(bool reveal) { m_reveal = reveal; }

    // Writes a line of the caller's own (type and time are added).
    void write(const QString &type, const QJsonObject &fields);

private:
    void connectSignals();
    void onHandshake(const HandshakeRecord &record);
    QJsonObject redactAuth(const QJsonObject &auth) const;

    QPointer<EventServer> m_server;
    QPointer<QIODevice> m_out;
    Level m_level = Level::Everything;
    bool m_reveal = false;
};

} // namespace Sockscope
