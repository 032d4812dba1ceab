// Sockscope: acks, both ways.
#pragma once

#include "arguments.h"

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
    // An ack for request id; send(id, args) writes the reply once.
    static Ack requested(qint64 id, std::function<void(qint64, const Arguments &)> send);
    bool isRequested() const { return bool(m_state); }
    bool isSent() const { return m_state && m_state->sent; }
    qint64 id() const { return m_state ? m_state->id : -1; }
    void reply(const Arguments &args = {}) const;
    void operator()(const Arguments &args = {}) const { reply(args); }

private:
    struct State
    {
        qint64 id = -1;
        bool sent = false;
        std::function<void(qint64, const Arguments &)> send;
    };
    std::shared_ptr<State> m_state;
};

using EventHandler = std::function<void(const Arguments &args, const Ack &ack)>;
using SimpleEventHandler = std::function<void(const Arguments &args)>;
using AnyEventHandler = std::function<void(const QString &event, const Arguments &args, const Ack &ack)>;

// The per-event and catch-all handlers of a Socket or an EventClient.
class EventHandlers
{
public:
    void on(const QString &event, EventHandler handler);
    void on(const QString &event, SimpleEventHandler handler);
    void off(const QString &event);
    void onAny(AnyEventHandler handler);
    // Runs the handlers for event, then the catch-all ones, while alive() holds (a handler may
    // close or delete the owner). Returns alive() at the end.
    bool dispatch(const QString &event, const Arguments &args, const Ack &ack,
                  const std::function<bool()> &alive) const;

private:
    QHash<QString, QList<EventHandler>> m_handlers;
    QList<AnyEventHandler> m_anyHandlers;
};

} // namespace Sockscope

Q_DECLARE_METATYPE(Sockscope::Ack)
