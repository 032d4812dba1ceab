// Our WebSocket frame reader (ClientFrameReader) against Qt's: the same client bytes, after a
// valid upgrade, go to the reader (whole and in pieces) and over a TCP loopback connection to a
// QWebSocketServer peer (Qt's frame parser is not exported from the release library, so the
// real QWebSocket reads them). Both must give the same messages, the same pings answered and
// pongs taken, and the same verdict: the close code the server answers with, or none. Where
// the two knowingly differ, the difference is listed (kDivergences) and must stay as listed:
// a new one fails, and so does a listed one that a hand-written case no longer shows.
//
// The corpus: hand-written cases, the fuzz corpus in tests/fuzz/corpus/websocket, and streams
// generated from a fixed seed (valid ones, mutated). SOCKSCOPE_FRAMEDIFF_CASES sets how many
// are generated (CI: the default below); SOCKSCOPE_FRAMEDIFF_SEED another seed.
#include "clientframe.h"

#include <websocketframing.h>

#include <QDir>
#include <QElapsedTimer>
#include <QPointer>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

#include <algorithm>
#include <functional>
#include <memory>

using namespace Qt::StringLiterals;
using namespace Sockscope::WebSocketFraming;

namespace {

constexpr qint64 MaxMessage = 1024; // both readers' message (and Qt's frame) limit
constexpr int DefaultGenerated = 10000; // about 6 s here

/*
    The known divergences. Each is recognised from the two outcomes alone (see classify()):
    the side that refuses, its reason, and the messages before it agreeing.
*/
enum class Divergence {
    None,
    // RFC 6455, 5.1: "The server MUST close the connection upon receiving a frame that is not
    // masked" (1002). We do; Qt's server reads unmasked frames as if masked with zeros.
    Unmasked,
    // RFC 6455, 5.2: the minimal number of bytes MUST be used to encode the length. Qt refuses
    // a longer form (1002); we read it (as many readers do), the length being unambiguous.
    NonMinimalLength,
    // RFC 6455, 5.6: "a particular text frame might include a partial UTF-8 sequence; however,
    // the whole message MUST contain valid UTF-8". Qt (6.4) checks each fragment on its own and
    // refuses one that ends or starts inside a character (1007); we check the whole message.
    SplitCharacter,
    // RFC 6455, 5.6: text is UTF-8 as sent, and U+FEFF is a character like any other. Qt drops
    // a byte order mark at the start of a text frame (a message or any of its fragments); we
    // deliver the bytes as they came.
    LeadingBom,
    // RFC 6455, 7.1.7: an endpoint fails the connection once it sees the error. We judge a
    // frame from its header (a size over the limit, a continuation with no message to
    // continue) before its payload is waited for; Qt waits for the whole frame first. When
    // the stream ends inside that frame, only we have a verdict.
    DecidedFromHeader,
    // RFC 6455 gives no order for the checks of one frame. A frame out of place (a continuation
    // with no message to continue, a new message inside a fragmented one) and over the size
    // limit: we answer 1002 for its place, Qt 1009 for its size.
    TwoFaultsOneFrame,
    Unknown,
};

const char *name(Divergence d)
{
    switch (d) {
    case Divergence::None:
        return "none";
    case Divergence::Unmasked:
        return "unmasked frame";
    case Divergence::NonMinimalLength:
        return "non-minimal length";
    case Divergence::SplitCharacter:
        return "fragment splits a character";
    case Divergence::LeadingBom:
        return "BOM starting a text frame";
    case Divergence::DecidedFromHeader:
        return "decided from the header";
    case Divergence::TwoFaultsOneFrame:
        return "two faults in one frame";
    case Divergence::Unknown:
        return "UNKNOWN";
    }
    return "?";
}

struct Event
{
    char kind = 0; // T text, B binary, P ping (answered with a pong), O pong
    QByteArray bytes;
    bool operator==(const Event &o) const { return kind == o.kind && bytes == o.bytes; }
};

struct Outcome
{
    QList<Event> events;
    int verdict = 0; // the close code the server answers with; 0: none
    QString why; // our error string, or the reason in Qt's close frame
    bool operator==(const Outcome &o) const { return events == o.events && verdict == o.verdict; }
    QString toString() const
    {
        QStringList parts;
        for (const Event &e : events)
            parts.append(u"%1(%2)"_s.arg(QChar::fromLatin1(e.kind))
                                 .arg(QString::fromLatin1(e.bytes.left(24).toHex())));
        return u"[%1] verdict %2 %3"_s.arg(parts.join(u' ')).arg(verdict).arg(why);
    }
};

bool startsWith(const QList<Event> &all, const QList<Event> &prefix)
{
    return all.size() >= prefix.size() && all.first(prefix.size()) == prefix;
}

// The code a server answers a client's close frame with. An empty close reads as 1005, which
// is never sent (RFC 6455, 7.4.1): we answer with an empty close, Qt with 1000; both are the
// normal end, so both count as 1000.
int answered(quint16 code)
{
    return code == CloseCode::NoStatus ? int(CloseCode::Normal) : int(code);
}

// Our reader, fed piece bytes at a time, as the WebSocket transport feeds it.
Outcome readOurs(const QByteArray &bytes, qsizetype piece)
{
    Outcome out;
    ClientFrameReader reader(MaxMessage);
    QByteArray buffer;
    for (qsizetype fed = 0; fed < bytes.size(); fed += piece) {
        buffer.append(bytes.mid(fed, piece));
        qsizetype pos = 0;
        ClientFrameReader::Message m;
        for (;;) {
            const auto status = reader.read(buffer, &pos, &m);
            if (status == ClientFrameReader::Status::NeedMore)
                break;
            if (status == ClientFrameReader::Status::Error) {
                out.verdict = reader.errorCode();
                out.why = reader.errorString();
                return out;
            }
            switch (m.opcode) {
            case Opcode::Text:
                out.events.append({'T', m.payload});
                break;
            case Opcode::Binary:
                out.events.append({'B', m.payload});
                break;
            case Opcode::Ping:
                out.events.append({'P', m.payload});
                break;
            case Opcode::Pong:
                out.events.append({'O', m.payload});
                break;
            case Opcode::Close: {
                quint16 code = 0, error = 0;
                QByteArray reason;
                parseClosePayload(m.payload, &code, &reason, &error); // checked by the reader
                out.verdict = answered(code);
                out.why = QString::fromUtf8(reason);
                return out; // the transport reads nothing after a close
            }
            case Opcode::Continuation:
                out.events.append({'?', m.payload});
                break;
            }
        }
        buffer.remove(0, pos);
    }
    return out;
}

// Runs the event loop until done() holds, waiting for events rather than polling (one case is
// a few loop passes); false if it does not hold within timeoutMs.
bool waitUntil(const std::function<bool()> &done, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    QTimer guard; // wakes the wait below at the latest when time is up
    guard.start(timeoutMs);
    while (!done()) {
        if (clock.elapsed() >= timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    }
    return true;
}

// The server side of a loopback connection, which sees what Qt writes as it writes it.
class WatchedSocket : public QTcpSocket
{
public:
    std::function<void(const char *, qint64)> onWrite;

protected:
    qint64 writeData(const char *data, qint64 len) override
    {
        if (onWrite)
            onWrite(data, len);
        return QTcpSocket::writeData(data, len);
    }
};

class WatchedServer : public QTcpServer
{
public:
    std::function<void(WatchedSocket *)> onSocket;

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *socket = new WatchedSocket;
        if (!socket->setSocketDescriptor(descriptor)) {
            delete socket;
            return;
        }
        onSocket(socket);
    }
};

/*
    Qt's side: a QWebSocketServer given each accepted socket (handleConnection). The server's
    writes are parsed as frames as they are written: a pong is the answer to a ping (recorded
    in order with the messages, which Qt signals synchronously while reading), the first close
    frame is the verdict.
*/
class QtPeer
{
public:
    QtPeer()
    {
        m_tcp.onSocket = [this](WatchedSocket *socket) {
            m_socket = socket;
            socket->onWrite = [this](const char *data, qint64 len) { written(data, len); };
            m_ws.handleConnection(socket);
        };
        QObject::connect(&m_ws, &QWebSocketServer::newConnection, &m_ws, [this] {
            while (QWebSocket *ws = m_ws.nextPendingConnection())
                m_peer.reset(ws);
        });
    }
    bool listen() { return m_tcp.listen(QHostAddress::LocalHost, 0); }

