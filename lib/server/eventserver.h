// Sockscope: a Socket.IO v5 / Engine.IO v4 server for Qt programs.
#pragma once

#include "ack.h"
#include "arguments.h"
#include "handshakerecord.h"
#include "namespace.h"
#include "reasons.h"
#include "serveroptions.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>

#include <atomic>
#include <memory>
#include <vector>

QT_BEGIN_NAMESPACE
class QTcpSocket;
class QWebSocketServer;
QT_END_NAMESPACE

namespace Sockscope {

class Connection;
class EventServerPrivate;
class HttpFront;
class PlainConnection;
struct WebSocketFrame;
class HttpRequest;
class Socket;

/*
    A Socket.IO server. One port serves the Engine.IO endpoint (options().path) over
    WebSocket and HTTP long-polling; every request is read by a front that records the
    handshake byte for byte before it answers an upgrade (plain WebSocket clients are handed
    to QWebSocketServer).

        Sockscope::EventServer server;                       // Node.js server's defaults
        server.listen(QHostAddress::LocalHost, 8080);
        connect(&server, &EventServer::socketConnected, &server, [](Sockscope::Socket *sock) {
            sock->send("time", { QDateTime::currentMSecsSinceEpoch() });
            sock->on("aaa", [](const Sockscope::Arguments &args) { qInfo() << args; });
        });

    Namespace "/" exists from the start; of() declares more. Signals describe everything that
    happens, so a monitor is one more listener.
*/
/*
    An observer of the event traffic, called directly (no signal emission, no arguments packed
    for Qt's signal machinery) where eventReceivedRaw, eventSent, ackSentRaw and ackReceived
    are emitted, just before them. It is for a listener that sees every event of a flood, a
    monitor's log above all, where a signal per event costs the server more than the
    listener's own work. Called on the server's thread; a call must not delete the socket or
    the server, nor add or remove observers.
*/
class EventObserver
{
public:
    virtual ~EventObserver() = default;
    // The arguments as they went over the wire (binary ones as values), as eventReceivedRaw.
    virtual void eventReceived(Socket *socket, const QString &event, const EventArguments &args,
                               qint64 ackId) = 0;
    virtual void eventSent(Socket *socket, const QString &event, const Arguments &args,
                           qint64 ackId) = 0;
    // An event that carries a connection state recovery offset on the wire, after args (which
    // are the application's): ServerOptions::maxDisconnectionDuration. By default, eventSent().
    virtual void eventSentWithOffset(Socket *socket, const QString &event, const Arguments &args,
                                     qint64 ackId, const QString &offset)
    {
        Q_UNUSED(offset);
        eventSent(socket, event, args, ackId);
    }
    virtual void ackSent(Socket *socket, qint64 ackId, const EventArguments &args) = 0;
    virtual void ackReceived(Socket *socket, qint64 ackId, const Arguments &args,
                             qint64 roundTripMs) = 0;
};

class EventServer : public QObject
{
    Q_OBJECT
public:
    enum class Error { NoError, InvalidOptions, ListenFailed };
    Q_ENUM(Error)

    explicit EventServer(QObject *parent = nullptr);
    explicit EventServer(const ServerOptions &options, QObject *parent = nullptr);
    ~EventServer() override;

    ServerOptions options() const { return m_options; }
    // Takes effect for connections opened afterwards.
    void setOptions(const ServerOptions &options);

    bool listen(const QHostAddress &address = QHostAddress::LocalHost, quint16 port = 0);
    bool isListening() const;
    QHostAddress serverAddress() const;
    quint16 serverPort() const;
    // Closes every connection ("server shutting down") and stops listening.
    void close();

    // Refusals and drops so far; statsChanged() says when they move.
    const ServerStats &stats() const { return m_stats; }

    Error error() const { return m_error; }
    QString errorString() const { return m_errorString; }

    // Declares a namespace (or returns the existing one). "/" always exists.
    Namespace *of(const QString &name);
    Namespace *findNamespace(const QString &name) const { return m_namespaces.value(name); }
    QList<Namespace *> namespaces() const { return m_namespaces.values(); }

    QList<Connection *> connections() const { return m_connections.values(); }
    QList<PlainConnection *> plainConnections() const { return m_plainConnections.values(); }
    PlainConnection *plainConnection(const QString &id) const { return m_plainConnections.value(id); }
    Connection *connection(const QString &id) const { return m_connections.value(id); }
    // The socket with this id, in whichever namespace.
    Socket *socket(const QString &id) const;

    // Makes each namespace's adapter (rooms, broadcasts, cluster operations); an empty one
    // (the default) makes an InMemoryAdapter. Setting it makes the adapters of the namespaces
    // already declared again, so it is best set before listen().
    AdapterFactory adapterFactory() const { return m_adapterFactory; }
    void setAdapterFactory(const AdapterFactory &factory);

    // Broadcast to every socket of "/".
    int send(const QString &event, const Arguments &args = {});

