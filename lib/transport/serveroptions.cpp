#include "serveroptions.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslSocket>

using namespace Qt::StringLiterals;

namespace Sockscope {

QString ServerOptions::toString(Parser parser)
{
    switch (parser) {
    case Parser::Auto:
        return u"auto"_s;
    case Parser::Json:
        return u"json"_s;
    case Parser::Msgpack:
        return u"msgpack"_s;
    }
    return {};
}

bool ServerOptions::fromString(const QString &text, Parser *parser)
{
    for (Parser p : { Parser::Auto, Parser::Json, Parser::Msgpack }) {
        if (text == toString(p)) {
            *parser = p;
            return true;
        }
    }
    return false;
}

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
    if (maxBufferedBytes < 0)
        return u"max buffered bytes must not be negative (0: no limit)"_s;
    if (maxDisconnectionDuration < 0)
        return u"max disconnection duration must not be negative (0: no recovery)"_s;
    if (handshakePackets < 0 || handshakePackets > 64)
        return u"handshake packets must be between 0 and 64"_s;
    return {};
}

bool ServerOptions::loadTls(const QString &certificateFile, const QString &keyFile, QString *error)
{
    auto fail = [error](const QString &why) {
        if (error)
            *error = why;
        return false;
    };
    if (!QSslSocket::supportsSsl())
        return fail(u"TLS is not available: Qt found no TLS backend (install libssl3)"_s);
    QFile cf(certificateFile);
    if (!cf.open(QIODevice::ReadOnly))
        return fail(u"%1: cannot read the certificate: %2"_s.arg(certificateFile, cf.errorString()));
    const QList<QSslCertificate> chain = QSslCertificate::fromData(cf.readAll(), QSsl::Pem);
    if (chain.isEmpty() || chain.first().isNull())
        return fail(u"%1: no PEM certificate in it"_s.arg(certificateFile));
    QFile kf(keyFile);
    if (!kf.open(QIODevice::ReadOnly))
        return fail(u"%1: cannot read the private key: %2"_s.arg(keyFile, kf.errorString()));
    const QByteArray keyPem = kf.readAll();
    QSslKey key(keyPem, QSsl::Rsa, QSsl::Pem);
    if (key.isNull())
        key = QSslKey(keyPem, QSsl::Ec, QSsl::Pem);
    if (key.isNull())
        return fail(u"%1: not an unencrypted PEM RSA or EC private key"_s.arg(keyFile));
    QSslConfiguration c = QSslConfiguration::defaultConfiguration();
    c.setLocalCertificateChain(chain);
    c.setPrivateKey(key);
    c.setPeerVerifyMode(QSslSocket::VerifyNone);
    tls = c;
    return true;
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
