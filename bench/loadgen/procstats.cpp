#include "procstats.h"

#include <QByteArray>
#include <QFile>
#include <QList>

#include <chrono>
#include <sys/resource.h>
#include <unistd.h>

namespace Loadgen {

namespace {

QByteArray readProcFile(const QByteArray &path)
{
    QFile f(QString::fromLatin1(path));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll(); // /proc files report size 0: read to the end
}

qint64 ticksToUs(qint64 ticks)
{
    static const long hz = ::sysconf(_SC_CLK_TCK);
    return ticks * 1000000 / (hz > 0 ? hz : 100);
}

} // namespace

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
}

CpuSnapshot snapshot(qint64 serverPid)
{
    CpuSnapshot s;
    s.wallNs = nowNs();
    if (serverPid > 0) {
        const QByteArray stat = readProcFile("/proc/" + QByteArray::number(serverPid) + "/stat");
        const qsizetype paren = stat.lastIndexOf(')');
        if (paren > 0) {
            // After "pid (comm)": field 3 is the state; utime and stime are fields 14 and 15.
            const QList<QByteArray> f = stat.mid(paren + 2).split(' ');
            if (f.size() > 12)
                s.serverCpuUs = ticksToUs(f.at(11).toLongLong() + f.at(12).toLongLong());
        }
    }
    struct rusage ru = {};
    ::getrusage(RUSAGE_SELF, &ru);
    s.selfCpuUs = qint64(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000
            + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
    const QByteArray all = readProcFile("/proc/stat");
    const QList<QByteArray> cpu = all.left(all.indexOf('\n')).simplified().split(' ');
    qint64 total = 0, idle = 0;
    for (qsizetype i = 1; i < cpu.size() && i <= 8; ++i) {
        const qint64 v = cpu.at(i).toLongLong();
        total += v;
        if (i == 4 || i == 5) // idle, iowait
            idle += v;
    }
    s.machineBusyUs = ticksToUs(total - idle);
    return s;
}

qint64 rssKiB(qint64 pid)
{
    const QByteArray status = readProcFile("/proc/" + QByteArray::number(pid) + "/status");
    const qsizetype at = status.indexOf("VmRSS:");
    if (at < 0)
        return -1;
    const qsizetype end = status.indexOf('\n', at);
    return status.mid(at + 6, end - at - 6).trimmed().split(' ').value(0).toLongLong();
}

QHash<quint32, int> tcpStatesByPorts()
{
    QHash<quint32, int> states;
    const QList<QByteArray> lines = readProcFile("/proc/net/tcp").split('\n');
    // "  sl  local_address rem_address   st …", then "0: 0100007F:9C41 0100007F:B2D2 01 …"
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QList<QByteArray> f = lines.at(i).simplified().split(' ');
        if (f.size() < 4)
            continue;
        const qsizetype l = f.at(1).indexOf(':'), r = f.at(2).indexOf(':');
        if (l < 0 || r < 0)
            continue;
        const quint32 localPort = f.at(1).mid(l + 1).toUInt(nullptr, 16);
        const quint32 remotePort = f.at(2).mid(r + 1).toUInt(nullptr, 16);
        states.insert(localPort << 16 | remotePort, f.at(3).toInt(nullptr, 16));
    }
    return states;
}

double percent(qint64 usA, qint64 usB, qint64 wallA, qint64 wallB)
{
    const double wallUs = double(wallB - wallA) / 1000.0;
    return wallUs > 0 ? 100.0 * double(usB - usA) / wallUs : 0.0;
}

} // namespace Loadgen
