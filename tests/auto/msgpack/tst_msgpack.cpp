// The msgpack codec: values to bytes exactly as the Node.js msgpack format writes them (the
// golden bytes below are what notepack.io 2.2, the encoder socket.io-msgpack-parser 3.0.2
// uses, wrote for the same JavaScript values), bytes back to values, and malformed input
// refused with a reason.
#include "msgpack.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

#include <cmath>

using namespace Qt::StringLiterals;
using namespace Sockscope;

namespace {

QVariant null()
{
    return QVariant::fromValue(nullptr);
}

QVariantMap map16()
{
    QVariantMap m;
    for (int i = 0; i < 16; ++i)
        m.insert(u"k%1"_s.arg(i, 2, 10, QLatin1Char('0')), qint64(i));
    return m;
}

// Compares two decoded values: QVariant's own == treats qint64 1 and double 1.0 alike.
bool sameValue(const QVariant &a, const QVariant &b)
{
    if (a.typeId() != b.typeId())
        return false;
    switch (a.typeId()) {
    case QMetaType::QVariantList: {
        const QVariantList x = a.toList(), y = b.toList();
        if (x.size() != y.size())
            return false;
        for (qsizetype i = 0; i < x.size(); ++i) {
            if (!sameValue(x.at(i), y.at(i)))
                return false;
        }
        return true;
    }
    case QMetaType::QVariantMap: {
        const QVariantMap x = a.toMap(), y = b.toMap();
        if (x.keys() != y.keys())
            return false;
        for (auto it = x.cbegin(); it != x.cend(); ++it) {
            if (!sameValue(it.value(), y.value(it.key())))
                return false;
        }
        return true;
    }
    case QMetaType::Double:
        return a.toDouble() == b.toDouble()
                || (std::isnan(a.toDouble()) && std::isnan(b.toDouble()));
    case QMetaType::UnknownType:
    case QMetaType::Nullptr:
        return true;
    default:
        return a == b;
    }
}

} // namespace

class tst_Msgpack : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void encodeGolden_data();
    void encodeGolden();
    void decodeGolden_data();
    void decodeGolden();
    void decodeOnly_data();
    void decodeOnly();
    void jsonWithPlaceholders();
    void malformed_data();
    void malformed();
    void depthLimit();
};

