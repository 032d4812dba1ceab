// Unit tests for the frames the server writes and the client frames it reads (RFC 6455, 5).
#include "clientframe.h"
#include "websocketframing.h"

#include <QTest>

using namespace Sockscope::WebSocketFraming;
using namespace Qt::StringLiterals;
using Loopback::clientFrame;

namespace {

// A header alone announcing length bytes (masked, key included), without the payload.
QByteArray announce(int opcode, quint64 length)
{
    QByteArray f;
    f.append(char(0x80 | opcode));
    f.append(char(0x80 | 127));
    for (int i = 0; i < 8; ++i)
        f.append(char((length >> (56 - 8 * i)) & 0xFF));
    f.append("\x01\x02\x03\x04", 4);
    return f;
}

// "text:…", "binary:…", "ping:…", "pong:…", "close:…" per message, then "error 1002" (say).
QStringList readAll(ClientFrameReader *reader, const QByteArray &bytes, qsizetype piece,
                    qsizetype *left = nullptr)
{
    QStringList out;
    QByteArray buffer;
    qsizetype fed = 0;
    while (fed < bytes.size()) {
        const qsizetype n = qMin(piece, bytes.size() - fed);
        buffer.append(bytes.mid(fed, n));
        fed += n;
        qsizetype pos = 0;
        ClientFrameReader::Message m;
        for (;;) {
            const auto status = reader->read(buffer, &pos, &m);
            if (status == ClientFrameReader::Status::NeedMore)
                break;
            if (status == ClientFrameReader::Status::Error) {
                out << u"error %1"_s.arg(reader->errorCode());
                return out;
            }
            const char *kind = m.opcode == Opcode::Text ? "text"
                    : m.opcode == Opcode::Binary       ? "binary"
                    : m.opcode == Opcode::Ping         ? "ping"
                    : m.opcode == Opcode::Pong         ? "pong"
                    : m.opcode == Opcode::Close        ? "close"
                                                       : "?";
            out << QString::fromLatin1(kind) + u':' + QString::fromLatin1(m.payload.toHex());
        }
        buffer.remove(0, pos);
    }
    if (left)
        *left = buffer.size();
    return out;
}

QString item(const char *kind, const QByteArray &payload)
{
    return QString::fromLatin1(kind) + u':' + QString::fromLatin1(payload.toHex());
}

// UTF-8 by its definition (RFC 3629): decode each sequence, then judge the code point.
bool referenceUtf8(const uchar *p, int n)
{
    int i = 0;
    while (i < n) {
        const uchar c = p[i];
        int more;
        quint32 cp;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            more = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            more = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            more = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + more >= n)
            return false;
        for (int k = 1; k <= more; ++k) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        const quint32 least[] = { 0, 0x80, 0x800, 0x10000 };
        if (cp < least[more] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += more + 1;
    }
    return true;
}

} // namespace

class tst_WebSocketFraming : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void header_data();
    void header();
    void lengthsReadBack();
    void reads_data();
    void reads();
    void refuses_data();
    void refuses();
    void tooBigJudgedFromTheHeader();
    void failedStaysFailed();
    void partialFrameLeftForLater();
    void utf8AgainstItsDefinition();
    void utf8Examples_data();
    void utf8Examples();
    void closePayloads_data();
    void closePayloads();
    void closePayloadCutAtACharacter();
    void serverFrameWhole();
};

void tst_WebSocketFraming::header_data()
{
    QTest::addColumn<int>("opcode");
    QTest::addColumn<quint64>("length");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("empty text") << 1 << quint64(0) << QByteArray::fromHex("8100");
    QTest::newRow("one byte") << 1 << quint64(1) << QByteArray::fromHex("8101");
    QTest::newRow("binary") << 2 << quint64(5) << QByteArray::fromHex("8205");
    QTest::newRow("125, the last 7-bit length") << 1 << quint64(125) << QByteArray::fromHex("817d");
    QTest::newRow("126, the first 16-bit one") << 1 << quint64(126) << QByteArray::fromHex("817e007e");
    QTest::newRow("300") << 2 << quint64(300) << QByteArray::fromHex("827e012c");
    QTest::newRow("65535, the last 16-bit one")
            << 1 << quint64(65535) << QByteArray::fromHex("817effff");
    QTest::newRow("65536, the first 64-bit one")
            << 1 << quint64(65536) << QByteArray::fromHex("817f0000000000010000");
    QTest::newRow("over 4 GiB")
            << 2 << quint64(0x100000005ULL) << QByteArray::fromHex("827f0000000100000005");
}

