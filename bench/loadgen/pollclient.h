// sockscope-loadgen: Engine.IO over HTTP/1.1 long-polling, on two keep-alive QTcpSockets (one
// holds the GET that receives, the other sends POSTs), as browsers do. Packets waiting while a
// POST is out go together in the next one, joined by 0x1e.
#pragma once

#include "eioclient.h"

#include <QByteArray>
#include <QList>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

namespace Loadgen {

class PollClient final : public Peer
{
public:
    PollClient(quint16 port, EioHandler *handler, QObject *parent = nullptr);
    void start() override;
    void sendRaw(QByteArrayView packet) override;
    void abort() override;

private:
    struct Http
    {
        QTcpSocket *socket = nullptr;
        QByteArray in;
        bool busy = false;
    };
    enum class State { Handshake, WaitConnect, Ready, Closed };
    Http *open();
    void request(Http *http, const QByteArray &method, const QByteArray &query,
                 const QByteArray &body = {});
    void onReadyRead(Http *http);
    void onResponse(Http *http, int status, QByteArrayView body);
    void handlePacket(QByteArrayView packet);
    void poll();
    void flush();
    void fail(const QString &why);

    EioHandler *m_handler;
    quint16 m_port;
    State m_state = State::Handshake;
    Http m_get;
    Http m_post;
    QByteArray m_sid;
    QByteArray m_queue; // packets joined by 0x1e
    QByteArray m_out;
};

} // namespace Loadgen
