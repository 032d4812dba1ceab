#include "asynclinewriter.h"

#include "jsonlinesformat.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QThread>

#include <cerrno>
#include <poll.h>
#include <unistd.h>

namespace Sockscope {

AsyncLineWriter::AsyncLineWriter(int fd, qsizetype capacity)
    : m_fd(fd)
    , m_capacity(capacity)
{
    m_pending.reserve(BatchBytes);
    m_thread.reset(QThread::create([this] { run(); }));
    m_thread->setObjectName(QStringLiteral("AsyncLineWriter"));
    m_thread->start();
}

AsyncLineWriter::~AsyncLineWriter() { close(); }

bool AsyncLineWriter::write(QByteArrayView line, WhenFull whenFull)
{
    return write(line, 1, whenFull);
}

bool AsyncLineWriter::write(QByteArrayView line, qsizetype lines, WhenFull whenFull)
{
    QMutexLocker lock(&m_mutex);
    if (m_closing || m_error)
        return false;
    resumeIfCaughtUpLocked();
    if (m_dropping > 0 || m_pending.size() + m_inFlight + line.size() > m_capacity) {
        if (whenFull == WhenFull::Drop) {
            m_isDropping.store(true, std::memory_order_relaxed);
            m_dropping += quint64(lines);
            m_droppedTotal += quint64(lines);
            return false;
        }
        // A line kept regardless goes after the count of those dropped before it.
        if (m_dropping > 0)
            queueDroppedLineLocked();
    }
    // The thread waits for a first byte, or for a full batch: wake it only for those, not
    // once a line.
    const qsizetype before = m_pending.size();
    m_pending.append(line);
    m_queuedTotal += quint64(line.size());
    if (before == 0 || (before < BatchBytes && m_pending.size() >= BatchBytes))
        m_queued.wakeOne();
    return true;
}

bool AsyncLineWriter::skipLine()
{
    // The usual case without the lock: only a line dropped by the caller's own write() turns
    // dropping on, so a caller that writes from one thread never misses it.
    if (!m_isDropping.load(std::memory_order_relaxed))
        return false;
    QMutexLocker lock(&m_mutex);
    resumeIfCaughtUpLocked();
    if (m_dropping == 0)
        return false;
    ++m_dropping;
    ++m_droppedTotal;
    return true;
}

void AsyncLineWriter::flush()
{
    QMutexLocker lock(&m_mutex);
    const quint64 target = m_queuedTotal;
    if (m_writtenTotal >= target || !m_thread)
        return;
    ++m_flushRequests; // the thread writes at once, without gathering a batch
    m_queued.wakeOne();
    while (m_writtenTotal < target)
        m_written.wait(&m_mutex);
    --m_flushRequests;
}

void AsyncLineWriter::close()
{
    if (!m_thread)
        return;
    {
        QMutexLocker lock(&m_mutex);
        m_closing = true;
        m_queued.wakeOne();
    }
    m_thread->wait();
    m_thread.reset();
}

quint64 AsyncLineWriter::droppedCount() const
{
    QMutexLocker lock(&m_mutex);
    return m_droppedTotal;
}

qsizetype AsyncLineWriter::queuedBytes() const
{
    QMutexLocker lock(&m_mutex);
    return m_pending.size() + m_inFlight;
}

int AsyncLineWriter::error() const
{
    QMutexLocker lock(&m_mutex);
    return m_error;
}

void AsyncLineWriter::queueDroppedLineLocked()
{
    const QByteArray line
            = JsonLinesFormat::droppedLine(QDateTime::currentMSecsSinceEpoch(), m_dropping);
    if (m_pending.isEmpty())
        m_queued.wakeOne();
    m_pending.append(line);
    m_queuedTotal += quint64(line.size());
    m_dropping = 0;
    m_isDropping.store(false, std::memory_order_relaxed);
}

// Dropping lasts until the queue is half empty again, so that a reader just behind does not
// get a count line between every two lines.
void AsyncLineWriter::resumeIfCaughtUpLocked()
{
    if (m_dropping > 0 && m_pending.size() + m_inFlight <= m_capacity / 2)
        queueDroppedLineLocked();
}

void AsyncLineWriter::run()
{
    QByteArray batch;
    QMutexLocker lock(&m_mutex);
    for (;;) {
        while (m_pending.isEmpty() && !m_closing)
            m_queued.wait(&m_mutex);
        if (m_closing && m_dropping > 0 && !m_error)
            queueDroppedLineLocked(); // the last count goes out too
        if (m_pending.isEmpty())
            break; // closing, and everything is written
        // Gather lines for one write() call, unless the owner waits.
        const QDeadlineTimer deadline(BatchDelayMs);
        while (m_pending.size() < BatchBytes && !m_closing && m_flushRequests == 0
               && !deadline.hasExpired())
            m_queued.wait(&m_mutex, deadline);
        batch.swap(m_pending);
        m_inFlight = batch.size();
        lock.unlock();
        const bool ok = writeAll(batch.constData(), batch.size());
        // Keep the buffer for the next batch, unless a burst made it large.
        if (batch.capacity() > 4 * BatchBytes)
            batch = QByteArray();
        else
            batch.resize(0);
        lock.relock();
        if (!ok) {
            // Nothing more can be written: discard the rest so that nobody waits for it.
            m_writtenTotal = m_queuedTotal;
            m_inFlight = 0;
            m_pending.clear();
            m_dropping = 0;
            m_isDropping.store(false, std::memory_order_relaxed);
        }
        m_written.wakeAll();
    }
}

bool AsyncLineWriter::writeAll(const char *data, qsizetype size)
{
    while (size > 0) {
        const ssize_t n = ::write(m_fd, data, size_t(size));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                // A descriptor left non-blocking by whoever opened it: wait until it takes more.
                pollfd p = {m_fd, POLLOUT, 0};
                ::poll(&p, 1, -1);
                continue;
            }
            const int e = errno;
            QMutexLocker lock(&m_mutex);
            m_error = e;
            return false;
        }
        data += n;
        size -= n;
        // A pipe takes a batch in pieces as its reader reads: count each one, so that
        // dropping ends as soon as the queue is half empty.
        QMutexLocker lock(&m_mutex);
        m_inFlight -= n;
        m_writtenTotal += quint64(n);
        resumeIfCaughtUpLocked();
    }
    return true;
}

} // namespace Sockscope
