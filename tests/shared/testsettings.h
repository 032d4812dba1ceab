// Settings of GUI tests kept apart from the user's own.
#pragma once

#include <QCoreApplication>
#include <QSettings>
#include <QString>
#include <QTemporaryDir>

namespace TestShared {

using namespace Qt::StringLiterals;

// Points user-scope QSettings into dir and names the organisation and application, so that a
// test neither reads nor writes the settings of a real run. Call from initTestCase(), after
// checking that dir is valid.
inline void keepSettingsIn(const QTemporaryDir &dir, const QString &applicationName)
{
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, dir.path());
    QCoreApplication::setOrganizationName(u"SockscopeTest"_s);
    QCoreApplication::setApplicationName(applicationName);
}

} // namespace TestShared
