// Sockscope: whether anyone listens to a signal, cached for the hot path.
#pragma once

#include <QMetaMethod>

#include <atomic>

namespace Sockscope {

/*
    QObject::isSignalConnected() costs a few hundred instructions: on a path that runs once per
    event and checks five signals, more than the rest of the check. An object that watches a
    few of its signals keeps one ListenState per signal: connectNotify() marks a signal
    listened, disconnectNotify() makes the next check ask Qt again. A receiver destroyed without
    a disconnect leaves its signal marked listened: it is then emitted to nobody, never missed.
*/
namespace ListenState {
enum : quint32 { Unknown, Listened, NotListened };
}
// A ListenState in the low two bits, above them a count of the changes: a check that asked Qt
// stores its answer only if no change came in between (another thread's connect or disconnect).
using ListenStates = std::atomic<quint32>;

// For connectNotify() (connected) and disconnectNotify(): updates the states of the watched
// signals that signal is (an invalid signal stands for all of them).
inline void noteListenerChange(ListenStates *states, const QMetaMethod *watched, int count,
                               const QMetaMethod &signal, bool connected)
{
    const quint32 state = connected ? ListenState::Listened : ListenState::Unknown;
    for (int i = 0; i < count; ++i) {
        if (signal.isValid() && signal != watched[i])
            continue;
        quint32 v = states[i].load(std::memory_order_relaxed);
        while (!states[i].compare_exchange_weak(v, (((v >> 2) + 1) << 2) | state,
                                                std::memory_order_relaxed)) {
        }
    }
}

// Whether the signal may have a listener; ask() is isSignalConnected(), called only when the
// state is unknown.
template <typename Ask>
inline bool isListened(ListenStates &state, Ask ask)
{
    quint32 v = state.load(std::memory_order_relaxed);
    if ((v & 3) == ListenState::Unknown) {
        const quint32 asked = ask() ? ListenState::Listened : ListenState::NotListened;
        // Stored only if nothing changed meanwhile: a change wins, and the next check asks.
        state.compare_exchange_strong(v, (v & ~quint32(3)) | asked, std::memory_order_relaxed);
        return asked != ListenState::NotListened;
    }
    return (v & 3) != ListenState::NotListened;
}

} // namespace Sockscope
