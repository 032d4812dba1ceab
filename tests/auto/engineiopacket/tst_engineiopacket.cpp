// Unit tests for the Engine.IO v4 packet codec: text and binary frames, polling payloads,
// the open packet's JSON and malformed input.
#include "engineiopacket.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTest>

using namespace Qt::StringLiterals;
using Sockscope::EngineIoOpen;
using Sockscope::EngineIoPacket;
using Type = Sockscope::EngineIoPacket::Type;
using Error = Sockscope::EngineIoPacket::Error;

class tst_EngineIoPacket : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void encodeText_data();
    void encodeText();
    void decodeText_data();
    void decodeText();
    void decodeTextMalformed_data();
    void decodeTextMalformed();
    void binaryFrame_data();
    void binaryFrame();
    void encodePayload_data();
    void encodePayload();
    void decodePayload_data();
    void decodePayload();
    void decodePayloadMalformed_data();
    void decodePayloadMalformed();
    void payloadRoundTrip_data();
    void payloadRoundTrip();
    void tooManyPackets();
    void openToJson();
    void openFromJson_data();
    void openFromJson();
    void openRoundTrip();
    void errorStrings();
    void typeNames();
};

void tst_EngineIoPacket::encodeText_data()
{
    QTest::addColumn<EngineIoPacket>("packet");
    QTest::addColumn<QByteArray>("wire");

    QTest::newRow("open") << EngineIoPacket(Type::Open, R"({"sid":"abc"})"_ba)
                          << R"(0{"sid":"abc"})"_ba;
    QTest::newRow("close") << EngineIoPacket(Type::Close) << "1"_ba;
    QTest::newRow("ping") << EngineIoPacket(Type::Ping) << "2"_ba;
    QTest::newRow("pong") << EngineIoPacket(Type::Pong) << "3"_ba;
    QTest::newRow("message") << EngineIoPacket::message("hello") << "4hello"_ba;
    QTest::newRow("message empty") << EngineIoPacket::message({}) << "4"_ba;
    QTest::newRow("message socket.io")
            << EngineIoPacket::message(R"(2["aaa",1])"_ba) << R"(42["aaa",1])"_ba;
    QTest::newRow("message utf8") << EngineIoPacket::message(u"日本語 😀"_s.toUtf8())
                                  << QByteArray('4' + u"日本語 😀"_s.toUtf8());
    QTest::newRow("upgrade") << EngineIoPacket(Type::Upgrade) << "5"_ba;
    QTest::newRow("noop") << EngineIoPacket(Type::Noop) << "6"_ba;
    QTest::newRow("ping probe") << EngineIoPacket(Type::Ping, "probe") << "2probe"_ba;
    QTest::newRow("pong probe") << EngineIoPacket(Type::Pong, "probe") << "3probe"_ba;
}

void tst_EngineIoPacket::encodeText()
{
    QFETCH(EngineIoPacket, packet);
    QFETCH(QByteArray, wire);
    QCOMPARE(packet.encodeText(), wire);
}

void tst_EngineIoPacket::decodeText_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<Type>("type");
    QTest::addColumn<QByteArray>("data");

    QTest::newRow("open") << R"(0{"sid":"x","upgrades":[]})"_ba << Type::Open
                          << R"({"sid":"x","upgrades":[]})"_ba;
    QTest::newRow("close") << "1"_ba << Type::Close << QByteArray();
    QTest::newRow("ping") << "2"_ba << Type::Ping << QByteArray();
    QTest::newRow("pong") << "3"_ba << Type::Pong << QByteArray();
    QTest::newRow("message") << "4hello world"_ba << Type::Message << "hello world"_ba;
    QTest::newRow("message empty") << "4"_ba << Type::Message << QByteArray();
    QTest::newRow("message with separator-like digits") << "4123"_ba << Type::Message << "123"_ba;
    QTest::newRow("message utf8") << QByteArray('4' + u"中文 🎉"_s.toUtf8()) << Type::Message
                                  << u"中文 🎉"_s.toUtf8();
    QTest::newRow("upgrade") << "5"_ba << Type::Upgrade << QByteArray();
    QTest::newRow("noop") << "6"_ba << Type::Noop << QByteArray();
    QTest::newRow("ping probe") << "2probe"_ba << Type::Ping << "probe"_ba;
    QTest::newRow("pong probe") << "3probe"_ba << Type::Pong << "probe"_ba;
}

