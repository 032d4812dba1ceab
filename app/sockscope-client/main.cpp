// sockscope-client: connect to any Socket.IO server, emit, listen, check acks; JSON lines out.
#include <clientrunner.h>
#include <handshakerecord.h>
#include <sockscopeversion.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QSslCertificate>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>
#include <unistd.h>

using namespace Qt::StringLiterals;
using Sockscope::ClientRunner;

namespace {

int usage(const QString &message)
{
    std::fprintf(stderr, "sockscope-client: %s (see --help)\n", qPrintable(message));
    return ClientRunner::Usage;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"sockscope-client"_s);
    QCoreApplication::setApplicationVersion(QString::fromLatin1(SOCKSCOPE_VERSION_STR));

    // --emit takes two values (EVENT JSON_ARRAY): pull them out before the parser sees them.
    QStringList args = QCoreApplication::arguments();
    ClientRunner::Script script;
    for (qsizetype i = 1; i < args.size();) {
        if (args.at(i) == u"--emit") {
            if (i + 2 >= args.size())
                return usage(u"--emit needs an event name and a JSON array of arguments"_s);
            Sockscope::Arguments emitArgs;
            QString error;
            int offset = -1;
            if (!Sockscope::Json::parseArguments(args.at(i + 2).toUtf8(), &emitArgs, &error, &offset))
                return usage(u"--emit %1: %2 at character %3"_s.arg(args.at(i + 1), error).arg(offset));
            script.emits.append({ args.at(i + 1), emitArgs });
            args.remove(i, 3);
        } else {
            ++i;
        }
    }

    QCommandLineParser p;
    p.setApplicationDescription(
            u"Connects to a Socket.IO server (Engine.IO v4 / Socket.IO v5), emits, listens and "
            "checks acks, printing one JSON line per thing that happened.\n"
            "The URL's path names the namespace: http://host:3000/chat is namespace /chat.\n"
            "--namespace opens further namespaces over the same connection; --emit goes to the URL's.\n"
            "  --emit EVENT JSON_ARRAY   emit EVENT with these arguments (repeatable, in order)\n"
            "Exit codes: 0 done, 1 connect error, 2 usage error, 3 timeout."_s);
    p.addHelpOption();
    p.addVersionOption();
    p.addPositionalArgument(u"URL"_s, u"http(s):// or ws(s):// URL of the server and namespace."_s);
    p.addOptions({
            { u"path"_s, u"Engine.IO path (default /socket.io/)."_s, u"path"_s, u"/socket.io/"_s },
            { u"auth"_s, u"Auth payload sent with CONNECT, a JSON object."_s, u"json"_s },
            { u"query"_s, u"Query parameter for the handshake (repeatable)."_s, u"k=v"_s },
            { { u"H"_s, u"header"_s }, u"Extra request header (repeatable)."_s, u"Name: value"_s },
            { u"transport"_s, u"websocket, polling, or auto (polling then upgrade; the default)."_s, u"name"_s, u"auto"_s },
            { u"parser"_s, u"Socket.IO wire format: json (the default) or msgpack (socket.io-msgpack-parser's; the server must use it too)."_s, u"format"_s, u"json"_s },
            { u"namespace"_s, u"Also join this namespace over the same connection (repeatable); its events are printed with their namespace."_s, u"nsp"_s },
            { u"ack"_s, u"Ask an ack for each --emit, wait for it and print it."_s },
            { u"listen"_s, u"Print this event (repeatable; * for all)."_s, u"event"_s },
            { u"count"_s, u"Exit after N listened events (raw mode: N messages)."_s, u"N"_s },
            { u"timeout"_s, u"Give up after this many seconds (exit 3 if something was still awaited)."_s, u"seconds"_s },
            { u"reconnect"_s, u"Reconnect with backoff after a lost connection."_s },
            { u"raw"_s, u"Plain WebSocket: send stdin lines as text frames, print frames received."_s },
            { u"ca"_s, u"Trust this PEM certificate (or CA) for https:// and wss://."_s, u"file"_s },
            { u"insecure"_s, u"Accept any TLS certificate (testing only)."_s },
            { u"just-generate-accept"_s, u"Print the Sec-WebSocket-Accept for KEY and exit."_s, u"KEY"_s },
    });
    if (!p.parse(args))
        return usage(p.errorText());
    if (p.isSet(u"help"_s)) {
        std::fputs(qPrintable(p.helpText()), stdout);
        return 0;
    }
    if (p.isSet(u"version"_s)) {
        std::printf("sockscope-client %s\n", qPrintable(QCoreApplication::applicationVersion()));
        return 0;
    }
    if (p.isSet(u"just-generate-accept"_s)) {
        std::printf("%s\n", Sockscope::HandshakeRecord::acceptForKey(
                                    p.value(u"just-generate-accept"_s).toLatin1())
                                    .constData());
        return 0;
    }
    if (p.positionalArguments().size() != 1)
        return usage(p.positionalArguments().isEmpty() ? u"a URL is required"_s
                                                       : u"one URL only"_s);
    script.url = QUrl(p.positionalArguments().first());
    const QString scheme = script.url.scheme();
    if (!script.url.isValid() || script.url.host().isEmpty()
        || !QStringList { u"http"_s, u"https"_s, u"ws"_s, u"wss"_s }.contains(scheme))
        return usage(u"\"%1\" is not an http(s):// or ws(s):// URL"_s.arg(p.positionalArguments().first()));

