// sockscope-bare-echo: the bare Qt stack, for the overhead figure of bench/run.sh. A
// QWebSocketServer that does the least a Socket.IO server must do for the load generator:
// the Engine.IO open packet on connect, "40" answered with "40{"sid":…}", an event with an ack
// id answered with the same arguments ("42<id>["name",args…]" → "43<id>[args…]"), and
// "42["broadcast",…]" sent as it came to every client. No JSON is parsed, nothing is logged,
// there is no heartbeat: whatever Sockscope costs beyond this is the price of its layers.
#include <QCoreApplication>
#include <QHostAddress>
#include <QList>
#include <QRandomGenerator>
#include <QSet>
#include <QWebSocket>
#include <QWebSocketServer>

#include <cstdio>
#include <cstdlib>

using namespace Qt::StringLiterals;

namespace {

QString makeId()
{
    quint32 words[4];
    QRandomGenerator::global()->fillRange(words);
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(words), 15)
                                       .toBase64(QByteArray::Base64UrlEncoding));
}

// Where the event name (a JSON string right after '[') ends: the index after its closing quote.
qsizetype endOfName(QStringView s, qsizetype open)
{
    qsizetype i = open + 1;
    if (i >= s.size() || s[i] != u'"')
        return -1;
    for (++i; i < s.size(); ++i) {
        if (s[i] == u'\\')
            ++i;
        else if (s[i] == u'"')
            return i + 1;
    }
    return -1;
}

class BareServer : public QObject
{
public:
    explicit BareServer(QObject *parent = nullptr)
        : QObject(parent), m_server(u"bare"_s, QWebSocketServer::NonSecureMode)
    {
        connect(&m_server, &QWebSocketServer::newConnection, this, [this] {
            while (QWebSocket *ws = m_server.nextPendingConnection())
                accept(ws);
        });
    }
    bool listen(quint16 port) { return m_server.listen(QHostAddress::LocalHost, port); }

private:
    void accept(QWebSocket *ws)
    {
        ws->setParent(this);
        m_clients.insert(ws);
        connect(ws, &QWebSocket::textMessageReceived, this,
                [this, ws](const QString &text) { onText(ws, text); });
        connect(ws, &QWebSocket::disconnected, this, [this, ws] {
            m_clients.remove(ws);
            ws->deleteLater();
        });
        ws->sendTextMessage(u"0{\"sid\":\""_s + makeId()
                            + u"\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000,"
                              "\"maxPayload\":1000000}"_s);
    }

    void onText(QWebSocket *ws, const QString &text)
    {
        const QStringView t(text);
        if (t.startsWith(u"40")) {
            ws->sendTextMessage(u"40{\"sid\":\""_s + makeId() + u"\"}"_s);
            return;
        }
        if (!t.startsWith(u"42"))
            return; // pong, disconnect, …
        qsizetype i = 2;
        while (i < t.size() && t[i].isDigit())
            ++i;
        if (i == 2) {
            if (t.sliced(2).startsWith(u"[\"broadcast\""))
                for (QWebSocket *c : std::as_const(m_clients))
                    c->sendTextMessage(text);
            return;
        }
        const qsizetype name = endOfName(t, i);
        if (name < 0)
            return;
        // 42<id>["name",a,b] → 43<id>[a,b]
        const QStringView rest = t.sliced(name);
        QString reply;
        reply.reserve(t.size());
        reply.append(u"43").append(t.sliced(2, i - 2)).append(u'[');
        if (rest.startsWith(u','))
            reply.append(rest.sliced(1));
        else
            reply.append(u']');
        ws->sendTextMessage(reply);
    }

    QWebSocketServer m_server;
    QSet<QWebSocket *> m_clients;
};

} // namespace

int main(int argc, char *argv[])
{
    // The same event dispatcher as the headless sockscope (see app/sockscope/main.cpp), so
    // that the two differ only by the protocol layers.
    if (qEnvironmentVariableIsEmpty("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    const quint16 port = argc > 1 ? quint16(std::atoi(argv[1])) : 0;
    BareServer server;
    if (!server.listen(port)) {
        std::fprintf(stderr, "sockscope-bare-echo: cannot listen on 127.0.0.1:%u\n", port);
        return 1;
    }
    std::printf("{\"listening\":%u}\n", port);
    std::fflush(stdout);
    return app.exec();
}
