// Sockscope: WebSocket frames as a server writes them. Pure: no sockets, no Qt objects.
#pragma once

#include <QtGlobal>

namespace Sockscope::WebSocketFraming {

enum class Opcode : quint8 { Text = 0x1, Binary = 0x2 };

// The longest header writeServerHeader() writes: two bytes, then a 64-bit length.
constexpr int MaxServerHeaderSize = 10;

/*
    Writes the header of one whole, unmasked frame carrying length payload bytes, as a server
    sends a message (RFC 6455, 5.2): FIN set, no extension bits, the opcode, then the length in
    7 bits, or 126 and 16 bits, or 127 and 64 bits, in network byte order. out has room for
    MaxServerHeaderSize bytes. Returns the header's size: 2, 4 or 10.
*/
int writeServerHeader(char *out, Opcode opcode, quint64 length);

} // namespace Sockscope::WebSocketFraming
