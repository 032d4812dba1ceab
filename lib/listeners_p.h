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
enum : quint8 { Unknown, Listened, NotListened };
}
using ListenStates = std::atomic<quint8>; // a ListenState

// For connectNotify() (connected) and disconnectNotify(): updates the states of the watched
// signals that signal is (an invalid signal stands for all of them).
inline void noteListenerChange(ListenStates *states, const QMetaMethod *watched, int count,
                               const QMetaMethod &signal, bool connected)
{
    for (int i = 0; i < count; ++i) {
        if (!signal.isValid() || signal == watched[i])
            states[i].store(connected ? ListenState::Listened : ListenState::Unknown,
                            std::memory_order_relaxed);
    }
}

// Whether the signal may have a listener; ask() is isSignalConnected(), called only when the
// state is unknown.
template <typename Ask>
inline bool isListened(ListenStates &state, Ask ask)
{
    quint8 s = state.load(std::memory_order_relaxed);
    if (s == ListenState::Unknown) {
        const quint8 asked = ask() ? ListenState::Listened : ListenState::NotListened;
        // A connect in between (another thread) wins: it stored Listened.
        quint8 expected = ListenState::Unknown;
        state.compare_exchange_strong(expected, asked, std::memory_order_relaxed);
        s = asked;
    }
    return s != ListenState::NotListened;
}

} // namespace Sockscope
