#include "serveroptions.h"

using namespace Qt::StringLiterals;

namespace Sockscope {

QString ServerOptions::validate() const
{
    if (!path.startsWith(u'/') || !path.endsWith(u'/'))
        return u"path must start and end with '/' (got \"%1\")"_s.arg(path);
    if (pingInterval <= 0)
        return u"ping interval must be a positive number of milliseconds"_s;
    if (pingTimeout <= 0)
        return u"ping timeout must be a positive number of milliseconds"_s;
    if (maxPayload <= 0)
        return u"max payload must be a positive number of bytes"_s;
    if (connectTimeout <= 0)
        return u"connect timeout must be a positive number of milliseconds"_s;
    if (maxAttachments < 0)
        return u"max attachments must not be negative"_s;
    return {};
}

bool ServerOptions::isOriginAllowed(const QString &origin) const
{
    if (origin.isEmpty() || allowedOrigins.isEmpty())
        return true;
    for (const QString &allowed : allowedOrigins) {
        if (allowed == u"*" || allowed.compare(origin, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

} // namespace Sockscope
