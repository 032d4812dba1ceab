// Unit tests for the frame headers the server writes itself (RFC 6455, 5.2).
#include "websocketframing.h"

#include <QTest>

using namespace Sockscope::WebSocketFraming;

class tst_WebSocketFraming : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void header_data();
    void header();
    void lengthsReadBack();
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

QTEST_APPLESS_MAIN(tst_WebSocketFraming)
#include "tst_websocketframing.moc"
