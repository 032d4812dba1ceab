// The connection's parser seam with its default, the JSON format: Engine.IO messages in,
// Socket.IO packets out (binary ones reassembled), and packets encoded as the spec says.
#include "socketioparser.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace Sockscope;

class tst_SocketIoParser : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void textEvent();
    void binaryEventReassembled();
    void malformedFails();
    void resetDropsHalfAPacket();
    void encodeRoundTrip();
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

QTEST_GUILESS_MAIN(tst_SocketIoParser)
#include "tst_socketioparser.moc"
