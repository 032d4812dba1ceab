// Sockscope: a scripted client session, as run by sockscope-client. Not installed.
#pragma once

#include "arguments.h"
#include "clientmanager.h"
#include "eventclient.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QStringList>

QT_BEGIN_NAMESPACE
class QIODevice;
class QSocketNotifier;
class QWebSocket;
QT_END_NAMESPACE

namespace Sockscope {

/*
    Connects (one connection carrying the URL's namespace and Script::namespaces), sends the
    scripted emits to the first namespace in order (waiting for each ack when asked), listens,
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
        // Further namespaces over the same connection (the URL's path is the first, and the
        // one the emits go to).
        QStringList namespaces;
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
    void watch(EventClient *socket);
    bool allConnected() const;

    Script m_script;
    QPointer<QIODevice> m_out;
    QPointer<QIODevice> m_err;
    ClientManager *m_manager = nullptr; // the connection, carrying every namespace
    EventClient *m_client = nullptr; // the URL's namespace: the emits go there
    QList<EventClient *> m_sockets; // m_client first, then the --namespace ones
    QWebSocket *m_raw = nullptr;
    QSocketNotifier *m_stdin = nullptr;
    int m_rawFd = -1;
    QByteArray m_stdinBuffer;
    QSet<EventClient *> m_connectedSockets;
    int m_nextEmit = 0;
    int m_waitingAcks = 0;
    int m_listened = 0;
    bool m_connected = false;
    bool m_finished = false;
    bool m_stdinClosed = false;
};

} // namespace Sockscope
