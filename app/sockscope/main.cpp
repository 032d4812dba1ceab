// sockscope: the Socket.IO monitor; --headless runs the server alone, printing JSON lines.
#include <asynclinewriter.h>
#include <eventserver.h>
#include <jsonlineslogger.h>
#include <redisadapter.h>
#include <rules.h>
#include <sockscopeversion.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonObject>
#include <QSocketNotifier>
#include <QTimer>

#ifdef SOCKSCOPE_HAVE_UI
#include <clientwindow.h>
#include <clienttab.h>
#include <monitorwindow.h>

#include <QApplication>
#endif

#include <csignal>
#include <functional>
#include <cstdio>
#include <memory>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {

int signalPipe[2] = { -1, -1 };

void signalHandler(int signo)
{
    const char c = char(signo);
    [[maybe_unused]] auto n = ::write(signalPipe[1], &c, 1);
}

// SIGINT and SIGTERM, written to a socket pair by the handler and read in the event loop,
// where onSignal runs with the signal number. False if the pair cannot be made.
bool catchSignals(QObject *context, std::function<void(int)> onSignal)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, signalPipe) != 0)
        return false;
    auto *notifier = new QSocketNotifier(signalPipe[0], QSocketNotifier::Read, context);
    QObject::connect(notifier, &QSocketNotifier::activated, context,
                     [notifier, onSignal = std::move(onSignal)] {
                         char c = 0;
                         [[maybe_unused]] auto n = ::read(signalPipe[0], &c, 1);
                         notifier->setEnabled(false);
                         onSignal(int(c));
                     });
    struct sigaction sa = {};
    sa.sa_handler = signalHandler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    return true;
}

int fail(int code, const QString &message)
{
    std::fprintf(stderr, "sockscope: %s\n", qPrintable(message));
    return code;
}

bool parseInt(const QCommandLineParser &p, const QString &name, qint64 min, qint64 *out,
              QString *error)
{
    if (!p.isSet(name))
        return true;
    bool ok = false;
    const qint64 v = p.value(name).toLongLong(&ok);
    if (!ok || v < min) {
        *error = u"--%1: expected a whole number of at least %2, got \"%3\""_s.arg(name).arg(min).arg(
                p.value(name));
        return false;
    }
    *out = v;
    return true;
}

#ifdef SOCKSCOPE_HAVE_UI
// The window opens unless --headless is given, there is no display, or only help or the
// version is asked for.
bool wantsWindow(int argc, char *argv[])
{
    for (int i = 1; i < argc; ++i) {
        const QByteArrayView a(argv[i]);
        if (a == "--headless" || a == "--help" || a == "-h" || a == "-?" || a == "--help-all"
            || a == "--version" || a == "-v")
            return false;
    }
    return !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")
            || !qEnvironmentVariableIsEmpty("DISPLAY")
            || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY");
}

// The monitor window with the command line's settings, its server started. Settings the
// command line leaves out are those of the last run (QSettings). SIGINT and SIGTERM close the
// window, which stops the server, and exit 0.
int runMonitor(QCoreApplication &app, const Sockscope::ServerSettings &settings,
               Sockscope::ServerSettingFields given)
{
    QCoreApplication::setOrganizationName(u"Sockscope"_s);
    QGuiApplication::setApplicationDisplayName(u"Sockscope"_s);
    Sockscope::MonitorWindow window;
    window.setServerSettings(Sockscope::rememberedServerSettings(settings, given));
    if (!catchSignals(&window, [&window](int) {
            window.stopServer();
            QGuiApplication::setQuitOnLastWindowClosed(false); // quit once the frames are out
            QApplication::closeAllWindows(); // saves the layout
            // Let the close frames go out before leaving.
            QTimer::singleShot(200, &window, [] { QCoreApplication::exit(0); });
        }))
        return fail(1, u"cannot create the signal pipe"_s);
    window.show();
    window.startServer(); // a busy port or a bad rules file is shown in the window
    return app.exec();
}

// The client window with one client connecting to url.
int runClient(QCoreApplication &app, const QString &url)
{
    QCoreApplication::setOrganizationName(u"Sockscope"_s);
    QGuiApplication::setApplicationDisplayName(u"Sockscope"_s);
    Sockscope::ClientWindow window;
    window.setDefaultUrl(url);
    window.addClient(url, true); // a connect error is shown in the window
    window.show();
    return app.exec();
}
#endif

} // namespace

