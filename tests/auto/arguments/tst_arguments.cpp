// Unit tests for event arguments and their JSON conversions: placeholders for binary blobs,
// the display form, parsing typed-in arguments and compact JSON.
#include "arguments.h"

#include "describe.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Qt::StringLiterals;
using Sockscope::Arguments;
namespace Json = Sockscope::Json;

namespace {

using TestShared::describe;
using TestShared::null;

QByteArray compact(const QJsonValue &v)
{
    if (v.isArray())
        return QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact);
    if (v.isObject())
        return QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact);
    return "<scalar>";
}

QJsonValue parse(const QByteArray &json)
{
    const QJsonDocument d = QJsonDocument::fromJson(json);
    return d.isArray() ? QJsonValue(d.array()) : QJsonValue(d.object());
}

const QByteArray bin1("\x00\x01\xff", 3);
const QByteArray bin2 = "hello"_ba;

} // namespace

class tst_Arguments : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void deconstruct_data();
    void deconstruct();
    void deconstructArguments();
    void reconstruct_data();
    void reconstruct();
    void reconstructInvalidPlaceholder_data();
    void reconstructInvalidPlaceholder();
    void roundTrip_data();
    void roundTrip();
    void numbers_data();
    void numbers();
    void toDisplayJson_data();
    void toDisplayJson();
    void parseArguments_data();
    void parseArguments();
    void parseArgumentsBad_data();
    void parseArgumentsBad();
    void displayRoundTrip();
    void toCompactJson_data();
    void toCompactJson();
    void scanValue_data();
    void scanValue();
    void scanValueDepth();
};

void tst_Arguments::deconstruct_data()
{
    QTest::addColumn<QVariant>("value");
    QTest::addColumn<QByteArray>("json"); // compact; scalars wrapped in [ ]
    QTest::addColumn<QList<QByteArray>>("attachments");

    const QList<QByteArray> none;
    QTest::newRow("bytes") << QVariant(bin1) << R"([{"_placeholder":true,"num":0}])"_ba
                           << QList<QByteArray> {bin1};
    QTest::newRow("list with bytes")
            << QVariant(QVariantList {1, bin1, u"x"_s, bin2})
            << R"([[1,{"_placeholder":true,"num":0},"x",{"_placeholder":true,"num":1}]])"_ba
            << QList<QByteArray> {bin1, bin2};
    QTest::newRow("map with bytes")
            << QVariant(QVariantMap {{u"a"_s, bin1}, {u"b"_s, QVariantMap {{u"c"_s, bin2}}}})
            << R"([{"a":{"_placeholder":true,"num":0},"b":{"c":{"_placeholder":true,"num":1}}}])"_ba
            << QList<QByteArray> {bin1, bin2};
    QTest::newRow("hash with bytes")
            << QVariant(QVariantHash {{u"h"_s, bin2}})
            << R"([{"h":{"_placeholder":true,"num":0}}])"_ba << QList<QByteArray> {bin2};
    QTest::newRow("deep") << QVariant(QVariantList {
            QVariantList {QVariantList {QVariantMap {{u"k"_s, QVariantList {bin2}}}}}})
                          << R"([[[[{"k":[{"_placeholder":true,"num":0}]}]]]])"_ba
                          << QList<QByteArray> {bin2};
    QTest::newRow("no binary")
            << QVariant(QVariantMap {{u"n"_s, null()},
                                     {u"t"_s, true},
                                     {u"i"_s, qint64(5)},
                                     {u"d"_s, 0.25},
                                     {u"s"_s, u"é"_s}})
            << QByteArray(u"[{\"d\":0.25,\"i\":5,\"n\":null,\"s\":\"é\",\"t\":true}]"_s.toUtf8())
            << none;
    QTest::newRow("string list") << QVariant(QStringList {u"a"_s, u"b"_s}) << R"([["a","b"]])"_ba
                                 << none;
    QTest::newRow("invalid variant") << QVariant() << "[null]"_ba << none;
    QTest::newRow("nullptr") << null() << "[null]"_ba << none;
    QTest::newRow("int") << QVariant(7) << "[7]"_ba << none;
    QTest::newRow("big qint64") << QVariant(qint64(9007199254740993LL)) << "[9007199254740993]"_ba
                                << none;
    QTest::newRow("string") << QVariant(u"s"_s) << R"(["s"])"_ba << none;
    QTest::newRow("json object passes")
            << QVariant(QJsonObject {{u"o"_s, 1}}) << R"([{"o":1}])"_ba << none;
    QTest::newRow("json array passes")
            << QVariant(QJsonArray {1, u"two"_s}) << R"([[1,"two"]])"_ba << none;
    QTest::newRow("json value passes") << QVariant(QJsonValue(u"v"_s)) << R"(["v"])"_ba << none;
    QTest::newRow("json document passes")
            << QVariant(QJsonDocument(QJsonArray {true})) << "[[true]]"_ba << none;
}