    bool run(const QByteArray &bytes, Outcome *out, QString *failure)
    {
        m_out = Outcome();
        m_written.clear();
        m_headDone = false;
        m_peer.reset();
        m_socket = nullptr;
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, m_tcp.serverPort());
        client.write("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n");
        QByteArray head;
        if (!waitUntil(
                    [&] {
                        head += client.readAll();
                        return head.contains("\r\n\r\n") && m_peer;
                    },
                    5000)) {
            *failure = u"no upgrade: "_s + QString::fromLatin1(head);
            return false;
        }
        QWebSocket *ws = m_peer.get();
        ws->setMaxAllowedIncomingMessageSize(MaxMessage);
        ws->setMaxAllowedIncomingFrameSize(MaxMessage);
        bool gone = false;
        QObject::connect(ws, &QWebSocket::textMessageReceived, ws, [this](const QString &t) {
            m_out.events.append({'T', t.toUtf8()});
        });
        QObject::connect(ws, &QWebSocket::binaryMessageReceived, ws, [this](const QByteArray &b) {
            m_out.events.append({'B', b});
        });
        QObject::connect(ws, &QWebSocket::pong, ws, [this](quint64, const QByteArray &p) {
            m_out.events.append({'O', p});
        });
        QObject::connect(ws, &QWebSocket::disconnected, ws, [&gone] { gone = true; });
        // All the bytes, then the end of the stream: Qt has read everything once it reports
        // the connection gone.
        client.write(bytes);
        client.disconnectFromHost();
        const bool finished = waitUntil([&] { return gone; }, 10000);
        *out = m_out;
        m_peer.reset();
        delete m_socket; // if the peer did not take it
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
        if (!finished)
            *failure = u"Qt's peer did not finish"_s;
        return finished;
    }

private:
    void written(const char *data, qint64 len)
    {
        m_written.append(data, qsizetype(len));
        if (!m_headDone) {
            const qsizetype end = m_written.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            m_written.remove(0, end + 4);
            m_headDone = true;
        }
        // Whole server frames (never masked, never fragmented for control frames).
        while (m_written.size() >= 2) {
            const uchar b0 = uchar(m_written.at(0));
            quint64 n = uchar(m_written.at(1)) & 0x7F;
            qsizetype h = 2;
            if (n == 126 || n == 127) {
                const int extra = n == 126 ? 2 : 8;
                if (m_written.size() < 2 + extra)
                    return;
                n = 0;
                for (int i = 0; i < extra; ++i)
                    n = (n << 8) | uchar(m_written.at(2 + i));
                h += extra;
            }
            if (quint64(m_written.size() - h) < n)
                return;
            const QByteArray payload = m_written.mid(h, qsizetype(n));
            m_written.remove(0, h + qsizetype(n));
            const int opcode = b0 & 0x0F;
            if (opcode == 0xA && m_out.verdict == 0) {
                m_out.events.append({'P', payload});
            } else if (opcode == 0x8 && m_out.verdict == 0) {
                m_out.verdict = payload.size() >= 2
                        ? (uchar(payload.at(0)) << 8) | uchar(payload.at(1))
                        : int(CloseCode::Normal);
                m_out.why = QString::fromUtf8(payload.mid(2));
            }
        }
    }

