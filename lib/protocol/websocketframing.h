// Sockscope: WebSocket frames (RFC 6455, 5) as a server writes them and reads them from a
// client. Pure: no sockets, no Qt objects.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QtGlobal>

namespace Sockscope::WebSocketFraming {

enum class Opcode : quint8 {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

// The close codes this layer sends or reads (RFC 6455, 7.4.1).
namespace CloseCode {
enum : quint16 {
    Normal = 1000,
    GoingAway = 1001,
    ProtocolError = 1002,
    UnsupportedData = 1003,
    NoStatus = 1005, // never sent: a close frame without a code reads as this
    InvalidPayload = 1007, // e.g. a text message that is not UTF-8
    TooBig = 1009,
};
}

// The longest header writeServerHeader() writes: two bytes, then a 64-bit length.
constexpr int MaxServerHeaderSize = 10;

/*
    Writes the header of one whole, unmasked frame carrying length payload bytes, as a server
    sends a message (RFC 6455, 5.2): FIN set, no extension bits, the opcode, then the length in
    7 bits, or 126 and 16 bits, or 127 and 64 bits, in network byte order. out has room for
    MaxServerHeaderSize bytes. Returns the header's size: 2, 4 or 10.
*/
int writeServerHeader(char *out, Opcode opcode, quint64 length);

// A whole unmasked frame (header, then payload) as a server sends it.
QByteArray serverFrame(Opcode opcode, QByteArrayView payload);

// A close frame's payload: the code in network byte order, then the reason, cut to fit a
// control frame (123 bytes) without splitting a UTF-8 sequence.
QByteArray closePayload(quint16 code, QByteArrayView reason);

// Reads a close frame's payload: empty (code NoStatus), or a code a peer may send (1000-1003,
// 1007-1014, 3000-4999) and a UTF-8 reason. Otherwise returns false with *error set to the
// close code to answer with (ProtocolError or InvalidPayload).
bool parseClosePayload(QByteArrayView payload, quint16 *code, QByteArray *reason, quint16 *error);

// Whether bytes are well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
// past U+10FFFF). ASCII runs are checked eight bytes at a time.
bool isValidUtf8(QByteArrayView bytes);

/*
    Reads what a client sends a server: a stream of masked frames, given as it arrives, in any
    pieces. Whole messages come out (the fragments of one joined, unmasked), and each control
    frame on its own, also between the fragments of a message.

    Checked, each with the close code the server then sends:
      - every frame masked; no RSV bit (no extension is agreed); a known opcode (1002)
      - control frames final and at most 125 bytes; a close frame's payload valid (1002)
      - a continuation only inside a fragmented message, no new message inside one (1002)
      - a 64-bit length with its top bit clear (1002)
      - a message no larger than maxMessageSize, all fragments together (1009), judged from a
        frame's header, before its payload is waited for
      - text, and a close frame's reason, in UTF-8 (1007)
    After an error the reader stays failed.
*/
class ClientFrameReader
{
public:
    struct Message
    {
        Opcode opcode = Opcode::Text; // Text, Binary, Close, Ping or Pong
        QByteArray payload; // unmasked
    };
    enum class Status { NeedMore, Message, Error };

    explicit ClientFrameReader(qint64 maxMessageSize) : m_max(maxMessageSize) { }

    // Reads frames from data[*pos] on, moving *pos past each frame it takes. Message: *out
    // holds the next message or control frame. NeedMore: data ends inside a frame (the
    // fragments before it are held); the caller keeps data[*pos..] and calls again once more
    // has been appended to it. Error: see errorCode() and errorString().
    Status read(QByteArrayView data, qsizetype *pos, Message *out);

    quint16 errorCode() const { return m_errorCode; }
    QString errorString() const { return m_errorString; }
    // The bytes held of a fragmented message not yet complete.
    qsizetype heldBytes() const { return m_fragments.size(); }

private:
    Status fail(quint16 code, const QString &why);

    qint64 m_max;
    QByteArray m_fragments;
    Opcode m_fragmentOpcode = Opcode::Text;
    bool m_inMessage = false;
    quint16 m_errorCode = 0;
    QString m_errorString;
};

} // namespace Sockscope::WebSocketFraming