void tst_Arguments::deconstruct()
{
    QFETCH(QVariant, value);
    QFETCH(QByteArray, json);
    QFETCH(QList<QByteArray>, attachments);

    QList<QByteArray> out;
    const QJsonValue v = Json::deconstruct(value, &out);
    QCOMPARE(compact(QJsonArray {v}), json);
    QCOMPARE(out, attachments);
}

void tst_Arguments::deconstructArguments()
{
    // The list form numbers attachments across all arguments, appending to what is there.
    QList<QByteArray> out {"existing"_ba};
    const QJsonArray a
            = Json::deconstruct(Arguments {bin1, u"s"_s, QVariantMap {{u"m"_s, bin2}}}, &out);
    QCOMPARE(compact(a),
             R"([{"_placeholder":true,"num":1},"s",{"m":{"_placeholder":true,"num":2}}])"_ba);
    QCOMPARE(out, (QList<QByteArray> {"existing"_ba, bin1, bin2}));

    QList<QByteArray> none;
    QCOMPARE(Json::deconstruct(Arguments(), &none), QJsonArray());
    QVERIFY(none.isEmpty());
}

void tst_Arguments::reconstruct_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QList<QByteArray>>("attachments");
    QTest::addColumn<QVariant>("expected");

    QTest::newRow("placeholder") << R"([{"_placeholder":true,"num":0}])"_ba
                                 << QList<QByteArray> {bin1} << QVariant(QVariantList {bin1});
    QTest::newRow("placeholders anywhere")
            << R"({"a":[{"_placeholder":true,"num":1}],"b":{"c":{"_placeholder":true,"num":0}}})"_ba
            << QList<QByteArray> {bin1, bin2}
            << QVariant(QVariantMap {{u"a"_s, QVariantList {bin2}},
                                     {u"b"_s, QVariantMap {{u"c"_s, bin1}}}});
    QTest::newRow("scalars") << R"([null,true,false,0,-12,1.5,"s",[],{}])"_ba << QList<QByteArray>()
                             << QVariant(QVariantList {null(), true, false, qint64(0), qint64(-12),
                                                       1.5, u"s"_s, QVariantList(), QVariantMap()});
    QTest::newRow("placeholder false is a plain object")
            << R"([{"_placeholder":false,"num":0}])"_ba << QList<QByteArray> {bin1}
            << QVariant(QVariantList {
                       QVariantMap {{u"_placeholder"_s, false}, {u"num"_s, qint64(0)}}});
    QTest::newRow("unused attachments are fine")
            << R"(["x"])"_ba << QList<QByteArray> {bin1, bin2} << QVariant(QVariantList {u"x"_s});
}

void tst_Arguments::reconstruct()
{
    QFETCH(QByteArray, json);
    QFETCH(QList<QByteArray>, attachments);
    QFETCH(QVariant, expected);

    bool ok = false;
    const QVariant v = Json::reconstruct(parse(json), attachments, &ok);
    QVERIFY(ok);
    QCOMPARE(describe(v), describe(expected));
}