    WatchedServer m_tcp;
    QWebSocketServer m_ws {u"framediff"_s, QWebSocketServer::NonSecureMode};
    std::unique_ptr<QWebSocket> m_peer;
    QPointer<WatchedSocket> m_socket;
    QByteArray m_written;
    bool m_headDone = false;
    Outcome m_out;
};

// A frame as the bytes lay it out, read by its structure only (masked or not, any bits).
struct RawFrame
{
    int opcode = 0;
    bool fin = false;
    QByteArray payload; // unmasked
};

// The frames of bytes up to the first incomplete one; *complete: none was left incomplete.
QList<RawFrame> walk(const QByteArray &bytes, bool *complete)
{
    QList<RawFrame> frames;
    qsizetype at = 0;
    *complete = false;
    while (bytes.size() - at >= 2) {
        const uchar b0 = uchar(bytes.at(at)), b1 = uchar(bytes.at(at + 1));
        quint64 n = b1 & 0x7F;
        qsizetype h = 2;
        if (n == 126 || n == 127) {
            const int extra = n == 126 ? 2 : 8;
            if (bytes.size() - at < 2 + extra)
                return frames;
            n = 0;
            for (int i = 0; i < extra; ++i)
                n = (n << 8) | uchar(bytes.at(at + 2 + i));
            h += extra;
        }
        const bool masked = b1 & 0x80;
        const qsizetype keyAt = at + h;
        h += masked ? 4 : 0;
        if (bytes.size() - at < h || n > quint64(bytes.size() - at - h))
            return frames;
        QByteArray payload = bytes.mid(at + h, qsizetype(n));
        for (qsizetype i = 0; masked && i < payload.size(); ++i)
            payload[i] = char(payload.at(i) ^ bytes.at(keyAt + (i & 3)));
        frames.append({b0 & 0x0F, bool(b0 & 0x80), payload});
        at += h + qsizetype(n);
    }
    *complete = at == bytes.size();
    return frames;
}

