#include "eventrate.h"

#include <eventserver.h>
#include <socket.h>

#include <algorithm>

namespace Sockscope {

EventRate::EventRate(QObject *parent) : QObject(parent)
{
    m_timer.setInterval(1000);
    connect(&m_timer, &QTimer::timeout, this, &EventRate::sample);
    m_timer.start();
    m_clock.start();
}

void EventRate::setServer(EventServer *server)
{
    disconnect(m_in);
    disconnect(m_out);
    if (!server)
        return;
    m_in = connect(server, &EventServer::eventReceivedRaw, this, [this] { addEvents(1); });
    m_out = connect(server, &EventServer::eventSent, this, [this] { addEvents(1); });
}

void EventRate::setHistorySize(int samples)
{
    m_historySize = std::max(1, samples);
    if (m_history.size() > m_historySize)
        m_history.remove(0, m_history.size() - m_historySize);
}

double EventRate::peak() const
{
    return m_history.isEmpty() ? 0.0 : *std::max_element(m_history.cbegin(), m_history.cend());
}

void EventRate::sample()
{
    const qint64 ms = std::max<qint64>(1, m_clock.restart());
    const double rate = double(m_count) * 1000.0 / double(ms);
    m_count = 0;
    m_history.append(rate);
    if (m_history.size() > m_historySize)
        m_history.removeFirst();
    Q_EMIT sampled(rate);
}

} // namespace Sockscope