void tst_Arguments::reconstructInvalidPlaceholder_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<int>("attachments");

    QTest::newRow("none attached") << R"([{"_placeholder":true,"num":0}])"_ba << 0;
    QTest::newRow("out of range") << R"([{"_placeholder":true,"num":2}])"_ba << 2;
    QTest::newRow("negative") << R"([{"_placeholder":true,"num":-1}])"_ba << 2;
    QTest::newRow("non-integer") << R"([{"_placeholder":true,"num":0.5}])"_ba << 2;
    QTest::newRow("string") << R"([{"_placeholder":true,"num":"0"}])"_ba << 2;
    QTest::newRow("deep, after a good one")
            << R"([{"_placeholder":true,"num":0},{"a":[{"_placeholder":true,"num":9}]}])"_ba << 2;
}

void tst_Arguments::reconstructInvalidPlaceholder()
{
    QFETCH(QByteArray, json);
    QFETCH(int, attachments);

    bool ok = true;
    Json::reconstruct(parse(json), QList<QByteArray>(attachments, "x"_ba), &ok);
    QVERIFY(!ok);
}

void tst_Arguments::roundTrip_data()
{
    QTest::addColumn<Arguments>("args");
    QTest::addColumn<int>("attachments");

    QTest::newRow("empty") << Arguments() << 0;
    QTest::newRow("scalars") << Arguments {null(),    true,        false,
                                           qint64(0), qint64(-42), qint64(1) << 40,
                                           3.25,      -0.5,        1e300,
                                           u"text"_s, u""_s}
                             << 0;
    QTest::newRow("qint64 limits")
            << Arguments {std::numeric_limits<qint64>::max(), std::numeric_limits<qint64>::min(),
                          qint64(9007199254740993LL)}
            << 0;
    QTest::newRow("unicode") << Arguments {u"日本語"_s, u"😀🎉"_s, QVariantMap {{u"键🔑"_s, u"值"_s}}}
                             << 0;
    QTest::newRow("nested") << Arguments {QVariantMap {
            {u"list"_s, QVariantList {qint64(1), 2.5, QVariantList {}}},
            {u"map"_s, QVariantMap {{u"null"_s, null()}}}}}
                            << 0;
    QTest::newRow("binary top level") << Arguments {bin1, bin2} << 2;
    QTest::newRow("binary empty") << Arguments {QByteArray("")} << 1;
    QTest::newRow("binary anywhere") << Arguments {
            u"a"_s,
            QVariantMap {{u"x"_s, bin1},
                         {u"y"_s, QVariantList {qint64(1), bin2, QVariantMap {{u"z"_s, bin1}}}}},
            QVariantList {QVariantList {QVariantList {
                    bin2}}}} << 4;
}

void tst_Arguments::roundTrip()
{
    QFETCH(Arguments, args);
    QFETCH(int, attachments);

    QList<QByteArray> out;
    const QJsonArray json = Json::deconstruct(args, &out);
    QCOMPARE(out.size(), qsizetype(attachments));
    QVERIFY(!compact(json).contains("_binary"));
    bool ok = false;
    const QVariant back = Json::reconstruct(json, out, &ok);
    QVERIFY(ok);
    QCOMPARE(describe(back), describe(args));

    // Through the wire text, too.
    const QJsonValue wire = parse(compact(json));
    QVERIFY(wire.isArray());
    ok = false;
    QCOMPARE(describe(Json::reconstruct(wire, out, &ok)), describe(args));
    QVERIFY(ok);
}

void tst_Arguments::numbers_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QVariant>("expected");

    QTest::newRow("zero") << "[0]"_ba << QVariant(qint64(0));
    QTest::newRow("integer") << "[42]"_ba << QVariant(qint64(42));
    QTest::newRow("negative") << "[-42]"_ba << QVariant(qint64(-42));
    QTest::newRow("2^53") << "[9007199254740992]"_ba << QVariant(qint64(9007199254740992LL));
    QTest::newRow("fraction") << "[0.1]"_ba << QVariant(0.1);
    QTest::newRow("negative fraction") << "[-2.5]"_ba << QVariant(-2.5);
    QTest::newRow("exponent fraction") << "[1.5e-3]"_ba << QVariant(0.0015);
    QTest::newRow("beyond qint64") << "[1e300]"_ba << QVariant(1e300);
    // JSON does not tell 2 from 2.0 (neither does JavaScript): whole numbers are integers.
    QTest::newRow("whole number written as double") << "[2.0]"_ba << QVariant(qint64(2));
}