void tst_EngineIoPacket::decodeText()
{
    QFETCH(QByteArray, wire);
    QFETCH(Type, type);
    QFETCH(QByteArray, data);

    EngineIoPacket p(Type::Noop, "stale", true);
    QCOMPARE(EngineIoPacket::decodeText(wire, &p), Error::None);
    QCOMPARE(p.type(), type);
    QCOMPARE(p.data(), data);
    QVERIFY(!p.isBinary());
    // And back.
    QCOMPARE(p.encodeText(), wire);
}

void tst_EngineIoPacket::decodeTextMalformed_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<Error>("error");

    QTest::newRow("empty") << QByteArray() << Error::EmptyPacket;
    QTest::newRow("type 7") << "7"_ba << Error::UnknownType;
    QTest::newRow("type 9 with data") << "9hello"_ba << Error::UnknownType;
    QTest::newRow("letter") << "message"_ba << Error::UnknownType;
    QTest::newRow("b prefix in a text frame") << "bAQID"_ba << Error::UnknownType;
    QTest::newRow("space first") << " 4hello"_ba << Error::UnknownType;
    QTest::newRow("nul") << QByteArray("\0", 1) << Error::UnknownType;
    QTest::newRow("slash (just below 0)") << "/"_ba << Error::UnknownType;
    QTest::newRow("colon (just above 9)") << ":"_ba << Error::UnknownType;
    QTest::newRow("high byte") << "\xff"_ba << Error::UnknownType;
}

void tst_EngineIoPacket::decodeTextMalformed()
{
    QFETCH(QByteArray, wire);
    QFETCH(Error, error);

    const EngineIoPacket before(Type::Ping, "untouched");
    EngineIoPacket p = before;
    QCOMPARE(EngineIoPacket::decodeText(wire, &p), error);
    QCOMPARE(p, before); // not overwritten on error
}

void tst_EngineIoPacket::binaryFrame_data()
{
    QTest::addColumn<QByteArray>("bytes");

    QTest::newRow("empty") << QByteArray();
    QTest::newRow("small") << "\x01\x02\x03"_ba;
    QTest::newRow("starts with a digit") << "4hello"_ba;
    QTest::newRow("nul and high bytes") << QByteArray("\0\xff\x1e\x80", 4);
    QByteArray all;
    for (int i = 0; i < 256; ++i)
        all.append(char(i));
    QTest::newRow("every byte") << all;
}

void tst_EngineIoPacket::binaryFrame()
{
    QFETCH(QByteArray, bytes);

    const EngineIoPacket p = EngineIoPacket::decodeBinary(bytes);
    QCOMPARE(p.type(), Type::Message);
    QVERIFY(p.isBinary());
    QCOMPARE(p.data(), bytes);
    QCOMPARE(p, EngineIoPacket::binaryMessage(bytes));
    // A binary message differs from a text message with the same bytes.
    QVERIFY(!(p == EngineIoPacket::message(bytes)));
    // In a polling payload it is "b" + base64.
    QCOMPARE(EngineIoPacket::encodePayload({p}), QByteArray('b' + bytes.toBase64()));
}

