// Sockscope: the few colours the windows add to the system palette, chosen to be readable on
// light and dark themes alike.
#pragma once

#include <QColor>
#include <QPalette>
#include <QString>
#include <QWidget>

namespace Sockscope::Colors {

enum class Role { Error, Warning, Good };

// A dark theme: light text on a dark base.
inline bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Base).lightness() < 128
            || palette.color(QPalette::Window).lightness() < 128;
}

inline QColor color(Role role, const QPalette &palette)
{
    const bool dark = isDark(palette);
    switch (role) {
    case Role::Error:
        return dark ? QColor(0xff, 0x6b, 0x6b) : QColor(0xb0, 0x00, 0x20);
    case Role::Warning:
        return dark ? QColor(0xff, 0xb7, 0x4d) : QColor(0xb3, 0x6b, 0x00);
    case Role::Good:
        return dark ? QColor(0x66, 0xd1, 0x7a) : QColor(0x1b, 0x7f, 0x2a);
    }
    return palette.color(QPalette::WindowText);
}

// "color: …;" for a label of this widget's palette, plus any extra declarations.
inline QString styleSheet(Role role, const QWidget *widget, const QString &extra = {})
{
    return QStringLiteral("color: %1;%2").arg(color(role, widget->palette()).name(), extra);
}

// Behind a mark over text (where JSON fails to parse): translucent, so the text stays readable.
inline QColor markBackground()
{
    return QColor(0xff, 0x00, 0x00, 0x50);
}

} // namespace Sockscope::Colors
