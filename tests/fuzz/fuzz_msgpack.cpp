// The msgpack codec and the msgpack Socket.IO parser: the input is one binary message.
// Whatever decodes must encode to bytes that decode again to the same encoding, and a packet
// the parser accepts must survive its own encoding.
#include <msgpack.h>
#include <socketioparser.h>

namespace {

// EVENT and BINARY_EVENT are one type in the msgpack format; so are ACK and BINARY_ACK.
Sockscope::SocketIoPacket::Type plain(Sockscope::SocketIoPacket::Type t)
{
    using T = Sockscope::SocketIoPacket::Type;
    return t == T::BinaryEvent ? T::Event : t == T::BinaryAck ? T::Ack : t;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    QVariant value;
    QString error;
    if (Sockscope::Msgpack::decode(bytes, &value, &error)) {
        const QByteArray once = Sockscope::Msgpack::encode(value);
        QVariant again;
        // An ext of another type comes back as [type, bytes]: one level deeper.
        if (!Sockscope::Msgpack::decode(once, &again, &error,
                                        Sockscope::Msgpack::DefaultMaxDepth + 1))
            __builtin_trap();
        if (Sockscope::Msgpack::encode(again) != once)
            __builtin_trap();
    } else if (error.isEmpty()) {
        __builtin_trap(); // every refusal says why
    }

    Sockscope::MsgpackSocketIoParser parser;
    Sockscope::SocketIoPacket packet;
    if (parser.decode(Sockscope::EngineIoPacket::binaryMessage(bytes), &packet)
        == Sockscope::SocketIoParser::Status::Packet) {
        (void)packet.eventName();
        (void)packet.arguments();
        const Sockscope::SocketIoPacket::Encoded encoded = parser.encode(packet);
        if (!encoded.binary || !encoded.attachments.isEmpty())
            __builtin_trap();
        Sockscope::SocketIoPacket back;
        if (parser.decode(Sockscope::EngineIoPacket::binaryMessage(encoded.text), &back)
                    != Sockscope::SocketIoParser::Status::Packet
            || plain(back.type()) != plain(packet.type()) || back.nsp() != packet.nsp()
            || back.ackId() != packet.ackId() || back.eventName() != packet.eventName())
            __builtin_trap();
    } else if (parser.errorString().isEmpty()) {
        __builtin_trap();
    }
    return 0;
}
