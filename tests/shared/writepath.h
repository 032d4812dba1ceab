// Which write path the server's plain TCP sockets took: DirectWriter's send() or Qt's own
// socket buffer. CTest runs the transport suites twice, the second time with
// SOCKSCOPE_QT_WRITES=1; a suite checks with these that the path asked for is the one taken,
// so a forced path that is silently not taken fails.
#pragma once

#include <directwriter_p.h>

#include <QString>

namespace WritePath {

// Whether this run asks for the direct send: the platform has it, and it is not turned off.
inline bool directAsked()
{
    return Sockscope::DirectWriter::isCompiledIn()
            && qEnvironmentVariableIntValue("SOCKSCOPE_QT_WRITES") != 1;
}

// The process's counts of bytes written each way, from the moment it is made.
struct Counts
{
    quint64 direct = Sockscope::DirectWriter::bytesSent();
    quint64 qt = Sockscope::DirectWriter::bytesToQt();
    Counts since() const
    {
        const Counts now;
        return {now.direct - direct, now.qt - qt};
    }
};

// What is wrong with counts (taken since the server started writing): nothing written at all,
// a direct send while Qt's path was asked for, or none while it was not. Empty when right.
inline QString mismatch(const Counts &c)
{
    using namespace Qt::StringLiterals;
    const QString seen = u" (direct %1 bytes, Qt %2 bytes, SOCKSCOPE_QT_WRITES=%3)"_s.arg(c.direct)
                                 .arg(c.qt)
                                 .arg(qEnvironmentVariable("SOCKSCOPE_QT_WRITES"));
    if (Sockscope::DirectWriter::isEnabled() != directAsked())
        return u"the server's write path is not the one asked for"_s + seen;
    if (c.direct + c.qt == 0)
        return u"nothing was written"_s + seen;
    if (directAsked() && c.direct == 0)
        return u"the direct send was asked for and never taken"_s + seen;
    if (!directAsked() && c.direct != 0)
        return u"Qt's write path was asked for, yet bytes were sent directly"_s + seen;
    return {};
}

} // namespace WritePath
