#include "staticfiles_p.h"

#include <QResource>
#include <QUrl>

using namespace Qt::StringLiterals;

// Q_INIT_RESOURCE must be called from the global namespace. For a static library,
// qt_add_resources already links the resource's initialiser as an object file into every
// executable that links Sockscope::Core, and it registers the files at start-up. Naming the
// initialiser here as well turns a link that lacks it into a link error rather than a server
// answering 404 for its own page. Registering twice is harmless (Qt ignores a repeat).
static void registerWebResources()
{
    Q_INIT_RESOURCE(sockscope_web);
}

namespace Sockscope {

namespace {

QByteArray resourceBytes(const QString &name)
{
    static const bool registered = (registerWebResources(), true);
    Q_UNUSED(registered);
    const QResource resource(name);
    // Stored uncompressed (rcc --no-compress): the bytes are the binary's own, not copied.
    return resource.isValid() ? resource.uncompressedData() : QByteArray();
}

} // namespace

QByteArray staticFileContent(StaticFile file, const QString &enginePath)
{
    switch (file) {
    case StaticFile::ClientScript:
        return resourceBytes(u":/sockscope/web/socket.io.js"_s);
    case StaticFile::DemoPage: {
        QByteArray page = resourceBytes(u":/sockscope/web/index.html"_s);
        // Percent-encoded, the path holds only unreserved characters, '/' and %XX: nothing
        // that means anything to HTML, in an attribute or a URL. The server compares the
        // decoded request path with enginePath, so the page's requests still reach it.
        return page.replace(enginePathPlaceholder, QUrl::toPercentEncoding(enginePath, "/"));
    }
    }
    return {};
}

} // namespace Sockscope
