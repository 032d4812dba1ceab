// Sockscope: a scripted client session, as run by sockscope-client. Not installed.
#pragma once

#include "arguments.h"
#include "eventclient.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QStringList>

QT_BEGIN_NAMESPACE
class QIODevice;
class QSocketNotifier;
class QWebSocket;
QT_END_NAMESPACE

namespace Sockscope {

/*
    Connects, sends the scripted emits in order (waiting for each ack when asked), listens,
    and prints one JSON line per thing that happened. finished(exitCode) says how it ended:
    0 done, 1 connect error, 3 timeout.
*/
class ClientRunner : public QObject
{
    Q_OBJECT
public:
    enum ExitCode { Done = 0, ConnectError = 1, Usage = 2, Timeout = 3 };

    struct Emit
    {
        QString event;
        Arguments args;
    };
    struct Script
    {
        QUrl url;
        ClientOptions options;
        QList<Emit> emits;
        bool waitForAcks = false;
        QStringList listen; // "*" for all
        int count = -1; // exit after this many listened events (or raw messages)
        int timeoutSeconds = 0; // 0: none
        bool raw = false; // plain WebSocket: stdin lines out, frames in
    };

    ClientRunner(const Script &script, QIODevice *out, QIODevice *err, QObject *parent = nullptr);
    void start();
    // Reads lines to send in raw mode (stdin).
    void setRawInput(int fd);

Q_SIGNALS:
    void finished(int exitCode);

private:
    void line(const QString &type, QJsonObject fields);
    void sendNext();
    void checkDone();
    void finish(int code);
    void startRaw();

    Script m_script;
    QPointer<QIODevice> m_out;
    QPointer<QIODevice> m_err;
    EventClient *m_client = nullptr;
    QWebSocket *m_raw = nullptr;
    QSocketNotifier *m_stdin = nullptr;
    int m_rawFd = -1;
    QByteArray m_stdinBuffer;
    int m_nextEmit = 0;
    int m_waitingAcks = 0;
    int m_listened = 0;
    bool m_connected = false;
    bool m_finished = false;
    bool m_stdinClosed = false;
};

} // namespace Sockscope
