#include "ack.h"

namespace Sockscope {

Ack Ack::requested(qint64 id, std::function<void(qint64, const Arguments &)> send)
{
    Ack ack;
    ack.m_state = std::make_shared<State>();
    ack.m_state->id = id;
    ack.m_state->send = std::move(send);
    return ack;
}

void EventHandlers::on(const QString &event, EventHandler handler)
{
    m_handlers[event].append(std::move(handler));
}

void EventHandlers::on(const QString &event, SimpleEventHandler handler)
{
    m_handlers[event].append(
            [h = std::move(handler)](const Arguments &args, const Ack &) { h(args); });
}

void EventHandlers::off(const QString &event)
{
    m_handlers.remove(event);
}

void EventHandlers::onAny(AnyEventHandler handler)
{
    m_anyHandlers.append(std::move(handler));
}

bool EventHandlers::dispatch(const QString &event, const Arguments &args, const Ack &ack,
                             const std::function<bool()> &alive) const
{
    // Copies: a handler may add or remove handlers while we walk them.
    const QList<EventHandler> handlers = m_handlers.value(event);
    for (const EventHandler &h : handlers) {
        if (!alive())
            return false;
        h(args, ack);
    }
    const QList<AnyEventHandler> any = m_anyHandlers;
    for (const AnyEventHandler &h : any) {
        if (!alive())
            return false;
        h(event, args, ack);
    }
    return alive();
}

void Ack::reply(const Arguments &args) const
{
    if (!m_state || m_state->sent)
        return;
    m_state->sent = true;
    if (m_state->send)
        m_state->send(m_state->id, args);
}

} // namespace Sockscope
