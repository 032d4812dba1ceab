#include "acktracker_p.h"

#include <QPointer>
#include <QTimerEvent>

namespace Sockscope {

AckTracker::AckTracker(QObject *parent) : QObject(parent)
{
    m_clock.start();
}

void AckTracker::add(qint64 id, AckCallback callback, int timeoutMs)
{
    Pending p;
    p.callback = std::move(callback);
    p.start = m_clock.elapsed();
    p.deadline = timeoutMs > 0 ? p.start + timeoutMs : 0;
    m_pending.insert(id, std::move(p));
    if (timeoutMs > 0)
        reschedule();
}

bool AckTracker::resolve(qint64 id, const Arguments &args, const QString &peerId,
                         qint64 *elapsedMs, const std::function<void(qint64)> &notify)
{
    auto it = m_pending.find(id);
    if (it == m_pending.end())
        return false;
    Pending p = std::move(it.value());
    m_pending.erase(it);
    AckResult r;
    r.socketId = peerId;
    r.ackId = id;
    r.args = args;
    r.elapsedMs = m_clock.elapsed() - p.start;
    if (elapsedMs)
        *elapsedMs = r.elapsedMs;
    QPointer<AckTracker> self(this);
    if (notify)
        notify(r.elapsedMs);
    if (p.callback)
        p.callback(r);
    if (self && p.deadline > 0)
        reschedule();
    return true;
}

void AckTracker::cancelAll(const QString &peerId)
{
    m_timer.stop();
    auto pending = std::move(m_pending);
    m_pending.clear();
    for (auto it = pending.begin(); it != pending.end(); ++it) {
        AckResult r;
        r.socketId = peerId;
        r.ackId = it.key();
        r.cancelled = true;
        r.elapsedMs = m_clock.elapsed() - it->start;
        if (it->callback)
            it->callback(r);
    }
}

void AckTracker::reschedule()
{
    qint64 earliest = -1;
    for (const Pending &p : std::as_const(m_pending)) {
        if (p.deadline > 0 && (earliest < 0 || p.deadline < earliest))
            earliest = p.deadline;
    }
    if (earliest < 0) {
        m_timer.stop();
        return;
    }
    m_timer.start(int(qMax<qint64>(0, earliest - m_clock.elapsed())), this);
}

void AckTracker::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_timer.timerId()) {
        QObject::timerEvent(event);
        return;
    }
    m_timer.stop();
    const qint64 now = m_clock.elapsed();
    QList<QPair<qint64, Pending>> expired;
    for (auto it = m_pending.begin(); it != m_pending.end();) {
        if (it->deadline > 0 && it->deadline <= now) {
            expired.append({ it.key(), std::move(it.value()) });
            it = m_pending.erase(it);
        } else {
            ++it;
        }
    }
    QPointer<AckTracker> self(this);
    for (auto &e : expired) {
        AckResult r;
        r.socketId = m_peerId;
        r.ackId = e.first;
        r.timedOut = true;
        r.elapsedMs = now - e.second.start;
        Q_EMIT timedOut(e.first, r.elapsedMs);
        if (!self)
            return;
        if (e.second.callback)
            e.second.callback(r);
        if (!self)
            return;
    }
    reschedule();
}

} // namespace Sockscope