void tst_WebSocketFraming::header()
{
    QFETCH(int, opcode);
    QFETCH(quint64, length);
    QFETCH(QByteArray, expected);
    char out[MaxServerHeaderSize + 1];
    out[MaxServerHeaderSize] = 'x';
    const int n = writeServerHeader(out, Opcode(opcode), length);
    QCOMPARE(QByteArray(out, n), expected);
    QCOMPARE(out[MaxServerHeaderSize], 'x'); // nothing written past the room it was given
}

// Every header reads back, by the RFC's rules, as one final unmasked frame of its length.
void tst_WebSocketFraming::lengthsReadBack()
{
    QList<quint64> lengths;
    for (quint64 l = 0; l < 70000; l += (l < 300 ? 1 : 97))
        lengths << l;
    lengths << 0xFFFFFFFFULL << (quint64(1) << 62);
    for (quint64 length : lengths) {
        char out[MaxServerHeaderSize];
        const int n = writeServerHeader(out, Opcode::Text, length);
        const auto byte = [&](int i) { return quint64(uchar(out[i])); };
        QCOMPARE(byte(0), quint64(0x81)); // FIN, no RSV bits, text
        QCOMPARE(byte(1) & 0x80, quint64(0)); // not masked
        quint64 read = byte(1) & 0x7F;
        int expectedSize = 2;
        if (read == 126) {
            read = (byte(2) << 8) | byte(3);
            expectedSize = 4;
            QVERIFY(read >= 126); // the shortest form, as the RFC requires
        } else if (read == 127) {
            read = 0;
            for (int i = 0; i < 8; ++i)
                read = (read << 8) | byte(2 + i);
            expectedSize = 10;
            QVERIFY(read > 0xFFFF);
            QCOMPARE(byte(2) & 0x80, quint64(0)); // most significant bit clear
        }
        QCOMPARE(n, expectedSize);
        QCOMPARE(read, length);
    }
}

void tst_WebSocketFraming::reads_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QStringList>("expected");
    const QByteArray big(70000, 'b');
    const QByteArray e = "\xc3\xa9"; // é
    QTest::newRow("text") << clientFrame(1, "42[\"a\"]") << QStringList { item("text", "42[\"a\"]") };
    QTest::newRow("empty text") << clientFrame(1, {}) << QStringList { item("text", {}) };
    QTest::newRow("binary") << clientFrame(2, "\x00\xff\x01"_ba)
                            << QStringList { item("binary", "\x00\xff\x01"_ba) };
    QTest::newRow("125 bytes") << clientFrame(1, QByteArray(125, 'x'))
                               << QStringList { item("text", QByteArray(125, 'x')) };
    QTest::newRow("126 bytes, 16-bit length") << clientFrame(1, QByteArray(126, 'y'))
                                              << QStringList { item("text", QByteArray(126, 'y')) };
    QTest::newRow("70000 bytes, 64-bit length") << clientFrame(2, big) << QStringList { item("binary", big) };
    QTest::newRow("short length in a long form") // allowed: the RFC asks it only of senders
            << clientFrame(1, "hi", true, true, 0, 8) << QStringList { item("text", "hi") };
    QTest::newRow("utf-8 text") << clientFrame(1, "4" + e + "\xf0\x9f\x98\x80")
                                << QStringList { item("text", "4" + e + "\xf0\x9f\x98\x80") };
    QTest::newRow("ping, pong, close")
            << clientFrame(9, "p") + clientFrame(10, "q") + clientFrame(8, "\x03\xe8" "bye")
            << QStringList { item("ping", "p"), item("pong", "q"), item("close", "\x03\xe8" "bye") };
    QTest::newRow("close without a code") << clientFrame(8, {}) << QStringList { item("close", {}) };
    QTest::newRow("three fragments, a ping between")
            << clientFrame(1, "42[\"fr", false) + clientFrame(9, "hi") + clientFrame(0, "ag\"", false)
                    + clientFrame(0, "]")
            << QStringList { item("ping", "hi"), item("text", "42[\"frag\"]") };
    QTest::newRow("a character split between fragments")
            << clientFrame(1, "4" + e.left(1), false) + clientFrame(0, e.mid(1))
            << QStringList { item("text", "4" + e) };
    QTest::newRow("binary fragments") << clientFrame(2, "\x01", false) + clientFrame(0, "\x02", false)
                    + clientFrame(0, {})
                                      << QStringList { item("binary", "\x01\x02") };
    QTest::newRow("messages back to back")
            << clientFrame(1, "2") + clientFrame(1, "3") + clientFrame(2, "z")
            << QStringList { item("text", "2"), item("text", "3"), item("binary", "z") };
}

