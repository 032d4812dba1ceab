// WebSocket client frames: any bytes, read whole and in pieces of every size the first byte
// picks, must give the same messages and the same verdict; what comes out keeps the rules.
#include <websocketframing.h>

#include <QList>

using namespace Sockscope::WebSocketFraming;

namespace {

constexpr qint64 MaxMessage = 300;

struct Outcome
{
    QList<QByteArray> items; // opcode byte, then payload
    quint16 error = 0;
    bool operator==(const Outcome &o) const { return items == o.items && error == o.error; }
};

Outcome readInPieces(const QByteArray &bytes, qsizetype piece)
{
    Outcome out;
    ClientFrameReader reader(MaxMessage);
    QByteArray buffer;
    for (qsizetype fed = 0; fed < bytes.size() && !out.error; fed += piece) {
        buffer.append(bytes.mid(fed, piece));
        qsizetype pos = 0;
        ClientFrameReader::Message m;
        for (;;) {
            const auto status = reader.read(buffer, &pos, &m);
            if (status == ClientFrameReader::Status::NeedMore)
                break;
            if (status == ClientFrameReader::Status::Error) {
                out.error = reader.errorCode();
                if (out.error != CloseCode::ProtocolError && out.error != CloseCode::InvalidPayload
                    && out.error != CloseCode::TooBig)
                    __builtin_trap();
                break;
            }
            const bool control = quint8(m.opcode) >= 0x8;
            if ((control && m.payload.size() > 125) || m.payload.size() > MaxMessage)
                __builtin_trap();
            if (m.opcode == Opcode::Text && !isValidUtf8(m.payload))
                __builtin_trap();
            if (m.opcode == Opcode::Continuation)
                __builtin_trap();
            out.items.append(char(m.opcode) + m.payload);
        }
        if (pos > buffer.size() || reader.heldBytes() > MaxMessage)
            __builtin_trap();
        buffer.remove(0, pos);
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const qsizetype piece = data[0] % 23 + 1;
    const QByteArray bytes(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    const Outcome whole = readInPieces(bytes, qMax<qsizetype>(bytes.size(), 1));
    if (!(readInPieces(bytes, piece) == whole))
        __builtin_trap();
    // A close payload that reads back writes back the same.
    quint16 code = 0, error = 0;
    QByteArray reason;
    if (parseClosePayload(bytes, &code, &reason, &error) && code != CloseCode::NoStatus
        && bytes.size() <= 125 && closePayload(code, reason) != bytes)
        __builtin_trap();
    return 0;
}
