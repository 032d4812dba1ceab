// Sockscope: the plain TCP write seam. Not public API.
#pragma once

#include <QByteArrayView>
#include <QtGlobal>

namespace Sockscope::DirectWriter {

/*
    Sends bytes straight to a connected socket's descriptor with the platform's non-blocking,
    no-SIGPIPE send() (POSIX send() with MSG_NOSIGNAL | MSG_DONTWAIT), so RecordingSocket can
    keep Qt's 32 KiB write chunk unallocated. Where the platform has no such call, or
    SOCKSCOPE_QT_WRITES=1 is set in the environment (read once), isEnabled() is false and
    RecordingSocket writes through QAbstractSocket's own buffer instead.
*/

// Whether this build has the direct send at all (the platform has MSG_NOSIGNAL).
bool isCompiledIn();
// Whether sockets use it: compiled in, and not turned off by SOCKSCOPE_QT_WRITES=1.
bool isEnabled();

// Sends as much of bytes as the kernel takes now, without blocking. Returns the number of
// bytes sent: fewer than bytes.size() when the kernel's buffer is full or on an error, which
// Qt's own write of the rest then meets and reports.
qsizetype send(qintptr descriptor, QByteArrayView bytes);

// Bytes sent by send() in this process, and bytes that RecordingSocket handed to Qt's write
// path instead (everything while disabled; the rest of what the kernel refused while
// enabled). For the tests, which check that the path they asked for is the one taken.
quint64 bytesSent();
quint64 bytesToQt();
void countToQt(qint64 n);

} // namespace Sockscope::DirectWriter
