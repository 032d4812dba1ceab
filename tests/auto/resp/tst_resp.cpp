// Tests of the RESP2 reply parser and the command encoder.
#include "resp.h"

#include <QTest>

using namespace Sockscope;

class tst_Resp : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void replies_data();
    void replies();
    void byteByByte();
    void pipelined();
    void malformed_data();
    void malformed();
    void limits();
    void command();
};

Q_DECLARE_METATYPE(RespValue::Type)

void tst_Resp::replies_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<RespValue::Type>("type");
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("elements");

    QTest::newRow("simple") << QByteArray("+OK\r\n") << RespValue::Type::SimpleString
                            << QByteArray("OK") << 0;
    QTest::newRow("error") << QByteArray("-WRONGPASS invalid username-password pair\r\n")
                           << RespValue::Type::Error
                           << QByteArray("WRONGPASS invalid username-password pair") << 0;
    QTest::newRow("integer") << QByteArray(":1000\r\n") << RespValue::Type::Integer
                             << QByteArray("1000") << 0;
    QTest::newRow("negative") << QByteArray(":-3\r\n") << RespValue::Type::Integer
                              << QByteArray("-3") << 0;
    QTest::newRow("bulk") << QByteArray("$5\r\nhello\r\n") << RespValue::Type::Bulk
                          << QByteArray("hello") << 0;
    QTest::newRow("bulk with CR LF inside")
            << QByteArray("$4\r\na\r\nb\r\n") << RespValue::Type::Bulk << QByteArray("a\r\nb") << 0;
    QTest::newRow("binary bulk") << QByteArray("$3\r\n\x00\xff\x93\r\n", 10)
                                 << RespValue::Type::Bulk << QByteArray("\x00\xff\x93", 3) << 0;
    QTest::newRow("empty bulk") << QByteArray("$0\r\n\r\n") << RespValue::Type::Bulk << QByteArray()
                                << 0;
    QTest::newRow("null bulk") << QByteArray("$-1\r\n") << RespValue::Type::Null << QByteArray()
                               << 0;
    QTest::newRow("null array") << QByteArray("*-1\r\n") << RespValue::Type::Null << QByteArray()
                                << 0;
    QTest::newRow("empty array") << QByteArray("*0\r\n") << RespValue::Type::Array << QByteArray()
                                 << 0;
    QTest::newRow("pmessage") << QByteArray("*4\r\n$8\r\npmessage\r\n$13\r\nsocket.io#/#*\r\n"
                                            "$14\r\nsocket.io#/#a#\r\n$3\r\n\x93\xa1x\r\n")
                              << RespValue::Type::Array << QByteArray() << 4;
    QTest::newRow("NUMSUB") << QByteArray("*2\r\n$20\r\nsocket.io-request#/#\r\n:2\r\n")
                            << RespValue::Type::Array << QByteArray() << 2;
}

void tst_Resp::replies()
{
    QFETCH(QByteArray, wire);
    QFETCH(RespValue::Type, type);
    QFETCH(QByteArray, text);
    QFETCH(int, elements);

    RespParser parser;
    QVERIFY(parser.feed(wire));
    RespValue value;
    QVERIFY2(parser.next(&value), qPrintable(parser.errorString()));
    QCOMPARE(value.type, type);
    QCOMPARE(value.toByteArray(), text);
    QCOMPARE(value.elements.size(), elements);
    QVERIFY(!parser.next(&value));
    QVERIFY(!parser.hasError());
}

void tst_Resp::byteByByte()
{
    const QByteArray wire(
            "*3\r\n$7\r\nmessage\r\n$20\r\nsocket.io-request#/#\r\n$10\r\n{\"type\":1}\r\n");
    RespParser parser;
    RespValue value;
    for (qsizetype i = 0; i < wire.size(); ++i) {
        QVERIFY(!parser.next(&value));
        parser.feed(wire.sliced(i, 1));
    }
    QVERIFY(parser.next(&value));
    QCOMPARE(value.elements.size(), 3);
    QCOMPARE(value.elements.at(0).bytes, QByteArray("message"));
    QCOMPARE(value.elements.at(1).bytes, QByteArray("socket.io-request#/#"));
    QCOMPARE(value.elements.at(2).bytes, QByteArray("{\"type\":1}"));
    QVERIFY(!parser.hasError());
}