// Rows: the value as Sockscope holds it, and notepack.io's bytes for the same JS value.
void tst_Msgpack::encodeGolden_data()
{
    QTest::addColumn<QVariant>("value");
    QTest::addColumn<QByteArray>("hex");

    QTest::newRow("0") << QVariant(qint64(0)) << "00"_ba;
    QTest::newRow("positive fixint max") << QVariant(qint64(127)) << "7f"_ba;
    QTest::newRow("uint 8") << QVariant(qint64(128)) << "cc80"_ba;
    QTest::newRow("uint 8 max") << QVariant(255) << "ccff"_ba;
    QTest::newRow("uint 16") << QVariant(qint64(256)) << "cd0100"_ba;
    QTest::newRow("uint 16 max") << QVariant(qint64(65535)) << "cdffff"_ba;
    QTest::newRow("uint 32") << QVariant(qint64(65536)) << "ce00010000"_ba;
    QTest::newRow("uint 32 max") << QVariant(qint64(4294967295LL)) << "ceffffffff"_ba;
    QTest::newRow("uint 64") << QVariant(qint64(4294967296LL)) << "cf0000000100000000"_ba;
    QTest::newRow("2^53") << QVariant(qint64(1) << 53) << "cf0020000000000000"_ba;
    QTest::newRow("-1") << QVariant(qint64(-1)) << "ff"_ba;
    QTest::newRow("negative fixint min") << QVariant(-32) << "e0"_ba;
    QTest::newRow("int 8") << QVariant(qint64(-33)) << "d0df"_ba;
    QTest::newRow("int 8 min") << QVariant(qint64(-128)) << "d080"_ba;
    QTest::newRow("int 16") << QVariant(qint64(-129)) << "d1ff7f"_ba;
    QTest::newRow("int 16 min") << QVariant(qint64(-32768)) << "d18000"_ba;
    QTest::newRow("int 32") << QVariant(qint64(-32769)) << "d2ffff7fff"_ba;
    QTest::newRow("int 32 min") << QVariant(qint64(-2147483648LL)) << "d280000000"_ba;
    QTest::newRow("int 64") << QVariant(qint64(-2147483649LL)) << "d3ffffffff7fffffff"_ba;
    QTest::newRow("whole double is an integer") << QVariant(1.0) << "01"_ba;
    QTest::newRow("-0 is 0") << QVariant(-0.0) << "00"_ba;
    QTest::newRow("whole double 2^53") << QVariant(9007199254740992.0) << "cf0020000000000000"_ba;
    QTest::newRow("0.5") << QVariant(0.5) << "cb3fe0000000000000"_ba;
    QTest::newRow("3.14159") << QVariant(3.14159) << "cb400921f9f01b866e"_ba;
    QTest::newRow("null") << null() << "c0"_ba;
    QTest::newRow("undefined") << QVariant() << "d40000"_ba;
    QTest::newRow("true") << QVariant(true) << "c3"_ba;
    QTest::newRow("false") << QVariant(false) << "c2"_ba;
    QTest::newRow("empty string") << QVariant(u""_s) << "a0"_ba;
    QTest::newRow("fixstr") << QVariant(u"hello"_s) << "a568656c6c6f"_ba;
    QTest::newRow("utf-8") << QVariant(u"héllo €"_s) << "aa68c3a96c6c6f20e282ac"_ba;
    QTest::newRow("fixstr max") << QVariant(QString(31, u'a')) << "bf" + QByteArray(31, 'a').toHex();
    QTest::newRow("str 8") << QVariant(QString(32, u'a')) << "d920" + QByteArray(32, 'a').toHex();
    QTest::newRow("str 16") << QVariant(QString(256, u'b')) << "da0100" + QByteArray(256, 'b').toHex();
    QTest::newRow("bin 8") << QVariant("\x01\x02\x03"_ba) << "c403010203"_ba;
    QTest::newRow("bin 16") << QVariant(QByteArray(256, 7)) << "c50100" + QByteArray(256, 7).toHex();
    QTest::newRow("fixarray") << QVariant(QVariantList{ qint64(1), u"a"_s, null() }) << "9301a161c0"_ba;
    QTest::newRow("array 16") << QVariant(QVariantList(16, qint64(0)))
                              << "dc0010" + QByteArray(16, 0).toHex();
    QTest::newRow("empty array") << QVariant(QVariantList()) << "90"_ba;
    QTest::newRow("fixmap") << QVariant(QVariantMap{ { u"a"_s, qint64(1) },
                                                     { u"b"_s, QVariantList{ true } } })
                            << "82a16101a16291c3"_ba;
    QTest::newRow("map 16") << QVariant(map16())
                            << "de0010a36b303000a36b303101a36b303202a36b303303a36b303404a36b303505"
                               "a36b303606a36b303707a36b303808a36b303909a36b31300aa36b31310ba36b"
                               "31320ca36b31330da36b31340ea36b31350f"_ba;
    QTest::newRow("empty map") << QVariant(QVariantMap()) << "80"_ba;
    QTest::newRow("nested binary")
            << QVariant(QVariantMap{ { u"a"_s,
                                       QVariantMap{ { u"b"_s,
                                                      QVariantMap{ { u"c"_s,
                                                                     QVariantList{ "\xff"_ba } } } } } } })
            << "81a16181a16281a16391c401ff"_ba;
}

void tst_Msgpack::encodeGolden()
{
    QFETCH(QVariant, value);
    QFETCH(QByteArray, hex);
    QCOMPARE(Msgpack::encode(value).toHex(), hex);
}

// Every golden row decodes back to the value (doubles that are whole come back as integers).
void tst_Msgpack::decodeGolden_data()
{
    encodeGolden_data();
}

void tst_Msgpack::decodeGolden()
{
    QFETCH(QVariant, value);
    QFETCH(QByteArray, hex);
    QVariant out;
    QString error;
    QVERIFY2(Msgpack::decode(QByteArray::fromHex(hex), &out, &error), qPrintable(error));
    QVariant expected = value;
    if (value.typeId() == QMetaType::Double && std::floor(value.toDouble()) == value.toDouble())
        expected = qint64(value.toDouble());
    else if (value.typeId() == QMetaType::Int)
        expected = qint64(value.toInt());
    QVERIFY2(sameValue(out, expected), qPrintable(out.toString()));
    QCOMPARE(out.typeId(), expected.typeId());
}

