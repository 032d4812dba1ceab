// Sockscope: how a transport reports to the connection it carries.
#pragma once

#include "engineiopacket.h"
#include "reasons.h"

namespace Sockscope {

class Transport;

/*
    Who a transport reports to: the connection it carries (a server's Connection implements
    this). Declared in the transport layer, so that it includes nothing from the
    server; installed only because connection.h names it (not an interface to implement
    outside the library).
*/
class TransportListener
{
public:
    // The listener may take the packet's data.
    virtual void transportPacket(Transport *transport, EngineIoPacket &&packet,
                                 qint64 wireBytes) = 0;
    virtual void transportBytesWritten(qint64 bytes) = 0;
    // A message over maxPayload was refused; transportClosed follows.
    virtual void transportOversized() = 0;
    virtual void transportClosed(Transport *transport, TransportCloseCause cause,
                                 const QString &detail) = 0;

protected:
    ~TransportListener() = default;
};

} // namespace Sockscope