/*
    The number of the first data message (counting from 0, text or binary, in the order they
    start) with a text fragment that is not UTF-8 on its own, or -1.
*/
int firstSplitCharacterMessage(const QByteArray &bytes)
{
    bool complete = false;
    int started = 0; // data messages started so far
    bool inText = false;
    for (const RawFrame &f : walk(bytes, &complete)) {
        if (f.opcode == 0x1 || f.opcode == 0x2) {
            ++started;
            inText = f.opcode == 0x1 && !f.fin;
            if (inText && !isValidUtf8(f.payload))
                return started - 1;
        } else if (f.opcode == 0x0 && inText) {
            if (!isValidUtf8(f.payload))
                return started - 1;
            inText = !f.fin;
        }
    }
    return -1;
}

// Whether a frame of a text message (its first or a continuation) starts with a BOM.
bool textFrameStartsWithBom(const QByteArray &bytes)
{
    bool complete = false;
    bool inText = false;
    for (const RawFrame &f : walk(bytes, &complete)) {
        const bool text = f.opcode == 0x1 || (f.opcode == 0x0 && inText);
        if (text && f.payload.startsWith("\xef\xbb\xbf"))
            return true;
        if (f.opcode == 0x1 || f.opcode == 0x2)
            inText = f.opcode == 0x1 && !f.fin;
        else if (f.opcode == 0x0)
            inText = inText && !f.fin;
    }
    return false;
}

// The outcome with every BOM taken out of its text messages.
Outcome withoutBoms(Outcome o)
{
    for (Event &e : o.events) {
        if (e.kind == 'T')
            e.bytes.replace("\xef\xbb\xbf", "");
    }
    return o;
}

int dataMessages(const QList<Event> &events)
{
    return int(std::count_if(events.begin(), events.end(),
                             [](const Event &e) { return e.kind == 'T' || e.kind == 'B'; }));
}

/*
    Which known divergence explains two different outcomes, if any. The side that refuses
    says why (our error string; Qt's close reason), and the messages before the refusal agree:
    the refusing side's messages are where the other side's begin.
*/
Divergence classifyOther(const QByteArray &bytes, const Outcome &ours, const Outcome &qt)
{
    if (ours == qt)
        return Divergence::None;
    if (ours.verdict == CloseCode::ProtocolError && ours.why.contains(u"not masked"_s)
        && startsWith(qt.events, ours.events))
        return Divergence::Unmasked;
    if (qt.verdict == CloseCode::ProtocolError && qt.why.contains(u"must be expressed as"_s)
        && startsWith(ours.events, qt.events))
        return Divergence::NonMinimalLength;
    if (qt.verdict == CloseCode::InvalidPayload && startsWith(ours.events, qt.events)
        && firstSplitCharacterMessage(bytes) == dataMessages(qt.events))
        return Divergence::SplitCharacter;
    bool complete = false;
    if (ours.verdict != 0 && qt.verdict == 0 && ours.events == qt.events
        && (walk(bytes, &complete), !complete))
        return Divergence::DecidedFromHeader;
    if (ours.verdict == CloseCode::ProtocolError
        && (ours.why.contains(u"continuation"_s) || ours.why.contains(u"inside a fragmented"_s))
        && qt.verdict == CloseCode::TooBig && ours.events == qt.events)
        return Divergence::TwoFaultsOneFrame;
    return Divergence::Unknown;
}

