// libsockscope-soak-heapprobe.so: preloaded into the soak's server (LD_PRELOAD) so that the
// soak can read the server's heap from outside, without any code in the server for it.
//
// SOCKSCOPE_HEAPPROBE_OUT=FILE turns it on. On each SIGUSR2 a thread of its own appends one
// line to FILE:
//   <n> rss=<KiB> inuse=<bytes> free=<bytes> mmapped=<bytes> arenas=<bytes> trimmed_rss=<KiB>
// inuse is what the program holds (mallinfo2 uordblks + hblkhd): it only grows with a leak;
// free is what glibc keeps in its arenas for reuse (fragmentation and high-water marks);
// with SOCKSCOPE_HEAPPROBE_TRIM=1, malloc_trim(0) then runs and trimmed_rss is the RSS after
// it (otherwise -1). The signal is waited for with sigwait() in that thread (blocked in every
// other thread), so malloc is never called from a signal handler.
//
// SOCKSCOPE_HEAPPROBE_LEAK=BYTES makes the server leak on purpose: BYTES are allocated,
// touched and never freed per accepted TCP connection. CTest's soak_detects_leak uses it to
// show that the soak's memory check can fail.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

const char *outPath = nullptr;
bool trim = false;
size_t leakBytes = 0;

long rssKiB()
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return -1;
    long size = 0, resident = 0;
    const int n = fscanf(f, "%ld %ld", &size, &resident);
    fclose(f);
    return n == 2 ? resident * (sysconf(_SC_PAGESIZE) / 1024) : -1;
}

void *probeThread(void *)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    for (unsigned long n = 1;; ++n) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0)
            continue;
        const long rss = rssKiB();
        const struct mallinfo2 mi = mallinfo2();
        long trimmed = -1;
        if (trim) {
            malloc_trim(0);
            trimmed = rssKiB();
        }
        if (FILE *f = fopen(outPath, "a")) {
            fprintf(f, "%lu rss=%ld inuse=%zu free=%zu mmapped=%zu arenas=%zu trimmed_rss=%ld\n", n,
                    rss, mi.uordblks + mi.hblkhd, mi.fordblks, mi.hblkhd, mi.arena, trimmed);
            fclose(f);
        }
    }
    return nullptr;
}

__attribute__((constructor)) void startProbe()
{
    outPath = getenv("SOCKSCOPE_HEAPPROBE_OUT");
    if (const char *l = getenv("SOCKSCOPE_HEAPPROBE_LEAK"))
        leakBytes = size_t(strtoul(l, nullptr, 10));
    if (!outPath || !*outPath)
        return;
    const char *t = getenv("SOCKSCOPE_HEAPPROBE_TRIM");
    trim = t && *t == '1';
    // Block SIGUSR2 here, in the main thread before it starts any other: every thread
    // inherits the mask, so only the probe's sigwait() takes the signal.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    pthread_t thread;
    if (pthread_create(&thread, nullptr, probeThread, nullptr) == 0)
        pthread_detach(thread);
}

// The leaked blocks, chained through their first bytes: a global the compiler cannot see
// through, so the allocation is not optimised away.
void *volatile leaked = nullptr;

void leak()
{
    if (leakBytes < sizeof(void *))
        return;
    char *p = static_cast<char *>(malloc(leakBytes));
    if (!p)
        return;
    memset(p, 0x5a, leakBytes); // resident, not only reserved
    void *previous = leaked;
    memcpy(p, &previous, sizeof previous);
    leaked = p; // never freed: that is the point
}

} // namespace

// Qt accepts with accept4() on Linux (older builds with accept()); both are counted.
extern "C" int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
    using Fn = int (*)(int, struct sockaddr *, socklen_t *, int);
    static Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "accept4"));
    const int r = real(fd, addr, len, flags);
    if (r >= 0)
        leak();
    return r;
}

extern "C" int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    using Fn = int (*)(int, struct sockaddr *, socklen_t *);
    static Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "accept"));
    const int r = real(fd, addr, len);
    if (r >= 0)
        leak();
    return r;
}