void tst_EngineIoPacket::encodePayload_data()
{
    QTest::addColumn<QList<EngineIoPacket>>("packets");
    QTest::addColumn<QByteArray>("wire");

    QTest::newRow("empty list") << QList<EngineIoPacket>() << QByteArray();
    QTest::newRow("one message") << QList<EngineIoPacket> {EngineIoPacket::message("hello")}
                                 << "4hello"_ba;
    QTest::newRow("two messages") << QList<EngineIoPacket> {EngineIoPacket::message("hello"),
                                                            EngineIoPacket::message("€")}
                                  << "4hello\x1e"
                                     "4€"_ba;
    QTest::newRow("text and binary")
            << QList<EngineIoPacket> {EngineIoPacket::message("hello"),
                                      EngineIoPacket::binaryMessage("\x01\x02\x03\x04")}
            << "4hello\x1e"
               "bAQIDBA=="_ba;
    QTest::newRow("ping noop close")
            << QList<EngineIoPacket> {EngineIoPacket(Type::Ping), EngineIoPacket(Type::Noop),
                                      EngineIoPacket(Type::Close)}
            << "2\x1e"
               "6\x1e"
               "1"_ba;
    QTest::newRow("open") << QList<EngineIoPacket> {EngineIoPacket(Type::Open, R"({"sid":"s"})")}
                          << R"(0{"sid":"s"})"_ba;
    QTest::newRow("empty binary") << QList<EngineIoPacket> {EngineIoPacket::binaryMessage({})}
                                  << "b"_ba;
}

void tst_EngineIoPacket::encodePayload()
{
    QFETCH(QList<EngineIoPacket>, packets);
    QFETCH(QByteArray, wire);
    QCOMPARE(EngineIoPacket::encodePayload(packets), wire);
}

void tst_EngineIoPacket::decodePayload_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<QList<EngineIoPacket>>("packets");

    QTest::newRow("one message") << "4hello"_ba
                                 << QList<EngineIoPacket> {EngineIoPacket::message("hello")};
    QTest::newRow("two messages") << "4hello\x1e"
                                     "4world"_ba
                                  << QList<EngineIoPacket> {EngineIoPacket::message("hello"),
                                                            EngineIoPacket::message("world")};
    QTest::newRow("text then binary")
            << "4hello\x1e"
               "bAQIDBA=="_ba
            << QList<EngineIoPacket> {EngineIoPacket::message("hello"),
                                      EngineIoPacket::binaryMessage("\x01\x02\x03\x04")};
    QTest::newRow("binary then text")
            << "b/w==\x1e"
               "42[\"x\"]"_ba
            << QList<EngineIoPacket> {EngineIoPacket::binaryMessage("\xff"),
                                      EngineIoPacket::message(R"(2["x"])")};
    QTest::newRow("empty binary") << "b"_ba
                                  << QList<EngineIoPacket> {EngineIoPacket::binaryMessage({})};
    QTest::newRow("empty message")
            << "4\x1e"
               "4"_ba
            << QList<EngineIoPacket> {EngineIoPacket::message({}), EngineIoPacket::message({})};
    QTest::newRow("probe and upgrade")
            << "2probe\x1e"
               "5"_ba
            << QList<EngineIoPacket> {EngineIoPacket(Type::Ping, "probe"),
                                      EngineIoPacket(Type::Upgrade)};
    QTest::newRow("every type") << "0{}\x1e"
                                   "1\x1e"
                                   "2\x1e"
                                   "3\x1e"
                                   "4m\x1e"
                                   "5\x1e"
                                   "6"_ba
                                << QList<EngineIoPacket> {EngineIoPacket(Type::Open, "{}"),
                                                          EngineIoPacket(Type::Close),
                                                          EngineIoPacket(Type::Ping),
                                                          EngineIoPacket(Type::Pong),
                                                          EngineIoPacket::message("m"),
                                                          EngineIoPacket(Type::Upgrade),
                                                          EngineIoPacket(Type::Noop)};
}

