// The connection's parser seam with its default, the JSON format: Engine.IO messages in,
// Socket.IO packets out (binary ones reassembled), and packets encoded as the spec says.
#include "socketioparser.h"

#include <QJsonObject>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Sockscope;

Q_DECLARE_METATYPE(Sockscope::SocketIoPacket)

class tst_SocketIoParser : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void textEvent();
    void binaryEventReassembled();
    void malformedFails();
    void resetDropsHalfAPacket();
    void encodeRoundTrip();
    // The msgpack format (socket.io-msgpack-parser 3.0.2; golden bytes from that package).
    void msgpackDecodeClientPackets();
    void msgpackEncodeGolden_data();
    void msgpackEncodeGolden();
    void msgpackRoundTrip();
    void msgpackMalformed_data();
    void msgpackMalformed();
};

void tst_SocketIoParser::textEvent()
{
    JsonSocketIoParser parser;
    QCOMPARE(parser.formatName(), u"json"_s);
    std::unique_ptr<SocketIoParser> seam = std::make_unique<JsonSocketIoParser>();
    SocketIoPacket p;
    QCOMPARE(seam->decode(EngineIoPacket::message(R"(2/chat,7["hi",1,{"a":true}])"), &p),
             SocketIoParser::Status::Packet);
    QCOMPARE(p.type(), SocketIoPacket::Type::Event);
    QCOMPARE(p.nsp(), u"/chat"_s);
    QCOMPARE(p.ackId(), qint64(7));
    QCOMPARE(p.eventName(), u"hi"_s);
    QCOMPARE(p.rawArguments(), R"([1,{"a":true}])"_ba);
    QCOMPARE(p.arguments().size(), 2);
}

void tst_SocketIoParser::binaryEventReassembled()
{
    JsonSocketIoParser parser;
    SocketIoPacket p;
    QCOMPARE(parser.decode(EngineIoPacket::message(
                                   R"(52-["up",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])"),
                           &p),
             SocketIoParser::Status::NeedMore);
    QCOMPARE(parser.decode(EngineIoPacket::binaryMessage("\x01\x02"_ba), &p),
             SocketIoParser::Status::NeedMore);
    QCOMPARE(parser.decode(EngineIoPacket::binaryMessage("\x03"_ba), &p),
             SocketIoParser::Status::Packet);
    QCOMPARE(p.type(), SocketIoPacket::Type::BinaryEvent);
    QCOMPARE(p.eventName(), u"up"_s);
    const Arguments args = p.arguments();
    QCOMPARE(args.size(), 2);
    QCOMPARE(args.at(0).toByteArray(), "\x01\x02"_ba);
    QCOMPARE(args.at(1).toByteArray(), "\x03"_ba);
    // The next text packet is read on its own again.
    QCOMPARE(parser.decode(EngineIoPacket::message(R"(2["x"])"), &p), SocketIoParser::Status::Packet);
    QCOMPARE(p.eventName(), u"x"_s);
}

void tst_SocketIoParser::malformedFails()
{
    JsonSocketIoParser parser;
    SocketIoPacket p;
    QCOMPARE(parser.decode(EngineIoPacket::message("2[\"a\",]"), &p), SocketIoParser::Status::Failed);
    QCOMPARE(parser.errorString(), SocketIoPacket::errorString(SocketIoPacket::Error::InvalidJson));
    // A binary message with no packet waiting for it.
    JsonSocketIoParser other;
    QCOMPARE(other.decode(EngineIoPacket::binaryMessage("x"_ba), &p), SocketIoParser::Status::Failed);
    QVERIFY(!other.errorString().isEmpty());
    // Over the attachment limit.
    JsonSocketIoParser small(1);
    QCOMPARE(small.decode(EngineIoPacket::message(
                                  R"(52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])"),
                          &p),
             SocketIoParser::Status::Failed);
}

