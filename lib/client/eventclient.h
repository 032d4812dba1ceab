// Sockscope: a Socket.IO v5 client for Qt programs.
#pragma once

#include "ack.h"
#include "arguments.h"
#include "engineiopacket.h"
#include "httprequest.h"
#include "reasons.h"
#include "socketiopacket.h"

#include <QBasicTimer>
#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QNetworkRequest>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QObject>
#include <QUrl>
#include <QUrlQuery>

#include <memory>

QT_BEGIN_NAMESPACE
class QNetworkAccessManager;
class QNetworkReply;
class QWebSocket;
QT_END_NAMESPACE

namespace Sockscope {

class AckTracker;
class ClientManager;

struct ClientOptions
{
    enum class Transport {
        WebSocket, // WebSocket only (the default here)
        Polling, // HTTP long-polling only
        Auto // polling first, then upgrade to WebSocket, as the official clients do
    };
    Transport transport = Transport::WebSocket;
    // The Socket.IO wire format; the server must speak it too (a Sockscope server under
    // --parser auto speaks both).
    enum class Parser {
        Json, // the Socket.IO v5 specification's (socket.io-parser), the default
        Msgpack, // socket.io-msgpack-parser's
    };
    Parser parser = Parser::Json;
    static QString toString(Parser parser); // "json", "msgpack"
    static bool fromString(const QString &text, Parser *parser);
    QString path = QStringLiteral("/socket.io/");
    QJsonObject auth; // sent with CONNECT
    QUrlQuery query; // added to the handshake URL
    HttpHeaders extraHeaders; // added to the handshake request
    bool reconnection = false; // reconnect after a lost connection
    int reconnectionAttempts = -1; // -1: no limit
    int reconnectionDelay = 1000; // ms, doubled each attempt...
    int reconnectionDelayMax = 5000; // ...up to this
    double randomizationFactor = 0.5; // jitter of each delay
    int timeout = 20000; // ms to get connected before a connect error
    QList<QSslCertificate> caCertificates; // trusted for https:// and wss:// besides the system's
    bool ignoreTlsErrors = false; // accept any certificate (testing only)
};

// What the client saw of its own handshake.
struct ClientHandshake
{
    QUrl url; // the first URL requested (polling handshake or WebSocket)
    HttpHeaders requestHeaders; // the headers we added (Qt adds the rest)
    int statusCode = 0; // of the polling handshake (a WebSocket's 101 is not visible via Qt)
    HttpHeaders responseHeaders; // of the polling handshake
    EngineIoOpen open; // the values of the server's open packet
    QString transport; // "websocket" or "polling"; becomes "websocket" after an upgrade
    QDateTime upgradedAt; // when the connection moved from polling to WebSocket
};

/*
    A Socket.IO client for one namespace (a socket), over WebSocket, HTTP long-polling, or polling with an
    upgrade to WebSocket (ClientOptions::transport).

        Sockscope::EventClient client;
        client.setUrl(QUrl("http://127.0.0.1:8080/chat"));   // the path names the namespace
        client.on("time", [](const Sockscope::Arguments &args) { qInfo() << args; });
        client.open();
        client.send("aaa", { 12, 5, 8 });                     // buffered until connected

    Used this way it has a connection of its own. Several namespaces over one connection:
    ClientManager::socket() (clientmanager.h) makes the sockets, which share its transport.

    Disconnect reasons, as the official client names them: "io server disconnect",
    "io client disconnect", "ping timeout", "transport close", "transport error", "parse error".

    Connection state recovery (a server with Node's connectionStateRecovery, or Sockscope's
    --recovery): the CONNECT reply then carries a private id (recoveryId()), and every event
    the server sends without an ack id ends with its offset. The client takes that offset off
    the arguments the program sees (eventOffset() tells it while the event is delivered) and
    remembers the last one (lastOffset()). When it connects again after a transport loss (its
    own reconnection, or open() after a drop), it sends {pid, offset} merged into the CONNECT
    auth (ClientOptions::auth wins on a clash); if the reply carries the same pid, the session
    was restored: the socket keeps its id and rooms, isRecovered() is true, and the events
    missed meanwhile (sent ahead of the reply) are delivered in order, before connected(true).
    close() forgets the session. A volatile event carries no offset on the wire, so one that
    ends with a string loses that string as if it were an offset (the official client keeps it
    among the arguments and takes it as the offset).
*/
class EventClient : public QObject
{
    Q_OBJECT
public:
    enum class State { Disconnected, Connecting, Connected, Reconnecting };
    Q_ENUM(State)

    explicit EventClient(QObject *parent = nullptr);
    ~EventClient() override;