Divergence classify(const QByteArray &bytes, const Outcome &ours, const Outcome &qt)
{
    if (ours == qt)
        return Divergence::None;
    // Qt's dropped BOMs can come with one of the others: the others are judged without BOMs.
    const bool boms = textFrameStartsWithBom(bytes);
    const Divergence other
            = classifyOther(bytes, boms ? withoutBoms(ours) : ours, boms ? withoutBoms(qt) : qt);
    if (other == Divergence::None && boms)
        return Divergence::LeadingBom;
    return other;
}

QByteArray frame(int opcode, const QByteArray &payload, bool fin = true, bool masked = true,
                 int rsv = 0, int lengthBytes = 0)
{
    return Loopback::clientFrame(opcode, payload, fin, masked, rsv, lengthBytes);
}
QByteArray closeFrame(quint16 code, const QByteArray &reason = {})
{
    return frame(0x8, QByteArray {char(code >> 8), char(code & 0xFF)} + reason);
}

// A client frame masked with a key of the generator's choice.
QByteArray randomFrame(QRandomGenerator &rng, int opcode, const QByteArray &payload, bool fin)
{
    QByteArray f = frame(opcode, payload, fin, false);
    const qsizetype head = f.size() - payload.size();
    f[1] = char(f.at(1) | 0x80);
    char key[4];
    for (char &k : key)
        k = char(rng.bounded(256));
    QByteArray masked = payload;
    for (qsizetype i = 0; i < masked.size(); ++i)
        masked[i] = char(masked.at(i) ^ key[i & 3]);
    return f.first(head) + QByteArray(key, 4) + masked;
}

QByteArray randomText(QRandomGenerator &rng, int maxLength)
{
    static const QList<QByteArray> pieces {"a",
                                           "Z",
                                           " ",
                                           "{\"k\":1}",
                                           "\xc3\xa9",
                                           "\xe2\x82\xac",
                                           "\xf0\x9f\x98\x80",
                                           "\xed\x9f\xbf",
                                           "\xef\xbf\xbf"};
    QByteArray t;
    const int n = rng.bounded(maxLength + 1);
    while (t.size() < n)
        t += pieces.at(rng.bounded(int(pieces.size())));
    return t;
}

QByteArray randomBytes(QRandomGenerator &rng, int maxLength)
{
    QByteArray b(rng.bounded(maxLength + 1), Qt::Uninitialized);
    for (char &c : b)
        c = char(rng.bounded(256));
    return b;
}

// A valid stream: messages (some fragmented, with control frames between the fragments),
// pings and pongs, sometimes a close at the end.
QByteArray validStream(QRandomGenerator &rng)
{
    QByteArray s;
    const int items = 1 + rng.bounded(5);
    for (int i = 0; i < items; ++i) {
        switch (rng.bounded(6)) {
        case 0:
            s += randomFrame(rng, 0x1, randomText(rng, 200), true);
            break;
        case 1:
            s += randomFrame(rng, 0x2, randomBytes(rng, rng.bounded(4) ? 100 : 1100), true);
            break;
        case 2:
            s += randomFrame(rng, 0x9, randomBytes(rng, 20), true);
            break;
        case 3:
            s += randomFrame(rng, 0xA, randomBytes(rng, 20), true);
            break;
        default: { // fragmented; a text fragment ends inside a character one time in eight
            const bool text = rng.bounded(2);
            const QByteArray m = text ? randomText(rng, 300) : randomBytes(rng, 300);
            const int parts = 2 + rng.bounded(3);
            const bool anywhere = !text || rng.bounded(8) == 0;
            qsizetype at = 0;
            for (int p = 0; p < parts; ++p) {
                qsizetype end
                        = p == parts - 1 ? m.size() : at + rng.bounded(int(m.size() - at) + 1);
                while (!anywhere && end > at && end < m.size() && (uchar(m.at(end)) & 0xC0) == 0x80)
                    --end;
                s += randomFrame(rng, p == 0 ? (text ? 0x1 : 0x2) : 0x0, m.mid(at, end - at),
                                 p == parts - 1);
                at = end;
                if (p < parts - 1 && rng.bounded(3) == 0)
                    s += randomFrame(rng, 0x9, randomBytes(rng, 10), true);
            }
        }
        }
    }
    if (rng.bounded(4) == 0)
        s += randomFrame(rng, 0x8,
                         closePayload(quint16(rng.bounded(2) ? 1000 : 4000 + rng.bounded(999)),
                                      randomText(rng, 30)),
                         true);
    return s;
}