void tst_EngineIoPacket::decodePayload()
{
    QFETCH(QByteArray, wire);
    QFETCH(QList<EngineIoPacket>, packets);

    QList<EngineIoPacket> out {EngineIoPacket::message("stale")};
    QCOMPARE(EngineIoPacket::decodePayload(wire, &out), Error::None);
    QCOMPARE(out.size(), packets.size());
    for (qsizetype i = 0; i < out.size(); ++i) {
        QCOMPARE(out.at(i).type(), packets.at(i).type());
        QCOMPARE(out.at(i).isBinary(), packets.at(i).isBinary());
        QCOMPARE(out.at(i).data(), packets.at(i).data());
    }
    QCOMPARE(EngineIoPacket::encodePayload(out), wire);
}

void tst_EngineIoPacket::decodePayloadMalformed_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<Error>("error");

    QTest::newRow("empty") << QByteArray() << Error::EmptyPacket;
    QTest::newRow("trailing separator") << "4hello\x1e"_ba << Error::EmptyPacket;
    QTest::newRow("leading separator") << "\x1e"
                                          "4hello"_ba
                                       << Error::EmptyPacket;
    QTest::newRow("double separator") << "4a\x1e\x1e"
                                         "4b"_ba
                                      << Error::EmptyPacket;
    QTest::newRow("unknown type") << "8"_ba << Error::UnknownType;
    QTest::newRow("unknown type second") << "4ok\x1e"
                                            "x"_ba
                                         << Error::UnknownType;
    QTest::newRow("bad base64 chars") << "b!!!!"_ba << Error::InvalidBase64;
    QTest::newRow("bad base64 after text") << "4ok\x1e"
                                              "b@@@"_ba
                                           << Error::InvalidBase64;
    QTest::newRow("base64 with space") << "bAQ ID"_ba << Error::InvalidBase64;
    QTest::newRow("base64url is not base64") << "b-_8="_ba << Error::InvalidBase64;
}

void tst_EngineIoPacket::decodePayloadMalformed()
{
    QFETCH(QByteArray, wire);
    QFETCH(Error, error);

    QList<EngineIoPacket> out {EngineIoPacket::message("stale")};
    QCOMPARE(EngineIoPacket::decodePayload(wire, &out), error);
    QVERIFY(out.isEmpty()); // nothing half-decoded is handed on
}

void tst_EngineIoPacket::payloadRoundTrip_data()
{
    QTest::addColumn<QList<EngineIoPacket>>("packets");

    QByteArray all;
    for (int i = 0; i < 256; ++i)
        all.append(char(i));
    QTest::newRow("binary every byte") << QList<EngineIoPacket> {
            EngineIoPacket::binaryMessage(all), EngineIoPacket::message(R"(451-["b",{}])")};
    QList<EngineIoPacket> many;
    for (int i = 0; i < 100; ++i) {
        many.append(i % 3 ? EngineIoPacket::message(QByteArray::number(i))
                          : EngineIoPacket::binaryMessage(QByteArray(i, char(i))));
    }
    QTest::newRow("hundred mixed") << many;
}

void tst_EngineIoPacket::payloadRoundTrip()
{
    QFETCH(QList<EngineIoPacket>, packets);

    const QByteArray wire = EngineIoPacket::encodePayload(packets);
    QCOMPARE(wire.count('\x1e'), packets.size() - 1);
    QList<EngineIoPacket> out;
    QCOMPARE(EngineIoPacket::decodePayload(wire, &out), Error::None);
    QCOMPARE(out, packets);
}

void tst_EngineIoPacket::tooManyPackets()
{
    QByteArray wire = "4a"_ba;
    for (int i = 0; i < 4; ++i)
        wire += "\x1e"
                "4a"_ba; // five packets

    QList<EngineIoPacket> out;
    QCOMPARE(EngineIoPacket::decodePayload(wire, &out, 5), Error::None);
    QCOMPARE(out.size(), 5);

    QCOMPARE(EngineIoPacket::decodePayload(wire, &out, 4), Error::TooManyPackets);
    QVERIFY(out.isEmpty());

    // The default cap is 1024.
    QByteArray big = "6"_ba;
    for (int i = 1; i < 1024; ++i)
        big += "\x1e"
               "6"_ba;
    QCOMPARE(EngineIoPacket::decodePayload(big, &out), Error::None);
    QCOMPARE(out.size(), 1024);
    big += "\x1e"
           "6"_ba;
    QCOMPARE(EngineIoPacket::decodePayload(big, &out), Error::TooManyPackets);
    QVERIFY(out.isEmpty());
}

