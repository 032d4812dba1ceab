// Sockscope: one handshake told step by step, for the walk-through on a projector.
#pragma once

#include <handshakerecord.h>

#include <QList>
#include <QString>
#include <QStringList>

namespace Sockscope {

// One step of the walk-through: a title, a few lines (monospaced on screen), the lines to
// highlight, and a sentence saying what happened.
struct WalkthroughStep
{
    enum class Kind { Request, KeyWithGuid, Sha1, Base64, Response, Packet };

    Kind kind = Kind::Request;
    QString title;
    QStringList lines;
    QList<int> highlighted; // indexes into lines
    QString note;
    bool ok = true; // false for a check that failed (an accept that does not match)

    // Title, lines and note as plain text, for tests and the clipboard.
    QString text() const;
};

/*
    The steps of a handshake, from what the library recorded (the UI decodes nothing itself):
      WebSocket: the request with Sec-WebSocket-Key highlighted, key + GUID, SHA-1 (20 bytes
      in hex), base64, the 101 with Sec-WebSocket-Accept highlighted and checked, then one step
      per packet that followed (HandshakeRecord::firstPackets: the open packet, the CONNECT and
      its answer, decoded).
      Long-polling: the first GET and its answer, the packets that followed; given the
      session's upgrade request (upgrade), its accept computation and 101 come in before the
      probe ("2probe", "3probe", "5").
*/
QList<WalkthroughStep> walkthroughSteps(const HandshakeRecord &record,
                                        const HandshakeRecord *upgrade = nullptr);

} // namespace Sockscope