void tst_Arguments::numbers()
{
    QFETCH(QByteArray, json);
    QFETCH(QVariant, expected);

    bool ok = false;
    const QVariantList v = Json::reconstruct(parse(json), {}, &ok).toList();
    QVERIFY(ok);
    QCOMPARE(v.size(), 1);
    QCOMPARE(describe(v.at(0)), describe(expected));

    Arguments parsed;
    QVERIFY(Json::parseArguments(json, &parsed));
    QCOMPARE(describe(parsed), describe(QVariantList {expected}));
}

void tst_Arguments::toDisplayJson_data()
{
    QTest::addColumn<Arguments>("args");
    QTest::addColumn<QByteArray>("json");

    QTest::newRow("empty") << Arguments() << "[]"_ba;
    QTest::newRow("scalars") << Arguments {qint64(1), 1.5, true, null(), u"s"_s}
                             << R"([1,1.5,true,null,"s"])"_ba;
    QTest::newRow("bytes") << Arguments {bin1}
                           << R"([{"_binary":true,"base64":"AAH/","size":3}])"_ba;
    QTest::newRow("empty bytes") << Arguments {QByteArray("")}
                                 << R"([{"_binary":true,"base64":"","size":0}])"_ba;
    QTest::newRow("nested bytes")
            << Arguments {QVariantMap {{u"f"_s, QVariantList {bin2}}}}
            << R"([{"f":[{"_binary":true,"base64":"aGVsbG8=","size":5}]}])"_ba;
    QTest::newRow("unicode") << Arguments {u"😀"_s} << QByteArray(u"[\"😀\"]"_s.toUtf8());
}

void tst_Arguments::toDisplayJson()
{
    QFETCH(Arguments, args);
    QFETCH(QByteArray, json);

    QCOMPARE(compact(Json::toDisplayJson(args)), json);
    // The single-value form agrees with the list form.
    QCOMPARE(compact(Json::toDisplayJson(QVariant(args))), json);
}

void tst_Arguments::parseArguments_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<Arguments>("expected");

    QTest::newRow("empty array") << "[]"_ba << Arguments();
    QTest::newRow("hello 42") << R"(["hello", 42])"_ba << Arguments {u"hello"_s, qint64(42)};
    QTest::newRow("whitespace") << "\n  [ 1 , 2 ]  \n"_ba << Arguments {qint64(1), qint64(2)};
    QTest::newRow("every type")
            << R"([null, true, false, -1, 0.5, "s", [1, [2]], {"a": {"b": null}}])"_ba
            << Arguments {null(),
                          true,
                          false,
                          qint64(-1),
                          0.5,
                          u"s"_s,
                          QVariantList {qint64(1), QVariantList {qint64(2)}},
                          QVariantMap {{u"a"_s, QVariantMap {{u"b"_s, null()}}}}};
    QTest::newRow("binary") << R"([{"_binary":true,"base64":"AAH/"}])"_ba << Arguments {bin1};
    QTest::newRow("binary with size")
            << R"([{"_binary":true,"size":5,"base64":"aGVsbG8="}])"_ba << Arguments {bin2};
    QTest::newRow("binary empty") << R"([{"_binary":true,"base64":""}])"_ba
                                  << Arguments {QByteArray("")};
    QTest::newRow("binary nested")
            << R"([1, {"file": {"_binary": true, "base64": "aGVsbG8="}, "list": [{"_binary":true,"base64":"AAH/"}]}])"_ba
            << Arguments {qint64(1),
                          QVariantMap {{u"file"_s, bin2}, {u"list"_s, QVariantList {bin1}}}};
    QTest::newRow("_binary false is a plain object")
            << R"([{"_binary":false,"base64":"AAH/"}])"_ba
            << Arguments {QVariantMap {{u"_binary"_s, false}, {u"base64"_s, u"AAH/"_s}}};
    QTest::newRow("placeholder is a plain object here")
            << R"([{"_placeholder":true,"num":0}])"_ba
            << Arguments {QVariantMap {{u"_placeholder"_s, true}, {u"num"_s, qint64(0)}}};
    QTest::newRow("unicode") << QByteArray(u"[\"日本\", \"\\ud83d\\ude00\"]"_s.toUtf8())
                             << Arguments {u"日本"_s, u"😀"_s};
}

