// The Socket.IO tutorial's server, written with Sockscope, for the interop tests (tutorial.js).
//
// Listens on 127.0.0.1 with a free port and prints one JSON object a line on stdout:
//   {"type":"listening","port":N}       first
//   {"type":"connect","socket":ID}      a socket joined "/"
//   {"type":"aaa","socket":ID,"args":[…]}   the tutorial's event, as it arrived
//   {"type":"answer","socket":ID,"args":[…],"timedOut":false,"cancelled":false,"ackId":N}
//                                       the client's reply to "question"
//   {"type":"disconnect","socket":ID,"reason":…}
// Binary arguments are printed as {"_binary":true,"size":N,"base64":…}.
//
// Besides the tutorial ("time" on connect, "aaa" printed) it answers:
//   "ask" (args…)  → sends "question" with the same args, asking for an ack (1000 ms timeout)
//   "kick"         → disconnects the socket from the server side
#include <arguments.h>
#include <eventserver.h>
#include <socket.h>

#include <QCoreApplication>
#include <QDateTime>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace {

void print(const QJsonObject &o)
{
    const QByteArray line = QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
    std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
    std::fflush(stdout);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);

    Sockscope::EventServer server; // the Node.js server's defaults
    if (!server.listen(QHostAddress::LocalHost, 0)) {
        std::fprintf(stderr, "tutorial_server: %s\n", qPrintable(server.errorString()));
        return 1;
    }

    QObject::connect(&server, &Sockscope::EventServer::socketConnected, &server,
                     [](Sockscope::Socket *sock) {
                         const QString id = sock->id();
                         print({{u"type"_s, u"connect"_s}, {u"socket"_s, id}});
                         sock->send(u"time"_s, {QDateTime::currentMSecsSinceEpoch()});
                         sock->on(u"aaa"_s, [id](const Sockscope::Arguments &args) {
                             print({{u"type"_s, u"aaa"_s},
                                    {u"socket"_s, id},
                                    {u"args"_s, Sockscope::Json::toDisplayJson(args)}});
                         });
                         sock->on(u"ask"_s, [sock, id](const Sockscope::Arguments &args) {
                             sock->send(
                                     u"question"_s, args,
                                     [id](const Sockscope::AckResult &r) {
                                         print({{u"type"_s, u"answer"_s},
                                                {u"socket"_s, id},
                                                {u"ackId"_s, r.ackId},
                                                {u"args"_s, Sockscope::Json::toDisplayJson(r.args)},
                                                {u"timedOut"_s, r.timedOut},
                                                {u"cancelled"_s, r.cancelled},
                                                {u"elapsedMs"_s, r.elapsedMs}});
                                     },
                                     1000);
                         });
                         sock->on(u"kick"_s,
                                  [sock](const Sockscope::Arguments &) { sock->close(); });
                     });
    QObject::connect(&server, &Sockscope::EventServer::socketDisconnected, &server,
                     [](Sockscope::Socket *sock, const QString &reason) {
                         print({{u"type"_s, u"disconnect"_s},
                                {u"socket"_s, sock->id()},
                                {u"reason"_s, reason}});
                     });

    print({{u"type"_s, u"listening"_s}, {u"port"_s, server.serverPort()}});
    return app.exec();
}
