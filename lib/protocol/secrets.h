// Sockscope: what counts as a secret in a handshake or a CONNECT, and hiding it.
#pragma once

#include "handshakerecord.h"

#include <QByteArrayView>
#include <QJsonObject>
#include <QString>

namespace Sockscope::Secrets {

// What stands in for a hidden value.
inline constexpr QStringView Redacted = u"[redacted]";

// Authorization, Proxy-Authorization and Cookie (any case).
bool isSecretHeader(QByteArrayView name);
// The auth payload with every key kept and every value replaced by "[redacted]".
QJsonObject redactAuth(const QJsonObject &auth);
// The record with the values of secret headers replaced by "[redacted]", in the header list
// and in the raw request bytes alike (everything else left as it arrived).
HandshakeRecord redact(const HandshakeRecord &record);

} // namespace Sockscope::Secrets
