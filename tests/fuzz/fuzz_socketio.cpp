// Socket.IO decoder with binary reassembly: the input is a sequence of frames separated by
// 0xFF 0xFE; a frame starting with 'B' is a binary message, anything else a text message.
#include <socketiopacket.h>

#include <QJsonDocument>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    Sockscope::SocketIoDecoder decoder(8);
    qsizetype start = 0;
    int frames = 0;
    while (start <= bytes.size() && frames++ < 64) {
        qsizetype end = bytes.indexOf("\xff\xfe", start);
        if (end < 0)
            end = bytes.size();
        const QByteArray frame = bytes.mid(start, end - start);
        // The server's path for a text packet on its own: the bytes taken, never changed
        // under another owner, and the same packet as the copying parse.
        if (!frame.startsWith('B')) {
            Sockscope::SocketIoPacket copied, taken;
            QByteArray own(frame.constData(), frame.size());
            const auto e1 = Sockscope::SocketIoDecoder::parse(frame, &copied, 8);
            const auto e2 = Sockscope::SocketIoDecoder::parseTaking(&own, &taken, 8);
            if (e1 != e2 || copied.rawArguments() != taken.rawArguments()
                || copied.eventName() != taken.eventName() || copied.ackId() != taken.ackId()
                || (!own.isEmpty() && own != frame))
                __builtin_trap();
        }
        const auto status = frame.startsWith('B') ? decoder.decodeBinary(frame.mid(1))
                                                  : decoder.decodeText(frame);
        if (status == Sockscope::SocketIoDecoder::Status::Packet) {
            const Sockscope::SocketIoPacket p = decoder.takePacket();
            (void)p.eventName();
            (void)p.arguments();
            // Arguments checked by the scan and kept as text must be what Qt's parser converts.
            if (!p.rawArguments().isNull()) {
                QJsonParseError error;
                const QJsonDocument d = QJsonDocument::fromJson(p.rawArguments(), &error);
                if (error.error != QJsonParseError::NoError || !d.isArray())
                    __builtin_trap();
            }
            // Encoding what we decoded must decode again.
            const auto encoded = p.encode();
            Sockscope::SocketIoDecoder again(64);
            auto s = again.decodeText(encoded.text);
            for (const QByteArray &a : encoded.attachments)
                s = again.decodeBinary(a);
            if (s != Sockscope::SocketIoDecoder::Status::Packet)
                __builtin_trap();
        }
        start = end + 2;
    }
    return 0;
}
