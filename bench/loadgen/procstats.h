// sockscope-loadgen: CPU and memory of a process and of the machine, from /proc.
#pragma once

#include <QHash>
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
// The IPv4 TCP sockets of the machine as /proc/net/tcp lists them: key (local port << 16 |
// remote port), value the state as in the kernel's tcp_states.h (1 established, 4 FIN_WAIT1,
// 7 closed, …). A server's end of a connection to us is the key (server port << 16 | our port).
QHash<quint32, int> tcpStatesByPorts();
// Percent of one core used between a and b (200 = two cores busy).
double percent(qint64 usA, qint64 usB, qint64 wallA, qint64 wallB);

} // namespace Loadgen