// The same messages whatever pieces the bytes arrive in.
void tst_WebSocketFraming::reads()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QStringList, expected);
    for (qsizetype piece : { bytes.size(), qsizetype(1), qsizetype(2), qsizetype(3), qsizetype(7), qsizetype(4096) }) {
        ClientFrameReader reader(100000);
        qsizetype left = -1;
        QCOMPARE(readAll(&reader, bytes, piece, &left), expected);
        QCOMPARE(left, 0);
        QCOMPARE(reader.heldBytes(), 0);
        QCOMPARE(reader.errorCode(), 0);
    }
}

void tst_WebSocketFraming::refuses_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("why"); // a word of errorString()
    QTest::newRow("not masked") << clientFrame(1, "40", true, false) << 1002 << u"masked"_s;
    QTest::newRow("rsv1 (compression not agreed)") << clientFrame(1, "40", true, true, 4) << 1002 << u"reserved"_s;
    QTest::newRow("rsv3") << clientFrame(1, "40", true, true, 1) << 1002 << u"reserved"_s;
    QTest::newRow("opcode 3") << clientFrame(3, "x") << 1002 << u"opcode 0x3"_s;
    QTest::newRow("opcode 0xb") << clientFrame(0xb, "x") << 1002 << u"opcode 0xb"_s;
    QTest::newRow("ping of 126 bytes") << clientFrame(9, QByteArray(126, 'p')) << 1002 << u"125"_s;
    QTest::newRow("fragmented ping") << clientFrame(9, "p", false) << 1002 << u"fragmented control"_s;
    QTest::newRow("continuation first") << clientFrame(0, "x") << 1002 << u"continuation"_s;
    QTest::newRow("a message inside a fragmented one")
            << clientFrame(1, "a", false) + clientFrame(1, "b") << 1002 << u"inside"_s;
    QTest::newRow("over maxPayload") << clientFrame(1, QByteArray(1001, 'x')) << 1009 << u"1000"_s;
    QTest::newRow("fragments over maxPayload")
            << clientFrame(1, QByteArray(600, 'x'), false) + clientFrame(0, QByteArray(401, 'x'))
            << 1009 << u"larger"_s;
    QTest::newRow("64-bit length, top bit set") << announce(1, quint64(1) << 63) << 1002 << u"top bit"_s;
    QTest::newRow("text not utf-8") << clientFrame(1, "4\xc3\x28") << 1007 << u"UTF-8"_s;
    QTest::newRow("text ends inside a character")
            << clientFrame(1, "4\xe2\x82", false) + clientFrame(0, {}) << 1007 << u"UTF-8"_s;
    QTest::newRow("surrogate in text") << clientFrame(1, "\xed\xa0\x80") << 1007 << u"UTF-8"_s;
    QTest::newRow("close of one byte") << clientFrame(8, "\x03") << 1002 << u"close"_s;
    QTest::newRow("close code 1005 on the wire") << clientFrame(8, "\x03\xed") << 1002 << u"close"_s;
    QTest::newRow("close code 999") << clientFrame(8, "\x03\xe7") << 1002 << u"close"_s;
    QTest::newRow("close code 5000") << clientFrame(8, "\x13\x88") << 1002 << u"close"_s;
    QTest::newRow("close reason not utf-8") << clientFrame(8, "\x03\xe8\xff") << 1007 << u"close"_s;
    QTest::newRow("good, then bad") << clientFrame(1, "2") + clientFrame(1, "3", true, false) << 1002
                                    << u"masked"_s;
}

