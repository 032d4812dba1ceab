// Sockscope: one connection's Socket.IO wire format. Pure: no QObject, no I/O.
#pragma once

#include "engineiopacket.h"
#include "socketiopacket.h"

#include <memory>

namespace Sockscope {

/*
    The parser of one connection: Socket.IO packets to the data of Engine.IO messages, and
    Engine.IO message packets back to Socket.IO packets (reassembling what a format spreads
    over several messages). A connection has one and never looks at the format itself, so a
    second wire format is one more subclass. JsonSocketIoParser, the default, is the format
    of the Socket.IO v5 specification (text, binary arguments as placeholders and attachments).

    The encoding of a packet does not depend on the connection, only on the format: a
    broadcast encodes once per format and writes the same bytes to every target.
*/
class SocketIoParser
{
public:
    enum class Status { Packet, NeedMore, Failed };

    virtual ~SocketIoParser() = default;
    virtual QString formatName() const = 0;
    virtual SocketIoPacket::Encoded encode(const SocketIoPacket &packet) const = 0;
    // Fed each Engine.IO message in order; the parser may take the message's data. On Packet,
    // *out is the packet; on Failed, errorString() says why.
    virtual Status decode(EngineIoPacket &&message, SocketIoPacket *out) = 0;
    virtual QString errorString() const = 0;
    // Drops a packet half reassembled.
    virtual void reset() = 0;
};

class JsonSocketIoParser final : public SocketIoParser
{
public:
    explicit JsonSocketIoParser(int maxAttachments = 64) : m_maxAttachments(maxAttachments) { }
    ~JsonSocketIoParser() override;

    QString formatName() const override { return QStringLiteral("json"); }
    SocketIoPacket::Encoded encode(const SocketIoPacket &packet) const override
    {
        return packet.encode();
    }
    Status decode(EngineIoPacket &&message, SocketIoPacket *out) override;
    QString errorString() const override;
    void reset() override;

private:
    // Made when the first binary packet arrives: text packets are parsed on their own.
    std::unique_ptr<SocketIoDecoder> m_decoder;
    SocketIoPacket::Error m_error = SocketIoPacket::Error::None;
    int m_maxAttachments;
};

/*
    The msgpack format (the wire format of the Node.js socket.io-msgpack-parser package): every
    packet is ONE msgpack map sent as one binary Engine.IO message (over polling, a "b" +
    base64 record); binary arguments are msgpack bin inside the data, so there are no
    attachments and no BINARY_EVENT / BINARY_ACK types.

        { "type": 0-4, "nsp": "/chat", "data"?: payload, "id"?: ack id }

    Keys come in any order; others (the Node.js client sends "options") are ignored, and a key
    whose value is undefined (fixext d4 00 00) counts as absent. The payload is the JSON
    format's: CONNECT the auth object (or none), EVENT [name, args…], ACK [args…],
    CONNECT_ERROR {message, data?} or a string, DISCONNECT none. Engine.IO's own packets (open,
    ping, pong) stay text.

    Decoded packets have the JSON format's shape (binary as placeholders and attachments), so
    a connection handles both alike.
*/
class MsgpackSocketIoParser final : public SocketIoParser
{
public:
    QString formatName() const override { return QStringLiteral("msgpack"); }
    SocketIoPacket::Encoded encode(const SocketIoPacket &packet) const override;
    Status decode(EngineIoPacket &&message, SocketIoPacket *out) override;
    QString errorString() const override { return m_error; }
    void reset() override { }

    // Whether data can start a msgpack packet: a map (fixmap, map 16, map 32).
    static bool startsWithMap(QByteArrayView data)
    {
        if (data.isEmpty())
            return false;
        const uchar b = uchar(data.front());
        return (b >= 0x80 && b <= 0x8f) || b == 0xde || b == 0xdf;
    }

private:
    Status fail(const QString &why);
    QString m_error;
};

} // namespace Sockscope