void tst_Resp::pipelined()
{
    RespParser parser;
    parser.feed("+OK\r\n:1\r\n$2\r\nab\r\n*1\r\n:7\r\n+PA");
    RespValue v;
    QVERIFY(parser.next(&v));
    QCOMPARE(v.bytes, QByteArray("OK"));
    QVERIFY(parser.next(&v));
    QCOMPARE(v.integer, 1);
    QVERIFY(parser.next(&v));
    QCOMPARE(v.bytes, QByteArray("ab"));
    QVERIFY(parser.next(&v));
    QCOMPARE(v.elements.at(0).integer, 7);
    QVERIFY(!parser.next(&v)); // "+PA" is not complete
    parser.feed("RTIAL\r\n");
    QVERIFY(parser.next(&v));
    QCOMPARE(v.bytes, QByteArray("PARTIAL"));
}

void tst_Resp::malformed_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::newRow("unknown type") << QByteArray("!3\r\nabc\r\n");
    QTest::newRow("bad integer") << QByteArray(":12a\r\n");
    QTest::newRow("plus integer") << QByteArray(":+1\r\n");
    QTest::newRow("empty integer") << QByteArray(":\r\n");
    QTest::newRow("bulk length below -1") << QByteArray("$-2\r\n");
    QTest::newRow("bulk not ended by CR LF") << QByteArray("$2\r\nabcd\r\n");
    QTest::newRow("array length below -1") << QByteArray("*-5\r\n");
    QTest::newRow("bad element") << QByteArray("*2\r\n:1\r\n?\r\n");
    QTest::newRow("huge bulk") << QByteArray("$99999999999\r\n");
    QTest::newRow("huge array") << QByteArray("*99999999\r\n");
}

void tst_Resp::malformed()
{
    QFETCH(QByteArray, wire);
    RespParser parser;
    parser.feed(wire);
    RespValue v;
    QVERIFY(!parser.next(&v));
    QVERIFY(parser.hasError());
    QVERIFY(!parser.errorString().isEmpty());
    // It stays failed.
    QVERIFY(!parser.feed("+OK\r\n"));
    QVERIFY(!parser.next(&v));
}

void tst_Resp::limits()
{
    RespParser::Limits limits;
    limits.maxBulkBytes = 8;
    limits.maxArrayElements = 2;
    limits.maxDepth = 2;
    limits.maxLineBytes = 16;
    {
        RespParser p(limits);
        RespValue v;
        p.feed("$8\r\n12345678\r\n");
        QVERIFY(p.next(&v));
        p.feed("$9\r\n"); // refused before its bytes arrive
        QVERIFY(!p.next(&v));
        QVERIFY(p.hasError());
    }
    {
        RespParser p(limits);
        RespValue v;
        p.feed("*3\r\n");
        QVERIFY(!p.next(&v));
        QVERIFY(p.hasError());
    }
    {
        RespParser p(limits);
        RespValue v;
        p.feed("*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n");
        QVERIFY(!p.next(&v));
        QVERIFY(p.hasError());
    }
    {
        RespParser p(limits);
        RespValue v;
        p.feed(QByteArray(40, 'x').prepend('+')); // no CR LF in sight
        QVERIFY(!p.next(&v));
        QVERIFY(p.hasError());
    }
}

void tst_Resp::command()
{
    QCOMPARE(Resp::command({"PUBLISH", "socket.io#/#", QByteArray("\x93\x00", 2)}),
             QByteArray("*3\r\n$7\r\nPUBLISH\r\n$12\r\nsocket.io#/#\r\n$2\r\n\x93\x00\r\n", 44));
    // Its own output parses back (a command is a RESP array of bulks).
    RespParser p;
    p.feed(Resp::command({"PUBSUB", "NUMSUB", "socket.io-request#/#"}));
    RespValue v;
    QVERIFY(p.next(&v));
    QCOMPARE(v.elements.size(), 3);
    QCOMPARE(v.elements.at(2).bytes, QByteArray("socket.io-request#/#"));
}

QTEST_GUILESS_MAIN(tst_Resp)
#include "tst_resp.moc"