void tst_Arguments::parseArguments()
{
    QFETCH(QByteArray, json);
    QFETCH(Arguments, expected);

    Arguments out {u"stale"_s};
    QString error = u"stale"_s;
    int offset = 12345;
    QVERIFY(Json::parseArguments(json, &out, &error, &offset));
    QCOMPARE(describe(out), describe(expected));

    // The optional outputs may be left out.
    Arguments again;
    QVERIFY(Json::parseArguments(json, &again));
    QCOMPARE(describe(again), describe(expected));
}

void tst_Arguments::parseArgumentsBad_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<int>("minOffset"); // the offset points at or after this character
    QTest::addColumn<int>("maxOffset"); // and at or before this one
    QTest::addColumn<QString>("errorContains"); // case-insensitive; empty: any message

    QTest::newRow("empty") << QByteArray() << 0 << 0 << QString();
    QTest::newRow("garbage") << "hello"_ba << 0 << 1 << QString();
    QTest::newRow("unterminated array") << "[1, 2"_ba << 4 << 5 << QString();
    QTest::newRow("trailing comma") << "[1, 2,]"_ba << 5 << 7 << QString();
    QTest::newRow("missing comma") << R"(["a" "b"])"_ba << 4 << 6 << QString();
    QTest::newRow("unterminated string") << R"(["abc)"_ba << 1 << 5 << QString();
    QTest::newRow("garbage after") << "[1] x"_ba << 3 << 5 << QString();
    QTest::newRow("single quotes") << "['a']"_ba << 1 << 2 << QString();
    QTest::newRow("object") << R"({"a": 1})"_ba << 0 << 0 << u"array"_s;
    QTest::newRow("bad base64") << R"([1, {"_binary":true,"base64":"@@not base64@@"}])"_ba << 30
                                << 30 << u"base64"_s;
    QTest::newRow("bad base64 nested")
            << R"([{"a":[{"_binary":true,"base64":"A*B="}]}])"_ba << 33 << 33 << u"base64"_s;
}

void tst_Arguments::parseArgumentsBad()
{
    QFETCH(QByteArray, json);
    QFETCH(int, minOffset);
    QFETCH(int, maxOffset);
    QFETCH(QString, errorContains);

    const Arguments before {u"untouched"_s};
    Arguments out = before;
    QString error;
    int offset = -12345;
    QVERIFY(!Json::parseArguments(json, &out, &error, &offset));
    QCOMPARE(describe(out), describe(before));
    QVERIFY(!error.isEmpty());
    if (!errorContains.isEmpty())
        QVERIFY2(error.contains(errorContains, Qt::CaseInsensitive), qPrintable(error));
    QVERIFY2(offset >= minOffset && offset <= maxOffset,
             qPrintable(u"offset %1 not in [%2, %3]: %4"_s.arg(offset)
                                .arg(minOffset)
                                .arg(maxOffset)
                                .arg(error)));

    // Without the optional outputs it still fails.
    QVERIFY(!Json::parseArguments(json, &out));
    QCOMPARE(describe(out), describe(before));
}

void tst_Arguments::displayRoundTrip()
{
    // What toDisplayJson shows can be typed back in and gives the same arguments.
    const Arguments args {bin1, u"s"_s, qint64(3),
                          0.75, null(), QVariantMap {{u"deep"_s, QVariantList {bin2, false}}}};
    const QByteArray shown = compact(Json::toDisplayJson(args));
    Arguments back;
    QString error;
    QVERIFY2(Json::parseArguments(shown, &back, &error), qPrintable(error));
    QCOMPARE(describe(back), describe(args));
}

