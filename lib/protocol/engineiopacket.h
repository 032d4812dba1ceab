// Sockscope: the Engine.IO v4 packet codec. Pure: bytes in, packets out; no QObject, no I/O.
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <utility>

namespace Sockscope {

/*
    One Engine.IO v4 packet.

    Wire format, text: one ASCII digit for the type, then the data as UTF-8.
        0{"sid":…}   open        3        pong        6   noop
        1            close       4<data>  message
        2            ping        5        upgrade
    "2probe" / "3probe" are the ping and pong of an upgrade probe.

    Wire format, binary: over WebSocket a binary frame is one binary message with no type
    prefix; in a polling payload it is "b" followed by the base64 of the bytes.

    A polling payload joins several packets with the record separator 0x1e.
*/
class EngineIoPacket
{
public:
    enum class Type : quint8 { Open = 0, Close, Ping, Pong, Message, Upgrade, Noop };

    enum class Error {
        None,
        EmptyPacket,
        UnknownType,
        BinaryNotMessage,
        InvalidBase64,
        TooManyPackets,
    };

    EngineIoPacket() = default;
    EngineIoPacket(Type type, QByteArray data = {}, bool binary = false)
        : m_type(type), m_data(std::move(data)), m_binary(binary)
    {
    }

    static EngineIoPacket message(const QByteArray &utf8) { return { Type::Message, utf8 }; }
    static EngineIoPacket binaryMessage(const QByteArray &bytes)
    {
        return { Type::Message, bytes, true };
    }

    Type type() const { return m_type; }
    // Text data (UTF-8) after the type digit, or the raw bytes of a binary message.
    const QByteArray &data() const { return m_data; }
    QByteArray takeData() { return std::exchange(m_data, QByteArray()); }
    bool isBinary() const { return m_binary; }

    // WebSocket framing: a text frame is type digit + data; a binary frame is the bytes alone.
    QByteArray encodeText() const;
    static Error decodeText(const QByteArray &frame, EngineIoPacket *out);
    static EngineIoPacket decodeBinary(const QByteArray &frame) { return binaryMessage(frame); }

    // Polling framing: packets joined with 0x1e, binary as "b" + base64.
    static QByteArray encodePayload(const QList<EngineIoPacket> &packets);
    static Error decodePayload(const QByteArray &payload, QList<EngineIoPacket> *out,
                               int maxPackets = 1024);

    static QString errorString(Error error);
    static QString typeName(Type type);

    friend bool operator==(const EngineIoPacket &a, const EngineIoPacket &b)
    {
        return a.m_type == b.m_type && a.m_binary == b.m_binary && a.m_data == b.m_data;
    }

private:
    Type m_type = Type::Noop;
    QByteArray m_data;
    bool m_binary = false;
};

// The values of the open packet the server sends first.
struct EngineIoOpen
{
    QString sid;
    QStringList upgrades;
    int pingInterval = 25000;
    int pingTimeout = 20000;
    qint64 maxPayload = 1000000;

    QByteArray toJson() const;
    // Returns false if the JSON is not an open packet's object.
    static bool fromJson(const QByteArray &json, EngineIoOpen *out);
};

} // namespace Sockscope