void tst_EngineIoPacket::openToJson()
{
    EngineIoOpen open;
    open.sid = u"lv_VI97HAXpY6yYWAAAC"_s;
    open.upgrades = QStringList {u"websocket"_s};
    open.pingInterval = 300;
    open.pingTimeout = 200;
    open.maxPayload = 5000000000LL; // beyond 32 bits

    const QByteArray json = open.toJson();
    QVERIFY(!json.contains('\n'));
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &err);
    QCOMPARE(err.error, QJsonParseError::NoError);
    QVERIFY(doc.isObject());
    const QJsonObject o = doc.object();
    QCOMPARE(o.size(), 5);
    QCOMPARE(o.value(u"sid"_s).toString(), open.sid);
    QCOMPARE(o.value(u"upgrades"_s).toArray().size(), 1);
    QCOMPARE(o.value(u"upgrades"_s).toArray().at(0).toString(), u"websocket"_s);
    QCOMPARE(o.value(u"pingInterval"_s).toInteger(), 300);
    QCOMPARE(o.value(u"pingTimeout"_s).toInteger(), 200);
    QCOMPARE(o.value(u"maxPayload"_s).toInteger(), 5000000000LL);

    // Defaults are the Node server's.
    const EngineIoOpen defaults;
    QCOMPARE(defaults.pingInterval, 25000);
    QCOMPARE(defaults.pingTimeout, 20000);
    QCOMPARE(defaults.maxPayload, 1000000);
    const QJsonObject d = QJsonDocument::fromJson(defaults.toJson()).object();
    QVERIFY(d.value(u"upgrades"_s).isArray());
    QVERIFY(d.value(u"upgrades"_s).toArray().isEmpty());
    QCOMPARE(d.value(u"maxPayload"_s).toInteger(), 1000000);
}

void tst_EngineIoPacket::openFromJson_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("sid");
    QTest::addColumn<QStringList>("upgrades");
    QTest::addColumn<int>("pingInterval");
    QTest::addColumn<int>("pingTimeout");
    QTest::addColumn<qint64>("maxPayload");

    QTest::newRow("node server")
            << R"({"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})"_ba
            << true << u"lv_VI97HAXpY6yYWAAAC"_s << QStringList {u"websocket"_s} << 25000 << 20000
            << qint64(1000000);
    QTest::newRow("custom values")
            << R"({"sid":"a","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":123})"_ba
            << true << u"a"_s << QStringList() << 300 << 200 << qint64(123);
    QTest::newRow("sid only, defaults") << R"({"sid":"only"})"_ba << true << u"only"_s
                                        << QStringList() << 25000 << 20000 << qint64(1000000);
    QTest::newRow("extra keys ignored")
            << R"({"sid":"x","future":true,"upgrades":["websocket","webtransport"]})"_ba << true
            << u"x"_s << QStringList {u"websocket"_s, u"webtransport"_s} << 25000 << 20000
            << qint64(1000000);
    QTest::newRow("missing sid") << R"({"upgrades":[],"pingInterval":1})"_ba << false << QString()
                                 << QStringList() << 0 << 0 << qint64(0);
    QTest::newRow("sid not a string")
            << R"({"sid":12})"_ba << false << QString() << QStringList() << 0 << 0 << qint64(0);
    QTest::newRow("array") << R"([{"sid":"x"}])"_ba << false << QString() << QStringList() << 0 << 0
                           << qint64(0);
    QTest::newRow("not json") << "sid=x"_ba << false << QString() << QStringList() << 0 << 0
                              << qint64(0);
    QTest::newRow("truncated") << R"({"sid":"x")"_ba << false << QString() << QStringList() << 0
                               << 0 << qint64(0);
    QTest::newRow("empty") << QByteArray() << false << QString() << QStringList() << 0 << 0
                           << qint64(0);
}