void tst_WebSocketFraming::refuses()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, code);
    QFETCH(QString, why);
    for (qsizetype piece : { bytes.size(), qsizetype(1), qsizetype(5) }) {
        ClientFrameReader reader(1000);
        const QStringList got = readAll(&reader, bytes, piece);
        QVERIFY(!got.isEmpty());
        QCOMPARE(got.last(), u"error %1"_s.arg(code));
        QCOMPARE(int(reader.errorCode()), code);
        QVERIFY2(reader.errorString().contains(why, Qt::CaseInsensitive), qPrintable(reader.errorString()));
        QCOMPARE(reader.heldBytes(), 0); // nothing kept after the error
    }
}

// A frame announcing more than the limit is refused from its header: nothing of the
// payload is waited for (or held).
void tst_WebSocketFraming::tooBigJudgedFromTheHeader()
{
    ClientFrameReader reader(1000000);
    QByteArray header = announce(2, 1000001);
    qsizetype pos = 0;
    ClientFrameReader::Message m;
    QCOMPARE(reader.read(header.left(9), &pos, &m), ClientFrameReader::Status::NeedMore);
    QCOMPARE(reader.read(header, &pos, &m), ClientFrameReader::Status::Error);
    QCOMPARE(reader.errorCode(), quint16(CloseCode::TooBig));
    // At the limit, the header alone waits for the payload.
    ClientFrameReader atLimit(1000000);
    pos = 0;
    QCOMPARE(atLimit.read(announce(2, 1000000), &pos, &m), ClientFrameReader::Status::NeedMore);
    QCOMPARE(pos, 0);
    // A huge length cannot overflow the check.
    ClientFrameReader huge(1000000);
    pos = 0;
    QCOMPARE(huge.read(announce(1, ~quint64(0) >> 1), &pos, &m), ClientFrameReader::Status::Error);
    QCOMPARE(huge.errorCode(), quint16(CloseCode::TooBig));
}

void tst_WebSocketFraming::failedStaysFailed()
{
    ClientFrameReader reader(100);
    const QByteArray bad = clientFrame(1, "x", true, false);
    qsizetype pos = 0;
    ClientFrameReader::Message m;
    QCOMPARE(reader.read(bad, &pos, &m), ClientFrameReader::Status::Error);
    pos = 0;
    QCOMPARE(reader.read(clientFrame(1, "ok"), &pos, &m), ClientFrameReader::Status::Error);
    QCOMPARE(pos, 0);
    QCOMPARE(reader.errorCode(), quint16(CloseCode::ProtocolError));
}

// Whole frames are taken; the start of the next stays for the caller to keep, and fragments
// of an unfinished message are held by the reader.
void tst_WebSocketFraming::partialFrameLeftForLater()
{
    ClientFrameReader reader(1000);
    const QByteArray one = clientFrame(1, "first");
    const QByteArray fragment = clientFrame(1, "par", false);
    const QByteArray next = clientFrame(0, "tial");
    const QByteArray bytes = one + fragment + next.left(3);
    qsizetype pos = 0;
    ClientFrameReader::Message m;
    QCOMPARE(reader.read(bytes, &pos, &m), ClientFrameReader::Status::Message);
    QCOMPARE(m.payload, QByteArray("first"));
    QCOMPARE(pos, one.size());
    QCOMPARE(reader.read(bytes, &pos, &m), ClientFrameReader::Status::NeedMore);
    QCOMPARE(pos, one.size() + fragment.size());
    QCOMPARE(reader.heldBytes(), 3);
    const QByteArray rest = bytes.mid(pos) + next.mid(3);
    pos = 0;
    QCOMPARE(reader.read(rest, &pos, &m), ClientFrameReader::Status::Message);
    QCOMPARE(m.payload, QByteArray("partial"));
    QCOMPARE(m.opcode, Opcode::Text);
    QCOMPARE(pos, rest.size());
    QCOMPARE(reader.heldBytes(), 0);
}

