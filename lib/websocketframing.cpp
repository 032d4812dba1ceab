#include "websocketframing.h"

namespace Sockscope::WebSocketFraming {

int writeServerHeader(char *out, Opcode opcode, quint64 length)
{
    out[0] = char(0x80 | quint8(opcode)); // FIN
    if (length < 126) {
        out[1] = char(length); // mask bit clear: a server never masks
        return 2;
    }
    if (length <= 0xFFFF) {
        out[1] = char(126);
        out[2] = char(length >> 8);
        out[3] = char(length & 0xFF);
        return 4;
    }
    out[1] = char(127);
    for (int i = 0; i < 8; ++i)
        out[2 + i] = char((length >> (56 - 8 * i)) & 0xFF);
    return 10;
}

} // namespace Sockscope::WebSocketFraming