// A few changes to a valid stream: bits flipped, a byte set, inserted or removed, the stream cut.
QByteArray mutated(QRandomGenerator &rng, QByteArray s)
{
    const int changes = 1 + rng.bounded(3);
    for (int c = 0; c < changes && !s.isEmpty(); ++c) {
        // Headers are where the rules are: aim near the start of a frame half the time.
        const qsizetype at = rng.bounded(2) ? rng.bounded(int(qMin<qsizetype>(s.size(), 16)))
                                            : rng.bounded(int(s.size()));
        switch (rng.bounded(6)) {
        case 0:
        case 1:
            s[at] = char(s.at(at) ^ (1 << rng.bounded(8)));
            break;
        case 2:
            s[at] = char(rng.bounded(256));
            break;
        case 3:
            s.insert(at, char(rng.bounded(256)));
            break;
        case 4:
            s.remove(at, 1);
            break;
        case 5:
            s.truncate(at);
            break;
        }
    }
    return s;
}

} // namespace

class tst_FrameDiff : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void handWritten_data();
    void handWritten();
    void fuzzCorpus();
    void generated();

private:
    // Runs one case both ways; fails the test on an unknown divergence, or when our reader
    // reads the bytes differently in pieces. Returns the divergence found.
    Divergence compare(const QByteArray &bytes, const QString &label);

    QtPeer m_qt;
};

void tst_FrameDiff::initTestCase() { QVERIFY(m_qt.listen()); }

Divergence tst_FrameDiff::compare(const QByteArray &bytes, const QString &label)
{
    const Outcome ours = readOurs(bytes, qMax<qsizetype>(bytes.size(), 1));
    for (qsizetype piece : {qsizetype(1), qsizetype(7)}) {
        const Outcome split = readOurs(bytes, piece);
        if (!(split == ours) || split.why != ours.why) {
            qWarning().noquote() << label << "read in pieces of" << piece
                                 << "differs:" << split.toString() << "whole:" << ours.toString();
            return Divergence::Unknown;
        }
    }
    Outcome qt;
    QString failure;
    if (!m_qt.run(bytes, &qt, &failure)) {
        qWarning().noquote() << label << failure;
        return Divergence::Unknown;
    }
    const Divergence d = classify(bytes, ours, qt);
    if (d == Divergence::Unknown)
        qWarning().noquote() << label << "bytes" << bytes.toHex() << "\n  ours:" << ours.toString()
                             << "\n  Qt:  " << qt.toString();
    return d;
}