int main(int argc, char *argv[])
{
#ifdef SOCKSCOPE_HAVE_UI
    const bool gui = wantsWindow(argc, argv);
#else
    const bool gui = false;
#endif
    // The headless server runs on Qt's own poll() event dispatcher rather than glib's: glib
    // keeps socket notifiers in a list, and with a thousand busy sockets, turning write
    // notifiers on and off (once per socket per write) cost more than the protocol
    // (bench/run.sh, fan-out to 1,000 sockets). The monitor window hosts the same server, so
    // it does the same (echo with ack, window attached: about 12 % more acks per second); Qt's
    // own dispatcher serves the window system as well. QT_NO_GLIB set by the user is kept.
    Q_UNUSED(gui);
    if (qEnvironmentVariableIsEmpty("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
#ifdef SOCKSCOPE_HAVE_UI
    const std::unique_ptr<QCoreApplication> application(
            gui ? new QApplication(argc, argv) : new QCoreApplication(argc, argv));
#else
    const std::unique_ptr<QCoreApplication> application(new QCoreApplication(argc, argv));
#endif
    QCoreApplication &app = *application;
    QCoreApplication::setApplicationName(u"sockscope"_s);
    QCoreApplication::setApplicationVersion(QString::fromLatin1(SOCKSCOPE_VERSION_STR));

    QCommandLineParser p;
    p.setApplicationDescription(
            u"Sockscope: a Socket.IO (Engine.IO v4, Socket.IO v5) server and monitor.\n"
            "With --headless it serves clients and prints one JSON line per handshake, "
            "connect, disconnect, event and ack on standard output."_s);
    p.addHelpOption();
    p.addVersionOption();
    p.addOptions({
            { u"headless"_s, u"Run the server without a window, printing JSON lines (the default when there is no display)."_s },
            { u"bind"_s, u"Address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)."_s, u"address"_s, u"127.0.0.1"_s },
            { u"port"_s, u"Port to listen on (default 8080; 0 picks a free one)."_s, u"port"_s, u"8080"_s },
            { u"path"_s, u"Engine.IO path (default /socket.io/)."_s, u"path"_s, u"/socket.io/"_s },
            { u"ping-interval"_s, u"Milliseconds between pings (default 25000)."_s, u"ms"_s },
            { u"ping-timeout"_s, u"Milliseconds to wait for a pong (default 20000)."_s, u"ms"_s },
            { u"max-payload"_s, u"Largest message in bytes (default 1000000)."_s, u"bytes"_s },
            { u"connect-timeout"_s, u"Milliseconds for a new connection to join a namespace (default 45000)."_s, u"ms"_s },
            { u"cors-origin"_s, u"Allowed origin; repeat or separate with commas; \"*\" allows any (default)."_s, u"origin"_s },
            { u"rules"_s, u"Auto-reply rules file (JSON; see README)."_s, u"file"_s },
            { u"reveal-secrets"_s, u"Print auth payloads and Authorization/Cookie headers unredacted."_s },
            { u"log"_s, u"Headless JSON lines: all (default), connections (no line per event, ack or plain message), or none."_s, u"level"_s, u"all"_s },
            { u"raw-path"_s, u"Path of the plain WebSocket endpoint (default /ws; \"\" turns it off)."_s, u"path"_s, u"/ws"_s },
            { u"subprotocol"_s, u"Sub-protocol the plain endpoint accepts when offered (repeatable)."_s, u"name"_s },
            { u"max-buffered-bytes"_s, u"Write budget per connection: bytes queued for a client that is not reading; over it the connection is closed as \"slow consumer\" (default 1048576; 0: no limit)."_s, u"bytes"_s },
            { u"recovery"_s, u"Connection state recovery: keep a socket's session (id, rooms, data, missed events) this many milliseconds after its transport drops, for the client to take back (default 0: off; 120000 is the Node.js server's when on)."_s, u"ms"_s },
            { u"parser"_s, u"Socket.IO wire format: auto (default: each connection's first message says), json or msgpack (socket.io-msgpack-parser's)."_s, u"format"_s, u"auto"_s },
            { u"max-connections"_s, u"Refuse new connections beyond N with 503 (default 0: no limit)."_s, u"N"_s },
            { u"cert"_s, u"PEM certificate (chain) file: serve https:// and wss:// (needs --key)."_s, u"file"_s },
            { u"key"_s, u"PEM private key file for --cert (unencrypted RSA or EC)."_s, u"file"_s },
            { u"redis"_s, u"Join a cluster through Redis (redis://[user:password@]host:port[/db]), wire-compatible with Node's @socket.io/redis-adapter 8.3 (headless only for now)."_s, u"URL"_s },
            { u"redis-key"_s, u"Prefix of the cluster's Redis channels (default socket.io)."_s, u"prefix"_s, u"socket.io"_s },
            { u"client"_s, u"Open the client window connected to URL instead of a server (needs a display)."_s, u"URL"_s },
    });
    if (!p.parse(QCoreApplication::arguments()))
        return fail(2, p.errorText() + u" (see --help)"_s);
    if (p.isSet(u"help"_s)) {
        std::fputs(qPrintable(p.helpText()), stdout);
        return 0;
    }
    if (p.isSet(u"version"_s)) {
        std::printf("sockscope %s\n", qPrintable(QCoreApplication::applicationVersion()));
        return 0;
    }
    if (!p.positionalArguments().isEmpty())
        return fail(2, u"unexpected argument \"%1\" (see --help)"_s.arg(p.positionalArguments().first()));
    if (p.isSet(u"client"_s)) {
#ifdef SOCKSCOPE_HAVE_UI
        if (gui)
            return runClient(app, p.value(u"client"_s));
#endif
        return fail(2, u"--client needs a display and no --headless (sockscope-client is the command-line client)"_s);
    }

    Sockscope::ServerOptions options;
    QString error;
    qint64 pingInterval = options.pingInterval, pingTimeout = options.pingTimeout;
    qint64 maxPayload = options.maxPayload, connectTimeout = options.connectTimeout, port = 8080;
    qint64 maxConnections = 0, maxBuffered = options.maxBufferedBytes;
    qint64 recovery = options.maxDisconnectionDuration;
    if (!parseInt(p, u"ping-interval"_s, 1, &pingInterval, &error)
        || !parseInt(p, u"ping-timeout"_s, 1, &pingTimeout, &error)
        || !parseInt(p, u"max-payload"_s, 1, &maxPayload, &error)
        || !parseInt(p, u"connect-timeout"_s, 1, &connectTimeout, &error)
        || !parseInt(p, u"port"_s, 0, &port, &error)
        || !parseInt(p, u"max-connections"_s, 0, &maxConnections, &error)
        || !parseInt(p, u"max-buffered-bytes"_s, 0, &maxBuffered, &error)
        || !parseInt(p, u"recovery"_s, 0, &recovery, &error))
        return fail(2, error);
    if (port > 65535 || pingInterval > INT_MAX || pingTimeout > INT_MAX || connectTimeout > INT_MAX
        || recovery > INT_MAX)
        return fail(2, u"a value is out of range (port at most 65535, times at most 2147483647 ms)"_s);
    options.pingInterval = int(pingInterval);
    options.pingTimeout = int(pingTimeout);
    options.maxPayload = maxPayload;
    options.maxBufferedBytes = maxBuffered;
    options.connectTimeout = int(connectTimeout);
    options.maxDisconnectionDuration = int(recovery);
    options.maxConnections = int(qMin<qint64>(maxConnections, INT_MAX));
    options.path = p.value(u"path"_s);
    options.serveDemoPage = true;
    options.plainPath = p.value(u"raw-path"_s);
    if (!options.plainPath.isEmpty() && !options.plainPath.startsWith(u'/'))
        return fail(2, u"--raw-path must start with '/' (or be \"\" to turn it off)"_s);
    if (!options.plainPath.isEmpty()
        && (options.plainPath == options.path || options.plainPath + u'/' == options.path))
        return fail(2, u"--raw-path must differ from --path"_s);
    options.plainSubprotocols = p.values(u"subprotocol"_s);
    if (!Sockscope::ServerOptions::fromString(p.value(u"parser"_s), &options.parser))
        return fail(2, u"--parser: expected auto, json or msgpack, got \"%1\""_s.arg(p.value(u"parser"_s)));
    if (p.isSet(u"cert"_s) != p.isSet(u"key"_s))
        return fail(2, u"--cert and --key go together"_s);
    if (p.isSet(u"cert"_s) && !options.loadTls(p.value(u"cert"_s), p.value(u"key"_s), &error))
        return fail(2, error);
    if (p.isSet(u"cors-origin"_s)) {
        options.allowedOrigins.clear();
        for (const QString &v : p.values(u"cors-origin"_s))
            for (const QString &o : v.split(u',', Qt::SkipEmptyParts))
                options.allowedOrigins.append(o.trimmed());
    }
    const QString logLevel = p.value(u"log"_s);
    if (logLevel != u"all" && logLevel != u"connections" && logLevel != u"none")
        return fail(2, u"--log: expected all, connections or none, got \"%1\""_s.arg(logLevel));
    const QHostAddress address(p.value(u"bind"_s));
    if (address.isNull())
        return fail(2, u"--bind: \"%1\" is not an IP address"_s.arg(p.value(u"bind"_s)));
    const QString invalid = options.validate();
    if (!invalid.isEmpty())
        return fail(2, invalid);
    Sockscope::RedisAddress redis;
    if (p.isSet(u"redis"_s) && !Sockscope::RedisAddress::parse(p.value(u"redis"_s), &redis, &error))
        return fail(2, u"--redis: "_s + error);
    if (p.value(u"redis-key"_s).isEmpty())
        return fail(2, u"--redis-key must not be empty"_s);

#ifdef SOCKSCOPE_HAVE_UI
    if (gui && p.isSet(u"redis"_s))
        return fail(2, u"--redis needs --headless for now (the monitor's server settings do not have it yet)"_s);
    if (gui) {
        Sockscope::ServerSettings settings;
        settings.bind = p.value(u"bind"_s);
        settings.port = int(port);
        settings.options = options;
        settings.rulesFile = p.value(u"rules"_s);
        using Sockscope::ServerSetting;
        Sockscope::ServerSettingFields given;
        const std::pair<const char16_t *, ServerSetting> flags[] = {
            { u"bind", ServerSetting::Bind },
            { u"port", ServerSetting::Port },
            { u"ping-interval", ServerSetting::PingInterval },
            { u"ping-timeout", ServerSetting::PingTimeout },
            { u"max-payload", ServerSetting::MaxPayload },
            { u"max-buffered-bytes", ServerSetting::MaxBufferedBytes },
            { u"parser", ServerSetting::Parser },
            { u"cors-origin", ServerSetting::Origins },
            { u"rules", ServerSetting::RulesFile },
        };
        for (const auto &[name, field] : flags) {
            if (p.isSet(QString::fromUtf16(name)))
                given |= field;
        }
        return runMonitor(app, settings, given);
    }
#endif

    Sockscope::RuleSet rules;
    if (p.isSet(u"rules"_s) && !Sockscope::RuleSet::load(p.value(u"rules"_s), &rules, &error))
        return fail(2, error);

    Sockscope::EventServer server(options);
    // Lines go out from a thread of their own, in batches: a slow reader of standard output
    // costs dropped (and counted) lines, never a stalled server. Destroyed after the logger
    // when main returns, the writer writes everything queued first, the lines after a signal
    // included.
    Sockscope::AsyncLineWriter out(STDOUT_FILENO);
    Sockscope::JsonLinesLogger logger(&server, &out);
    logger.setRevealSecrets(p.isSet(u"reveal-secrets"_s));
    logger.setLevel(logLevel == u"none"        ? Sockscope::JsonLinesLogger::Level::None
                    : logLevel == u"connections" ? Sockscope::JsonLinesLogger::Level::Connections
                                                 : Sockscope::JsonLinesLogger::Level::Everything);
    rules.install(&server);

    // The cluster: the server starts and serves its own clients whether Redis answers or not;
    // "adapter" lines say when it connects, loses Redis, and how many servers share "/".
    std::unique_ptr<Sockscope::RedisCluster> cluster;
    if (p.isSet(u"redis"_s)) {
        cluster = std::make_unique<Sockscope::RedisCluster>(redis, p.value(u"redis-key"_s));
        logger.watchCluster(cluster.get());
        server.setAdapterFactory(cluster->adapterFactory());
        cluster->open();
    }

    if (!server.listen(address, quint16(port)))
        return fail(1, server.errorString());

    if (!catchSignals(&app, [&](int c) {
        QJsonObject o;
        o.insert(u"signal"_s, c == SIGINT ? u"SIGINT"_s : u"SIGTERM"_s);
        o.insert(u"connections"_s, int(server.connections().size()));
        logger.write(u"shutdown"_s, o);
        server.close();
        // Let the close frames go out before leaving.
        QTimer::singleShot(200, &app, [] { QCoreApplication::exit(0); });
    }))
        return fail(1, u"cannot create the signal pipe"_s);

    QJsonObject o;
    o.insert(u"address"_s, server.serverAddress().toString());
    o.insert(u"port"_s, server.serverPort());
    QString host = server.serverAddress().toString();
    if (server.serverAddress().protocol() == QAbstractSocket::IPv6Protocol)
        host = u"["_s + host + u"]"_s;
    o.insert(u"url"_s, u"%1://%2:%3"_s.arg(options.tls.isNull() ? u"http"_s : u"https"_s, host)
                               .arg(server.serverPort()));
    o.insert(u"path"_s, options.path);
    QJsonArray nsps;
    for (auto *ns : server.namespaces())
        nsps.append(ns->name());
    o.insert(u"namespaces"_s, nsps);
    if (p.isSet(u"rules"_s))
        o.insert(u"rules"_s, p.value(u"rules"_s));
    if (cluster) {
        o.insert(u"redis"_s, redis.display());
        o.insert(u"redisKey"_s, cluster->key());
    }
    logger.write(u"listening"_s, o);
    return app.exec();
}
