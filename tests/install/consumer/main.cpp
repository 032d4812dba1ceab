// A program that only knows the installed Sockscope package: a server and a client talk, and
// the server serves its demo page and browser client (built into the library as Qt resources,
// whose initialiser must reach this executable through the installed package).
#include <eventclient.h>
#include <eventserver.h>
#include <rules.h>
#include <socket.h>

#include <QCoreApplication>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QTimer>
#include <cstdio>
#include <functional>

namespace {

const QString enginePath = QStringLiteral("/rt/");

// GET http://127.0.0.1:<port><target>; then(ok) is called once with whether the answer was 200
// and held `marker`.
void fetch(QNetworkAccessManager *network, quint16 port, const QString &target,
           const QByteArray &marker, std::function<void(bool)> then)
{
    QNetworkReply *reply = network->get(
            QNetworkRequest(QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(target))));
    QObject::connect(reply, &QNetworkReply::finished, network, [reply, target, marker, then] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray body = reply->readAll();
        const bool ok = status == 200 && body.contains(marker);
        if (!ok)
            std::fprintf(stderr, "consumer: GET %s: status %d, %lld bytes, %s\n",
                         qPrintable(target), status, static_cast<long long>(body.size()),
                         body.contains(marker) ? "with its marker" : "without its marker");
        then(ok);
    });
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    // Sockscope::Tools: the executables' features, a second exported target.
    Sockscope::RuleSet rules;
    QString rulesError;
    if (!Sockscope::RuleSet::parse(R"({"rules":[{"on":"ping","do":[{"ack":"$args"}]}]})", &rules,
                                   &rulesError)) {
        std::fprintf(stderr, "consumer: rules refused: %s\n", qPrintable(rulesError));
        return 1;
    }
    Sockscope::ServerOptions options;
    options.path = enginePath;
    options.serveDemoPage = true;
    Sockscope::EventServer server(options);
    if (!server.listen(QHostAddress::LocalHost, 0)) {
        std::fprintf(stderr, "consumer: %s\n", qPrintable(server.errorString()));
        return 1;
    }
    const quint16 port = server.serverPort();
    QObject::connect(&server, &Sockscope::EventServer::socketConnected, &server,
                     [](Sockscope::Socket *socket) {
                         socket->on(QStringLiteral("ping"),
                                    [socket](const Sockscope::Arguments &args) {
                                        socket->send(QStringLiteral("pong"), args);
                                    });
                     });
    QNetworkAccessManager network;
    network.setProxy(QNetworkProxy::NoProxy);
    // The demo page names the client script at the server's path; the script is our client.
    const auto fetchFiles = [&] {
        fetch(&network, port, QStringLiteral("/"), "<script src=\"/rt/socket.io.js\"></script>",
              [&](bool pageOk) {
                  fetch(&network, port, enginePath + QStringLiteral("socket.io.js"),
                        "Socket.IO v5 over Engine.IO v4", [&, pageOk](bool scriptOk) {
                            if (pageOk && scriptOk)
                                std::printf("consumer: served / and %ssocket.io.js\n",
                                            qPrintable(enginePath));
                            QCoreApplication::exit(pageOk && scriptOk ? 0 : 1);
                        });
              });
    };
    Sockscope::EventClient client;
    Sockscope::ClientOptions clientOptions;
    clientOptions.path = enginePath;
    client.setOptions(clientOptions);
    client.setUrl(QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(port)));
    client.on(QStringLiteral("pong"), [&](const Sockscope::Arguments &args) {
        if (args != Sockscope::Arguments { 42 }) {
            QCoreApplication::exit(1);
            return;
        }
        std::printf("consumer: listening on port %d; event echoed\n", port);
        fetchFiles();
    });
    client.send(QStringLiteral("ping"), { 42 });
    client.open();
    QTimer::singleShot(10000, &app, [] {
        std::fprintf(stderr, "consumer: no echo and files within 10 s\n");
        QCoreApplication::exit(1);
    });
    return app.exec();
}