// Every string of up to three bytes, and four-byte ones over the lead bytes that matter,
// judged as UTF-8's definition judges them; also after an ASCII run (the 8-byte path).
void tst_WebSocketFraming::utf8AgainstItsDefinition()
{
    int mismatches = 0;
    uchar buf[12];
    const auto check = [&](int n) {
        if (isValidUtf8(QByteArrayView(reinterpret_cast<const char *>(buf), n))
            != referenceUtf8(buf, n))
            ++mismatches;
    };
    for (int a = 0; a < 256; ++a) {
        buf[0] = uchar(a);
        check(1);
        for (int b = 0; b < 256; ++b) {
            buf[1] = uchar(b);
            check(2);
            if (a < 0xC0)
                continue; // a third byte cannot rescue a bad start
            for (int c = 0; c < 256; ++c) {
                buf[2] = uchar(c);
                check(3);
            }
        }
    }
    const uchar interesting[] = { 0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff };
    for (int a = 0xF0; a <= 0xF8; ++a) {
        for (uchar b : interesting) {
            for (uchar c : interesting) {
                for (uchar d : interesting) {
                    buf[0] = uchar(a), buf[1] = b, buf[2] = c, buf[3] = d;
                    check(4);
                }
            }
        }
    }
    // Behind eight ASCII bytes, and cut short by the end.
    const QList<QByteArray> tails = { "\xc3\xa9", "\xc3", "\xe2\x82\xac", "\xe2\x82", "\xf0\x9f\x98\x80",
                                      "\xf0\x9f\x98", "\xc0\x80", "\xed\xbf\xbf", "\xf4\x90\x80\x80" };
    for (const QByteArray &t : tails) {
        const QByteArray s = "abcdefgh" + t + "ijklmnop";
        const QByteArray cut = "abcdefghij" + t;
        QCOMPARE(isValidUtf8(s), referenceUtf8(reinterpret_cast<const uchar *>(s.constData()), int(s.size())));
        QCOMPARE(isValidUtf8(cut), referenceUtf8(reinterpret_cast<const uchar *>(cut.constData()), int(cut.size())));
    }
    QCOMPARE(mismatches, 0);
}

void tst_WebSocketFraming::utf8Examples_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("valid");
    QTest::newRow("empty") << QByteArray() << true;
    QTest::newRow("ascii, long") << QByteArray(1000, 'a') << true;
    QTest::newRow("é") << "\xc3\xa9"_ba << true;
    QTest::newRow("€") << "\xe2\x82\xac"_ba << true;
    QTest::newRow("U+10FFFF") << "\xf4\x8f\xbf\xbf"_ba << true;
    QTest::newRow("U+110000") << "\xf4\x90\x80\x80"_ba << false;
    QTest::newRow("overlong /") << "\xc0\xaf"_ba << false;
    QTest::newRow("overlong 3-byte") << "\xe0\x80\xaf"_ba << false;
    QTest::newRow("overlong 4-byte") << "\xf0\x80\x80\xaf"_ba << false;
    QTest::newRow("surrogate U+D800") << "\xed\xa0\x80"_ba << false;
    QTest::newRow("lone continuation") << "\x80"_ba << false;
    QTest::newRow("FE") << "\xfe"_ba << false;
    QTest::newRow("truncated at the end") << "abc\xe2\x82"_ba << false;
    QTest::newRow("ascii run with a bad byte at 9") << "abcdefgh\xffz"_ba << false;
    QTest::newRow("NUL is fine") << QByteArray("a\0b", 3) << true;
}