void tst_Arguments::toCompactJson_data()
{
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<QByteArray>("json");

    QTest::newRow("null") << QJsonValue(QJsonValue::Null) << "null"_ba;
    QTest::newRow("true") << QJsonValue(true) << "true"_ba;
    QTest::newRow("false") << QJsonValue(false) << "false"_ba;
    QTest::newRow("int") << QJsonValue(42) << "42"_ba;
    QTest::newRow("negative") << QJsonValue(-7) << "-7"_ba;
    QTest::newRow("qint64") << QJsonValue(qint64(9007199254740993LL)) << "9007199254740993"_ba;
    QTest::newRow("double") << QJsonValue(1.5) << "1.5"_ba;
    QTest::newRow("string") << QJsonValue(u"hi"_s) << R"("hi")"_ba;
    QTest::newRow("empty string") << QJsonValue(u""_s) << R"("")"_ba;
    QTest::newRow("string escapes") << QJsonValue(u"a\"b\\c\nd"_s) << R"("a\"b\\c\nd")"_ba;
    QTest::newRow("string with brackets") << QJsonValue(u"[x]"_s) << R"("[x]")"_ba;
    QTest::newRow("unicode") << QJsonValue(u"日本😀"_s) << QByteArray(u"\"日本😀\""_s.toUtf8());
    QTest::newRow("array") << QJsonValue(QJsonArray {1, u"a"_s}) << R"([1,"a"])"_ba;
    QTest::newRow("empty array") << QJsonValue(QJsonArray()) << "[]"_ba;
    QTest::newRow("object") << QJsonValue(QJsonObject {{u"b"_s, 1}, {u"a"_s, QJsonArray {}}})
                            << R"({"a":[],"b":1})"_ba;
    QTest::newRow("empty object") << QJsonValue(QJsonObject()) << "{}"_ba;
}

void tst_Arguments::toCompactJson()
{
    QFETCH(QJsonValue, value);
    QFETCH(QByteArray, json);

    const QByteArray out = Json::toCompactJson(value);
    QCOMPARE(out, json);
    QVERIFY(!out.contains('\n'));
}

