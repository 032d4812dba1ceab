// sockscope-loadgen: a WebSocket client link, either a lean one written on QTcpSocket (the
// default: it frames and parses text and binary messages itself, so the generator stays cheaper
// than the servers it drives) or QWebSocket (the Qt stack, to cross-check the lean one).
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QObject>
#include <QString>

QT_BEGIN_NAMESPACE
class QTcpSocket;
class QWebSocket;
QT_END_NAMESPACE

namespace Loadgen {

class WsListener
{
public:
    virtual ~WsListener() = default;
    virtual void wsOpened() = 0;
    // One whole text message. The view is valid during the call only.
    virtual void wsText(QByteArrayView text) = 0;
    // One whole binary message (msgpack parser). The view is valid during the call only.
    virtual void wsBinary(QByteArrayView bytes) { Q_UNUSED(bytes); }
    // The link is gone (closed by the peer, refused, reset). Called at most once.
    virtual void wsClosed(const QString &why) = 0;
};

class WsLink : public QObject
{
public:
    enum class Kind { Lean, Qt };
    using QObject::QObject;
    // A new link reporting to listener; open() starts it.
    static WsLink *create(Kind kind, WsListener *listener, QObject *parent = nullptr);
    // ws://127.0.0.1:port<target>
    virtual void open(quint16 port, const QByteArray &target) = 0;
    // SO_RCVBUF for the connection, set on the descriptor before it connects (the window
    // scale is agreed in the handshake, so later is too late). Call before open(); 0 leaves
    // the system's default. Only the lean link can: QWebSocket hides its socket.
    virtual void setReceiveBufferSize(int bytes) { Q_UNUSED(bytes); }
    virtual void sendText(QByteArrayView utf8) = 0;
    virtual void sendBinary(QByteArrayView bytes) = 0;
    // Drops the connection at once with a TCP reset (no close handshake, no TIME_WAIT), and
    // reports nothing more.
    virtual void abort() = 0;
    // Hands the connection over as a file descriptor (a dup of the socket's) and stops
    // watching it: the generator holds thousands of idle connections without polling them.
    // -1 if this link cannot (QWebSocket hides its socket).
    virtual int detach() { return -1; }
};

} // namespace Loadgen