void tst_EngineIoPacket::openFromJson()
{
    QFETCH(QByteArray, json);
    QFETCH(bool, valid);

    EngineIoOpen out;
    out.sid = u"untouched"_s;
    out.pingInterval = 1;
    QCOMPARE(EngineIoOpen::fromJson(json, &out), valid);
    if (!valid) {
        QCOMPARE(out.sid, u"untouched"_s);
        QCOMPARE(out.pingInterval, 1);
        return;
    }
    QFETCH(QString, sid);
    QFETCH(QStringList, upgrades);
    QFETCH(int, pingInterval);
    QFETCH(int, pingTimeout);
    QFETCH(qint64, maxPayload);
    QCOMPARE(out.sid, sid);
    QCOMPARE(out.upgrades, upgrades);
    QCOMPARE(out.pingInterval, pingInterval);
    QCOMPARE(out.pingTimeout, pingTimeout);
    QCOMPARE(out.maxPayload, maxPayload);
}

void tst_EngineIoPacket::openRoundTrip()
{
    EngineIoOpen open;
    open.sid = u"AbCdEfGhIjKlMnOpQrSt"_s;
    open.upgrades = QStringList {u"websocket"_s};
    open.pingInterval = 1234;
    open.pingTimeout = 567;
    open.maxPayload = 8000000000LL;

    // As the open packet on the wire, through a polling payload.
    const QByteArray wire
            = EngineIoPacket::encodePayload({EngineIoPacket(Type::Open, open.toJson())});
    QVERIFY(wire.startsWith("0{"));
    QList<EngineIoPacket> packets;
    QCOMPARE(EngineIoPacket::decodePayload(wire, &packets), Error::None);
    QCOMPARE(packets.size(), 1);
    QCOMPARE(packets.at(0).type(), Type::Open);

    EngineIoOpen back;
    QVERIFY(EngineIoOpen::fromJson(packets.at(0).data(), &back));
    QCOMPARE(back.sid, open.sid);
    QCOMPARE(back.upgrades, open.upgrades);
    QCOMPARE(back.pingInterval, open.pingInterval);
    QCOMPARE(back.pingTimeout, open.pingTimeout);
    QCOMPARE(back.maxPayload, open.maxPayload);
}

void tst_EngineIoPacket::errorStrings()
{
    const QList<Error> errors {Error::EmptyPacket, Error::UnknownType, Error::BinaryNotMessage,
                               Error::InvalidBase64, Error::TooManyPackets};
    QVERIFY(EngineIoPacket::errorString(Error::None).isEmpty());
    QSet<QString> seen;
    for (Error e : errors) {
        const QString s = EngineIoPacket::errorString(e);
        QVERIFY2(!s.isEmpty(), qPrintable(QString::number(int(e))));
        QVERIFY2(!seen.contains(s), qPrintable(s));
        seen.insert(s);
    }
}

void tst_EngineIoPacket::typeNames()
{
    const QStringList expected {u"open"_s,    u"close"_s,   u"ping"_s, u"pong"_s,
                                u"message"_s, u"upgrade"_s, u"noop"_s};
    for (int i = 0; i < expected.size(); ++i)
        QCOMPARE(EngineIoPacket::typeName(Type(i)), expected.at(i));
    QCOMPARE(EngineIoPacket::typeName(Type(7)), u"unknown"_s);
}

QTEST_GUILESS_MAIN(tst_EngineIoPacket)

#include "tst_engineiopacket.moc"