void tst_SocketIoParser::resetDropsHalfAPacket()
{
    JsonSocketIoParser parser;
    SocketIoPacket p;
    QCOMPARE(parser.decode(EngineIoPacket::message(R"(51-["a",{"_placeholder":true,"num":0}])"), &p),
             SocketIoParser::Status::NeedMore);
    parser.reset();
    // The attachment that would have completed it is now unexpected.
    QCOMPARE(parser.decode(EngineIoPacket::binaryMessage("z"_ba), &p), SocketIoParser::Status::Failed);
}

void tst_SocketIoParser::encodeRoundTrip()
{
    JsonSocketIoParser parser;
    const SocketIoPacket sent = SocketIoPacket::event(u"/"_s, u"bin"_s,
                                                      { 1, QByteArray("\xff\x00"_ba) }, 3);
    const SocketIoPacket::Encoded encoded = parser.encode(sent);
    QCOMPARE(encoded.attachments.size(), 1);
    QVERIFY(encoded.text.startsWith("51-3["));
    SocketIoPacket back;
    QCOMPARE(parser.decode(EngineIoPacket::message(encoded.text), &back), SocketIoParser::Status::NeedMore);
    QCOMPARE(parser.decode(EngineIoPacket::binaryMessage(encoded.attachments.at(0)), &back),
             SocketIoParser::Status::Packet);
    QCOMPARE(back.ackId(), qint64(3));
    QCOMPARE(back.eventName(), u"bin"_s);
    QCOMPARE(back.arguments().at(1).toByteArray(), "\xff\x00"_ba);
}

// Packets as the Node.js client builds them, encoded by socket.io-msgpack-parser 3.0.2.
void tst_SocketIoParser::msgpackDecodeClientPackets()
{
    MsgpackSocketIoParser parser;
    QCOMPARE(parser.formatName(), u"msgpack"_s);
    SocketIoPacket p;
    const auto decode = [&](const char *hex) {
        return parser.decode(EngineIoPacket::binaryMessage(QByteArray::fromHex(hex)), &p);
    };
    // {type:2, data:["hi",1,{a:[<01 02>]}], options:{compress:true}, id:3, nsp:"/chat"}
    QCOMPARE(decode("85a47479706502a46461746193a268690181a16191c4020102a76f7074696f6e7381a8636f6d70"
                    "72657373c3a2696403a36e7370a52f63686174"),
             SocketIoParser::Status::Packet);
    QCOMPARE(p.type(), SocketIoPacket::Type::BinaryEvent);
    QCOMPARE(p.nsp(), u"/chat"_s);
    QCOMPARE(p.ackId(), qint64(3));
    QCOMPARE(p.eventName(), u"hi"_s);
    Arguments args = p.arguments();
    QCOMPARE(args.size(), 2);
    QCOMPARE(args.at(0).toLongLong(), 1);
    QCOMPARE(args.at(1).toMap().value(u"a"_s).toList().at(0).toByteArray(), "\x01\x02"_ba);

    // CONNECT without auth: data is undefined (d4 00 00).
    QCOMPARE(decode("83a47479706500a464617461d40000a36e7370a12f"), SocketIoParser::Status::Packet);
    QCOMPARE(p.type(), SocketIoPacket::Type::Connect);
    QCOMPARE(p.nsp(), u"/"_s);
    QVERIFY(p.payload().isUndefined());
    // CONNECT with {token:"x"}.
    QCOMPARE(decode("83a47479706500a46461746181a5746f6b656ea178a36e7370a12f"), SocketIoParser::Status::Packet);
    QCOMPARE(p.payload().toObject().value(u"token"_s).toString(), u"x"_s);
    // ACK 5 ["ok", <09>].
    QCOMPARE(decode("84a47479706503a46461746192a26f6bc40109a2696405a36e7370a12f"), SocketIoParser::Status::Packet);
    QCOMPARE(p.type(), SocketIoPacket::Type::BinaryAck);
    QCOMPARE(p.ackId(), qint64(5));
    args = p.arguments();
    QCOMPARE(args.size(), 2);
    QCOMPARE(args.at(0).toString(), u"ok"_s);
    QCOMPARE(args.at(1).toByteArray(), "\x09"_ba);
    // DISCONNECT /chat.
    QCOMPARE(decode("82a47479706501a36e7370a52f63686174"), SocketIoParser::Status::Packet);
    QCOMPARE(p.type(), SocketIoPacket::Type::Disconnect);
    QCOMPARE(p.nsp(), u"/chat"_s);
}