void tst_FrameDiff::handWritten_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("divergence");
    const int same = int(Divergence::None);
    const QByteArray ping = frame(0x9, "are you there");

    QTest::newRow("text") << frame(0x1, "hello") << same;
    QTest::newRow("empty text") << frame(0x1, "") << same;
    QTest::newRow("binary") << frame(0x2, QByteArray("\x00\x01\xff", 3)) << same;
    QTest::newRow("binary, 16-bit length") << frame(0x2, QByteArray(300, 'b')) << same;
    QTest::newRow("binary at the limit") << frame(0x2, QByteArray(MaxMessage, 'b')) << same;
    QTest::newRow("text, multibyte")
            << frame(0x1, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") << same;
    QTest::newRow("text, a BOM inside") << frame(0x1, "hi\xef\xbb\xbf") << same;
    QTest::newRow("several messages")
            << frame(0x1, "one") + frame(0x2, "two") + frame(0x1, "three") << same;
    QTest::newRow("fragmented text")
            << frame(0x1, "hel", false) + frame(0x0, "l", false) + frame(0x0, "o") << same;
    QTest::newRow("fragmented binary, empty parts")
            << frame(0x2, "", false) + frame(0x0, "x", false) + frame(0x0, "") << same;
    QTest::newRow("ping between fragments")
            << frame(0x1, "a", false) + ping + frame(0x0, "b") << same;
    QTest::newRow("pong between fragments")
            << frame(0x2, "a", false) + frame(0xA, "p") + frame(0x0, "b") << same;
    QTest::newRow("ping, 125 bytes") << frame(0x9, QByteArray(125, 'p')) << same;
    QTest::newRow("pong") << frame(0xA, "unsolicited") << same;
    QTest::newRow("close, code and reason") << frame(0x1, "bye") + closeFrame(1000, "done") << same;
    QTest::newRow("close 4000") << closeFrame(4000, "app") << same;
    QTest::newRow("close 1001") << closeFrame(1001) << same;
    QTest::newRow("close, empty") << frame(0x8, "") << same;
    QTest::newRow("frames after close") << closeFrame(1000) + frame(0x1, "late") << same;
    QTest::newRow("ends inside a frame")
            << frame(0x1, "whole") + frame(0x1, "cut short").chopped(3) << same;
    QTest::newRow("ends inside a fragmented message") << frame(0x1, "a", false) << same;

    QTest::newRow("RSV1") << frame(0x1, "x", true, true, 4) << same;
    QTest::newRow("RSV3 on a ping") << frame(0x9, "x", true, true, 1) << same;
    QTest::newRow("opcode 3") << frame(0x3, "x") << same;
    QTest::newRow("opcode 0xB") << frame(0xB, "x") << same;
    QTest::newRow("ping, 126 bytes") << frame(0x9, QByteArray(126, 'p')) << same;
    QTest::newRow("fragmented ping") << frame(0x9, "x", false) << same;
    QTest::newRow("stray continuation") << frame(0x0, "x") << same;
    QTest::newRow("new message inside one") << frame(0x1, "a", false) + frame(0x1, "b") << same;
    QTest::newRow("text, bad UTF-8") << frame(0x1, "\xc3\x28") << same;
    QTest::newRow("text, overlong") << frame(0x1, "\xc0\xaf") << same;
    QTest::newRow("text, surrogate") << frame(0x1, "\xed\xa0\x80") << same;
    QTest::newRow("text, past U+10FFFF") << frame(0x1, "\xf4\x90\x80\x80") << same;
    QTest::newRow("fragmented text, bad UTF-8")
            << frame(0x1, "ok", false) + frame(0x0, "\xff") << same;
    QTest::newRow("text over the limit") << frame(0x1, QByteArray(MaxMessage + 1, 't')) << same;
    QTest::newRow("binary over the limit") << frame(0x2, QByteArray(MaxMessage + 1, 'b')) << same;
    QTest::newRow("over the limit, payload not come")
            << frame(0x2, QByteArray(MaxMessage + 100, 'b')).first(40) << same;
    QTest::newRow("64-bit length, top bit set")
            << QByteArray("\x82\xff\x80\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00", 14) << same;
    QTest::newRow("close, one byte") << frame(0x8, "\x03") << same;
    QTest::newRow("close 1005") << closeFrame(1005) << same;
    QTest::newRow("close 999") << closeFrame(999) << same;
    QTest::newRow("close 1016") << closeFrame(1016) << same;
    QTest::newRow("close 5000") << closeFrame(5000) << same;
    QTest::newRow("close 1012") << closeFrame(1012) << same;
    QTest::newRow("close 1014") << closeFrame(1014, "gateway") << same;
    QTest::newRow("close 1015") << closeFrame(1015) << same;
    QTest::newRow("close 3000") << closeFrame(3000) << same;
    QTest::newRow("close, bad UTF-8 reason") << closeFrame(1000, "\xff") << same;

    // The listed divergences, each shown by at least one case.
    QTest::newRow("unmasked text") << frame(0x1, "plain", true, false) << int(Divergence::Unmasked);
    QTest::newRow("unmasked after a message") << frame(0x1, "ok") + frame(0x2, "plain", true, false)
                    + frame(0x1, "more") << int(Divergence::Unmasked);
    QTest::newRow("5 bytes in 16 bits")
            << frame(0x1, "short", true, true, 0, 2) << int(Divergence::NonMinimalLength);
    QTest::newRow("300 bytes in 64 bits") << frame(0x2, QByteArray(300, 'x'), true, true, 0, 8)
                                          << int(Divergence::NonMinimalLength);
    QTest::newRow("fragments split a character") << frame(0x1, "\xe2", false)
                    + frame(0x0, "\x82\xac") << int(Divergence::SplitCharacter);
    QTest::newRow("split character after a message")
            << frame(0x2, "b") + frame(0x1, "caf\xc3", false) + ping + frame(0x0, "\xa9")
            << int(Divergence::SplitCharacter);
    QTest::newRow("text starting with a BOM")
            << frame(0x1, "\xef\xbb\xbfhi") << int(Divergence::LeadingBom);
    QTest::newRow("over the limit, whole header not come")
            << frame(0x2, QByteArray(MaxMessage + 100, 'b')).first(6)
            << int(Divergence::DecidedFromHeader);
    QTest::newRow("stray continuation over the limit")
            << frame(0x0, QByteArray(MaxMessage + 100, 'c')) << int(Divergence::TwoFaultsOneFrame);
    QTest::newRow("new message inside one, over the limit")
            << frame(0x2, "a", false) + frame(0x2, QByteArray(MaxMessage + 100, 'b'))
            << int(Divergence::TwoFaultsOneFrame);
    QTest::newRow("stray continuation, payload not come")
            << frame(0x1, "ok") + frame(0x0, QByteArray(100, 'c')).first(20)
            << int(Divergence::DecidedFromHeader);
    QTest::newRow("fragmented text starting with a BOM")
            << frame(0x1, "\xef\xbb\xbf", false) + frame(0x0, "hi") << int(Divergence::LeadingBom);
    QTest::newRow("second fragment starting with a BOM") << frame(0x1, "hi ", false)
                    + frame(0x0, "\xef\xbb\xbfthere") << int(Divergence::LeadingBom);
    QTest::newRow("BOM, then a split character") << frame(0x1,
                                                          "\xef\xbb\xbf"
                                                          "a")
                    + frame(0x1, "\xe2", false)
                    + frame(0x0, "\x82\xac") << int(Divergence::SplitCharacter);
}

