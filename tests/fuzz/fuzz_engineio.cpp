// Engine.IO codec: any bytes as a WebSocket text frame and as a polling payload.
#include <engineiopacket.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    Sockscope::EngineIoPacket packet;
    if (Sockscope::EngineIoPacket::decodeText(bytes, &packet) == Sockscope::EngineIoPacket::Error::None) {
        // What decodes must encode back to the same bytes.
        if (packet.encodeText() != bytes)
            __builtin_trap();
    }
    QList<Sockscope::EngineIoPacket> packets;
    if (Sockscope::EngineIoPacket::decodePayload(bytes, &packets, 64) == Sockscope::EngineIoPacket::Error::None) {
        QList<Sockscope::EngineIoPacket> again;
        if (Sockscope::EngineIoPacket::decodePayload(Sockscope::EngineIoPacket::encodePayload(packets), &again, 64)
                    != Sockscope::EngineIoPacket::Error::None
            || again.size() != packets.size())
            __builtin_trap();
    }
    Sockscope::EngineIoOpen open;
    Sockscope::EngineIoOpen::fromJson(bytes, &open);
    return 0;
}