void tst_Arguments::scanValue_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<qsizetype>("end"); // -1: invalid

    QTest::newRow("array") << QByteArray("[1,\"a\",true,null,{\"k\":[]}]") << qsizetype(26);
    QTest::newRow("empty array") << QByteArray("[]") << qsizetype(2);
    QTest::newRow("spaces") << QByteArray(" [ 1 , { \"a\" : 2 } ] x") << qsizetype(20);
    QTest::newRow("string") << QByteArray("\"abc\"") << qsizetype(5);
    QTest::newRow("long plain string")
            << QByteArray("\"" + QByteArray(100, 'x') + "\"") << qsizetype(102);
    QTest::newRow("quote after 16 bytes")
            << QByteArray("\"0123456789abcdefg\\\"h\"") << qsizetype(22);
    QTest::newRow("escapes") << QByteArray(R"("\"\\\/\b\f\n\r\t\u00e9")") << qsizetype(24);
    QTest::newRow("utf-8") << QByteArray("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"") << qsizetype(11);
    QTest::newRow("numbers") << QByteArray("[0,-0,1.5,-2e10,3E+2,4.0e-1]") << qsizetype(28);
    QTest::newRow("literals") << QByteArray("[true,false,null]") << qsizetype(17);
    QTest::newRow("lone surrogate escape") << QByteArray(R"("\ud800")") << qsizetype(8);

    QTest::newRow("nothing") << QByteArray("") << qsizetype(-1);
    QTest::newRow("only spaces") << QByteArray("   ") << qsizetype(-1);
    QTest::newRow("unterminated array") << QByteArray("[1,2") << qsizetype(-1);
    QTest::newRow("trailing comma") << QByteArray("[1,]") << qsizetype(-1);
    QTest::newRow("missing comma") << QByteArray("[1 2]") << qsizetype(-1);
    QTest::newRow("unquoted key") << QByteArray("{a:1}") << qsizetype(-1);
    QTest::newRow("missing colon") << QByteArray("{\"a\" 1}") << qsizetype(-1);
    QTest::newRow("unterminated string") << QByteArray("\"abc") << qsizetype(-1);
    QTest::newRow("unterminated long string") << QByteArray("\"" + QByteArray(40, 'y')) << qsizetype(-1);
    QTest::newRow("raw newline in string") << QByteArray("\"a\nb\"") << qsizetype(-1);
    QTest::newRow("control byte after 16") << QByteArray("\"0123456789abcdef\x01\"") << qsizetype(-1);
    QTest::newRow("bad escape") << QByteArray(R"("\x")") << qsizetype(-1);
    QTest::newRow("short \\u") << QByteArray(R"("\u12")") << qsizetype(-1);
    QTest::newRow("leading zero") << QByteArray("[01]") << qsizetype(-1);
    QTest::newRow("bare minus") << QByteArray("-") << qsizetype(-1);
    QTest::newRow("dot without digits") << QByteArray("1.") << qsizetype(-1);
    QTest::newRow("exponent without digits") << QByteArray("1e") << qsizetype(-1);
    QTest::newRow("plus sign") << QByteArray("+1") << qsizetype(-1);
    // Found by fuzz_socketio: numbers a double cannot hold, which Qt's parser refuses.
    QTest::newRow("exponent overflow") << QByteArray("[3300128E1927281363364]") << qsizetype(-1);
    QTest::newRow("1e400") << QByteArray("-1e400") << qsizetype(-1);
    QTest::newRow("1e-400") << QByteArray("1e-400") << qsizetype(-1);
    QTest::newRow("400 digits") << QByteArray(400, '7') << qsizetype(-1);
    QTest::newRow("1e308") << QByteArray("1e308") << qsizetype(5);
    QTest::newRow("0e999999") << QByteArray("0e999999") << qsizetype(8);
    QTest::newRow("2.5e-310") << QByteArray("2.5e-310") << qsizetype(8);
    QTest::newRow("truncated literal") << QByteArray("tru") << qsizetype(-1);
    QTest::newRow("NaN") << QByteArray("NaN") << qsizetype(-1);
    QTest::newRow("single quotes") << QByteArray("'a'") << qsizetype(-1);
    QTest::newRow("invalid utf-8") << QByteArray("\"\xff\"") << qsizetype(-1);
    QTest::newRow("truncated utf-8") << QByteArray("\"\xc3\"") << qsizetype(-1);
    QTest::newRow("overlong utf-8") << QByteArray("\"\xc0\xaf\"") << qsizetype(-1);
    QTest::newRow("utf-8 surrogate") << QByteArray("\"\xed\xa0\x80\"") << qsizetype(-1);
    QTest::newRow("above U+10FFFF") << QByteArray("\"\xf4\x90\x80\x80\"") << qsizetype(-1);
}

void tst_Arguments::scanValue()
{
    QFETCH(QByteArray, text);
    QFETCH(qsizetype, end);
    QCOMPARE(Json::scanValue(text), end);
    // What the scan accepts, Qt's parser (which converts it later) accepts too. The scan is
    // stricter than Qt's parser, as strict as RFC 8259 and Node.js's JSON.parse: Qt lets raw
    // control characters, unknown escapes and "1." through.
    if (end >= 0) {
        QJsonParseError error;
        QJsonDocument::fromJson("[" + text.left(end) + "]", &error);
        QCOMPARE(error.error, QJsonParseError::NoError);
    }
}

void tst_Arguments::scanValueDepth()
{
    const QByteArray deep = QByteArray(1024, '[') + QByteArray(1024, ']');
    QCOMPARE(Json::scanValue(deep), deep.size());
    QJsonParseError error;
    QJsonDocument::fromJson(deep, &error);
    QCOMPARE(error.error, QJsonParseError::NoError); // Qt converts what the scan lets through
    const QByteArray tooDeep = QByteArray(1025, '[') + QByteArray(1025, ']');
    QCOMPARE(Json::scanValue(tooDeep), qsizetype(-1));
    // Unbalanced and deep: refused, no crash.
    QCOMPARE(Json::scanValue(QByteArray(100000, '[')), qsizetype(-1));
}

QTEST_GUILESS_MAIN(tst_Arguments)

#include "tst_arguments.moc"