void tst_FrameDiff::handWritten()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, divergence);
    const Divergence d = compare(bytes, QString::fromUtf8(QTest::currentDataTag()));
    QCOMPARE(name(d), name(Divergence(divergence)));
}

void tst_FrameDiff::fuzzCorpus()
{
    const QDir dir(QStringLiteral(SOCKSCOPE_SOURCE_DIR "/tests/fuzz/corpus/websocket"));
    const QStringList files = dir.entryList(QDir::Files, QDir::Name);
    QVERIFY(!files.isEmpty());
    for (const QString &f : files) {
        QFile file(dir.filePath(f));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray input
                = file.readAll().mid(1); // the fuzz target's first byte picks a piece size
        const Divergence d = compare(input, f);
        QVERIFY2(d != Divergence::Unknown, qPrintable(f));
    }
}

void tst_FrameDiff::generated()
{
    const int cases = qEnvironmentVariableIsSet("SOCKSCOPE_FRAMEDIFF_CASES")
            ? qEnvironmentVariableIntValue("SOCKSCOPE_FRAMEDIFF_CASES")
            : DefaultGenerated;
    const quint32 seed = qEnvironmentVariableIsSet("SOCKSCOPE_FRAMEDIFF_SEED")
            ? quint32(qEnvironmentVariableIntValue("SOCKSCOPE_FRAMEDIFF_SEED"))
            : 20261203u;
    QRandomGenerator rng(seed);
    QElapsedTimer clock;
    clock.start();
    QHash<QString, int> found;
    int unknown = 0;
    for (int i = 0; i < cases; ++i) {
        const QByteArray valid = validStream(rng);
        const QByteArray bytes = rng.bounded(4) == 0 ? valid : mutated(rng, valid);
        const Divergence d = compare(bytes, u"seed %1 case %2"_s.arg(seed).arg(i));
        ++found[QString::fromLatin1(name(d))];
        if (d == Divergence::Unknown && ++unknown >= 10)
            break; // enough to look at
    }
    qInfo().noquote() << cases << "generated cases (seed" << seed << ") in" << clock.elapsed()
                      << "ms:" << found;
    QCOMPARE(unknown, 0);
}

QTEST_GUILESS_MAIN(tst_FrameDiff)
#include "tst_framediff.moc"
