// Sockscope: pending acks with timeouts, shared by Socket and EventClient. Not public API.
#pragma once

#include "ack.h"

#include <QBasicTimer>
#include <QElapsedTimer>
#include <QHash>
#include <QObject>

namespace Sockscope {

/*
    The acks we asked for and wait on. One timer, armed for the earliest deadline, serves all
    of them, so a thousand acks in flight cost no thousand timers.
*/
class AckTracker : public QObject
{
    Q_OBJECT
public:
    explicit AckTracker(QObject *parent = nullptr);

    // timeoutMs 0 waits until resolved or cancelled.
    void add(qint64 id, AckCallback callback, int timeoutMs);
    // Runs the callback with the reply; false if no ack with that id is waiting.
    // notify (if given) runs first with the round trip, before the callback.
    bool resolve(qint64 id, const Arguments &args, const QString &peerId, qint64 *elapsedMs,
                 const std::function<void(qint64)> &notify = {});
    // Runs every waiting callback as cancelled.
    void cancelAll(const QString &peerId);
    int size() const { return int(m_pending.size()); }

Q_SIGNALS:
    void timedOut(qint64 id, qint64 waitedMs);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    struct Pending
    {
        AckCallback callback;
        qint64 start = 0;
        qint64 deadline = 0; // 0: none
    };
    void reschedule();

    QHash<qint64, Pending> m_pending;
    QElapsedTimer m_clock;
    QBasicTimer m_timer;
    QString m_peerId;

public:
    void setPeerId(const QString &id) { m_peerId = id; }
};

} // namespace Sockscope
