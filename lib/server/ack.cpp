#include "ack.h"

namespace Sockscope {

Ack Ack::requested(qint64 id, std::function<void(qint64, const Arguments &)> send,
                   std::function<void(qint64, const QByteArray &)> sendJson)
{
    Ack ack;
    ack.m_state = std::make_shared<State>();
    ack.m_state->id = id;
    ack.m_state->send = std::move(send);
    ack.m_state->sendJson = std::move(sendJson);
    return ack;
}

Ack Ack::requested(qint64 id, QObject *target, const Sender *sender)
{
    Ack ack;
    ack.m_state = std::make_shared<State>();
    ack.m_state->id = id;
    ack.m_state->target = target;
    ack.m_state->sender = sender;
    return ack;
}

Arguments EventArguments::values() const
{
    if (m_hasValues || m_json.isNull())
        return m_values;
    // Parsed as the ACK it could be: the same checks and conversion as a received packet.
    SocketIoPacket parsed;
    if (SocketIoDecoder::parse("30" + m_json, &parsed) != SocketIoPacket::Error::None)
        return {};
    return parsed.arguments();
}

void Ack::replyJson(const QByteArray &jsonArray) const
{
    if (!m_state || m_state->sent)
        return;
    if (m_state->sender) {
        m_state->sent = true;
        if (m_state->target)
            m_state->sender->sendJson(m_state->target, m_state->id, jsonArray);
        return;
    }
    if (m_state->sendJson) {
        m_state->sent = true;
        m_state->sendJson(m_state->id, jsonArray);
        return;
    }
    SocketIoPacket parsed;
    if (SocketIoDecoder::parse("3" + QByteArray::number(m_state->id) + jsonArray, &parsed)
        == SocketIoPacket::Error::None)
        reply(parsed.arguments());
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
    m_anyHandlers.append([h = std::move(handler)](const QString &event,
                                                  const ReceivedArguments &args, const Ack &ack) {
        h(event, args.values(), ack);
    });
}

void EventHandlers::onAnyRaw(RawAnyEventHandler handler)
{
    m_anyHandlers.append(std::move(handler));
}

bool EventHandlers::dispatch(const QString &event, const ReceivedArguments &args, const Ack &ack,
                             const std::function<bool()> &alive) const
{
    // Copies: a handler may add or remove handlers while we walk them.
    if (!m_handlers.isEmpty()) {
        const QList<EventHandler> handlers = m_handlers.value(event);
        for (const EventHandler &h : handlers) {
            if (!alive())
                return false;
            h(args.values(), ack);
        }
    }
    const QList<RawAnyEventHandler> any = m_anyHandlers;
    for (const RawAnyEventHandler &h : any) {
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
    if (m_state->sender) {
        if (m_state->target)
            m_state->sender->send(m_state->target, m_state->id, args);
    } else if (m_state->send) {
        m_state->send(m_state->id, args);
    }
}

} // namespace Sockscope
