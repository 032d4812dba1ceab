// Sockscope: small helpers for English counts in labels ("1 socket", "3 sockets").
#pragma once

#include <QString>

namespace Sockscope::Text {

inline QString plural(int n, const QString &one, const QString &many)
{
    return n == 1 ? one : many;
}

// "1 socket", "0 sockets", "3 sockets".
inline QString count(int n, const QString &one, const QString &many)
{
    return QString::number(n) + QLatin1Char(' ') + plural(n, one, many);
}

} // namespace Sockscope::Text
