// sockscope-monitor-bench: the monitor window hosting the server while another process (this
// same program with --load) keeps N clients sending events; reports how long the window's event
// loop ever stalled, and memory.
//   sockscope-monitor-bench [--clients 1000] [--rate 20000] [--seconds 20]
#include <eventserver.h>
#include <monitorwindow.h>
#include <socket.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTimer>
#include <QWebSocket>

#include <algorithm>
#include <cstdio>

using namespace Qt::StringLiterals;

namespace {

qint64 rssKiB()
{
    QFile f(u"/proc/self/status"_s);
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    return -1;
}

// The load: raw Engine.IO/Socket.IO over QWebSocket, as cheap as a client can be.
int runLoad(quint16 port, int clients, int rate, int seconds)
{
    QList<QWebSocket *> sockets;
    QList<QWebSocket *> ready;
    const QUrl url(u"ws://127.0.0.1:%1/socket.io/?EIO=4&transport=websocket"_s.arg(port));
    for (int i = 0; i < clients; ++i) {
        auto *ws = new QWebSocket;
        sockets.append(ws);
        QObject::connect(ws, &QWebSocket::textMessageReceived, ws, [ws, &ready](const QString &t) {
            if (t.startsWith(u'0'))
                ws->sendTextMessage(u"40"_s);
            else if (t == u"2")
                ws->sendTextMessage(u"3"_s);
            else if (t.startsWith(u"40"))
                ready.append(ws);
        });
        ws->open(url);
        if (i % 50 == 49)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    }
    QElapsedTimer clock;
    clock.start();
    qint64 sent = 0;
    QTimer tick;
    qsizetype next = 0;
    QObject::connect(&tick, &QTimer::timeout, &tick, [&] {
        if (ready.isEmpty())
            return;
        const qint64 due = clock.elapsed() * rate / 1000;
        while (sent < due) {
            QWebSocket *ws = ready.at(next++ % ready.size());
            ws->sendTextMessage(u"42[\"tick\",%1,{\"payload\":\"abcdefghijklmnopqrstuvwxyz\"}]"_s.arg(sent++));
        }
    });
    tick.start(5);
    QTimer::singleShot(seconds * 1000, &tick, [] { QCoreApplication::quit(); });
    QCoreApplication::exec();
    std::printf("{\"sent\":%lld,\"ready\":%lld}\n", sent, qint64(ready.size()));
    qDeleteAll(sockets);
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser p;
    p.addHelpOption();
    p.addOptions({ { u"clients"_s, u"Clients (default 1000)."_s, u"N"_s, u"1000"_s },
                   { u"rate"_s, u"Events per second over all clients (default 20000)."_s, u"N"_s, u"20000"_s },
                   { u"seconds"_s, u"Length of the run (default 20)."_s, u"S"_s, u"20"_s },
                   { u"load"_s, u"Internal: be the load generator for this port."_s, u"port"_s } });
    p.process(app);
    const int clients = p.value(u"clients"_s).toInt();
    const int rate = p.value(u"rate"_s).toInt();
    const int seconds = p.value(u"seconds"_s).toInt();
    if (p.isSet(u"load"_s))
        return runLoad(quint16(p.value(u"load"_s).toUInt()), clients, rate, seconds);

    Sockscope::MonitorWindow window;
    Sockscope::ServerSettings settings = window.serverSettings();
    settings.port = 0;
    settings.rulesFile.clear();
    window.setServerSettings(settings);
    if (!window.startServer()) {
        std::fprintf(stderr, "sockscope-monitor-bench: the server did not start\n");
        return 1;
    }
    window.show();
    quint64 events = 0;
    QObject::connect(window.server(), &Sockscope::EventServer::eventReceived, &window,
                     [&events] { ++events; });

    // The stall probe: a 10 ms timer; any gap beyond that is time the loop was busy.
    QList<qint64> gaps;
    QList<std::pair<qint64, qint64>> longGaps; // (ms into the run when it ended, length)
    QElapsedTimer sinceLast;
    sinceLast.start();
    QElapsedTimer run;
    QTimer probe;
    QObject::connect(&probe, &QTimer::timeout, &window, [&] {
        const qint64 gap = sinceLast.restart();
        gaps.append(gap);
        if (gap > 100)
            longGaps.append({ run.elapsed(), gap });
    });

    QProcess load;
    load.setProgram(QCoreApplication::applicationFilePath());
    load.setArguments({ u"--load"_s, QString::number(window.server()->serverPort()),
                        u"--clients"_s, QString::number(clients), u"--rate"_s,
                        QString::number(rate), u"--seconds"_s, QString::number(seconds + 10) });
    load.start();
    // Wait for the clients, then measure for `seconds`.
    QElapsedTimer wait;
    wait.start();
    while (window.server()->connections().size() < clients && wait.elapsed() < 60000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    const qint64 connectMs = wait.elapsed();
    const quint64 eventsBefore = events;
    const qint64 rssBefore = rssKiB();
    probe.start(10);
    sinceLast.restart();
    run.start();
    while (run.elapsed() < seconds * 1000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    probe.stop();
    const double measured = run.elapsed() / 1000.0;
    const quint64 eventsDuring = events - eventsBefore;
    load.kill();
    load.waitForFinished(5000);

    std::sort(gaps.begin(), gaps.end());
    const qint64 worst = gaps.isEmpty() ? -1 : gaps.last();
    const qint64 p99 = gaps.isEmpty() ? -1 : gaps.at(qsizetype(gaps.size() * 0.99));
    std::printf("monitor with %d clients (%lld connected in %lld ms), offered %d events/s for %.1f s\n",
                clients, qint64(window.server()->connections().size()), connectMs, rate, measured);
    std::printf("events received by the monitor's server: %llu (%.0f/s)\n",
                (unsigned long long)eventsDuring, eventsDuring / measured);
    std::printf("event loop gaps (10 ms probe): p99 %lld ms, worst %lld ms (goal: worst <= 50 ms)\n", p99, worst);
    if (!longGaps.isEmpty()) {
        std::printf("gaps over 100 ms (%lld of %lld probes), ending at:", qint64(longGaps.size()),
                    qint64(gaps.size()));
        for (qsizetype i = 0; i < qMin<qsizetype>(longGaps.size(), 12); ++i)
            std::printf(" %.1f s (%lld ms)", longGaps.at(i).first / 1000.0, longGaps.at(i).second);
        std::printf("\n");
    }
    std::printf("RSS: %lld KiB when the load began, %lld KiB at the end\n", rssBefore, rssKiB());
    return 0;
}