// What the other side may send that Sockscope never writes.
void tst_Msgpack::decodeOnly_data()
{
    QTest::addColumn<QByteArray>("hex");
    QTest::addColumn<QVariant>("value");

    QTest::newRow("float 32") << "ca3fc00000"_ba << QVariant(1.5);
    QTest::newRow("uint 64 above qint64") << "cfffffffffffffffff"_ba << QVariant(18446744073709551615.0);
    QTest::newRow("int 64 min") << "d38000000000000000"_ba << QVariant(std::numeric_limits<qint64>::min());
    // A browser's ArrayBuffer, as notepack.io 2.2 writes it: ext 8 of type 0.
    QTest::newRow("ArrayBuffer") << "c702000908"_ba << QVariant("\x09\x08"_ba);
    QTest::newRow("ArrayBuffer ext 16") << "c800020009ff"_ba << QVariant("\x09\xff"_ba);
    // new Date(Date.UTC(2020, 0, 1)) by notepack.io 2.2, and as a timestamp 32.
    QTest::newRow("date") << "d7000000016f5e66e800"_ba << QVariant(u"2020-01-01T00:00:00.000Z"_s);
    QTest::newRow("timestamp 32") << "d6ff5e0be100"_ba << QVariant(u"2020-01-01T00:00:00.000Z"_s);
    QTest::newRow("other ext") << "d5050102"_ba << QVariant(QVariantList{ qint64(5), "\x01\x02"_ba });
    QTest::newRow("integer map key") << "8101c3"_ba << QVariant(QVariantMap{ { u"1"_s, true } });
    QTest::newRow("str 32") << "db000000026869"_ba << QVariant(u"hi"_s);
    QTest::newRow("bin 32") << "c60000000101"_ba << QVariant("\x01"_ba);
    QTest::newRow("array 32") << "dd00000001c0"_ba << QVariant(QVariantList{ null() });
    QTest::newRow("map 32") << "df00000001a178c2"_ba << QVariant(QVariantMap{ { u"x"_s, false } });
    QTest::newRow("map with undefined")
            << "82a16102a169d40000"_ba << QVariant(QVariantMap{ { u"a"_s, qint64(2) }, { u"i"_s, QVariant() } });
    // A Socket.IO packet as socket.io-msgpack-parser 3.0.2 writes it.
    QTest::newRow("packet") << "84a47479706502a36e7370a12fa46461746193a2686901c402deada2696407"_ba
                            << QVariant(QVariantMap{
                                       { u"type"_s, qint64(2) },
                                       { u"nsp"_s, u"/"_s },
                                       { u"data"_s, QVariantList{ u"hi"_s, qint64(1), "\xde\xad"_ba } },
                                       { u"id"_s, qint64(7) } });
}

void tst_Msgpack::decodeOnly()
{
    QFETCH(QByteArray, hex);
    QFETCH(QVariant, value);
    QVariant out;
    QString error;
    QVERIFY2(Msgpack::decode(QByteArray::fromHex(hex), &out, &error), qPrintable(error));
    QVERIFY2(sameValue(out, value), qPrintable(out.toString()));
}

// A packet built for the JSON format (placeholders and attachments) is written with its binary
// in place, and QJsonValue numbers (doubles) as integers when whole.
void tst_Msgpack::jsonWithPlaceholders()
{
    QJsonObject placeholder{ { u"_placeholder"_s, true }, { u"num"_s, 0 } };
    const QJsonArray data{ u"hi"_s, 1, placeholder };
    const QList<QByteArray> attachments{ "\xde\xad"_ba };
    QByteArray out;
    Msgpack::append(&out, QJsonValue(data), &attachments);
    QCOMPARE(out.toHex(), "93a2686901c402dead"_ba);
    // Without attachments the placeholder is an ordinary object.
    out.clear();
    Msgpack::append(&out, QJsonValue(placeholder));
    QCOMPARE(out.toHex(), "82ac5f706c616365686f6c646572c3a36e756d00"_ba);
    // A placeholder pointing past the attachments stays an object too.
    out.clear();
    placeholder.insert(u"num"_s, 1);
    Msgpack::append(&out, QJsonValue(placeholder), &attachments);
    QCOMPARE(out.toHex(), "82ac5f706c616365686f6c646572c3a36e756d01"_ba);
}

