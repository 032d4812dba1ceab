#include "directwriter_p.h"

#include <QLoggingCategory>

#if __has_include(<sys/socket.h>)
#    include <sys/socket.h>
#endif
#if defined(MSG_NOSIGNAL) && defined(MSG_DONTWAIT)
#    define SOCKSCOPE_DIRECT_WRITES 1
#    include <cerrno>
#else
#    define SOCKSCOPE_DIRECT_WRITES 0
#endif

#include <atomic>

namespace Sockscope::DirectWriter {

Q_LOGGING_CATEGORY(lcWrites, "sockscope.transport", QtWarningMsg)

namespace {
std::atomic<quint64> g_sent {0};
std::atomic<quint64> g_toQt {0};
std::atomic_flag g_reportedDirect = ATOMIC_FLAG_INIT;
std::atomic_flag g_reportedQt = ATOMIC_FLAG_INIT;
} // namespace

bool isCompiledIn() { return SOCKSCOPE_DIRECT_WRITES; }

bool isEnabled()
{
    static const bool enabled
            = isCompiledIn() && qEnvironmentVariableIntValue("SOCKSCOPE_QT_WRITES") != 1;
    return enabled;
}

qsizetype send(qintptr descriptor, QByteArrayView bytes)
{
    qsizetype sent = 0;
#if SOCKSCOPE_DIRECT_WRITES
    if (!g_reportedDirect.test_and_set(std::memory_order_relaxed))
        qCDebug(lcWrites) << "plain TCP writes: send() without Qt's write buffer";
    while (sent < bytes.size()) {
        const ssize_t n = ::send(int(descriptor), bytes.data() + sent, size_t(bytes.size() - sent),
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            sent += n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        break; // EAGAIN: the kernel's buffer is full; any other error Qt meets and reports
    }
    g_sent.fetch_add(quint64(sent), std::memory_order_relaxed);
#else
    Q_UNUSED(descriptor);
    Q_UNUSED(bytes);
#endif
    return sent;
}

quint64 bytesSent() { return g_sent.load(std::memory_order_relaxed); }

quint64 bytesToQt() { return g_toQt.load(std::memory_order_relaxed); }

void countToQt(qint64 n)
{
    if (n <= 0)
        return;
    if (!isEnabled() && !g_reportedQt.test_and_set(std::memory_order_relaxed))
        qCDebug(lcWrites) << "plain TCP writes: Qt's socket write buffer"
                          << (isCompiledIn() ? "(SOCKSCOPE_QT_WRITES=1)"
                                             : "(no send() with MSG_NOSIGNAL here)");
    g_toQt.fetch_add(quint64(n), std::memory_order_relaxed);
}

} // namespace Sockscope::DirectWriter
