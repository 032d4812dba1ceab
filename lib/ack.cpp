#include "ack.h"

namespace Sockscope {

void Ack::reply(const Arguments &args) const
{
    if (!m_state || m_state->sent)
        return;
    m_state->sent = true;
    if (m_state->send)
        m_state->send(m_state->id, args);
}

} // namespace Sockscope
