// Sockscope: the record of one handshake, for showing it laid bare.
#pragma once

#include "httprequest.h"

#include <QByteArray>
#include <QDateTime>
#include <QHostAddress>
#include <QMetaType>
#include <QString>

namespace Sockscope {

/*
    The HTTP request that opened a connection, exactly as it arrived, and our answer to it.
    For a WebSocket upgrade it also holds each step of RFC 6455's accept computation:
        Sec-WebSocket-Key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" -> SHA-1 -> base64
*/
struct HandshakeRecord
{
    static constexpr QByteArrayView WebSocketGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    quint64 id = 0; // serial number of the TCP connection on this server
    QDateTime time; // when the request head was complete
    QHostAddress remoteAddress;
    quint16 remotePort = 0;
    QString connectionId; // Engine.IO sid, once the connection is open

    QByteArray rawRequest; // the request head, byte for byte as it arrived
    QByteArray method;
    QByteArray target;
    QByteArray httpVersion;
    HttpHeaders headers;

    QString transport; // "websocket", "polling", "websocket (plain)"
    bool isUpgrade = false;
    QByteArray secWebSocketKey;
    QByteArray keyWithGuid; // key + GUID, the SHA-1 input
    QByteArray sha1; // the 20 raw bytes of SHA-1(key + GUID)
    QByteArray secWebSocketAccept; // base64 of sha1

    QByteArray rawResponse; // our answer's head, byte for byte as sent
    int statusCode = 0;
    QString error; // why the request was refused, if it was

    QByteArray header(QByteArrayView name) const;
    // Fills the key, SHA-1 input, digest and accept from the Sec-WebSocket-Key header.
    void computeAccept();

    static QByteArray acceptForKey(const QByteArray &key);
    static HandshakeRecord fromRequest(const HttpRequest &request, const QByteArray &raw);

    // What a connection keeps of its handshake for its lifetime: the bytes both ways and the
    // facts around them; the rest (method, target, headers, the accept computation) is
    // derived again from the bytes by expanded().
    struct Compact
    {
        QByteArray rawRequest;
        QByteArray rawResponse;
        QString transport;
        QString error;
        QDateTime time;
        QHostAddress remoteAddress;
        quint64 id = 0;
        int statusCode = 0;
        quint16 remotePort = 0;
        bool isUpgrade = false;

        HandshakeRecord expanded(const QString &connectionId) const;
    };
    Compact compact() const;
};

} // namespace Sockscope

Q_DECLARE_METATYPE(Sockscope::HandshakeRecord)
