#include "redisclient.h"

#include <QLoggingCategory>
#include <QTcpSocket>
#include <QTimerEvent>

namespace Sockscope {

Q_LOGGING_CATEGORY(lcRedis, "sockscope.redis", QtWarningMsg)

bool RedisAddress::parse(const QString &text, RedisAddress *out, QString *errorString)
{
    const auto failWith = [errorString](const QString &why) {
        if (errorString)
            *errorString = why;
        return false;
    };
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid())
        return failWith(QStringLiteral("not a URL: %1").arg(url.errorString()));
    if (url.scheme() == QLatin1String("rediss"))
        return failWith(QStringLiteral(
                "rediss:// (Redis over TLS) is not supported: use redis:// on a trusted network, "
                "or a TLS tunnel such as stunnel in front of Redis"));
    if (url.scheme() != QLatin1String("redis"))
        return failWith(
                QStringLiteral("the URL must start with redis://, not %1://").arg(url.scheme()));
    RedisAddress a;
    if (!url.host().isEmpty())
        a.host = url.host();
    const int port = url.port(6379);
    if (port <= 0 || port > 65535)
        return failWith(QStringLiteral("bad port"));
    a.port = quint16(port);
    a.user = url.userName();
    a.password = url.password();
    if (a.password.isEmpty() && !a.user.isEmpty()) {
        // redis://password@host: Redis before 6 had a password and no user.
        a.password = a.user;
        a.user.clear();
    }
    QString path = url.path();
    if (path.startsWith(QLatin1Char('/')))
        path.remove(0, 1);
    if (!path.isEmpty()) {
        bool ok = false;
        a.db = path.toInt(&ok);
        if (!ok || a.db < 0)
            return failWith(
                    QStringLiteral("the path must be a database number, not /%1").arg(path));
    }
    *out = a;
    return true;
}

QString RedisAddress::display() const { return QStringLiteral("%1:%2").arg(host).arg(port); }

RedisClient::RedisClient(const RedisAddress &address, QObject *parent)
    : QObject(parent)
    , m_address(address)
{
}

RedisClient::~RedisClient()
{
    m_wanted = false;
    if (m_socket) {
        m_socket->disconnect(this); // no signal of ours while being destroyed
        m_socket->abort();
    }
}

void RedisClient::open()
{
    m_wanted = true;
    m_retryMs = 100;
    connectNow();
}

void RedisClient::close()
{
    m_wanted = false;
    m_retryTimer.stop();
    if (m_socket)
        lose(QStringLiteral("closed"));
}

void RedisClient::connectNow()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
    }
    m_parser.reset();
    m_socket = new QTcpSocket(this);
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    connect(m_socket, &QTcpSocket::connected, this, &RedisClient::onConnected);
    connect(m_socket, &QTcpSocket::readyRead, this, &RedisClient::onReadyRead);
    connect(m_socket, &QTcpSocket::errorOccurred, this,
            [this](QAbstractSocket::SocketError) { lose(m_socket->errorString()); });
    connect(m_socket, &QTcpSocket::disconnected, this,
            [this] { lose(QStringLiteral("the Redis server closed the connection")); });
    qCDebug(lcRedis) << "connecting to" << m_address.display();
    m_socket->connectToHost(m_address.host, m_address.port);
}

void RedisClient::onConnected()
{
    QByteArray out;
    m_handshakeReplies = 0;
    if (!m_address.password.isEmpty()) {
        QList<QByteArray> auth {"AUTH"};
        if (!m_address.user.isEmpty())
            auth.append(m_address.user.toUtf8());
        auth.append(m_address.password.toUtf8());
        out += Resp::command(auth);
        ++m_handshakeReplies;
    }
    if (m_address.db != 0) {
        out += Resp::command({"SELECT", QByteArray::number(m_address.db)});
        ++m_handshakeReplies;
    }
    if (m_handshakeReplies == 0) {
        m_ready = true;
        m_retryMs = 100;
        m_error.clear();
        Q_EMIT connected();
        return;
    }
    m_socket->write(out);
}

void RedisClient::send(const QList<QByteArray> &command, ReplyCallback callback)
{
    if (!m_ready) {
        if (callback) {
            RespValue error;
            error.type = RespValue::Type::Error;
            error.bytes = "ERR not connected to Redis";
            QMetaObject::invokeMethod(
                    this, [callback = std::move(callback), error] { callback(error); },
                    Qt::QueuedConnection);
        }
        return;
    }
    m_waiting.append(std::move(callback));
    m_socket->write(Resp::command(command));
}

void RedisClient::onReadyRead()
{
    if (!m_socket)
        return;
    m_parser.feed(m_socket->readAll());
    RespValue reply;
    while (m_socket && m_parser.next(&reply))
        dispatch(reply);
    if (m_socket && m_parser.hasError())
        lose(m_parser.errorString());
}

void RedisClient::dispatch(const RespValue &reply)
{
    if (m_handshakeReplies > 0) {
        --m_handshakeReplies;
        if (reply.isError()) {
            const QString why = QString::fromUtf8(reply.bytes);
            lose(why);
            return;
        }
        if (m_handshakeReplies == 0) {
            m_ready = true;
            m_retryMs = 100;
            m_error.clear();
            Q_EMIT connected();
        }
        return;
    }
    // A pub/sub message is an array that no command waits for.
    if (reply.isArray() && reply.elements.size() >= 3
        && reply.elements.at(0).type == RespValue::Type::Bulk) {
        const QByteArray &kind = reply.elements.at(0).bytes;
        if (kind == "message") {
            Q_EMIT messageReceived({}, reply.elements.at(1).bytes, reply.elements.at(2).bytes);
            return;
        }
        if (kind == "pmessage" && reply.elements.size() >= 4) {
            Q_EMIT messageReceived(reply.elements.at(1).bytes, reply.elements.at(2).bytes,
                                   reply.elements.at(3).bytes);
            return;
        }
    }
    if (m_waiting.isEmpty()) {
        qCDebug(lcRedis) << "a reply no command waited for";
        return;
    }
    ReplyCallback callback = m_waiting.takeFirst();
    if (callback)
        callback(reply);
}

void RedisClient::lose(const QString &reason)
{
    if (!m_socket)
        return;
    const bool wasReady = m_ready;
    m_ready = false;
    m_error = reason;
    QTcpSocket *s = m_socket;
    m_socket = nullptr;
    s->disconnect(this);
    s->abort();
    s->deleteLater();
    QList<ReplyCallback> waiting;
    waiting.swap(m_waiting);
    RespValue error;
    error.type = RespValue::Type::Error;
    error.bytes = "ERR connection lost: " + reason.toUtf8();
    for (const ReplyCallback &c : std::as_const(waiting)) {
        if (c)
            c(error);
    }
    qCDebug(lcRedis) << "lost" << m_address.display() << reason << "ready was" << wasReady;
    if (m_wanted) {
        m_retryTimer.start(m_retryMs, this);
        m_retryMs = qMin(m_retryMs * 2, 5000);
    }
    Q_EMIT disconnected(reason);
}

void RedisClient::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_retryTimer.timerId()) {
        m_retryTimer.stop();
        if (m_wanted)
            connectNow();
        return;
    }
    QObject::timerEvent(event);
}

} // namespace Sockscope
