// Sockscope: a Redis connection on Qt's event loop (RESP over QTcpSocket).
#pragma once

#include "resp.h"

#include <QBasicTimer>
#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>
#include <QUrl>

#include <functional>

class QTcpSocket;

namespace Sockscope {

// Where a Redis server is: redis://[user:password@]host[:port][/db].
struct RedisAddress
{
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 6379;
    QString user;
    QString password;
    int db = 0;

    // Parses url; on failure returns false and says why (a rediss:// URL is refused: no TLS).
    static bool parse(const QString &url, RedisAddress *out, QString *errorString);
    // host:port, for messages (never the password).
    QString display() const;
};

/*
    One connection to a Redis server. open() connects, sends AUTH (when the URL has a
    password) and SELECT (db other than 0), then says connected(). Commands are pipelined;
    each reply goes to the callback given with its command, in order. In subscriber mode
    (after SUBSCRIBE / PSUBSCRIBE) the messages a subscription receives are signals.

    A lost connection (or one that could not be made) says disconnected(reason), fails the
    callbacks still waiting with an error reply, and is tried again after a delay that doubles
    from 100 ms to 5 s; commands sent while not connected fail at once (their callback gets an
    error reply from the event loop). The owner resubscribes on connected().
*/
class RedisClient : public QObject
{
    Q_OBJECT
public:
    using ReplyCallback = std::function<void(const RespValue &reply)>;

    explicit RedisClient(const RedisAddress &address, QObject *parent = nullptr);
    ~RedisClient() override;

    void open();
    void close();
    bool isConnected() const { return m_ready; }
    QString errorString() const { return m_error; }

    void send(const QList<QByteArray> &command, ReplyCallback callback = {});

Q_SIGNALS:
    void connected();
    void disconnected(const QString &reason);
    // A message on a channel (SUBSCRIBE) or on a channel matching a pattern (PSUBSCRIBE; the
    // pattern is empty for the former).
    void messageReceived(const QByteArray &pattern, const QByteArray &channel,
                         const QByteArray &payload);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    void connectNow();
    void onConnected();
    void onReadyRead();
    void lose(const QString &reason);
    void dispatch(const RespValue &reply);

    RedisAddress m_address;
    QTcpSocket *m_socket = nullptr;
    RespParser m_parser;
    QList<ReplyCallback> m_waiting; // in the order the commands were sent
    int m_handshakeReplies = 0; // AUTH / SELECT replies still expected before connected()
    bool m_ready = false;
    bool m_wanted = false; // open() called and not close()
    int m_retryMs = 100;
    QBasicTimer m_retryTimer;
    QString m_error;
};

} // namespace Sockscope
