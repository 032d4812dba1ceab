// Tests' shared fixture: a redis-server of the test's own (never the machine's default one).
#pragma once

#include <QHostAddress>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>

// The redis-server binary: REDIS_SERVER when the test defines it (CMake's find_program),
// else redis-server from PATH.
inline QString redisServerProgram()
{
#ifdef REDIS_SERVER
    return QStringLiteral(REDIS_SERVER);
#else
    return QStringLiteral("redis-server");
#endif
}

// A redis-server of the test's own: loopback, a free port (Redis cannot pick one: a port that
// was free a moment ago may be taken, so a clash is retried), no persistence.
class RedisServer
{
public:
    RedisServer() = default;
    ~RedisServer() { stop(); }

    bool start(quint16 wantedPort = 0)
    {
        for (int attempt = 0; attempt < 5; ++attempt) {
            port = wantedPort;
            if (port == 0) {
                QTcpServer probe;
                if (!probe.listen(QHostAddress::LocalHost, 0))
                    return false;
                port = probe.serverPort();
            }
            proc = std::make_unique<QProcess>();
            proc->setProcessChannelMode(QProcess::MergedChannels);
            proc->start(
                    program(),
                    extraArgs
                            + QStringList {QStringLiteral("--port"), QString::number(port),
                                           QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                                           QStringLiteral("--save"), QString(),
                                           QStringLiteral("--appendonly"), QStringLiteral("no"),
                                           QStringLiteral("--daemonize"), QStringLiteral("no")});
            if (!proc->waitForStarted(5000)) {
                error = QStringLiteral("cannot run %1: %2").arg(program(), proc->errorString());
                return false;
            }
            // Ready once it answers PING.
            if (QTest::qWaitFor([this] { return ping() || proc->state() == QProcess::NotRunning; },
                                5000)
                && proc->state() == QProcess::Running)
                return true;
            error = QString::fromLocal8Bit(proc->readAll());
            proc->kill();
            proc->waitForFinished(3000);
        }
        return false;
    }
    void stop()
    {
        if (proc && proc->state() != QProcess::NotRunning) {
            proc->kill();
            proc->waitForFinished(5000);
        }
    }
    bool ping() const
    {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, port);
        if (!s.waitForConnected(500))
            return false;
        s.write("*1\r\n$4\r\nPING\r\n");
        if (!s.waitForReadyRead(500))
            return false;
        const QByteArray reply = s.readAll();
        return reply.startsWith("+PONG") || reply.startsWith("-NOAUTH"); // up, with a password
    }
    static QString program() { return redisServerProgram(); }
    QString url() const { return QStringLiteral("redis://127.0.0.1:%1").arg(port); }

    QStringList extraArgs; // e.g. --requirepass (given first: a config file path must be)
    quint16 port = 0;
    std::unique_ptr<QProcess> proc;
    QString error;
};
