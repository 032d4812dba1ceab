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
*/
class JsonLinesLogger : public QObject
{
    Q_OBJECT
public:
    JsonLinesLogger(EventServer *server, QIODevice *out, QObject *parent = nullptr);

    bool revealSecrets() const { return m_reveal; }
    void setRevealSecrets(bool reveal) { m_reveal = reveal; }

    // Writes a line of the caller's own (type and time are added).
    void write(const QString &type, const QJsonObject &fields);

private:
    void onHandshake(const HandshakeRecord &record);
    QJsonObject redactAuth(const QJsonObject &auth) const;

    QPointer<QIODevice> m_out;
    bool m_reveal = false;
};

} // namespace Sockscope
