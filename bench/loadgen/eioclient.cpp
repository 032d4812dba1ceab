#include "eioclient.h"

#include "msgpackwire.h"

namespace Loadgen {

EioClient::EioClient(WsLink::Kind kind, quint16 port, EioHandler *handler, QObject *parent)
    : Peer(parent), m_link(WsLink::create(kind, this, this)), m_handler(handler), m_port(port)
{
}

void EioClient::start()
{
    m_link->open(m_port, QByteArrayLiteral("/socket.io/?EIO=4&transport=websocket"));
}

void EioClient::abort()
{
    if (m_state == State::Closed)
        return;
    m_state = State::Closed;
    m_link->abort();
    deleteLater();
}

int EioClient::park()
{
    if (m_state == State::Closed)
        return -1;
    const int fd = m_link->detach();
    if (fd >= 0) {
        m_state = State::Closed;
        deleteLater();
    }
    return fd;
}

void EioClient::wsText(QByteArrayView text)
{
    if (text.isEmpty() || m_state == State::Closed)
        return;
    switch (text.front()) {
    case '0': // open: join "/"
        if (m_msgpack) {
            // {"type":0,"nsp":"/"} (sized: the literal holds a NUL)
            static const char packet[] = "\x82\xa4type\x00\xa3nsp\xa1/";
            m_link->sendBinary(QByteArrayView(packet, sizeof packet - 1));
        } else {
            m_link->sendText("40");
        }
        m_state = State::WaitConnect;
        return;
    case '2': // ping
        m_link->sendText("3");
        return;
    case '1': // close
        wsClosed(QStringLiteral("engine.io close"));
        return;
    case '4': {
        const QByteArrayView packet = text.sliced(1);
        if (m_state == State::WaitConnect) {
            if (packet.startsWith("0")) {
                m_state = State::Ready;
                m_handler->clientReady(this);
                return;
            }
            if (packet.startsWith("4")) {
                wsClosed(QStringLiteral("connect error: ") + QString::fromUtf8(packet));
                return;
            }
        }
        m_handler->clientPacket(this, packet);
        return;
    }
    default:
        return;
    }
}

void EioClient::wsBinary(QByteArrayView bytes)
{
    if (m_state == State::Closed)
        return;
    if (m_state == State::WaitConnect) {
        MsgpackWire::Packet p;
        if (!MsgpackWire::readPacket(bytes, &p)) {
            wsClosed(QStringLiteral("connect: not a msgpack packet"));
            return;
        }
        if (p.type == 0) {
            m_state = State::Ready;
            m_handler->clientReady(this);
            return;
        }
        if (p.type == 4) {
            wsClosed(QStringLiteral("connect error (msgpack)"));
            return;
        }
    }
    m_handler->clientBinary(this, bytes);
}

void EioClient::wsClosed(const QString &why)
{
    if (m_state == State::Closed)
        return;
    m_state = State::Closed;
    m_link->abort();
    m_handler->clientClosed(this, why);
    deleteLater();
}

} // namespace Loadgen
