// Sockscope: the front door. Not public API.
#pragma once

#include "engineiopacket.h"
#include "handshakerecord.h"
#include "httprequest.h"
#include "reasons.h"

#include <QPointer>
#include <QTcpServer>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>

#include <functional>
#include <vector>

namespace Sockscope {

struct ServerOptions;
class Transport;

/*
    What the front keeps on each accepted socket: a serial number, whether it is reading a
    request head, and a copy of the head of the first response written to it, so the handshake
    inspector can show our answer byte for byte (also when QWebSocketServer writes it).
*/
class Recording
{
public:
    virtual ~Recording() = default;
    quint64 serial = 0;
    bool watched = false; // the front is reading a request head on it
    QByteArray responseHead() const { return m_head; }
    bool isResponseComplete() const { return m_complete; }
    std::function<void(const QByteArray &head)> onResponseHead;

    static Recording *of(QTcpSocket *socket) { return dynamic_cast<Recording *>(socket); }

protected:
    void record(const char *data, qint64 len);

private:
    QByteArray m_head;
    bool m_complete = false;
};

// A plain or a TLS socket that records its first response head as it is written.
template<class Socket>
class RecordingSocketT : public Socket, public Recording
{
public:
    using Socket::Socket;

protected:
    qint64 writeData(const char *data, qint64 len) override
    {
        record(data, len);
        return Socket::writeData(data, len);
    }
};
using RecordingSslSocket = RecordingSocketT<QSslSocket>;

class HttpFront;

/*
    A plain TCP socket whose writes skip Qt's write buffer while the kernel takes them.

    QAbstractSocket buffers every write in a chunk of 32 KiB that it keeps for the socket's
    lifetime once it has written anything: that chunk is most of an idle connection's memory.
    Here the bytes written during one pass of the event loop are gathered in a small array
    and sent with one send() when the front's queue runs (a posted call, before the loop
    waits again); the array is released once sent. Only what the kernel refuses goes to Qt's
    buffer, and while that buffer holds anything later writes go behind it, so the order of
    bytes is kept. Pending bytes are sent before a graceful disconnect or close(), and dropped
    by abort(), as Qt drops its own buffer then.

    The send itself is DirectWriter's (directwriter_p.h). Where it is not available, or is
    turned off (SOCKSCOPE_QT_WRITES=1), m_front stays null and every write takes Qt's own path.

    A client that reads slowly: once Qt's buffer holds OverflowAfter bytes, frames written
    with writeFrame() wait in a list instead, their payloads shared (a broadcast's bytes are
    held once for all its slow recipients, not copied into each socket's buffer), and move to
    Qt's buffer as it drains (its bytesWritten). Anything written while that list is not empty
    goes behind it. bytesToWrite() counts all three stages: the write budget's measure.
*/
class RecordingSocket final : public RecordingSocketT<QTcpSocket>
{
public:
    explicit RecordingSocket(HttpFront *front);
    ~RecordingSocket() override;

    qint64 bytesToWrite() const override;
    void disconnectFromHost() override;
    void close() override;
    // A frame's header and its payload; the payload is shared, not copied, while it waits.
    void writeFrame(QByteArrayView head, const QByteArray &payload);
    // The front's queue reached this socket: send what has been gathered.
    void sendFromQueue()
    {
        m_queued = false;
        sendPending();
    }

protected:
    qint64 writeData(const char *data, qint64 len) override;

private:
    static constexpr qint64 OverflowAfter = 64 * 1024;
    void sendPending();
    void overflow(QByteArray bytes);
    // Moves waiting bytes to Qt's buffer while it holds less than OverflowAfter (all of them
    // when all is set: before a graceful close).
    void refill(bool all = false);

