// A WebSocket frame as a client sends it (RFC 6455, 5.2), for tests that feed the server's
// frame reader by hand, well formed or not.
#pragma once

#include <QByteArray>

namespace Loopback {

// opcode and payload, masked with a fixed key unless masked is false; rsv sets the three
// reserved bits (4: RSV1). lengthBytes forces the length's form: 1, 2 or 8 bytes (0: the
// shortest).
inline QByteArray clientFrame(int opcode, const QByteArray &payload, bool fin = true,
                              bool masked = true, int rsv = 0, int lengthBytes = 0)
{
    QByteArray f;
    f.append(char((fin ? 0x80 : 0) | (rsv << 4) | opcode));
    const quint64 n = quint64(payload.size());
    const char maskBit = masked ? char(0x80) : char(0);
    if ((n < 126 && lengthBytes == 0) || lengthBytes == 1) {
        f.append(char(maskBit | char(n)));
    } else if ((n <= 0xFFFF && lengthBytes == 0) || lengthBytes == 2) {
        f.append(char(maskBit | 126));
        f.append(char(n >> 8));
        f.append(char(n & 0xFF));
    } else {
        f.append(char(maskBit | 127));
        for (int i = 0; i < 8; ++i)
            f.append(char((n >> (56 - 8 * i)) & 0xFF));
    }
    const char key[4] = { char(0x37), char(0xfa), char(0x21), char(0x3d) };
    if (masked)
        f.append(key, 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        f.append(masked ? char(payload.at(i) ^ key[i & 3]) : payload.at(i));
    return f;
}

} // namespace Loopback
