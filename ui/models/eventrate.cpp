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
    if (m_server) // what it counted since the last sample
        addEvents(serverTotal() - m_serverTotal);
    m_server = server;
    m_serverTotal = serverTotal();
}

quint64 EventRate::serverTotal() const
{
    return m_server ? m_server->stats().eventsReceived + m_server->stats().eventsSent : 0;
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
    if (m_server) {
        const quint64 total = serverTotal();
        addEvents(total - m_serverTotal);
        m_serverTotal = total;
    }
    const qint64 ms = std::max<qint64>(1, m_clock.restart());
    const double rate = double(m_count) * 1000.0 / double(ms);
    m_count = 0;
    m_history.append(rate);
    if (m_history.size() > m_historySize)
        m_history.removeFirst();
    Q_EMIT sampled(rate);
}

} // namespace Sockscope
