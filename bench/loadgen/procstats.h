// sockscope-loadgen: CPU and memory of a process and of the machine, from /proc.
#pragma once

#include <QtGlobal>

namespace Loadgen {

struct CpuSnapshot
{
    qint64 wallNs = 0;
    qint64 serverCpuUs = -1; // utime + stime of the server process, all threads
    qint64 selfCpuUs = 0; // this generator, all threads
    qint64 machineBusyUs = 0; // every core, busy (not idle, not iowait)
};

qint64 nowNs();
CpuSnapshot snapshot(qint64 serverPid);
qint64 rssKiB(qint64 pid); // -1 if the process is gone
// Percent of one core used between a and b (200 = two cores busy).
double percent(qint64 usA, qint64 usB, qint64 wallA, qint64 wallB);

} // namespace Loadgen
