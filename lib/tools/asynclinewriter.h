// Sockscope: JSON lines written by a thread of their own, so a slow reader never stalls a server.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QMutex>
#include <QWaitCondition>

#include <atomic>
#include <memory>

QT_BEGIN_NAMESPACE
class QThread;
QT_END_NAMESPACE

namespace Sockscope {

/*
    Writes lines to a file descriptor (standard output for the headless server) from a thread
    of its own. write() only appends to a bounded queue: the caller never waits for the
    reader. The thread writes what is queued in batches, once 64 KiB are waiting or 5 ms after
    the first byte of a batch, whichever comes first: one write() call for many lines.

    When the reader falls behind and the queue is full, lines are dropped and counted, not
    queued (a line of the caller's own can be kept regardless: WhenFull::Keep). Once the
    writer has caught up (the queue is at most half full), it queues one line in the headless
    format,

        {"count":N,"time":"2026-12-03T10:00:00.123Z","type":"log_dropped"}

    where the N lines would have been; dropping stops there. close(), and the destructor,
    write everything still queued (and the count of lines dropped since the last such line)
    before they return, however long the reader takes.

    A descriptor that fails (a closed pipe with SIGPIPE ignored, a full disk) ends the writing:
    what is queued then and written afterwards is discarded, and error() says so.
*/
class AsyncLineWriter
{
public:
    static constexpr qsizetype DefaultCapacity = 8 * 1024 * 1024;
    static constexpr qsizetype BatchBytes = 64 * 1024;
    static constexpr int BatchDelayMs = 5;

    enum class WhenFull { Drop, Keep };

    // Writes to fd (not closed here) from a thread started at once. capacity bounds the bytes
    // queued and not yet written.
    explicit AsyncLineWriter(int fd, qsizetype capacity = DefaultCapacity);
    ~AsyncLineWriter();

    AsyncLineWriter(const AsyncLineWriter &) = delete;
    AsyncLineWriter &operator=(const AsyncLineWriter &) = delete;

    int fd() const { return m_fd; }
    qsizetype capacity() const { return m_capacity; }

    // Queues a line (with its '\n'). False when it was dropped: the queue is full, or is
    // still draining after lines were dropped, or the writer is closed or has failed.
    bool write(QByteArrayView line, WhenFull whenFull = WhenFull::Drop);
    // Queues several lines at once (lines of them, each with its '\n'): all, or none and all
    // counted as dropped.
    bool write(QByteArrayView lines, qsizetype lineCount, WhenFull whenFull = WhenFull::Drop);
    // Counts a line as dropped without it being made, when write() would drop any line now
    // (lines are being dropped until the writer catches up): spares a flooded caller the
    // formatting of lines that cannot go out. False when a line may be written.
    bool skipLine();
    // Waits until everything queued before the call has been written (or the writing failed).
    void flush();
    // Writes everything still queued, then stops the thread. Later writes are dropped.
    void close();

    // Lines dropped since the start, reported or not.
    quint64 droppedCount() const;
    // Bytes queued and not yet written.
    qsizetype queuedBytes() const;
    // The errno of the write that failed, 0 while writing works.
    int error() const;

private:
    void run();
    void queueDroppedLineLocked();
    void resumeIfCaughtUpLocked();
    bool writeAll(const char *data, qsizetype size);

    const int m_fd;
    const qsizetype m_capacity;
    std::unique_ptr<QThread> m_thread;

    mutable QMutex m_mutex;
    QWaitCondition m_queued; // the thread waits for lines here
    QWaitCondition m_written; // flush() waits for the thread here
    QByteArray m_pending; // appended to by write(), taken whole by the thread
    qsizetype m_inFlight = 0; // taken by the thread and not yet written
    quint64 m_queuedTotal = 0; // bytes ever queued
    quint64 m_writtenTotal = 0; // bytes ever written (or discarded after a failure)
    quint64 m_dropping = 0; // lines dropped since the last log_dropped line
    std::atomic<bool> m_isDropping = false; // m_dropping > 0, read without the lock
    quint64 m_droppedTotal = 0;
    int m_flushRequests = 0;
    int m_error = 0;
    bool m_closing = false;
};

} // namespace Sockscope
