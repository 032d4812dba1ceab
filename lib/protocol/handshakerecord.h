// Sockscope: the record of one handshake, for showing it laid bare.
#pragma once

#include "engineiopacket.h"
#include "httprequest.h"

#include <QByteArray>
#include <QDateTime>
#include <QHostAddress>
#include <QList>
#include <QMetaType>
#include <QString>

namespace Sockscope {

/*
    The HTTP request that opened a connection, exactly as it arrived, and our answer to it.
    For a WebSocket upgrade it also holds each step of RFC 6455's accept computation:
        Sec-WebSocket-Key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" -> SHA-1 -> base64
    and, when the server is asked to keep them (ServerOptions::handshakePackets), the first
    few Engine.IO packets of the connection both ways, what followed the handshake: the open
    packet, the CONNECT and its answer, an upgrade's probe.
*/
struct HandshakeRecord
{
    static constexpr QByteArrayView WebSocketGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    // One of the first packets of a connection, as the library sent or decoded it.
    struct Packet
    {
        static constexpr qsizetype MaxBytes = 512; // of the packet kept; the rest is cut

        QByteArray wire; // the Engine.IO packet as text (type digit first), or binary bytes
        qint64 msAfter = 0; // since the request head was complete
        qint64 size = 0; // the whole packet's size (wire may hold only its first MaxBytes)
        bool outgoing = false;
        bool binary = false;

        static Packet of(const EngineIoPacket &packet, bool outgoing, qint64 msAfter = 0);
        bool isTruncated() const { return wire.size() < size; }
        // What it carries, decoded, in a few lines: the Engine.IO type ("Engine.IO open",
        // with the open packet's fields one a line), and for a message the Socket.IO packet in
        // it ("Socket.IO CONNECT to /", the payload as JSON; an EVENT's name and arguments).
        QString decoded() const;
        // One line: "→ 0{"sid":…}" or "← 40", binary as its size.
        QString wireText() const;
    };

    quint64 id = 0; // serial number of the TCP connection on this server
    QDateTime time; // when the request head was complete
    QHostAddress remoteAddress;
    quint16 remotePort = 0;
    QString connectionId; // Engine.IO sid, once the connection is open

    QByteArray rawRequest; // the request head, byte for byte as it arrived
    QByteArray method;
    QByteArray target;
    QByteArray httpVersion;
    HttpHeaders headers;

    QString transport; // "websocket", "polling", "websocket (plain)"
    bool isUpgrade = false;
    QByteArray secWebSocketKey;
    QByteArray keyWithGuid; // key + GUID, the SHA-1 input
    QByteArray sha1; // the 20 raw bytes of SHA-1(key + GUID)
    QByteArray secWebSocketAccept; // base64 of sha1

    QByteArray rawResponse; // our answer's head, byte for byte as sent
    int statusCode = 0;
    QString error; // why the request was refused, if it was
    // The first packets of the connection, in the order sent or received; heartbeats left
    // out (an upgrade's "2probe" / "3probe" kept). At most ServerOptions::handshakePackets.
    QList<Packet> firstPackets;

    QByteArray header(QByteArrayView name) const;
    // The value of a header of our answer as sent (any case), empty if none.
    QByteArray responseHeader(QByteArrayView name) const;
    // A head (request or response) cut into its lines, without their CR LF and the empty
    // line that ends it.
    static QList<QByteArray> headLines(const QByteArray &head);
    // The index of the first line of lines that is this header (any case), -1 if none.
    static qsizetype headerLine(const QList<QByteArray> &lines, QByteArrayView name);
    // Fills the key, SHA-1 input, digest and accept from the Sec-WebSocket-Key header.
    void computeAccept();

    static QByteArray acceptForKey(const QByteArray &key);
    static HandshakeRecord fromRequest(const HttpRequest &request, const QByteArray &raw);

    // What a connection keeps of its handshake for its lifetime: the bytes both ways and the
    // facts around them; the rest (method, target, headers, the accept computation) is
    // derived again from the bytes by expanded().
    struct Compact
    {
        QByteArray rawRequest;
        QByteArray rawResponse;
        QString transport;
        QString error;
        QList<Packet> firstPackets;
        QDateTime time;
        QHostAddress remoteAddress;
        quint64 id = 0;
        int statusCode = 0;
        quint16 remotePort = 0;
        bool isUpgrade = false;

        HandshakeRecord expanded(const QString &connectionId) const;
    };
    Compact compact() const;
};

} // namespace Sockscope

Q_DECLARE_METATYPE(Sockscope::HandshakeRecord)