// What the Node.js server would write for the same packets (keys in the order we write them).
void tst_SocketIoParser::msgpackEncodeGolden_data()
{
    QTest::addColumn<SocketIoPacket>("packet");
    QTest::addColumn<QByteArray>("hex");
    QTest::newRow("CONNECT answer")
            << SocketIoPacket::connect(u"/"_s, QJsonObject{ { u"sid"_s, u"abc"_s } })
            << "83a47479706500a36e7370a12fa46461746181a3736964a3616263"_ba;
    QTest::newRow("binary EVENT with ack id")
            << SocketIoPacket::event(u"/chat"_s, u"news"_s,
                                     { "\xde\xad"_ba, QVariantMap{ { u"n"_s, 1.5 } } }, 12)
            << "84a47479706502a36e7370a52f63686174a46461746193a46e657773c402dead81a16ecb3ff8000000000000a269640c"_ba;
    // An event passed on as the JSON text it came in: the same bytes.
    QTest::newRow("EVENT from raw JSON")
            << SocketIoPacket::event(u"/chat"_s, u"news"_s, {}, 12, R"([{"n":1.5}])"_ba)
            << "84a47479706502a36e7370a52f63686174a46461746192a46e65777381a16ecb3ff8000000000000a269640c"_ba;
    QTest::newRow("ACK") << SocketIoPacket::ack(u"/"_s, 300, { u"ok"_s })
                         << "84a47479706503a36e7370a12fa46461746191a26f6ba26964cd012c"_ba;
    QTest::newRow("ACK from raw JSON") << SocketIoPacket::ack(u"/"_s, 300, {}, R"(["ok"])"_ba)
                                       << "84a47479706503a36e7370a12fa46461746191a26f6ba26964cd012c"_ba;
    QTest::newRow("CONNECT_ERROR")
            << SocketIoPacket::connectError(u"/nope"_s, u"Invalid namespace"_s)
            << "83a47479706504a36e7370a52f6e6f7065a46461746181a76d657373616765b1496e76616c6964206e616d657370616365"_ba;
    QTest::newRow("DISCONNECT") << SocketIoPacket::disconnect(u"/"_s) << "82a47479706501a36e7370a12f"_ba;
}

void tst_SocketIoParser::msgpackEncodeGolden()
{
    QFETCH(SocketIoPacket, packet);
    QFETCH(QByteArray, hex);
    MsgpackSocketIoParser parser;
    const SocketIoPacket::Encoded encoded = parser.encode(packet);
    QVERIFY(encoded.binary);
    QVERIFY(encoded.attachments.isEmpty());
    QCOMPARE(encoded.text.toHex(), hex);
    // The JSON format's stays text.
    QVERIFY(!JsonSocketIoParser().encode(packet).binary);
}

void tst_SocketIoParser::msgpackRoundTrip()
{
    MsgpackSocketIoParser parser;
    const QVariantMap nested{ { u"deep"_s, QVariantList{ QByteArray("\x00\x01"_ba), u"x"_s } } };
    const SocketIoPacket sent = SocketIoPacket::event(
            u"/"_s, u"bin"_s, { QByteArray("\xff"_ba), nested, QVariant::fromValue(nullptr), -7, 2.25 }, 0);
    const SocketIoPacket::Encoded encoded = parser.encode(sent);
    SocketIoPacket back;
    QCOMPARE(parser.decode(EngineIoPacket::binaryMessage(encoded.text), &back), SocketIoParser::Status::Packet);
    QCOMPARE(back.ackId(), qint64(0));
    QCOMPARE(back.eventName(), u"bin"_s);
    const Arguments args = back.arguments();
    QCOMPARE(args.size(), 5);
    QCOMPARE(args.at(0).toByteArray(), "\xff"_ba);
    QCOMPARE(args.at(1).toMap().value(u"deep"_s).toList().at(0).toByteArray(), "\x00\x01"_ba);
    QCOMPARE(args.at(1).toMap().value(u"deep"_s).toList().at(1).toString(), u"x"_s);
    QVERIFY(args.at(2).isNull());
    QCOMPARE(args.at(3).toLongLong(), -7);
    QCOMPARE(args.at(4).toDouble(), 2.25);
}

