// Sockscope: the options of an EventServer, with the Node.js server's defaults.
#pragma once

#include <QSslConfiguration>
#include <QString>
#include <QStringList>

namespace Sockscope {

// What the server refused or dropped, counted since it was made (for monitors and soak runs).
struct ServerStats
{
    quint64 requestsRefused = 0; // every HTTP refusal (4xx, 5xx) below included
    quint64 refusedAtCapacity = 0; // 503: maxConnections reached
    quint64 oversizedHeads = 0; // 431, 414
    quint64 oversizedPayloads = 0; // 413 (polling), and WebSocket messages over maxPayload
    quint64 handshakeTimeouts = 0; // a request head not complete in time
    quint64 tlsFailures = 0;
    quint64 originRefusals = 0; // 403
    quint64 parseErrors = 0; // connections dropped for malformed packets
    quint64 pingTimeouts = 0;
    quint64 connectTimeouts = 0;
    quint64 transportErrors = 0;
    quint64 namespaceLimitRefusals = 0;
    quint64 slowConsumerCloses = 0; // connections closed over maxBufferedBytes
    // Volatile events not sent because their connection had unsent bytes (see
    // ServerOptions::volatileBufferedBytes); like the event counts, not followed by statsChanged().
    quint64 volatileDropped = 0;
    // Socket.IO events received and sent (a broadcast counts once per recipient). They change
    // with every event, so statsChanged() does not follow them: poll stats() for a rate.
    quint64 eventsReceived = 0;
    quint64 eventsSent = 0;
};

struct ServerOptions
{
    // The Socket.IO wire format of the connections (see SocketIoParser).
    enum class Parser {
        Auto, // each connection's first Socket.IO message says: text JSON, a binary msgpack map msgpack
        Json, // the Socket.IO v5 specification's (socket.io-parser)
        Msgpack, // socket.io-msgpack-parser's
    };
    // "auto", "json", "msgpack"; fromString() returns false for any other text.
    static QString toString(Parser parser);
    static bool fromString(const QString &text, Parser *parser);

    QString path = QStringLiteral("/socket.io/"); // where Engine.IO is served
    int pingInterval = 25000; // ms between the server's pings
    int pingTimeout = 20000; // ms to wait for the pong
    qint64 maxPayload = 1000000; // bytes in one message (maxHttpBufferSize)
    int connectTimeout = 45000; // ms for a new connection to join a namespace
    // Origins allowed to open connections; "*" or empty allows any. Requests without an
    // Origin header (non-browser clients) are always allowed.
    QStringList allowedOrigins = { QStringLiteral("*") };
    // Path of the plain WebSocket endpoint (no Socket.IO); empty turns it off.
    QString plainPath = QStringLiteral("/ws");
    // Sub-protocols the plain endpoint accepts when a client offers them.
    QStringList plainSubprotocols;
    // TLS (https:// and wss://) when not null: certificate and private key set, e.g. from
    // loadTls(). Every request on the port must then speak TLS.
    QSslConfiguration tls;
    bool serveClient = true; // GET <path>socket.io.js: our browser client
    bool serveDemoPage = false; // GET /: the demo page
    Parser parser = Parser::Auto; // both formats served at once by default
    int maxAttachments = 64; // binary attachments in one packet
    int maxConnections = 0; // Engine.IO + plain connections at once; 0: no limit (503 beyond)
    int maxNamespacesPerConnection = 64; // CONNECT beyond gets CONNECT_ERROR
    int handshakeTimeout = 10000; // ms for a client to send its whole request head
    // How many of a connection's first packets (both ways, heartbeats left out) its handshake
    // record keeps (HandshakeRecord::firstPackets), for the monitor's handshake walk-through;
    // each is kept to its first 512 bytes. 0, the default: none, nothing recorded.
    int handshakePackets = 0;
    /*
        Connection state recovery, as the Node.js server's connectionStateRecovery: how long
        (ms) a socket's session is kept after it went away for a reason a client may come back
        from (transport close or error, ping timeout, forced close, server shutting down; not
        "slow consumer", nor a namespace disconnect either side asked for). A client that
        reconnects within it, presenting its private id (pid) and the offset of the last event
        it got, gets its id, rooms and data back and the events it missed. The CONNECT reply
        then carries the pid, and every event sent without an ack that is not volatile carries
        its offset as its last argument. 0: off, the default (nothing kept, nothing added);
        Node's own default, when it is on, is 120000.
    */
    int maxDisconnectionDuration = 0;
    int maxRequestHeadBytes = 16384; // request line and headers
    /*
        The write budget of one connection (Engine.IO over WebSocket or polling, or a plain
        WebSocket client): the bytes queued for it that the kernel has not taken yet (the
        socket's buffer and ours; for long-polling, the packets waiting for a GET). A packet
        that would take it over the budget is not queued: the connection is closed with
        "slow consumer" (DisconnectReason::SlowConsumer). One packet larger than the budget
        still goes to a connection that has nothing waiting. 0: no limit.
    */
    qint64 maxBufferedBytes = 1024 * 1024;
    // The budget's rule, for every kind of connection: whether bytes more may be queued
    // behind queued bytes under the budget max.
    static constexpr bool fitsWriteBudget(qint64 max, qint64 queued, qint64 bytes)
    {
        return max <= 0 || queued == 0 || queued + bytes <= max;
    }
    // A volatile event (Socket::sendVolatile(), Broadcast::setVolatile()) is dropped for a
    // connection with more unsent bytes than this: it could not be written now. Counted in
    // ServerStats::volatileDropped.
    static constexpr qint64 volatileBufferedBytes = 64 * 1024;

    // Returns an empty string if every value is usable, else what is wrong.
    QString validate() const;
    bool isOriginAllowed(const QString &origin) const;
    // Loads a PEM certificate (chain) and private key into tls; on failure says why.
    bool loadTls(const QString &certificateFile, const QString &keyFile, QString *error);
};

} // namespace Sockscope
