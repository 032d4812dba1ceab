// Sockscope: the Socket.IO v5 packet codec. Pure: bytes in, packets out; no QObject, no I/O.
#pragma once

#include "arguments.h"

#include <QByteArray>
#include <QJsonValue>
#include <QList>
#include <QString>

namespace Sockscope {

/*
    One Socket.IO v5 packet, carried in an Engine.IO message.

    Wire format (text):
        <type>[<attachments>-][<namespace>,][<ack id>][<JSON payload>]
    type          one digit: 0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR,
                  5 BINARY_EVENT, 6 BINARY_ACK
    attachments   binary types only: how many binary messages follow the text one
    namespace     only when not "/", then a comma: "/chat,"
    ack id        decimal digits, when an ack is asked (EVENT) or given (ACK)
    payload       CONNECT: the auth object (optional; the server's answer is {"sid":…})
                  DISCONNECT: none
                  EVENT: ["name", args…]    ACK: [args…]
                  CONNECT_ERROR: {"message":…, "data"?:…}
    A binary argument is replaced by {"_placeholder":true,"num":N}; attachment N follows as
    the N-th binary message after the text one.

    Examples: 2["aaa",12,5,8]   21["hello"]   3/chat,1["ok"]   51-["img",{"_placeholder":true,"num":0}]
*/
class SocketIoPacket
{
public:
    enum class Type : quint8 {
        Connect = 0,
        Disconnect,
        Event,
        Ack,
        ConnectError,
        BinaryEvent,
        BinaryAck
    };

    enum class Error {
        None,
        EmptyPacket,
        UnknownType,
        InvalidAttachmentCount,
        TooManyAttachments,
        UnterminatedNamespace,
        InvalidAckId,
        InvalidJson,
        InvalidConnectPayload,
        UnexpectedDisconnectPayload,
        InvalidEventPayload,
        MissingEventName,
        ReservedEventName,
        InvalidAckPayload,
        MissingAckId,
        InvalidConnectErrorPayload,
        InvalidPlaceholder,
        UnexpectedBinary,
        UnexpectedText,
    };

    struct Encoded
    {
        QByteArray text; // UTF-8, the Engine.IO message's data (binary: see below)
        QList<QByteArray> attachments;
        // The msgpack format: text holds the whole packet as ONE binary message (no
        // attachments), to be sent as a binary Engine.IO message.
        bool binary = false;
    };

    SocketIoPacket() = default;

    static SocketIoPacket connect(const QString &nsp, const QJsonValue &payload = {});
    static SocketIoPacket disconnect(const QString &nsp);
    static SocketIoPacket connectError(const QString &nsp, const QString &message,
                                       const QJsonValue &data = {});
    // EVENT or BINARY_EVENT, depending on whether args hold binary; ackId -1 asks no ack.
    // rawArgs, when not null, is the JSON text of args as a received packet carried it
    // (rawArguments()): it is sent as it is instead of converting args back to JSON.
    static SocketIoPacket event(const QString &nsp, const QString &name, const Arguments &args,
                                qint64 ackId = -1, const QByteArray &rawArgs = {});
    static SocketIoPacket ack(const QString &nsp, qint64 ackId, const Arguments &args,
                              const QByteArray &rawArgs = {});

    Type type() const { return m_type; }
    QString nsp() const { return m_nsp; }
    qint64 ackId() const { return m_ackId; }
    bool hasAckId() const { return m_ackId >= 0; }
    // The payload with placeholders still in place (Undefined when the packet has none).
    QJsonValue payload() const;
    QList<QByteArray> attachments() const { return m_attachments; }
    bool isBinary() const { return m_type == Type::BinaryEvent || m_type == Type::BinaryAck; }

    // EVENT / BINARY_EVENT: the event name.
    QString eventName() const;
    // EVENT: the arguments after the name; ACK: all of them; binary placeholders resolved.
    Arguments arguments() const;
    // EVENT and ACK (not binary) as decoded: the arguments as JSON text, exactly as they came
    // ("[…]", the event name left out), to pass them on without a JSON round trip. Null for
    // other packets.
    QByteArray rawArguments() const { return m_rawArgs; }

    Encoded encode() const;
    static QString typeName(Type type);
    // connect, connect_error, disconnect, …: names the peer's decoder refuses in an EVENT.
    static bool isReservedEventName(const QString &name);
    static QString errorString(Error error);

    void setPayload(const QJsonValue &p) { m_payload = p; }
    void setAttachments(const QList<QByteArray> &a) { m_attachments = a; }

private:
    friend class SocketIoDecoder;
    Type m_type = Type::Connect;
    QString m_nsp = QStringLiteral("/");
    qint64 m_ackId = -1;
    QJsonValue m_payload = QJsonValue(QJsonValue::Undefined);
    QByteArray m_rawArgs; // see rawArguments(); for a packet built with rawArgs, the payload
    QString m_rawName; // the event name of a packet built with rawArgs
    QList<QByteArray> m_attachments;
    int m_expectedAttachments = 0;
};

/*
    Decodes Socket.IO packets from the Engine.IO messages of one connection, reassembling
    binary packets from the text message and the binary messages that follow it.
*/
class SocketIoDecoder
{
public:
    enum class Status { Packet, NeedAttachments, Failed };

    explicit SocketIoDecoder(int maxAttachments = 64) : m_maxAttachments(maxAttachments) { }

    Status decodeText(const QByteArray &utf8);
    Status decodeBinary(const QByteArray &bytes);

    // The packet completed by the last call that returned Packet.
    SocketIoPacket takePacket() { return std::move(m_packet); }
    SocketIoPacket::Error error() const { return m_error; }
    QString errorString() const { return SocketIoPacket::errorString(m_error); }
    bool isReassembling() const { return m_reassembling; }
    void reset();

    int maxAttachments() const { return m_maxAttachments; }
    void setMaxAttachments(int max) { m_maxAttachments = max; }

    // Decodes one text packet on its own (no reassembly): for tests and tools.
    static SocketIoPacket::Error parse(const QByteArray &utf8, SocketIoPacket *out,
                                       int maxAttachments = 64);
    // The same, taking *utf8's bytes for the arguments of an EVENT or ACK (most of the packet)
    // instead of copying them: *utf8 is then left empty. Any other packet leaves it as it was.
    static SocketIoPacket::Error parseTaking(QByteArray *utf8, SocketIoPacket *out,
                                             int maxAttachments = 64);

private:
    static SocketIoPacket::Error parse(const QByteArray &utf8, QByteArray *take,
                                       SocketIoPacket *out, int maxAttachments);
    Status fail(SocketIoPacket::Error e);
    SocketIoPacket m_packet;
    SocketIoPacket::Error m_error = SocketIoPacket::Error::None;
    int m_maxAttachments;
    bool m_reassembling = false;
};

} // namespace Sockscope