void tst_SocketIoParser::msgpackMalformed_data()
{
    QTest::addColumn<bool>("binary");
    QTest::addColumn<QByteArray>("hex");
    QTest::addColumn<QString>("error");
    QTest::newRow("text message") << false << "3232"_ba
                                  << u"text message on a msgpack connection (every packet is one binary message)"_s;
    QTest::newRow("not a map") << true << "9102"_ba << u"msgpack packet is not a map"_s;
    QTest::newRow("truncated") << true << "83a474797065"_ba
                               << u"invalid msgpack: 0x83 declares 3 entries but only 5 bytes are left (offset 1)"_s;
    QTest::newRow("no type") << true << "81a36e7370a12f"_ba << u"invalid packet type (expected an integer 0-4)"_s;
    QTest::newRow("type 5") << true << "82a47479706505a36e7370a12f"_ba
                            << u"invalid packet type (expected an integer 0-4)"_s;
    QTest::newRow("type as string") << true << "82a474797065a132a36e7370a12f"_ba
                                    << u"invalid packet type (expected an integer 0-4)"_s;
    QTest::newRow("no nsp") << true << "81a47479706501"_ba << u"invalid namespace (expected a string)"_s;
    QTest::newRow("negative id") << true << "84a47479706502a36e7370a12fa46461746191a161a26964ff"_ba
                                 << u"invalid ack id (expected a non-negative integer)"_s;
    QTest::newRow("EVENT without data") << true << "82a47479706502a36e7370a12f"_ba
                                        << SocketIoPacket::errorString(SocketIoPacket::Error::InvalidEventPayload);
    QTest::newRow("EVENT with empty data") << true << "83a47479706502a36e7370a12fa46461746190"_ba
                                           << SocketIoPacket::errorString(SocketIoPacket::Error::InvalidEventPayload);
    QTest::newRow("EVENT name not a string") << true << "83a47479706502a36e7370a12fa46461746191c3"_ba
                                             << SocketIoPacket::errorString(SocketIoPacket::Error::MissingEventName);
    QTest::newRow("reserved name") << true << "83a47479706502a36e7370a12fa46461746191a7636f6e6e656374"_ba
                                   << SocketIoPacket::errorString(SocketIoPacket::Error::ReservedEventName);
    QTest::newRow("ACK without id") << true << "83a47479706503a36e7370a12fa46461746190"_ba
                                    << SocketIoPacket::errorString(SocketIoPacket::Error::MissingAckId);
    QTest::newRow("CONNECT with an array") << true << "83a47479706500a36e7370a12fa46461746190"_ba
                                           << SocketIoPacket::errorString(SocketIoPacket::Error::InvalidConnectPayload);
    QTest::newRow("DISCONNECT with data") << true << "83a47479706501a36e7370a12fa46461746190"_ba
                                          << SocketIoPacket::errorString(SocketIoPacket::Error::UnexpectedDisconnectPayload);
}

void tst_SocketIoParser::msgpackMalformed()
{
    QFETCH(bool, binary);
    QFETCH(QByteArray, hex);
    QFETCH(QString, error);
    MsgpackSocketIoParser parser;
    SocketIoPacket p;
    const QByteArray data = binary ? QByteArray::fromHex(hex) : hex;
    QCOMPARE(parser.decode(binary ? EngineIoPacket::binaryMessage(data) : EngineIoPacket::message(data), &p),
             SocketIoParser::Status::Failed);
    QCOMPARE(parser.errorString(), error);
}

QTEST_GUILESS_MAIN(tst_SocketIoParser)
#include "tst_socketioparser.moc"
