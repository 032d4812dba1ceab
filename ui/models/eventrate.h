// Sockscope: events per second on a server, sampled once a second.
#pragma once

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTimer>

namespace Sockscope {

class EventServer;

/*
    Counts the events a server receives and sends and turns the count into a rate every
    interval() (1 s). Keeps the last historySize() samples for a chart. The server's counters
    (ServerStats) are read once per interval: nothing runs per event.
*/
class EventRate : public QObject
{
    Q_OBJECT
public:
    explicit EventRate(QObject *parent = nullptr);

    void setServer(EventServer *server);

    int interval() const { return m_timer.interval(); }
    void setInterval(int ms) { m_timer.setInterval(ms); }
    int historySize() const { return m_historySize; }
    void setHistorySize(int samples);

    double current() const { return m_history.isEmpty() ? 0.0 : m_history.last(); }
    double peak() const;
    QList<double> history() const { return m_history; }
    quint64 total() const { return m_total; }

    // Counts events that did not come through the server (tests).
    void addEvents(quint64 n) { m_count += n; m_total += n; }
    // Ends the current interval now.
    void sample();

Q_SIGNALS:
    void sampled(double eventsPerSecond);

private:
    quint64 serverTotal() const;
    QPointer<EventServer> m_server;
    quint64 m_serverTotal = 0; // the server's count at the last sample
    QTimer m_timer;
    QElapsedTimer m_clock;
    QList<double> m_history;
    int m_historySize = 120;
    quint64 m_count = 0;
    quint64 m_total = 0;
};

} // namespace Sockscope
