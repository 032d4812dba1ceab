// Sockscope: the lines of the headless server's JSON-lines format, one function per kind.
#pragma once

#include "ack.h"
#include "arguments.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace Sockscope {

struct HandshakeRecord;

/*
    The JSON-lines format of the headless server (README, "The headless server"): one compact
    JSON object per line, ending in '\n', with its kind in "type" and a "time" in ISO 8601 UTC
    with milliseconds. Keys come in the order QJsonDocument writes them (sorted), so a line is
    byte for byte what QJsonDocument would write for it, except for arguments known as the JSON
    text they arrived as: those are written as they came (line breaks between their tokens
    become spaces), which spares a busy server converting them. For example

        {"ackId":3,"args":[12,5,8],"connection":"…","direction":"in","event":"aaa",
         "namespace":"/","socket":"…","time":"2026-11-26T10:00:00.123Z","type":"event"}

    Binary arguments appear as {"_binary":true,"base64":"…","size":N}, with only the first
    MaxBinaryBytes and "truncated":true when longer; plain binary messages the same way in
    their own fields. Auth values and the Authorization and Cookie headers are "[redacted]"
    unless revealed.

    JsonLinesLogger writes a server's lines with these functions and the monitor's event log
    exports its rows with them, so both give the same lines for the same traffic.
*/
namespace JsonLinesFormat {

inline constexpr qsizetype MaxBinaryBytes = 1024;

enum class Direction : quint8 { In, Out }; // In: client to server

// Who a Socket.IO line is about: "namespace", "socket", and "connection" (the Engine.IO
// session) when not empty.
struct SocketFields
{
    QString nsp;
    QString socket;
    QString connection;
};

// "2026-11-26T10:00:00.123Z"
QString timeText(qint64 msSinceEpoch);

// {"type":"event"}: ackId when the event asked for one (ackId >= 0); offset, when not empty,
// the connection state recovery offset the event carried after args on the wire.
QByteArray eventLine(qint64 timeMs, const SocketFields &socket, Direction direction,
                     const QString &event, const EventArguments &args, qint64 ackId,
                     const QString &offset = {});
void eventLine(QByteArray &out, qint64 timeMs, const SocketFields &socket, Direction direction,
               const QString &event, const EventArguments &args, qint64 ackId,
               const QString &offset = {});
// The lines of one event sent to many sockets (a broadcast): alike but for "connection" and
// "socket", so the first is made in full and the others are copies of it with those two
// values replaced. append() gives eventLine()'s bytes; arguments count as alike when they are
// the same text (one shared QByteArray), as the recipients of one broadcast are given them.
class SharedEventLines
{
public:
    void append(QByteArray &out, qint64 timeMs, const SocketFields &socket, Direction direction,
                const QString &event, const EventArguments &args, qint64 ackId,
                const QString &offset = {});

private:
    QByteArray m_line; // the last line made in full
    qsizetype m_spans[4] = {}; // its connection value (empty span if none) and socket value
    QByteArray m_args;
    qint64 m_timeMs = -1;
    qint64 m_ackId = -1;
    QString m_event;
    QString m_nsp;
    QString m_offset;
    Direction m_direction = Direction::Out;
    bool m_noConnection = false;
};
// {"type":"ack"}: a reply; roundTripMs (when >= 0) only for a reply that came in, the round
// trip of the server's own request.
QByteArray ackLine(qint64 timeMs, const SocketFields &socket, Direction direction, qint64 ackId,
                   const EventArguments &args, qint64 roundTripMs);
void ackLine(QByteArray &out, qint64 timeMs, const SocketFields &socket, Direction direction,
             qint64 ackId, const EventArguments &args, qint64 roundTripMs);
// {"type":"ack","timedOut":true,"waitedMs":N}: the reply that never came (direction is the
// reply's, "in" for a request the server sent).
QByteArray ackTimeoutLine(qint64 timeMs, const SocketFields &socket, Direction direction,
                          qint64 ackId, qint64 waitedMs);
void ackTimeoutLine(QByteArray &out, qint64 timeMs, const SocketFields &socket, Direction direction,
                    qint64 ackId, qint64 waitedMs);
// {"type":"plain_message"}: opcode text (with "text") or binary (with "base64", capped).
QByteArray plainMessageLine(qint64 timeMs, const QString &connection, Direction direction,
                            const QByteArray &data, bool binary);
void plainMessageLine(QByteArray &out, qint64 timeMs, const QString &connection,
                      Direction direction, const QByteArray &data, bool binary);
// {"type":"plain_close"}: the close code and reason.
QByteArray plainCloseLine(qint64 timeMs, const QString &connection, int code,
                          const QString &reason);
void plainCloseLine(QByteArray &out, qint64 timeMs, const QString &connection, int code,
                    const QString &reason);
// {"type":"connect"}: auth values redacted unless revealed; remote is "address:port";
// "recovered":true for a socket that took back its session (Socket::isRecovered()).
QByteArray connectLine(qint64 timeMs, const SocketFields &socket, const QJsonObject &auth,
                       const QString &remote, bool revealSecrets, bool recovered = false);
// {"type":"handshake"}: secret headers redacted unless revealed.
QByteArray handshakeLine(qint64 timeMs, const HandshakeRecord &record, bool revealSecrets);
// {"type":"log_dropped"}: count lines were dropped here, the output being too slow for them
// (AsyncLineWriter).
QByteArray droppedLine(qint64 timeMs, quint64 count);
// Any other kind: the fields plus "type" and "time".
QByteArray line(const QString &type, qint64 timeMs, const QJsonObject &fields);

} // namespace JsonLinesFormat

} // namespace Sockscope
