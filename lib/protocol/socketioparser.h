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

} // namespace Sockscope
