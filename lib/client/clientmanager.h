// Sockscope: one Engine.IO connection carrying several namespace sockets (the client side).
#pragma once

#include "eventclient.h"

#include <QBasicTimer>
#include <QList>
#include <QNetworkRequest>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>
#include <QUrl>

#include <memory>

QT_BEGIN_NAMESPACE
class QNetworkAccessManager;
class QNetworkReply;
class QWebSocket;
QT_END_NAMESPACE

namespace Sockscope {

class SocketIoParser;

/*
    One Engine.IO connection (WebSocket, long-polling, or polling upgraded to WebSocket) and the
    namespace sockets it carries, as the official client's Manager:

        Sockscope::ClientManager manager;
        manager.setUrl(QUrl("http://127.0.0.1:8080"));     // scheme, host and port; no namespace
        Sockscope::EventClient *main = manager.socket("/");
        Sockscope::EventClient *chat = manager.socket("/chat");
        main->open();                                      // opens the connection
        chat->open();                                      // joins over the same connection
        chat->send("hello", { "world" });

    Each socket is an EventClient with its own id, handlers, acks and recovery session; the
    manager owns the transport, the heartbeat and reconnection (its ClientOptions: transport,
    parser, path, query, headers, reconnection*, TLS). A socket's own options give only its
    CONNECT auth and its connect timeout.

    A socket connects once the connection is open (open() on a socket opens the connection when
    it is closed). After a lost connection the manager reconnects (ClientOptions::reconnection)
    and every socket that was open joins its namespace again, recovering its session when the
    server keeps one. A namespace refused by the server (CONNECT_ERROR), or left with close(),
    does not close the others; the connection closes when no socket is open any more.

    An EventClient used on its own (setUrl() with the namespace as the path, then open()) has
    a manager of its own that carries only it.
*/
class ClientManager : public QObject
{
    Q_OBJECT
public:
    enum class State { Closed, Opening, Open, Reconnecting };
    Q_ENUM(State)

    explicit ClientManager(QObject *parent = nullptr);
    ~ClientManager() override;

    QUrl url() const { return m_url; }
    // http(s) or ws(s): scheme, host and port; the path is not used (the sockets name their
    // namespaces).
    void setUrl(const QUrl &url) { m_url = url; }
    ClientOptions options() const { return m_options; }
    void setOptions(const ClientOptions &options) { m_options = options; }

    // The socket for a namespace ("/" when empty), made on first use and owned by the manager.
    // It connects when open() is called on it.
    EventClient *socket(const QString &nsp);
    QList<EventClient *> sockets() const;

    // Opens the connection now (sockets still join with their own open()).
    void open();
    // Closes every socket, then the connection.
    void close();
    State state() const { return m_state; }
    bool isOpen() const { return m_state == State::Open; }
    QString connectionId() const { return m_handshake.open.sid; } // the Engine.IO sid
    ClientHandshake handshake() const { return m_handshake; }
    QString errorString() const { return m_errorString; }
    int reconnectAttempt() const { return m_attempt; }

Q_SIGNALS:
    void stateChanged(Sockscope::ClientManager::State state);
    void opened(const Sockscope::ClientHandshake &handshake); // Engine.IO open received
    void upgraded(const QString &transport); // polling -> websocket
    void closed(const QString &reason); // the connection was lost or closed
    void openFailed(const QString &message); // the connection could not be made
    void reconnecting(int attempt, int delayMs);
    void errorOccurred(const QString &message);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    friend class EventClient;
    // What the sockets ask of their manager.
    void attach(EventClient *socket);
    void detach(EventClient *socket);
    void socketOpened(EventClient *socket); // wants to connect
    void socketConnected(); // a CONNECT reply arrived
    // The socket is no longer open; the connection closes with the last one, after sending
    // farewell (the socket's DISCONNECT) if any.
    void socketClosed(EventClient *socket, const SocketIoPacket *farewell);
    void failConnection(const QString &message); // a socket's connect timeout while opening
    void sendPacket(const SocketIoPacket &packet);
    bool hasOpenSockets() const;
    bool hasConnectedSockets() const;
    QList<QPointer<EventClient>> guardedSockets() const;

    void setState(State state);
    void startTransport();
    void teardown();
    void closeTransport(const SocketIoPacket *farewell);
    QUrl engineUrl(const QString &transport, bool withSid) const;
    QNetworkRequest httpRequest(const QUrl &url) const;
    QSslConfiguration tlsConfiguration() const;
    void sendEngine(const EngineIoPacket &packet);
    void startHandshakeGet();
    void poll();
    void flushPosts();
    void onPollFinished(QNetworkReply *reply, bool handshake);
    void startProbe();
    void finishUpgrade();
    QString describeHttpError(QNetworkReply *reply, const QByteArray &body) const;
    void onWsText(const QString &text);
    void onWsBinary(const QByteArray &bytes);
    void onWsDisconnected();
    void handleEngine(const EngineIoPacket &packet);
    QList<EngineIoPacket> engineMessages(const SocketIoPacket &packet) const;
    void drop(DisconnectReason reason, bool mayReconnect);
    void connectFailed(const QString &message, bool mayReconnect);
    void scheduleReconnect();
    void resetHeartbeat();
    void reportError(const QString &message); // ours and each open socket's errorOccurred()

    QUrl m_url;
    ClientOptions m_options;
    State m_state = State::Closed;
    QList<EventClient *> m_sockets; // in the order they were made: CONNECTs go in that order
    QWebSocket *m_ws = nullptr; // the active WebSocket
    QWebSocket *m_probe = nullptr; // the upgrade probe
    QNetworkAccessManager *m_nam = nullptr;
    QNetworkReply *m_pollReply = nullptr;
    QNetworkReply *m_postReply = nullptr;
    QList<EngineIoPacket> m_postQueue;
    bool m_polling = false; // the active transport is polling
    bool m_upgradeReady = false; // probe answered; waiting for the poll to return
    // Made by startTransport() for ClientOptions::parser; it reassembles what comes in.
    std::unique_ptr<SocketIoParser> m_parser;
    ClientHandshake m_handshake;
    QString m_errorString;
    QBasicTimer m_heartbeatTimer;
    QBasicTimer m_reconnectTimer;
    int m_attempt = 0;
};

} // namespace Sockscope