    QPointer<HttpFront> m_front; // null: Qt's write path only
    QByteArray m_pending;
    bool m_queued = false; // in the front's queue (which may outlive the pending bytes)
    bool m_refillConnected = false;
    // Not empty only while Qt's buffer is not: its bytesWritten moves them on.
    QList<QByteArray> m_overflow;
    qsizetype m_overflowFirst = 0; // the first element of m_overflow still waiting
    qint64 m_overflowBytes = 0;
};

/*
    Accepts TCP connections and reads each request head by peeking, without consuming it, so
    that the exact bytes stay available for QWebSocketServer::handleConnection and for the
    handshake record. Stalled or oversized heads are refused here.
*/
class HttpFront : public QTcpServer
{
    Q_OBJECT
public:
    /*
        Who the front reports to (the server implements it). The front reads and checks every
        request (Engine.IO version, transport, session, CORS, the upgrade's key and version,
        static files) and answers refusals with the Engine.IO error body; the server is told
        only what it must create, look up or count.
    */
    class Handler
    {
    public:
        struct Session
        {
            bool exists = false;
            TransportType transport = TransportType::Polling;
            bool upgrading = false; // a WebSocket probe is under way
            Transport *current = nullptr;
        };
        virtual const ServerOptions &options() const = 0;
        virtual bool isClosing() const = 0;
        // Connections open and upgrades under way, for maxConnections.
        virtual int connectionCount() const = 0;
        virtual Session session(const QString &sid) const = 0;
        virtual QString newSessionId() const = 0;
        // A new connection on this transport, its open packet sent (openBytes long) and its
        // handshake record complete (our answer included).
        virtual void connectionRequested(Transport *transport, const HandshakeRecord &record,
                                         qint64 openBytes) = 0;
        // A WebSocket opened (101 sent) for record.connectionId while on polling.
        virtual void upgradeRequested(Transport *probe, const HandshakeRecord &record) = 0;
        // A plain WebSocket upgrade, checked, to be answered by QWebSocketServer.
        virtual void plainUpgradeRequested(QTcpSocket *socket, const HandshakeRecord &record) = 0;
        // A request refused: the record holds our answer and the reason (record.error).
        virtual void reportRefused(const HandshakeRecord &record) = 0;
        virtual void reportTlsFailure(const QString &message) = 0;
        virtual void reportHandshakeTimeout(const QString &message) = 0;

    protected:
        ~Handler() = default;
    };

    HttpFront(Handler *handler, QObject *parent);

    // Reads the next request on this socket (a new connection, or keep-alive after a response).
    void watch(QTcpSocket *socket);
    void unwatch(QTcpSocket *socket);
    // Consumes the request's bytes, writes a complete response, then either watches for the
    // next request (keep-alive) or closes. Returns the response head as written.
    QByteArray respond(QTcpSocket *socket, const HttpRequest &request, int status,
                       const QByteArray &contentType, const QByteArray &body,
                       const HttpHeaders &extra = {}, bool keepAlive = true);
    static QByteArray reasonPhrase(int status);

    // The write queue of RecordingSocket: sockets with bytes gathered in this pass of the
    // event loop, sent by one posted call.
    void queueSend(RecordingSocket *socket);
    void forgetSend(RecordingSocket *socket);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    void readHead(QTcpSocket *socket);
    // enginerouter.cpp: the request's way, its checks and refusals.
    void route(QTcpSocket *socket, const HttpRequest &request, HandshakeRecord record);
    void refuse(QTcpSocket *socket, HandshakeRecord record, int status, const QByteArray &body,
                const QString &why, const HttpHeaders &extra = {});
    void handlePolling(QTcpSocket *socket, const HttpRequest &request, HandshakeRecord record,
                       const HttpHeaders &cors);
    bool serveStatic(QTcpSocket *socket, const HttpRequest &request);
    void routePlain(QTcpSocket *socket, const HttpRequest &request, HandshakeRecord record);
    // An Engine.IO WebSocket upgrade: checked and answered here, then the socket is the
    // transport's (WebSocketTransport reads and writes the frames itself).
    // closeAtOnce: the WebSocket is opened (101) and closed (1000) at once, and the request
    // reported as refused (record.error says why).
    void acceptWebSocket(QTcpSocket *socket, const HttpRequest &request, HandshakeRecord record,
                         bool closeAtOnce = false);
    HttpHeaders corsHeaders(const HttpRequest &request) const;
    EngineIoPacket openPacket(const QString &sid, TransportType transport) const;

    void setUp(QTcpSocket *socket);
    void sendQueued();
    Handler *m_handler;
    std::vector<RecordingSocket *> m_sendQueue;
    std::vector<RecordingSocket *> m_sending;
    bool m_sendPosted = false;
    quint64 m_serial = 0;
};

} // namespace Sockscope
