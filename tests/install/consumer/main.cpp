// A program that only knows the installed Sockscope package: a server and a client talk.
#include <eventclient.h>
#include <eventserver.h>
#include <rules.h>
#include <socket.h>

#include <QCoreApplication>
#include <QTimer>
#include <cstdio>

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
    Sockscope::EventServer server;
    if (!server.listen(QHostAddress::LocalHost, 0)) {
        std::fprintf(stderr, "consumer: %s\n", qPrintable(server.errorString()));
        return 1;
    }
    QObject::connect(&server, &Sockscope::EventServer::socketConnected, &server,
                     [](Sockscope::Socket *socket) {
                         socket->on(QStringLiteral("ping"),
                                    [socket](const Sockscope::Arguments &args) {
                                        socket->send(QStringLiteral("pong"), args);
                                    });
                     });
    Sockscope::EventClient client;
    client.setUrl(QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(server.serverPort())));
    client.on(QStringLiteral("pong"), [&](const Sockscope::Arguments &args) {
        if (args == Sockscope::Arguments { 42 })
            std::printf("consumer: listening on port %d; event echoed\n", server.serverPort());
        QCoreApplication::exit(args == Sockscope::Arguments { 42 } ? 0 : 1);
    });
    client.send(QStringLiteral("ping"), { 42 });
    client.open();
    QTimer::singleShot(10000, &app, [] {
        std::fprintf(stderr, "consumer: no echo within 10 s\n");
        QCoreApplication::exit(1);
    });
    return app.exec();
}
