#include "clientrunner.h"

#include "handshakerecord.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSocketNotifier>
#include <QTimer>
#include <QWebSocket>

#include <unistd.h>

using namespace Qt::StringLiterals;

namespace Sockscope {

ClientRunner::ClientRunner(const Script &script, QIODevice *out, QIODevice *err, QObject *parent)
    : QObject(parent), m_script(script), m_out(out), m_err(err)
{
}

void ClientRunner::line(const QString &type, QJsonObject fields)
{
    fields.insert(u"type"_s, type);
    fields.insert(u"time"_s, QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    if (!m_out)
        return;
    m_out->write(QJsonDocument(fields).toJson(QJsonDocument::Compact) + '\n');
    if (auto *f = qobject_cast<QFile *>(m_out.data()))
        f->flush();
}

void ClientRunner::finish(int code)
{
    if (m_finished)
        return;
    m_finished = true;
    if (m_manager)
        m_manager->close(); // every namespace, then the connection
    if (m_raw)
        m_raw->close();
    // Let the close go out before reporting.
    QTimer::singleShot(50, this, [this, code] { Q_EMIT finished(code); });
}

void ClientRunner::start()
{
    if (m_script.timeoutSeconds > 0) {
        QTimer::singleShot(m_script.timeoutSeconds * 1000, this, [this] {
            // Open-ended listening that met no expectation ends normally at the timeout.
            const bool expecting = !m_connected || !allConnected() || m_nextEmit < m_script.emits.size()
                    || m_waitingAcks > 0 || m_script.count >= 0;
            if (expecting && m_err) {
                m_err->write(QByteArray("sockscope-client: timed out after ")
                             + QByteArray::number(m_script.timeoutSeconds) + " s\n");
            }
            line(u"timeout"_s, {});
            finish(expecting ? Timeout : Done);
        });
    }
    if (m_script.raw) {
        startRaw();
        return;
    }
    m_manager = new ClientManager(this);
    m_manager->setUrl(m_script.url);
    m_manager->setOptions(m_script.options);
    const QString first = m_script.url.path().isEmpty() ? u"/"_s : m_script.url.path();
    m_client = m_manager->socket(first);
    m_client->setOptions(m_script.options);
    m_sockets.append(m_client);
    for (const QString &nsp : std::as_const(m_script.namespaces)) {
        EventClient *socket = m_manager->socket(nsp.startsWith(u'/') ? nsp : u'/' + nsp);
        if (m_sockets.contains(socket))
            continue; // named twice
        socket->setOptions(m_script.options);
        m_sockets.append(socket);
    }
    connect(m_manager, &ClientManager::upgraded, this, [this](const QString &transport) {
        QJsonObject o;
        o.insert(u"transport"_s, transport);
        line(u"upgraded"_s, o);
    });
    connect(m_manager, &ClientManager::errorOccurred, this, [this](const QString &message) {
        QJsonObject o;
        o.insert(u"message"_s, message);
        line(u"error"_s, o);
    });
    for (EventClient *socket : std::as_const(m_sockets))
        watch(socket);
    for (EventClient *socket : std::as_const(m_sockets))
        socket->open();
}

bool ClientRunner::allConnected() const
{
    return m_connectedSockets.size() == m_sockets.size();
}

void ClientRunner::watch(EventClient *socket)
{
    const bool all = m_script.listen.contains(u"*"_s);
    const QString nsp = socket->namespaceName();
    socket->onAny([this, all, socket, nsp](const QString &event, const Arguments &args,
                                           const Ack &ack) {
        if (!all && !m_script.listen.contains(event))
            return;
        QJsonObject o;
        o.insert(u"event"_s, event);
        o.insert(u"args"_s, Json::toDisplayJson(args));
        o.insert(u"namespace"_s, nsp);
        if (ack.isRequested())
            o.insert(u"ackId"_s, ack.id());
        const QString offset = socket->eventOffset(); // recovery: apart from the arguments
        if (!offset.isEmpty())
            o.insert(u"offset"_s, offset);
        line(u"event"_s, o);
        ++m_listened;
        checkDone();
    });
    connect(socket, &EventClient::connected, this, [this, socket](bool recovered) {
        m_connectedSockets.insert(socket);
        QJsonObject o;
        o.insert(u"id"_s, socket->id());
        if (recovered)
            o.insert(u"recovered"_s, true);
        o.insert(u"connection"_s, socket->connectionId());
        o.insert(u"namespace"_s, socket->namespaceName());
        o.insert(u"transport"_s, socket->handshake().transport);
        o.insert(u"url"_s, socket->handshake().url.toString());
        line(u"connected"_s, o);
        if (socket == m_client) {
            m_connected = true;
            sendNext();
        } else {
            checkDone();
        }
    });
    connect(socket, &EventClient::disconnected, this, [this, socket](const QString &reason) {
        m_connectedSockets.remove(socket);
        QJsonObject o;
        o.insert(u"reason"_s, reason);
        o.insert(u"namespace"_s, socket->namespaceName());
        line(u"disconnected"_s, o);
        if (m_finished || m_script.options.reconnection)
            return;
        // Lost before everything awaited happened: that is a connection failure.
        const bool pending = m_nextEmit < m_script.emits.size() || m_waitingAcks > 0
                || (m_script.count >= 0 && m_listened < m_script.count);
        if (pending && m_err)
            m_err->write("sockscope-client: disconnected (" + reason.toUtf8() + ") before done\n");
        finish(pending ? ConnectError : Done);
    });
    connect(socket, &EventClient::connectErrorOccurred, this,
            [this, socket](const QString &message, const QJsonValue &data) {
                QJsonObject o;
                o.insert(u"message"_s, message);
                if (!data.isUndefined() && !data.isNull())
                    o.insert(u"data"_s, data);
                o.insert(u"namespace"_s, socket->namespaceName());
                line(u"connect_error"_s, o);
                if (m_err) {
                    m_err->write("sockscope-client: "
                                 + (m_sockets.size() > 1 ? socket->namespaceName().toUtf8() + ": "
                                                         : QByteArray())
                                 + message.toUtf8() + '\n');
                }
                if (!m_script.options.reconnection)
                    finish(ConnectError);
            });
}

void ClientRunner::sendNext()
{
    while (m_nextEmit < m_script.emits.size()) {
        const Emit e = m_script.emits.at(m_nextEmit++);
        if (m_script.waitForAcks) {
            ++m_waitingAcks;
            const int timeoutMs = m_script.timeoutSeconds > 0 ? m_script.timeoutSeconds * 1000 : 0;
            m_client->send(e.event, e.args, [this, e](const AckResult &r) {
                --m_waitingAcks;
                QJsonObject o;
                o.insert(u"event"_s, e.event);
                o.insert(u"ackId"_s, r.ackId);
                if (r.timedOut || r.cancelled) {
                    o.insert(r.timedOut ? u"timedOut"_s : u"cancelled"_s, true);
                } else {
                    o.insert(u"args"_s, Json::toDisplayJson(r.args));
                    o.insert(u"roundTripMs"_s, r.elapsedMs);
                }
                line(u"ack"_s, o);
                if (r.timedOut) {
                    finish(Timeout);
                    return;
                }
                if (r.cancelled)
                    return; // the disconnect handler decides how this ends
                sendNext();
            }, timeoutMs);
            return; // one at a time, in order
        }
        m_client->send(e.event, e.args);
        QJsonObject o;
        o.insert(u"event"_s, e.event);
        o.insert(u"args"_s, Json::toDisplayJson(e.args));
        line(u"sent"_s, o);
    }
    checkDone();
}

void ClientRunner::checkDone()
{
    if (m_finished || !m_connected || !allConnected())
        return;
    if (m_nextEmit < m_script.emits.size() || m_waitingAcks > 0)
        return;
    if (m_script.count >= 0) {
        if (m_listened >= m_script.count)
            finish(Done);
        return;
    }
    if (m_script.listen.isEmpty())
        finish(Done);
}

void ClientRunner::setRawInput(int fd)
{
    m_rawFd = fd;
}

void ClientRunner::startRaw()
{
    m_raw = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    QNetworkRequest request(m_script.url);
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.addCaCertificates(m_script.options.caCertificates);
    if (m_script.options.ignoreTlsErrors)
        tls.setPeerVerifyMode(QSslSocket::VerifyNone);
    m_raw->setSslConfiguration(tls);
    for (const auto &h : std::as_const(m_script.options.extraHeaders))
        request.setRawHeader(h.first, h.second);
    connect(m_raw, &QWebSocket::connected, this, [this] {
        m_connected = true;
        QJsonObject o;
        o.insert(u"url"_s, m_script.url.toString());
        line(u"connected"_s, o);
        for (const Emit &e : std::as_const(m_script.emits)) {
            // In raw mode --emit sends its text as is.
            m_raw->sendTextMessage(e.event);
        }
        if (m_rawFd >= 0) {
            m_stdin = new QSocketNotifier(m_rawFd, QSocketNotifier::Read, this);
            connect(m_stdin, &QSocketNotifier::activated, this, [this] {
                char buf[4096];
                const ssize_t n = ::read(m_rawFd, buf, sizeof buf);
                if (n <= 0) {
                    m_stdin->setEnabled(false);
                    m_stdinClosed = true;
                    if (m_script.count < 0)
                        finish(Done);
                    return;
                }
                m_stdinBuffer.append(buf, n);
                qsizetype nl;
                while ((nl = m_stdinBuffer.indexOf('\n')) >= 0) {
                    QByteArray text = m_stdinBuffer.left(nl);
                    m_stdinBuffer.remove(0, nl + 1);
                    if (text.endsWith('\r'))
                        text.chop(1);
                    m_raw->sendTextMessage(QString::fromUtf8(text));
                    QJsonObject o;
                    o.insert(u"opcode"_s, u"text"_s);
                    o.insert(u"data"_s, QString::fromUtf8(text));
                    line(u"sent"_s, o);
                }
            });
        } else if (m_script.count < 0 && m_script.timeoutSeconds == 0) {
            finish(Done);
        }
    });
    auto received = [this](const QString &opcode, const QJsonValue &data, qint64 size) {
        QJsonObject o;
        o.insert(u"opcode"_s, opcode);
        o.insert(u"data"_s, data);
        o.insert(u"size"_s, size);
        line(u"message"_s, o);
        ++m_listened;
        if (m_script.count >= 0 && m_listened >= m_script.count)
            finish(Done);
    };
    connect(m_raw, &QWebSocket::textMessageReceived, this, [received](const QString &t) {
        received(u"text"_s, t, t.toUtf8().size());
    });
    connect(m_raw, &QWebSocket::binaryMessageReceived, this, [received](const QByteArray &b) {
        received(u"binary"_s, QString::fromLatin1(b.toBase64()), b.size());
    });
    connect(m_raw, &QWebSocket::disconnected, this, [this] {
        QJsonObject o;
        o.insert(u"code"_s, int(m_raw->closeCode()));
        o.insert(u"reason"_s, m_raw->closeReason());
        if (!m_connected) {
            o.insert(u"message"_s, m_raw->errorString());
            line(u"connect_error"_s, o);
            if (m_err)
                m_err->write("sockscope-client: " + m_raw->errorString().toUtf8() + '\n');
            finish(ConnectError);
            return;
        }
        line(u"disconnected"_s, o);
        finish(Done);
    });
    m_raw->open(request);
}

} // namespace Sockscope