void tst_WebSocketFraming::utf8Examples()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, valid);
    QCOMPARE(isValidUtf8(bytes), valid);
}

void tst_WebSocketFraming::closePayloads_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<int>("code"); // the code read, or the close code to answer with
    QTest::addColumn<QByteArray>("reason");
    QTest::newRow("empty: no status") << QByteArray() << true << 1005 << QByteArray();
    QTest::newRow("1000") << "\x03\xe8"_ba << true << 1000 << QByteArray();
    QTest::newRow("1001 with reason") << "\x03\xe9going"_ba << true << 1001 << "going"_ba;
    QTest::newRow("1014") << "\x03\xf6"_ba << true << 1014 << QByteArray();
    QTest::newRow("3000") << "\x0b\xb8"_ba << true << 3000 << QByteArray();
    QTest::newRow("4999 utf-8 reason") << "\x13\x87\xc3\xa9"_ba << true << 4999 << "\xc3\xa9"_ba;
    QTest::newRow("one byte") << "\x03"_ba << false << 1002 << QByteArray();
    QTest::newRow("1004 reserved") << "\x03\xec"_ba << false << 1002 << QByteArray();
    QTest::newRow("1006 reserved") << "\x03\xee"_ba << false << 1002 << QByteArray();
    QTest::newRow("1015 reserved") << "\x03\xf7"_ba << false << 1002 << QByteArray();
    QTest::newRow("2999") << "\x0b\xb7"_ba << false << 1002 << QByteArray();
    QTest::newRow("0") << "\x00\x00"_ba << false << 1002 << QByteArray();
    QTest::newRow("bad reason") << "\x03\xe8\xc3"_ba << false << 1007 << QByteArray();
}

void tst_WebSocketFraming::closePayloads()
{
    QFETCH(QByteArray, payload);
    QFETCH(bool, ok);
    QFETCH(int, code);
    QFETCH(QByteArray, reason);
    quint16 read = 0;
    quint16 error = 0;
    QByteArray why = "untouched";
    QCOMPARE(parseClosePayload(payload, &read, &why, &error), ok);
    if (ok) {
        QCOMPARE(int(read), code);
        QCOMPARE(why, reason);
        // What the server writes reads back the same.
        if (code != 1005) {
            quint16 again = 0;
            QByteArray againWhy;
            QVERIFY(parseClosePayload(closePayload(read, why), &again, &againWhy, &error));
            QCOMPARE(again, read);
            QCOMPARE(againWhy, why);
        }
    } else {
        QCOMPARE(int(error), code);
    }
}

// A reason is cut to fit a control frame (125 bytes with the code), never inside a character.
void tst_WebSocketFraming::closePayloadCutAtACharacter()
{
    QByteArray reason;
    for (int i = 0; i < 100; ++i)
        reason += "\xc3\xa9"; // 200 bytes of é
    const QByteArray p = closePayload(1000, reason);
    QVERIFY(p.size() <= 125);
    QCOMPARE(p.size(), 2 + 122); // 61 whole characters
    quint16 code = 0, error = 0;
    QByteArray back;
    QVERIFY(parseClosePayload(p, &code, &back, &error));
    QCOMPARE(code, quint16(1000));
    QCOMPARE(back, reason.left(122));
    QCOMPARE(closePayload(4000, "short"), "\x0f\xa0short"_ba);
}

void tst_WebSocketFraming::serverFrameWhole()
{
    QCOMPARE(serverFrame(Opcode::Pong, "hi"), "\x8a\x02hi"_ba);
    QCOMPARE(serverFrame(Opcode::Close, {}), "\x88\x00"_ba);
    const QByteArray big(300, 'q');
    QCOMPARE(serverFrame(Opcode::Binary, big), "\x82\x7e\x01\x2c"_ba + big);
}

QTEST_APPLESS_MAIN(tst_WebSocketFraming)
#include "tst_websocketframing.moc"
