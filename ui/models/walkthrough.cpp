#include "walkthrough.h"

#include <QCoreApplication>

using namespace Qt::StringLiterals;

namespace Sockscope {

namespace {

QString tr(const char *text, const char *disambiguation = nullptr, int n = -1)
{
    return QCoreApplication::translate("Walkthrough", text, disambiguation, n);
}

QStringList latin1Lines(const QList<QByteArray> &lines)
{
    QStringList out;
    out.reserve(lines.size());
    for (const QByteArray &l : lines)
        out.append(QString::fromLatin1(l));
    return out;
}

// "n. title", n the step's place in steps.
QString numbered(const QList<WalkthroughStep> &steps, const QString &title)
{
    return u"%1. %2"_s.arg(steps.size() + 1).arg(title);
}

// The WebSocket upgrade: the request, key + GUID, SHA-1, base64, the 101. sessionUpgrade: the
// request moves a polling session to WebSocket.
void addAcceptSteps(const HandshakeRecord &r, QList<WalkthroughStep> *steps,
                    bool sessionUpgrade = false)
{
    const QList<QByteArray> request = HandshakeRecord::headLines(r.rawRequest);
    WalkthroughStep ask;
    ask.kind = WalkthroughStep::Kind::Request;
    ask.title = numbered(*steps, sessionUpgrade ? tr("The upgrade request, as received")
                                                : tr("The request, as received"));
    ask.lines = latin1Lines(request);
    const qsizetype keyLine = HandshakeRecord::headerLine(request, "sec-websocket-key");
    if (keyLine >= 0)
        ask.highlighted.append(int(keyLine));
    ask.note = sessionUpgrade
            ? tr("The session moves to WebSocket: a new connection with the session's sid, and "
                 "its own Sec-WebSocket-Key.")
            : tr("The client asks to switch this HTTP connection to WebSocket. "
                 "Sec-WebSocket-Key: 16 random bytes in base64, new for each connection.");
    steps->append(ask);
    if (r.secWebSocketKey.isEmpty())
        return;

    WalkthroughStep join;
    join.kind = WalkthroughStep::Kind::KeyWithGuid;
    join.title = numbered(*steps, tr("Key + GUID"));
    join.lines = {QString::fromLatin1(r.secWebSocketKey),
                  u"+ "_s + QString::fromLatin1(HandshakeRecord::WebSocketGuid.toByteArray()),
                  u"= "_s + QString::fromLatin1(r.keyWithGuid)};
    join.highlighted = {2};
    join.note = tr("The server appends the fixed GUID of RFC 6455 to the key, as text.");
    steps->append(join);

    WalkthroughStep hash;
    hash.kind = WalkthroughStep::Kind::Sha1;
    hash.title = numbered(*steps, tr("SHA-1 of key + GUID"));
    const QString hex = QString::fromLatin1(r.sha1.toHex(' '));
    hash.lines = {u"SHA-1(\"%1\")"_s.arg(QString::fromLatin1(r.keyWithGuid)),
                  u"= "_s + hex.left(29), u"  "_s + hex.mid(30)};
    hash.highlighted = {1, 2};
    hash.note = tr("%n bytes of digest, shown in hex.", nullptr, int(r.sha1.size()));
    steps->append(hash);

    WalkthroughStep b64;
    b64.kind = WalkthroughStep::Kind::Base64;
    b64.title = numbered(*steps, tr("Base64 of the digest = Sec-WebSocket-Accept"));
    b64.lines = {hex, u"base64 → "_s + QString::fromLatin1(r.secWebSocketAccept)};
    b64.highlighted = {1};
    b64.note = tr("Only a server that read the key can send this value back.");
    steps->append(b64);

    const QList<QByteArray> response = HandshakeRecord::headLines(r.rawResponse);
    WalkthroughStep answer;
    answer.kind = WalkthroughStep::Kind::Response;
    answer.title = numbered(*steps, tr("The 101 response, as sent"));
    answer.lines = latin1Lines(response);
    const qsizetype acceptLine = HandshakeRecord::headerLine(response, "sec-websocket-accept");
    if (acceptLine >= 0)
        answer.highlighted.append(int(acceptLine));
    const QByteArray sent = r.responseHeader("sec-websocket-accept");
    answer.ok = !sent.isEmpty() && sent == r.secWebSocketAccept;
    answer.note = sent.isEmpty() ? tr("✗ The response carries no Sec-WebSocket-Accept.")
            : answer.ok
            ? tr("✓ Sec-WebSocket-Accept matches the computation: from here on, WebSocket frames.")
            : tr("✗ The response sent %1, not the computed value.").arg(QString::fromLatin1(sent));
    steps->append(answer);
}

WalkthroughStep packetStep(const HandshakeRecord::Packet &p, qsizetype number)
{
    WalkthroughStep s;
    s.kind = WalkthroughStep::Kind::Packet;
    const QStringList decoded = p.decoded().split(u'\n');
    // The title names the innermost packet: "Socket.IO CONNECT", "Engine.IO ping probe".
    const QString name
            = decoded.value(0).section(u" → "_s, -1).section(u" · "_s, 0, 0).section(u':', 0, 0);
    s.title = u"%1. %2 %3"_s.arg(number).arg(
            p.outgoing ? tr("Server → client:") : tr("Client → server:"), name);
    s.lines.append(p.wireText());
    s.highlighted = {0};
    s.lines.append(QString());
    s.lines.append(decoded);
    s.note = tr("%1 ms after the request.").arg(p.msAfter);
    return s;
}

} // namespace

QString WalkthroughStep::text() const { return title + u'\n' + lines.join(u'\n') + u'\n' + note; }

QList<WalkthroughStep> walkthroughSteps(const HandshakeRecord &record,
                                        const HandshakeRecord *upgrade)
{
    QList<WalkthroughStep> steps;
    if (record.isUpgrade) {
        addAcceptSteps(record, &steps);
        for (const HandshakeRecord::Packet &p : record.firstPackets)
            steps.append(packetStep(p, steps.size() + 1));
        return steps;
    }

    // Long-polling (or a refused request): the request and our answer, then the packets.
    WalkthroughStep ask;
    ask.title = numbered(steps, tr("The request, as received"));
    ask.lines = latin1Lines(HandshakeRecord::headLines(record.rawRequest));
    if (!ask.lines.isEmpty())
        ask.highlighted = {0};
    ask.note = record.transport == u"polling"_s
            ? tr("Long-polling: each GET waits for packets from the server, each POST carries "
                 "packets to it. This first GET opens the session.")
            : tr("Not a WebSocket upgrade.");
    steps.append(ask);
    WalkthroughStep answer;
    answer.kind = WalkthroughStep::Kind::Response;
    answer.title = numbered(steps, tr("The response, as sent"));
    answer.lines = latin1Lines(HandshakeRecord::headLines(record.rawResponse));
    if (!answer.lines.isEmpty())
        answer.highlighted = {0};
    answer.ok = record.error.isEmpty();
    answer.note = record.error.isEmpty() ? tr("Its body: the open packet, next.")
                                         : tr("✗ Refused: %1").arg(record.error);
    steps.append(answer);

    // The upgrade comes in before the first packet after its request.
    qint64 upgradeAt = -1;
    if (upgrade && upgrade->isUpgrade && record.time.isValid() && upgrade->time.isValid())
        upgradeAt = record.time.msecsTo(upgrade->time);
    bool upgradeShown = false;
    auto showUpgrade = [&] {
        addAcceptSteps(*upgrade, &steps, true);
        upgradeShown = true;
    };
    for (const HandshakeRecord::Packet &p : record.firstPackets) {
        if (upgradeAt >= 0 && !upgradeShown && p.msAfter >= upgradeAt)
            showUpgrade();
        steps.append(packetStep(p, steps.size() + 1));
    }
    if (upgradeAt >= 0 && !upgradeShown)
        showUpgrade();
    return steps;
}

} // namespace Sockscope