    // Observers are called in the order they were added; the server does not own them. One
    // that is destroyed first must be removed first.
    void addObserver(EventObserver *observer);
    void removeObserver(EventObserver *observer);

Q_SIGNALS:
    // Every request head read on the port, accepted or refused, with our answer.
    void handshakeReceived(const Sockscope::HandshakeRecord &record);
    void connectionOpened(Sockscope::Connection *connection);
    // The connection moved from HTTP long-polling to WebSocket.
    void connectionUpgraded(Sockscope::Connection *connection);
    void connectionClosed(Sockscope::Connection *connection, const QString &reason);
    void socketConnected(Sockscope::Socket *socket);
    void socketDisconnected(Sockscope::Socket *socket, const QString &reason);
    // A CONNECT the server answered with CONNECT_ERROR.
    void connectRefused(const QString &connectionId, const QString &nsp, const QString &message);
    void eventReceived(Sockscope::Socket *socket, const QString &event,
                       const Sockscope::Arguments &args, qint64 ackId);
    void eventSent(Sockscope::Socket *socket, const QString &event,
                   const Sockscope::Arguments &args, qint64 ackId);
    // The peer answered an ack we asked for.
    void ackReceived(Sockscope::Socket *socket, qint64 ackId, const Sockscope::Arguments &args,
                     qint64 roundTripMs);
    // We answered an ack the peer asked for.
    void ackSent(Sockscope::Socket *socket, qint64 ackId, const Sockscope::Arguments &args);
    // The same two as eventReceived and ackSent, with the arguments as they went over the
    // wire (EventArguments): nothing is converted for a listener of these, so a monitor that
    // logs every event costs the server little. Binary arguments come as values.
    void eventReceivedRaw(Sockscope::Socket *socket, const QString &event,
                          const Sockscope::EventArguments &args, qint64 ackId);
    void ackSentRaw(Sockscope::Socket *socket, qint64 ackId, const Sockscope::EventArguments &args);
    void ackTimedOut(Sockscope::Socket *socket, qint64 ackId, qint64 waitedMs);
    // Something a client did wrong (the connection id may be empty before the handshake).
    void errorOccurred(const QString &connectionId, const QString &message);
    void listeningChanged(bool listening);
    void statsChanged();

    // Plain WebSocket clients on options().plainPath.
    void plainConnectionOpened(Sockscope::PlainConnection *connection);
    void plainConnectionClosed(Sockscope::PlainConnection *connection, int code,
                               const QString &reason);
    void plainMessageReceived(Sockscope::PlainConnection *connection, const QByteArray &data,
                              bool binary);
    void plainMessageSent(Sockscope::PlainConnection *connection, const QByteArray &data,
                          bool binary);
    // Every frame in and out, as it arrived or left.
    void plainFrame(Sockscope::PlainConnection *connection, const Sockscope::WebSocketFrame &frame);

protected:
    // Final: they keep the cache of which signals have listeners (a subclass that did not call
    // them would silently lose signals).
    void connectNotify(const QMetaMethod &signal) final;
    void disconnectNotify(const QMetaMethod &signal) final;

private:
    // The server's private part (eventserver_p.h): how connections, sockets and the front
    // report to it.
    friend class EventServerPrivate;
    std::unique_ptr<EventServerPrivate> d;

    // A plain WebSocket upgrade: answered by QWebSocketServer (see PlainConnection).
    void handOver(QTcpSocket *socket, const HandshakeRecord &record);
    void onWebSocketConnected();
    void onConnectionClosed(Connection *connection, DisconnectReason reason);
    void onPlainClosed(PlainConnection *connection, int code, const QString &reason);
    void addPlainConnection(PlainConnection *connection);
    QString generateId() const;
    // The JSON text args arrived as, if they are the arguments of an event being handled (or
    // an unchanged copy of them: the same shared list); null otherwise. Lets handlers that
    // pass arguments on (an ack with "$args", an emit, a broadcast) send those bytes again.
    QByteArray rawJsonOf(const Arguments &args) const;
    // Whether json is the text of arguments being handled (checked when they arrived).
    bool isReceivedJson(const QByteArray &json) const;

    ServerOptions m_options;
    HttpFront *m_front = nullptr;
    QWebSocketServer *m_wsServer = nullptr;
    QHash<QString, Namespace *> m_namespaces;
    QHash<QString, Connection *> m_connections;
    QHash<QString, PlainConnection *> m_plainConnections;
    // Upgrades handed to QWebSocketServer, by "address|port", until the QWebSocket appears.
    QHash<QString, HandshakeRecord> m_pendingUpgrades;
    // Their sockets' destroyed() watches, dropped once the upgrade is through.
    QHash<QString, QMetaObject::Connection> m_upgradeWatches;
    ServerStats m_stats;
    AdapterFactory m_adapterFactory;
    std::vector<EventObserver *> m_observers;
    // By index: an observer's call may (against the rules) add one without breaking the loop.
    template<typename Call>
    void notifyObservers(Call call)
    {
        for (size_t i = 0; i < m_observers.size(); ++i)
            call(m_observers[i]);
    }
    struct RawArguments
    {
        const ReceivedArguments *args; // its values(), once converted, are the JSON text below
        QByteArray json;
    };
    QList<RawArguments> m_rawArguments; // events being handled, innermost last
    Error m_error = Error::NoError;
    QString m_errorString;
    bool m_closing = false;
    // Whether eventReceived, eventReceivedRaw, ackSent, ackSentRaw, eventSent may have
    // listeners: checked once per event, cached (listeners_p.h).
    enum WatchedSignal { EventReceivedSignal, EventReceivedRawSignal, AckSentSignal,
                         AckSentRawSignal, EventSentSignal, WatchedSignalCount };
    bool listens(WatchedSignal signal) const;
    mutable std::atomic<quint32> m_listenStates[WatchedSignalCount] = {};
};

} // namespace Sockscope
