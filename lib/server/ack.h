// Sockscope: acks, both ways.
#pragma once

#include "arguments.h"
#include "socketiopacket.h"

#include <QMetaType>
#include <QHash>
#include <QList>
#include <QPointer>
#include <QString>

#include <functional>
#include <memory>

namespace Sockscope {

class AckSender;

// The reply to one event we sent with an ack request: the peer's arguments, or a timeout.
struct AckResult
{
    QString socketId; // who replied (for broadcasts with acks)
    qint64 ackId = -1;
    Arguments args;
    bool timedOut = false;
    bool cancelled = false; // the socket went away before replying
    qint64 elapsedMs = 0; // round trip, or how long we waited
};
using AckCallback = std::function<void(const AckResult &result)>;

/*
    A handle to answer an event the peer sent with an ack request. Copyable; the first
    reply() sends the ack, later ones are ignored. isRequested() is false when the peer asked
    for no ack, and reply() then does nothing.
*/
class Ack
{
public:
    Ack() = default;
    // An ack for request id; send(id, args) writes the reply once. sendJson(id, json), when
    // given, writes a reply given as JSON text (replyJson()) without converting it.
    static Ack requested(qint64 id, std::function<void(qint64, const Arguments &)> send,
                         std::function<void(qint64, const QByteArray &)> sendJson = {});
    // The same, sending through functions of an object, while it lives: one allocation where
    // two std::function captures would take three (a server's socket answers this way).
    struct Sender
    {
        void (*send)(QObject *target, qint64 id, const Arguments &args);
        void (*sendJson)(QObject *target, qint64 id, const QByteArray &jsonArray);
    };
    static Ack requested(qint64 id, QObject *target, const Sender *sender);
    bool isRequested() const { return bool(m_state); }
    bool isSent() const { return m_state && m_state->sent; }
    qint64 id() const { return m_state ? m_state->id : -1; }
    void reply(const Arguments &args = {}) const;
    void operator()(const Arguments &args = {}) const { reply(args); }
    // Replies with the arguments given as the JSON text of an array ("[1,\"a\"]", no binary),
    // passed on as they are: ReceivedArguments::json() answered back unconverted. Other text is
    // checked first; what is not a JSON array in valid UTF-8 is not sent (the server's
    // errorOccurred() says so).
    void replyJson(const QByteArray &jsonArray) const;

private:
    struct State
    {
        qint64 id = -1;
        bool sent = false;
        std::function<void(qint64, const Arguments &)> send;
        std::function<void(qint64, const QByteArray &)> sendJson;
        QPointer<QObject> target; // with sender, instead of send and sendJson
        const Sender *sender = nullptr;
    };
    std::shared_ptr<State> m_state;
};

/*
    The arguments of a received event as a catch-all raw handler (onAnyRaw) sees them:
    values() converts them from JSON the first time it is asked and keeps them; json() is the
    JSON text of the arguments array exactly as it arrived (null for binary packets and for
    arguments that came as values), to pass on or answer back without a conversion. Valid for
    the duration of the handler call only: keep values(), not this object.
*/
class ReceivedArguments
{
public:
    ReceivedArguments(const Arguments &values) : m_values(values), m_converted(true) { }
    explicit ReceivedArguments(const SocketIoPacket &packet)
        : m_packet(&packet), m_json(packet.rawArguments())
    {
    }
    ReceivedArguments(const ReceivedArguments &) = delete;
    ReceivedArguments &operator=(const ReceivedArguments &) = delete;

    const Arguments &values() const
    {
        if (!m_converted) {
            m_values = m_packet->arguments();
            m_converted = true;
        }
        return m_values;
    }
    QByteArray json() const { return m_json; }
    bool isConverted() const { return m_converted; }

private:
    const SocketIoPacket *m_packet = nullptr;
    mutable Arguments m_values;
    mutable bool m_converted = false;
    QByteArray m_json;
};

/*
    Event arguments as a value that can travel in a signal: the JSON text of the arguments
    array as it went over the wire (json()), or values, or both. values() converts the text
    when there are no values; it does not keep the result. For listeners that mostly pass the
    arguments on or show them later (the monitor's log): the server's eventReceivedRaw and
    ackSentRaw signals carry it, so a busy server does not convert what nobody looks at.
*/
class EventArguments
{
public:
    EventArguments() = default;
    explicit EventArguments(const Arguments &values) : m_values(values), m_hasValues(true) { }
    static EventArguments fromJson(const QByteArray &jsonArray)
    {
        EventArguments a;
        a.m_json = jsonArray;
        return a;
    }
    bool hasValues() const { return m_hasValues; }
    // The JSON text of the arguments array ("[1,\"a\"]"), null when only values are known.
    QByteArray json() const { return m_json; }
    Arguments values() const;

private:
    QByteArray m_json;
    Arguments m_values;
    bool m_hasValues = false;
};

using EventHandler = std::function<void(const Arguments &args, const Ack &ack)>;
using SimpleEventHandler = std::function<void(const Arguments &args)>;
using AnyEventHandler = std::function<void(const QString &event, const Arguments &args, const Ack &ack)>;
using RawAnyEventHandler =
        std::function<void(const QString &event, const ReceivedArguments &args, const Ack &ack)>;

// The per-event and catch-all handlers of a Socket or an EventClient.
class EventHandlers
{
public:
    void on(const QString &event, EventHandler handler);
    void on(const QString &event, SimpleEventHandler handler);
    void off(const QString &event);
    void onAny(AnyEventHandler handler);
    void onAnyRaw(RawAnyEventHandler handler);
    // Runs the handlers for event, then the catch-all ones in the order they were added, while
    // alive() holds (a handler may close or delete the owner). Returns alive() at the end.
    // The arguments are converted only if a handler other than a raw one runs.
    bool dispatch(const QString &event, const ReceivedArguments &args, const Ack &ack,
                  const std::function<bool()> &alive) const;

private:
    QHash<QString, QList<EventHandler>> m_handlers;
    QList<RawAnyEventHandler> m_anyHandlers;
};

} // namespace Sockscope

Q_DECLARE_METATYPE(Sockscope::Ack)
Q_DECLARE_METATYPE(Sockscope::EventArguments)