    Sockscope::ClientOptions &o = script.options;
    o.path = p.value(u"path"_s);
    if (!o.path.startsWith(u'/'))
        o.path.prepend(u'/');
    if (!o.path.endsWith(u'/'))
        o.path.append(u'/');
    if (p.isSet(u"auth"_s)) {
        QJsonParseError e;
        const QJsonDocument d = QJsonDocument::fromJson(p.value(u"auth"_s).toUtf8(), &e);
        if (e.error != QJsonParseError::NoError || !d.isObject())
            return usage(u"--auth must be a JSON object such as {\"token\":\"abc\"}"_s);
        o.auth = d.object();
    }
    for (const QString &q : p.values(u"query"_s)) {
        const qsizetype eq = q.indexOf(u'=');
        if (eq <= 0)
            return usage(u"--query \"%1\": expected k=v"_s.arg(q));
        o.query.addQueryItem(q.left(eq), q.mid(eq + 1));
    }
    for (const QString &h : p.values(u"H"_s)) {
        const qsizetype colon = h.indexOf(u':');
        if (colon <= 0)
            return usage(u"-H \"%1\": expected 'Name: value'"_s.arg(h));
        o.extraHeaders.append({ h.left(colon).trimmed().toUtf8(), h.mid(colon + 1).trimmed().toUtf8() });
    }
    const QString transport = p.value(u"transport"_s);
    if (transport == u"websocket")
        o.transport = Sockscope::ClientOptions::Transport::WebSocket;
    else if (transport == u"polling")
        o.transport = Sockscope::ClientOptions::Transport::Polling;
    else if (transport == u"auto")
        o.transport = Sockscope::ClientOptions::Transport::Auto;
    else
        return usage(u"--transport must be websocket, polling or auto"_s);
    if (!Sockscope::ClientOptions::fromString(p.value(u"parser"_s), &o.parser))
        return usage(u"--parser must be json or msgpack"_s);
    o.reconnection = p.isSet(u"reconnect"_s);
    o.ignoreTlsErrors = p.isSet(u"insecure"_s);
    if (p.isSet(u"ca"_s)) {
        o.caCertificates = QSslCertificate::fromPath(p.value(u"ca"_s), QSsl::Pem);
        if (o.caCertificates.isEmpty())
            return usage(u"--ca %1: no PEM certificate could be read"_s.arg(p.value(u"ca"_s)));
    }
    script.waitForAcks = p.isSet(u"ack"_s);
    script.listen = p.values(u"listen"_s);
    bool ok = true;
    if (p.isSet(u"count"_s)) {
        script.count = p.value(u"count"_s).toInt(&ok);
        if (!ok || script.count < 0)
            return usage(u"--count must be a whole number"_s);
    }
    if (p.isSet(u"timeout"_s)) {
        script.timeoutSeconds = p.value(u"timeout"_s).toInt(&ok);
        if (!ok || script.timeoutSeconds <= 0)
            return usage(u"--timeout must be a positive number of seconds"_s);
        o.timeout = script.timeoutSeconds * 1000;
    }
    script.raw = p.isSet(u"raw"_s);
    script.namespaces = p.values(u"namespace"_s);
    for (const QString &nsp : std::as_const(script.namespaces)) {
        if (nsp.isEmpty() || nsp.contains(u'?') || nsp.contains(u' '))
            return usage(u"--namespace \"%1\": expected a namespace such as /chat"_s.arg(nsp));
    }
    if (script.raw && !script.namespaces.isEmpty())
        return usage(u"--namespace is for Socket.IO, not --raw"_s);

    QFile out;
    out.open(stdout, QIODevice::WriteOnly | QIODevice::Unbuffered);
    QFile err;
    err.open(stderr, QIODevice::WriteOnly | QIODevice::Unbuffered);
    ClientRunner runner(script, &out, &err);
    if (script.raw)
        runner.setRawInput(STDIN_FILENO);
    QObject::connect(&runner, &ClientRunner::finished, &app, [](int code) { QCoreApplication::exit(code); });
    runner.start();
    return app.exec();
}