    QUrl url() const { return m_url; }
    // http(s) or ws(s); the path is the namespace ("/" when empty). A socket made by
    // ClientManager::socket() keeps its namespace and the manager's URL: setUrl() is ignored.
    void setUrl(const QUrl &url);
    QString namespaceName() const { return m_nsp; }
    ClientOptions options() const { return m_options; }
    // On a socket made by ClientManager::socket(), only auth and timeout are its own; the
    // rest are the manager's.
    void setOptions(const ClientOptions &options);

    void open();
    void close();
    State state() const { return m_state; }
    bool isConnected() const { return m_state == State::Connected; }
    QString id() const { return m_id; } // the socket id given by the server
    QString connectionId() const; // the Engine.IO sid of the manager's connection
    ClientHandshake handshake() const;
    QString errorString() const { return m_errorString; }
    int reconnectAttempt() const;
    // The connection this socket rides on: its own, or the ClientManager that made it.
    ClientManager *manager() const { return m_manager; }
    // Connection state recovery (see the class comment).
    bool isRecovered() const { return m_recovered; } // the last CONNECT restored the session
    QString recoveryId() const { return m_pid; } // the server's pid; empty with recovery off
    QString lastOffset() const { return m_lastOffset; } // sent with the pid on reconnection
    // The offset of the event being delivered to handlers and eventReceived(); empty otherwise
    // and for an event without one.
    QString eventOffset() const { return m_eventOffset; }

    // Sends now when connected, else buffers until connected. Returns false if closed.
    bool send(const QString &event, const Arguments &args = {});
    // Asks for an ack; callback gets the reply, a timeout (timeoutMs > 0) or a cancellation.
    qint64 send(const QString &event, const Arguments &args, AckCallback callback,
                int timeoutMs = 0);

    void on(const QString &event, EventHandler handler);
    void on(const QString &event, SimpleEventHandler handler);
    void off(const QString &event);
    void onAny(AnyEventHandler handler);

Q_SIGNALS:
    void stateChanged(Sockscope::EventClient::State state);
    void opened(const Sockscope::ClientHandshake &handshake); // Engine.IO open received
    void upgraded(const QString &transport); // polling -> websocket
    // recovered: the server restored the session (isRecovered()); the missed events came first.
    void connected(bool recovered);
    void disconnected(const QString &reason);
    // The server refused the namespace (CONNECT_ERROR), or the connection could not be made.
    void connectErrorOccurred(const QString &message, const QJsonValue &data);
    void reconnecting(int attempt, int delayMs);
    void eventReceived(const QString &event, const Sockscope::Arguments &args,
                       const Sockscope::Ack &ack);
    void eventSent(const QString &event, const Sockscope::Arguments &args, qint64 ackId);
    void ackReceived(qint64 ackId, const Sockscope::Arguments &args, qint64 roundTripMs);
    void ackSent(qint64 ackId, const Sockscope::Arguments &args);
    void ackTimedOut(qint64 ackId, qint64 waitedMs);
    void errorOccurred(const QString &message);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    friend class ClientManager;
    EventClient(ClientManager *manager, const QString &nsp); // ClientManager::socket()
    void setState(State state);
    void handleSocketIo(const SocketIoPacket &packet);
    void handleEvent(const SocketIoPacket &packet);
    void deliverEvent(const SocketIoPacket &packet);
    void sendPacket(const SocketIoPacket &packet);
    // This socket alone leaves (refused, closed by the server, timed out): the connection
    // closes if no other socket is open.
    void leave();
    // What the manager tells its sockets.
    void managerStarting(); // a new transport is being made
    void managerOpened(const ClientHandshake &handshake); // Engine.IO is open: join
    void managerDropped(DisconnectReason reason, bool willReconnect);
    void managerFailed(const QString &message, bool willReconnect);
    void managerReconnecting(int attempt, int delayMs);
    void managerGaveUp(const QString &message);

    struct Queued
    {
        QString event;
        Arguments args;
        qint64 ackId;
    };

    QUrl m_url;
    QString m_nsp = QStringLiteral("/");
    ClientOptions m_options;
    State m_state = State::Disconnected;
    ClientManager *m_manager = nullptr; // the connection; null once the manager is gone
    bool m_ownsManager = false; // made by the constructor for this socket alone
    bool m_active = false; // open() called, and not closed, refused or given up since
    AckTracker *m_acks = nullptr;
    QString m_id;
    QString m_errorString;
    QList<Queued> m_queue;
    QList<SocketIoPacket> m_received; // events that came ahead of the CONNECT reply
    QString m_pid; // recovery: the private id of the session, from the CONNECT reply
    QString m_lastOffset; // recovery: the offset of the last event that carried one
    QString m_eventOffset; // recovery: the offset of the event being delivered
    bool m_recovered = false;
    EventHandlers m_handlers;
    QBasicTimer m_connectTimer;
    qint64 m_nextAckId = 0;
    bool m_userClosed = false;
};

} // namespace Sockscope

Q_DECLARE_METATYPE(Sockscope::ClientHandshake)