void tst_Msgpack::malformed_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("error");

    QTest::newRow("empty") << QByteArray() << u"truncated: a value expected at offset 0"_s;
    QTest::newRow("0xc1") << "\xc1"_ba << u"invalid type byte 0xc1 at offset 0"_s;
    QTest::newRow("0xc1 inside") << "\x92\x01\xc1"_ba << u"invalid type byte 0xc1 at offset 2"_s;
    QTest::newRow("truncated uint 16") << "\xcd\x01"_ba
                                       << u"truncated: 0xcd at offset 0 needs 2 more bytes, 1 left"_s;
    QTest::newRow("truncated float 64") << "\xcb\x3f"_ba
                                        << u"truncated: 0xcb at offset 0 needs 8 more bytes, 1 left"_s;
    QTest::newRow("truncated fixstr") << "\xa5he"_ba
                                      << u"0xa5 declares 5 bytes but only 2 bytes are left (offset 1)"_s;
    QTest::newRow("truncated array") << "\x93\x01\x02"_ba
                                     << u"0x93 declares 3 elements but only 2 bytes are left (offset 1)"_s;
    QTest::newRow("truncated array element") << "\x92\x01\xcd\x01"_ba
                                             << u"truncated: 0xcd at offset 2 needs 2 more bytes, 1 left"_s;
    QTest::newRow("truncated map value") << "\x81\xa1x"_ba
                                         << u"truncated: a value expected at offset 3"_s;
    QTest::newRow("huge bin 32") << "\xc6\xff\xff\xff\xff\x00"_ba
                                 << u"0xc6 declares 4294967295 bytes but only 1 bytes are left (offset 5)"_s;
    QTest::newRow("huge str 32") << "\xdb\x7f\xff\xff\xff"_ba
                                 << u"0xdb declares 2147483647 bytes but only 0 bytes are left (offset 5)"_s;
    QTest::newRow("huge array 32") << "\xdd\xff\xff\xff\xff\xc0"_ba
                                   << u"0xdd declares 4294967295 elements but only 1 bytes are left (offset 5)"_s;
    QTest::newRow("huge map 32") << "\xdf\x00\x01\x00\x00\xc0\xc0"_ba
                                 << u"0xdf declares 65536 entries but only 2 bytes are left (offset 5)"_s;
    QTest::newRow("huge map 16, 1 entry short") << "\xde\x00\x02\xa1x\xc0"_ba
                                                << u"0xde declares 2 entries but only 3 bytes are left (offset 3)"_s;
    QTest::newRow("huge ext 32") << "\xc9\xff\xff\xff\xff\x00"_ba
                                 << u"0xc9 declares 4294967295 bytes but only 1 bytes are left (offset 5)"_s;
    QTest::newRow("truncated fixext") << "\xd7\x00\x01"_ba
                                      << u"truncated: ext 0xd7 at offset 0 declares 9 bytes, 2 left"_s;
    QTest::newRow("ext 8 without its type") << "\xc7\x00"_ba
                                            << u"truncated: ext 0xc7 at offset 0 declares 1 bytes, 0 left"_s;
    QTest::newRow("trailing bytes") << "\x01\x02"_ba << u"1 bytes after the value (offset 1)"_s;
    QTest::newRow("binary map key") << "\x81\xc4\x01x\x01"_ba
                                    << u"map key at offset 1 is neither a string nor an integer"_s;
    QTest::newRow("array map key") << "\x81\x90\x01"_ba
                                   << u"map key at offset 1 is neither a string nor an integer"_s;
}

void tst_Msgpack::malformed()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, error);
    QVariant out = u"untouched"_s;
    QString why;
    QVERIFY(!Msgpack::decode(bytes, &out, &why));
    QCOMPARE(why, error);
    QCOMPARE(out, QVariant(u"untouched"_s));
}

// A depth bomb (a megabyte of nested one-element arrays) fails at the limit without recursing
// further; nesting up to the limit decodes.
void tst_Msgpack::depthLimit()
{
    const QByteArray bomb(1 << 20, '\x91');
    QVariant out;
    QString why;
    QVERIFY(!Msgpack::decode(bomb, &out, &why));
    QCOMPARE(why, u"nesting deeper than 64 levels at offset 64"_s);
    QVERIFY(!Msgpack::decode(QByteArray(1 << 20, '\x81'), &out, &why));
    QVERIFY(why.startsWith(u"nesting deeper than 64 levels"_s));

    QByteArray deep(Msgpack::DefaultMaxDepth, '\x91');
    deep.append('\x01');
    QVERIFY2(Msgpack::decode(deep, &out, &why), qPrintable(why));
    deep.prepend('\x91');
    QVERIFY(!Msgpack::decode(deep, &out, &why));
    // A smaller limit on request.
    QVERIFY(!Msgpack::decode("\x91\x91\x91\x01"_ba, &out, &why, 2));
    QCOMPARE(why, u"nesting deeper than 2 levels at offset 2"_s);
    QVERIFY(Msgpack::decode("\x91\x91\x01"_ba, &out, &why, 2));
}

QTEST_GUILESS_MAIN(tst_Msgpack)
#include "tst_msgpack.moc"
