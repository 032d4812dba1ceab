// Fixtures for loopback tests: a raw HTTP exchange and a raw Engine.IO peer that does exactly
// what the test says (and nothing more: it never answers pings unless told to).
#pragma once

#include <arguments.h>
#include <eventclient.h>
#include <eventserver.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>

#include <memory>

namespace Loopback {

using namespace Qt::StringLiterals;

inline const QHostAddress LocalHost = QHostAddress(QHostAddress::LocalHost);

// Server options for loopback tests: heartbeats and the connect timeout far enough away that
// only a test that shortens them meets them.
inline Sockscope::ServerOptions fastOptions()
{
    Sockscope::ServerOptions o;
    o.pingInterval = 5000;
    o.pingTimeout = 5000;
    o.connectTimeout = 5000;
    return o;
}

// 20 characters of URL-safe base64, as the Node.js server makes its ids.
inline bool isNodeStyleId(const QString &id)
{
    static const QRegularExpression re(u"^[A-Za-z0-9_-]{20}$"_s);
    return re.match(id).hasMatch();
}

// A JSON view of arguments (binary as {"_binary":true,…}) so that comparisons show readable
// differences and do not depend on which integer type a QVariant holds.
inline QByteArray display(const Sockscope::Arguments &args)
{
    return QJsonDocument(Sockscope::Json::toDisplayJson(args)).toJson(QJsonDocument::Compact);
}

struct HttpReply
{
    bool complete = false; // the server answered and closed
    int status = 0;
    QByteArray head; // up to and including the empty line
    QByteArray body;
    QByteArray raw; // everything received
    QByteArray header(const QByteArray &name) const
    {
        const QList<QByteArray> lines = head.split('\n');
        for (const QByteArray &l : lines) {
            const qsizetype colon = l.indexOf(':');
            if (colon > 0 && l.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
                return l.mid(colon + 1).trimmed();
        }
        return {};
    }
};

// Sends request on a fresh TCP connection and reads until the server closes it (bounded).
// keepOpen: stop once the response head arrived (for 101 answers that keep the socket).
inline HttpReply rawHttp(quint16 port, const QByteArray &request, bool keepOpen = false,
                         int timeoutMs = 5000)
{
    HttpReply r;
    QTcpSocket s;
    s.connectToHost(LocalHost, port);
    if (!QTest::qWaitFor([&] { return s.state() == QAbstractSocket::ConnectedState; }, timeoutMs))
        return r;
    s.write(request);
    const bool done = QTest::qWaitFor(
            [&] {
                r.raw += s.readAll();
                if (keepOpen && r.raw.contains("\r\n\r\n"))
                    return true;
                return s.state() == QAbstractSocket::UnconnectedState;
            },
            timeoutMs);
    r.raw += s.readAll();
    const qsizetype end = r.raw.indexOf("\r\n\r\n");
    if (end >= 0) {
        r.head = r.raw.left(end + 4);
        r.body = r.raw.mid(end + 4);
        const QList<QByteArray> statusLine = r.head.left(r.head.indexOf('\r')).split(' ');
        r.status = statusLine.size() > 1 ? statusLine.at(1).toInt() : 0;
    }
    r.complete = done && end >= 0;
    s.abort();
    return r;
}

inline QByteArray upgradeRequest(quint16 port, const QByteArray &target,
                                 const QByteArray &key = "dGhlIHNhbXBsZSBub25jZQ==",
                                 const QByteArray &extraHeaders = {})
{
    return "GET " + target + " HTTP/1.1\r\n"
           "Host: 127.0.0.1:" + QByteArray::number(port) + "\r\n"
           "Upgrade: websocket\r\n"
           "Connection: Upgrade\r\n"
           "Sec-WebSocket-Key: " + key + "\r\n"
           "Sec-WebSocket-Version: 13\r\n"
           + extraHeaders + "\r\n";
}

/*
    A raw WebSocket peer speaking Engine.IO by hand. It records every message and never answers
    the server's pings unless autoPong is set.
*/
class RawPeer
{
public:
    RawPeer()
    {
        QObject::connect(&ws, &QWebSocket::textMessageReceived, &ws, [this](const QString &t) {
            texts.append(t);
            if (autoPong && t == u"2")
                ws.sendTextMessage(u"3"_s);
        });
        QObject::connect(&ws, &QWebSocket::binaryMessageReceived, &ws,
                         [this](const QByteArray &b) { binaries.append(b); });
        QObject::connect(&ws, &QWebSocket::disconnected, &ws, [this] { closed = true; });
    }

    void open(quint16 port, const QString &path = u"/socket.io/"_s)
    {
        ws.open(QUrl(u"ws://127.0.0.1:%1%2?EIO=4&transport=websocket"_s.arg(port).arg(path)));
    }

    // Waits for the open packet; returns its JSON (empty on failure).
    QJsonObject waitOpen(int timeoutMs = 5000)
    {
        if (!QTest::qWaitFor([this] { return !texts.isEmpty() || closed; }, timeoutMs))
            return {};
        if (texts.isEmpty() || !texts.first().startsWith(u'0'))
            return {};
        return QJsonDocument::fromJson(texts.first().mid(1).toUtf8()).object();
    }

    // Waits until a text message equal to (or starting with, if prefix) text has arrived;
    // returns it, or a null string.
    QString waitText(const QString &text, bool prefix = false, int timeoutMs = 5000)
    {
        QString found;
        (void)QTest::qWaitFor(
                [&] {
                    for (const QString &t : std::as_const(texts)) {
                        if (prefix ? t.startsWith(text) : t == text) {
                            found = t;
                            return true;
                        }
                    }
                    return false;
                },
                timeoutMs);
        return found;
    }

    bool waitClosed(int timeoutMs = 5000)
    {
        return QTest::qWaitFor([this] { return closed; }, timeoutMs);
    }

    void send(const QString &text) { ws.sendTextMessage(text); }

    QWebSocket ws;
    QStringList texts;
    QList<QByteArray> binaries;
    bool autoPong = false;
    bool closed = false;
};

inline QUrl serverUrl(const Sockscope::EventServer &server, const QString &nsp = u"/"_s)
{
    return QUrl(u"http://127.0.0.1:%1%2"_s.arg(server.serverPort()).arg(nsp));
}

// An EventClient opened on the server's namespace; waits until it is connected (or refused).
inline std::unique_ptr<Sockscope::EventClient>
connectClient(const Sockscope::EventServer &server, const QString &nsp = u"/"_s,
              const Sockscope::ClientOptions &options = {}, int timeoutMs = 5000)
{
    auto client = std::make_unique<Sockscope::EventClient>();
    client->setUrl(serverUrl(server, nsp));
    client->setOptions(options);
    client->open();
    (void)QTest::qWaitFor([&] { return client->isConnected() || !client->errorString().isEmpty(); },
                    timeoutMs);
    return client;
}

} // namespace Loopback
