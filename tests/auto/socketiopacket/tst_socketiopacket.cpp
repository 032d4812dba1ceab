// Unit tests for the Socket.IO v5 packet codec: every packet type both ways, namespaces, ack
// ids, unicode, binary reassembly through SocketIoDecoder, and malformed packets.
#include "socketiopacket.h"

#include "describe.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTest>

using namespace Qt::StringLiterals;
using Sockscope::Arguments;
using Sockscope::SocketIoDecoder;
using Sockscope::SocketIoPacket;
using Type = Sockscope::SocketIoPacket::Type;
using Error = Sockscope::SocketIoPacket::Error;
using Status = Sockscope::SocketIoDecoder::Status;

namespace Sockscope {
// Readable QCOMPARE failures for the codec's enums (found by argument-dependent lookup).
char *toString(SocketIoPacket::Error e)
{
    return qstrdup(QByteArray(QByteArray::number(int(e)) + " ("
                              + SocketIoPacket::errorString(e).toUtf8() + ')')
                           .constData());
}
char *toString(SocketIoPacket::Type t)
{
    return qstrdup(SocketIoPacket::typeName(t).toUtf8().constData());
}
char *toString(SocketIoDecoder::Status s)
{
    static const char *const names[] = {"Packet", "NeedAttachments", "Failed"};
    return qstrdup(names[int(s)]);
}
} // namespace Sockscope

namespace {

using TestShared::describe;
using TestShared::null;

QByteArray json(const QJsonValue &v) { return Sockscope::Json::toCompactJson(v); }

QJsonObject placeholder(const QJsonValue &num)
{
    return QJsonObject {{u"_placeholder"_s, true}, {u"num"_s, num}};
}

} // namespace

class tst_SocketIoPacket : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void encode_data();
    void encode();
    void decode_data();
    void decode();
    void decodeMalformed_data();
    void decodeMalformed();
    void reassemble_data();
    void reassemble();
    void invalidPlaceholder_data();
    void invalidPlaceholder();
    void roundTrip_data();
    void roundTrip();
    void unexpectedBinary();
    void unexpectedText();
    void decoderRecoversAfterError();
    void hugeAttachmentCount_data();
    void hugeAttachmentCount();
    void maxAttachments();
    void binaryWithoutAttachments();
    void typeFollowsAttachments();
    void errorStrings();
    void typeNames();
    void rawArguments_data();
    void rawArguments();
};

void tst_SocketIoPacket::encode_data()
{
    QTest::addColumn<SocketIoPacket>("packet");
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QList<QByteArray>>("attachments");

    const QList<QByteArray> none;
    const QJsonObject auth {{u"token"_s, u"abc"_s}};

    QTest::newRow("connect /") << SocketIoPacket::connect(u"/"_s) << "0"_ba << none;
    QTest::newRow("connect / undefined")
            << SocketIoPacket::connect(u"/"_s, QJsonValue(QJsonValue::Undefined)) << "0"_ba << none;
    QTest::newRow("connect /chat") << SocketIoPacket::connect(u"/chat"_s) << "0/chat,"_ba << none;
    QTest::newRow("connect / auth")
            << SocketIoPacket::connect(u"/"_s, auth) << R"(0{"token":"abc"})"_ba << none;
    QTest::newRow("connect /admin auth") << SocketIoPacket::connect(u"/admin"_s, auth)
                                         << R"(0/admin,{"token":"abc"})"_ba << none;
    QTest::newRow("connect answer")
            << SocketIoPacket::connect(u"/"_s, QJsonObject {{u"sid"_s, u"oSO0OpakMV_3jnilAAAA"_s}})
            << R"(0{"sid":"oSO0OpakMV_3jnilAAAA"})"_ba << none;
    QTest::newRow("disconnect /") << SocketIoPacket::disconnect(u"/"_s) << "1"_ba << none;
    QTest::newRow("disconnect /chat")
            << SocketIoPacket::disconnect(u"/chat"_s) << "1/chat,"_ba << none;
    QTest::newRow("event") << SocketIoPacket::event(u"/"_s, u"aaa"_s, {12, 5, 8})
                           << R"(2["aaa",12,5,8])"_ba << none;
    QTest::newRow("event no args")
            << SocketIoPacket::event(u"/"_s, u"ping"_s, {}) << R"(2["ping"])"_ba << none;
    QTest::newRow("event with ack")
            << SocketIoPacket::event(u"/"_s, u"hello"_s, {}, 1) << R"(21["hello"])"_ba << none;
    QTest::newRow("event nsp ack") << SocketIoPacket::event(u"/chat"_s, u"a"_s, {1}, 12)
                                   << R"(2/chat,12["a",1])"_ba << none;
    QTest::newRow("event ack 0") << SocketIoPacket::event(u"/"_s, u"a"_s, {}, 0) << R"(20["a"])"_ba
                                 << none;
    QTest::newRow("event large ack") << SocketIoPacket::event(u"/"_s, u"a"_s, {}, 999999999999999LL)
                                     << R"(2999999999999999["a"])"_ba << none;
    QTest::newRow("event mixed args") << SocketIoPacket::event(
            u"/"_s, u"mix"_s,
            {u"s"_s, 1.5, true, null(), QVariantMap {{u"k"_s, QVariantList {1, 2}}}})
                                      << R"(2["mix","s",1.5,true,null,{"k":[1,2]}])"_ba << none;
    QTest::newRow("event cjk and emoji")
            << SocketIoPacket::event(u"/聊天"_s, u"こんにちは"_s, {u"😀👍"_s, u"中文"_s})
            << QByteArray(u"2/聊天,[\"こんにちは\",\"😀👍\",\"中文\"]"_s.toUtf8()) << none;
    QTest::newRow("ack") << SocketIoPacket::ack(u"/"_s, 1, {u"ok"_s}) << R"(31["ok"])"_ba << none;
    QTest::newRow("ack empty") << SocketIoPacket::ack(u"/chat"_s, 7, {}) << "3/chat,7[]"_ba << none;
    QTest::newRow("ack large id") << SocketIoPacket::ack(u"/"_s, 123456789012345LL, {1})
                                  << "3123456789012345[1]"_ba << none;
    QTest::newRow("connect_error") << SocketIoPacket::connectError(u"/"_s, u"Not authorized"_s)
                                   << R"(4{"message":"Not authorized"})"_ba << none;
    QTest::newRow("connect_error data")
            << SocketIoPacket::connectError(u"/chat"_s, u"no"_s, QJsonObject {{u"code"_s, 3}})
            << R"(4/chat,{"data":{"code":3},"message":"no"})"_ba << none;
    QTest::newRow("binary event") << SocketIoPacket::event(u"/"_s, u"img"_s,
                                                           {QByteArray("\x01\x02")})
                                  << R"(51-["img",{"_placeholder":true,"num":0}])"_ba
                                  << QList<QByteArray> {"\x01\x02"_ba};
    QTest::newRow("binary event nsp ack two")
            << SocketIoPacket::event(u"/chat"_s, u"f"_s,
                                     {QByteArray("a"), QVariantMap {{u"x"_s, QByteArray("b")}}}, 9)
            << R"(52-/chat,9["f",{"_placeholder":true,"num":0},{"x":{"_placeholder":true,"num":1}}])"_ba
            << QList<QByteArray> {"a"_ba, "b"_ba};
    QTest::newRow("binary ack") << SocketIoPacket::ack(u"/chat"_s, 3, {QByteArray("\xff")})
                                << R"(61-/chat,3[{"_placeholder":true,"num":0}])"_ba
                                << QList<QByteArray> {"\xff"_ba};
}

void tst_SocketIoPacket::encode()
{
    QFETCH(SocketIoPacket, packet);
    QFETCH(QByteArray, text);
    QFETCH(QList<QByteArray>, attachments);

    const SocketIoPacket::Encoded e = packet.encode();
    QCOMPARE(e.text, text);
    QCOMPARE(e.attachments, attachments);
    QCOMPARE(packet.isBinary(), !attachments.isEmpty());
}

void tst_SocketIoPacket::decode_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<Type>("type");
    QTest::addColumn<QString>("nsp");
    QTest::addColumn<qint64>("ackId");
    QTest::addColumn<QByteArray>("payload"); // compact JSON; empty: none
    QTest::addColumn<QString>("eventName");
    QTest::addColumn<Arguments>("arguments");
    QTest::addColumn<bool>("canonical"); // encode() gives the same text back

    QTest::newRow("connect") << "0"_ba << Type::Connect << u"/"_s << -1LL << QByteArray()
                             << QString() << Arguments() << true;
    QTest::newRow("connect nsp") << "0/admin,"_ba << Type::Connect << u"/admin"_s << -1LL
                                 << QByteArray() << QString() << Arguments() << true;
    QTest::newRow("connect nsp without comma")
            << "0/admin"_ba << Type::Connect << u"/admin"_s << -1LL << QByteArray() << QString()
            << Arguments() << false;
    QTest::newRow("connect auth") << R"(0{"token":"123"})"_ba << Type::Connect << u"/"_s << -1LL
                                  << R"({"token":"123"})"_ba << QString() << Arguments() << true;
    QTest::newRow("connect nsp auth")
            << R"(0/admin,{"token":"123"})"_ba << Type::Connect << u"/admin"_s << -1LL
            << R"({"token":"123"})"_ba << QString() << Arguments() << true;
    QTest::newRow("connect explicit /") << R"(0/,{})"_ba << Type::Connect << u"/"_s << -1LL
                                        << "{}"_ba << QString() << Arguments() << false;
    QTest::newRow("disconnect") << "1"_ba << Type::Disconnect << u"/"_s << -1LL << QByteArray()
                                << QString() << Arguments() << true;
    QTest::newRow("disconnect nsp") << "1/chat,"_ba << Type::Disconnect << u"/chat"_s << -1LL
                                    << QByteArray() << QString() << Arguments() << true;
    QTest::newRow("event") << R"(2["aaa",12,5,8])"_ba << Type::Event << u"/"_s << -1LL
                           << R"(["aaa",12,5,8])"_ba << u"aaa"_s << Arguments {12LL, 5LL, 8LL}
                           << true;
    QTest::newRow("event only name") << R"(2["hello"])"_ba << Type::Event << u"/"_s << -1LL
                                     << R"(["hello"])"_ba << u"hello"_s << Arguments() << true;
    QTest::newRow("event ack") << R"(21["hello"])"_ba << Type::Event << u"/"_s << 1LL
                               << R"(["hello"])"_ba << u"hello"_s << Arguments() << true;
    QTest::newRow("event nsp ack") << R"(2/chat,12["a",1])"_ba << Type::Event << u"/chat"_s << 12LL
                                   << R"(["a",1])"_ba << u"a"_s << Arguments {1LL} << true;
    QTest::newRow("event nsp no ack") << R"(2/chat,["a",{"b":null}])"_ba << Type::Event
                                      << u"/chat"_s << -1LL << R"(["a",{"b":null}])"_ba << u"a"_s
                                      << Arguments {QVariantMap {{u"b"_s, null()}}} << true;
    QTest::newRow("event nested nsp") << R"(2/a/b/c,["x"])"_ba << Type::Event << u"/a/b/c"_s << -1LL
                                      << R"(["x"])"_ba << u"x"_s << Arguments() << true;
    QTest::newRow("event largest ack id")
            << R"(2999999999999999["a"])"_ba << Type::Event << u"/"_s << 999999999999999LL
            << R"(["a"])"_ba << u"a"_s << Arguments() << true;
    QTest::newRow("event leading zero ack id") << R"(2007["a"])"_ba << Type::Event << u"/"_s << 7LL
                                               << R"(["a"])"_ba << u"a"_s << Arguments() << false;
    QTest::newRow("event types") << R"(2["t",1.5,-3,true,false,null,"s",[],{}])"_ba << Type::Event
                                 << u"/"_s << -1LL << R"(["t",1.5,-3,true,false,null,"s",[],{}])"_ba
                                 << u"t"_s
                                 << Arguments {1.5,    -3LL,   true,           false,
                                               null(), u"s"_s, QVariantList(), QVariantMap()}
                                 << true;
    QTest::newRow("event numeric name")
            << R"(2[42,"x"])"_ba << Type::Event << u"/"_s << -1LL << R"([42,"x"])"_ba << u"42"_s
            << Arguments {u"x"_s} << true;
    QTest::newRow("event cjk emoji")
            << QByteArray(u"2/聊天,5[\"こんにちは\",\"😀\",{\"名前\":\"🎉\"}]"_s.toUtf8())
            << Type::Event << u"/聊天"_s << 5LL
            << QByteArray(u"[\"こんにちは\",\"😀\",{\"名前\":\"🎉\"}]"_s.toUtf8()) << u"こんにちは"_s
            << Arguments {u"😀"_s, QVariantMap {{u"名前"_s, u"🎉"_s}}} << true;
    QTest::newRow("event escaped unicode")
            << R"(2["\u00e9\ud83d\ude00","\n"])"_ba << Type::Event << u"/"_s << -1LL
            << QByteArray(u"[\"é😀\",\"\\n\"]"_s.toUtf8()) << u"é😀"_s << Arguments {u"\n"_s}
            << false;
    QTest::newRow("event whitespace json") << R"(2[ "a" , 1 ])"_ba << Type::Event << u"/"_s << -1LL
                                           << R"(["a",1])"_ba << u"a"_s << Arguments {1LL} << false;
    QTest::newRow("ack") << R"(31["ok"])"_ba << Type::Ack << u"/"_s << 1LL << R"(["ok"])"_ba
                         << QString() << Arguments {u"ok"_s} << true;
    QTest::newRow("ack empty") << "3/chat,7[]"_ba << Type::Ack << u"/chat"_s << 7LL << "[]"_ba
                               << QString() << Arguments() << true;
    QTest::newRow("ack large id") << "3123456789012345[1]"_ba << Type::Ack << u"/"_s
                                  << 123456789012345LL << "[1]"_ba << QString() << Arguments {1LL}
                                  << true;
    QTest::newRow("connect_error")
            << R"(4{"message":"Not authorized"})"_ba << Type::ConnectError << u"/"_s << -1LL
            << R"({"message":"Not authorized"})"_ba << QString() << Arguments() << true;
    QTest::newRow("connect_error nsp data")
            << R"(4/chat,{"data":{"code":3},"message":"no"})"_ba << Type::ConnectError << u"/chat"_s
            << -1LL << R"({"data":{"code":3},"message":"no"})"_ba << QString() << Arguments()
            << true;
    QTest::newRow("connect_error string (v2 servers)")
            << R"(4"Not authorized")"_ba << Type::ConnectError << u"/"_s << -1LL
            << R"("Not authorized")"_ba << QString() << Arguments() << true;
    // Binary packets decoded on their own: the placeholders stay in the payload.
    QTest::newRow("binary event") << R"(51-["img",{"_placeholder":true,"num":0}])"_ba
                                  << Type::BinaryEvent << u"/"_s << -1LL
                                  << R"(["img",{"_placeholder":true,"num":0}])"_ba << u"img"_s
                                  << Arguments {null()} << false;
    QTest::newRow("binary ack") << R"(61-/chat,3[{"_placeholder":true,"num":0}])"_ba
                                << Type::BinaryAck << u"/chat"_s << 3LL
                                << R"([{"_placeholder":true,"num":0}])"_ba << QString()
                                << Arguments {null()} << false;
}

void tst_SocketIoPacket::decode()
{
    QFETCH(QByteArray, text);
    QFETCH(Type, type);
    QFETCH(QString, nsp);
    QFETCH(qint64, ackId);
    QFETCH(QByteArray, payload);
    QFETCH(QString, eventName);
    QFETCH(Arguments, arguments);
    QFETCH(bool, canonical);

    SocketIoPacket p;
    QCOMPARE(SocketIoDecoder::parse(text, &p), Error::None);
    QCOMPARE(p.type(), type);
    QCOMPARE(p.nsp(), nsp);
    QCOMPARE(p.ackId(), ackId);
    QCOMPARE(p.hasAckId(), ackId >= 0);
    if (payload.isEmpty())
        QVERIFY(p.payload().isUndefined());
    else
        QCOMPARE(json(p.payload()), payload);
    QCOMPARE(p.eventName(), eventName);
    if (type == Type::Event || type == Type::Ack)
        QCOMPARE(describe(p.arguments()), describe(arguments));
    QVERIFY(p.attachments().isEmpty());

    // Taking the bytes (the server's path) decodes the same packet.
    {
        QByteArray own(text.constData(), text.size()); // not shared: may be taken
        SocketIoPacket t;
        QCOMPARE(SocketIoDecoder::parseTaking(&own, &t), Error::None);
        QCOMPARE(t.type(), p.type());
        QCOMPARE(t.nsp(), p.nsp());
        QCOMPARE(t.ackId(), p.ackId());
        QCOMPARE(t.payload(), p.payload());
        QCOMPARE(t.eventName(), p.eventName());
        QCOMPARE(t.rawArguments(), p.rawArguments());
        if (!t.isBinary())
            QCOMPARE(t.encode().text, p.encode().text);
        if (own.isEmpty()) // taken: only ever for the arguments of an EVENT or ACK
            QVERIFY(type == Type::Event || type == Type::Ack);
        else
            QCOMPARE(own, text);
    }

    if (canonical)
        QCOMPARE(p.encode().text, text);
    else if (!p.isBinary()) {
        // Not byte for byte, but the re-encoded packet decodes to the same thing.
        SocketIoPacket again;
        QCOMPARE(SocketIoDecoder::parse(p.encode().text, &again), Error::None);
        QCOMPARE(again.type(), p.type());
        QCOMPARE(again.nsp(), p.nsp());
        QCOMPARE(again.ackId(), p.ackId());
        QCOMPARE(again.payload(), p.payload());
    }

    // The decoder hands out the same packet, at once when nothing binary is awaited.
    SocketIoDecoder decoder;
    const Status status = decoder.decodeText(text);
    if (p.isBinary()) {
        QCOMPARE(status, Status::NeedAttachments);
        QVERIFY(decoder.isReassembling());
    } else {
        QCOMPARE(status, Status::Packet);
        QCOMPARE(decoder.error(), Error::None);
        const SocketIoPacket q = decoder.takePacket();
        QCOMPARE(q.type(), type);
        QCOMPARE(q.nsp(), nsp);
        QCOMPARE(q.ackId(), ackId);
        QCOMPARE(q.payload(), p.payload());
    }
}

void tst_SocketIoPacket::decodeMalformed_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<Error>("error");

    QTest::newRow("empty") << QByteArray() << Error::EmptyPacket;
    QTest::newRow("type 7") << R"(7["a"])"_ba << Error::UnknownType;
    QTest::newRow("type 9") << "9"_ba << Error::UnknownType;
    QTest::newRow("letter") << R"(e["a"])"_ba << Error::UnknownType;
    QTest::newRow("json first") << R"(["a"])"_ba << Error::UnknownType;
    QTest::newRow("space first") << R"( 2["a"])"_ba << Error::UnknownType;
    QTest::newRow("minus first") << "-1"_ba << Error::UnknownType;

    // EVENT and ACK payloads are checked as strictly as RFC 8259 (and Node.js's JSON.parse).
    QTest::newRow("event, trailing comma") << R"(2["a",1,])"_ba << Error::InvalidJson;
    QTest::newRow("event, number 1.") << R"(2["a",1.])"_ba << Error::InvalidJson;
    QTest::newRow("event, raw newline") << "2[\"a\",\"x\ny\"]"_ba << Error::InvalidJson;
    QTest::newRow("event, unknown escape") << R"(2["a","\q"])"_ba << Error::InvalidJson;
    QTest::newRow("event, bad utf-8") << "2[\"a\",\"\xff\"]"_ba << Error::InvalidJson;
    QTest::newRow("event, text after") << R"(2["a"]x)"_ba << Error::InvalidJson;
    QTest::newRow("event, number overflows") << R"(2["a",1e400])"_ba << Error::InvalidJson; // fuzz_socketio
    QTest::newRow("ack, number overflows") << R"(31[3300128E1927281363364])"_ba << Error::InvalidJson;
    QTest::newRow("event, two arrays") << R"(2["a"]["b"])"_ba << Error::InvalidJson;
    QTest::newRow("event, reserved fast") << R"(2["disconnect",1])"_ba << Error::ReservedEventName;
    QTest::newRow("event, empty array spaces") << R"(2[ ])"_ba << Error::MissingEventName;
    QTest::newRow("ack, unterminated") << R"(31[1,2)"_ba << Error::InvalidJson;
    QTest::newRow("ack, no id fast") << R"(3[1])"_ba << Error::MissingAckId;

    QTest::newRow("attachments letter") << R"(5x-["a"])"_ba << Error::InvalidAttachmentCount;
    QTest::newRow("attachments missing") << R"(5-["a"])"_ba << Error::InvalidAttachmentCount;
    QTest::newRow("attachments no dash") << R"(51["a"])"_ba << Error::InvalidAttachmentCount;
    QTest::newRow("attachments digits then end") << "51"_ba << Error::InvalidAttachmentCount;
    QTest::newRow("binary type alone") << "5"_ba << Error::InvalidAttachmentCount;
    QTest::newRow("binary ack no count") << R"(6/chat,1[])"_ba << Error::InvalidAttachmentCount;
    QTest::newRow("attachments negative") << R"(5-1-["a"])"_ba << Error::InvalidAttachmentCount;
    QTest::newRow("attachments 65") << R"(565-["a"])"_ba << Error::TooManyAttachments;
    QTest::newRow("attachments huge") << R"(599999999999-["a"])"_ba << Error::TooManyAttachments;
    QTest::newRow("attachments overflow")
            << R"(699999999999999999999999999999-1[])"_ba << Error::TooManyAttachments;

    QTest::newRow("namespace with array") << R"(2/chat["a"])"_ba << Error::UnterminatedNamespace;
    QTest::newRow("namespace with array and comma inside")
            << R"(2/chat["a",1])"_ba << Error::UnterminatedNamespace;
    QTest::newRow("namespace with object")
            << R"(0/admin{"token":"x"})"_ba << Error::UnterminatedNamespace;
    QTest::newRow("namespace with object and comma inside")
            << R"(0/admin{"a":1,"b":2})"_ba << Error::UnterminatedNamespace;
    QTest::newRow("binary namespace")
            << R"(51-/chat[{"_placeholder":true,"num":0}])"_ba << Error::UnterminatedNamespace;

    QTest::newRow("ack id 16 digits") << R"(21234567890123456["a"])"_ba << Error::InvalidAckId;
    QTest::newRow("ack id 30 digits")
            << R"(3123456789012345678901234567890[])"_ba << Error::InvalidAckId;
    QTest::newRow("ack id too long nsp")
            << R"(2/chat,99999999999999999["a"])"_ba << Error::InvalidAckId;

    QTest::newRow("json truncated") << R"(2["a")"_ba << Error::InvalidJson;
    QTest::newRow("json trailing garbage") << R"(2["a"]x)"_ba << Error::InvalidJson;
    QTest::newRow("json trailing comma") << R"(2["a",])"_ba << Error::InvalidJson;
    QTest::newRow("json two values") << R"(2["a"]["b"])"_ba << Error::InvalidJson;
    QTest::newRow("json bad object") << R"(0{token:1})"_ba << Error::InvalidJson;
    QTest::newRow("json single quotes") << R"(4'oops')"_ba << Error::InvalidJson;
    QTest::newRow("json bare word") << "4oops"_ba << Error::InvalidJson;
    QTest::newRow("json scalar list") << R"(4"a","b")"_ba << Error::InvalidJson;
    QTest::newRow("json scalar breaking out") << R"(41],[2)"_ba << Error::InvalidJson;
    QTest::newRow("json after nsp") << "2/chat,["_ba << Error::InvalidJson;

    QTest::newRow("connect array") << R"(0["a"])"_ba << Error::InvalidConnectPayload;
    QTest::newRow("connect nsp array") << R"(0/chat,[])"_ba << Error::InvalidConnectPayload;
    QTest::newRow("connect string") << R"(0"token")"_ba << Error::InvalidConnectPayload;
    QTest::newRow("connect null") << "0null"_ba << Error::InvalidConnectPayload;

    QTest::newRow("disconnect object") << "1{}"_ba << Error::UnexpectedDisconnectPayload;
    QTest::newRow("disconnect nsp array")
            << R"(1/chat,["a"])"_ba << Error::UnexpectedDisconnectPayload;
    QTest::newRow("disconnect string") << R"(1"bye")"_ba << Error::UnexpectedDisconnectPayload;

    QTest::newRow("event object") << R"(2{"name":"a"})"_ba << Error::InvalidEventPayload;
    QTest::newRow("event string") << R"(2"a")"_ba << Error::InvalidEventPayload;
    QTest::newRow("event number after ack id") << "21 2"_ba << Error::InvalidEventPayload;
    QTest::newRow("binary event object") << R"(50-{"a":1})"_ba << Error::InvalidEventPayload;
    QTest::newRow("event empty array") << "2[]"_ba << Error::MissingEventName;
    QTest::newRow("event no payload") << "2"_ba << Error::MissingEventName;
    QTest::newRow("event ack no payload") << "212"_ba << Error::MissingEventName;
    QTest::newRow("event name object") << R"(2[{"a":1}])"_ba << Error::MissingEventName;
    QTest::newRow("event name null") << R"(2[null,1])"_ba << Error::MissingEventName;
    QTest::newRow("event name bool") << R"(2[true])"_ba << Error::MissingEventName;
    QTest::newRow("event name array") << R"(2[["a"]])"_ba << Error::MissingEventName;
    QTest::newRow("binary event name placeholder")
            << R"(51-[{"_placeholder":true,"num":0}])"_ba << Error::MissingEventName;
    for (const char *name : {"connect", "connect_error", "disconnect", "disconnecting",
                             "newListener", "removeListener"}) {
        QTest::addRow("reserved %s", name)
                << QByteArray("2[\"" + QByteArray(name) + "\",1]") << Error::ReservedEventName;
    }
    QTest::newRow("reserved binary")
            << R"(51-/chat,["disconnect",{"_placeholder":true,"num":0}])"_ba
            << Error::ReservedEventName;

    QTest::newRow("ack no id") << R"(3["ok"])"_ba << Error::MissingAckId;
    QTest::newRow("ack nsp no id") << R"(3/chat,["ok"])"_ba << Error::MissingAckId;
    QTest::newRow("binary ack no id")
            << R"(61-[{"_placeholder":true,"num":0}])"_ba << Error::MissingAckId;
    QTest::newRow("ack object") << R"(31{"a":1})"_ba << Error::InvalidAckPayload;
    QTest::newRow("ack string") << R"(31"ok")"_ba << Error::InvalidAckPayload;
    QTest::newRow("ack no payload") << "31"_ba << Error::InvalidAckPayload;

    QTest::newRow("connect_error array") << R"(4["no"])"_ba << Error::InvalidConnectErrorPayload;
    QTest::newRow("connect_error none") << "4"_ba << Error::InvalidConnectErrorPayload;
    QTest::newRow("connect_error number") << "4/chat,1"_ba << Error::InvalidConnectErrorPayload;
}

void tst_SocketIoPacket::decodeMalformed()
{
    QFETCH(QByteArray, text);
    QFETCH(Error, error);

    SocketIoPacket p = SocketIoPacket::disconnect(u"/untouched"_s);
    QCOMPARE(SocketIoDecoder::parse(text, &p), error);
    QCOMPARE(p.nsp(), u"/untouched"_s); // not overwritten on error
    QCOMPARE(p.type(), Type::Disconnect);
    QByteArray own(text.constData(), text.size());
    QCOMPARE(SocketIoDecoder::parseTaking(&own, &p), error);
    QCOMPARE(own, text); // nothing taken on error
    QCOMPARE(p.nsp(), u"/untouched"_s);

    SocketIoDecoder decoder;
    QCOMPARE(decoder.decodeText(text), Status::Failed);
    QCOMPARE(decoder.error(), error);
    QCOMPARE(decoder.errorString(), SocketIoPacket::errorString(error));
    QVERIFY(!decoder.isReassembling());
}

void tst_SocketIoPacket::reassemble_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QList<QByteArray>>("frames");
    QTest::addColumn<Type>("type");
    QTest::addColumn<QString>("eventName");
    QTest::addColumn<Arguments>("arguments");

    const QByteArray a("\x00\x01\x02", 3);
    const QByteArray b = "\xff\xfe"_ba;
    const QByteArray c = u"日本"_s.toUtf8();

    QTest::newRow("one") << R"(51-["img",{"_placeholder":true,"num":0}])"_ba
                         << QList<QByteArray> {a} << Type::BinaryEvent << u"img"_s << Arguments {a};
    QTest::newRow("empty attachment")
            << R"(51-["img",{"_placeholder":true,"num":0}])"_ba << QList<QByteArray> {{}}
            << Type::BinaryEvent << u"img"_s << Arguments {QByteArray("")};
    QTest::newRow("two reversed")
            << R"(52-["f",{"_placeholder":true,"num":1},"x",{"_placeholder":true,"num":0}])"_ba
            << QList<QByteArray> {a, b} << Type::BinaryEvent << u"f"_s << Arguments {b, u"x"_s, a};
    QTest::newRow("same attachment twice")
            << R"(51-["f",{"_placeholder":true,"num":0},[{"_placeholder":true,"num":0}]])"_ba
            << QList<QByteArray> {a} << Type::BinaryEvent << u"f"_s
            << Arguments {a, QVariantList {a}};
    QTest::newRow("deep in objects and arrays")
            << R"(53-/chat,12["deep",{"a":{"b":[1,{"c":[[{"_placeholder":true,"num":2}]]}]},"d":{"_placeholder":true,"num":0}},[[[[{"e":{"_placeholder":true,"num":1}}]]]]])"_ba
            << QList<QByteArray> {a, b, c} << Type::BinaryEvent << u"deep"_s
            << Arguments {QVariantMap {
                                  {u"a"_s,
                                   QVariantMap {
                                           {u"b"_s,
                                            QVariantList {1LL,
                                                          QVariantMap {{u"c"_s,
                                                                        QVariantList {QVariantList {
                                                                                c}}}}}}}},
                                  {u"d"_s, a}},
                          QVariantList {QVariantList {
                                  QVariantList {QVariantList {QVariantMap {{u"e"_s, b}}}}}}};
    QTest::newRow("unicode name and args") << QByteArray(
            u"51-/聊天,[\"图片😀\",{\"名\":{\"_placeholder\":true,\"num\":0}}]"_s.toUtf8())
                                           << QList<QByteArray> {c} << Type::BinaryEvent
                                           << u"图片😀"_s << Arguments {QVariantMap {{u"名"_s, c}}};
    QTest::newRow("binary ack")
            << R"(62-/chat,99[{"_placeholder":true,"num":0},null,{"_placeholder":true,"num":1}])"_ba
            << QList<QByteArray> {a, b} << Type::BinaryAck << QString() << Arguments {a, null(), b};
    QTest::newRow("placeholder-like object with a third key is plain")
            << R"(51-["p",{"_placeholder":true,"num":0,"x":1},{"_placeholder":true,"num":0}])"_ba
            << QList<QByteArray> {a} << Type::BinaryEvent << u"p"_s
            << Arguments {QVariantMap {{u"_placeholder"_s, true}, {u"num"_s, 0LL}, {u"x"_s, 1LL}},
                          a};
    QList<QByteArray> many;
    QByteArray manyText = R"(564-["many")"_ba;
    Arguments manyArgs;
    for (int i = 0; i < 64; ++i) {
        many.append(QByteArray(i, char(i)));
        manyText += R"(,{"_placeholder":true,"num":)" + QByteArray::number(i) + '}';
        manyArgs.append(many.last());
    }
    manyText += ']';
    QTest::newRow("64 attachments")
            << manyText << many << Type::BinaryEvent << u"many"_s << manyArgs;
}

void tst_SocketIoPacket::reassemble()
{
    QFETCH(QByteArray, text);
    QFETCH(QList<QByteArray>, frames);
    QFETCH(Type, type);
    QFETCH(QString, eventName);
    QFETCH(Arguments, arguments);

    SocketIoDecoder decoder;
    QCOMPARE(decoder.decodeText(text), Status::NeedAttachments);
    QVERIFY(decoder.isReassembling());
    for (qsizetype i = 0; i < frames.size(); ++i) {
        const Status s = decoder.decodeBinary(frames.at(i));
        if (i + 1 < frames.size()) {
            QCOMPARE(s, Status::NeedAttachments);
            QVERIFY(decoder.isReassembling());
        } else {
            QCOMPARE(s, Status::Packet);
            QVERIFY(!decoder.isReassembling());
        }
    }
    QCOMPARE(decoder.error(), Error::None);
    const SocketIoPacket p = decoder.takePacket();
    QCOMPARE(p.type(), type);
    QVERIFY(p.isBinary());
    QCOMPARE(p.attachments(), frames);
    QCOMPARE(p.eventName(), eventName);
    QCOMPARE(describe(p.arguments()), describe(arguments));

    // Encoding it again gives the same text and frames.
    const SocketIoPacket::Encoded e = p.encode();
    QCOMPARE(e.text, text);
    QCOMPARE(e.attachments, frames);

    // The decoder is ready for the next packet.
    QCOMPARE(decoder.decodeText(R"(2["next"])"_ba), Status::Packet);
    QCOMPARE(decoder.takePacket().eventName(), u"next"_s);
}

void tst_SocketIoPacket::invalidPlaceholder_data()
{
    QTest::addColumn<QJsonValue>("num");
    QTest::addColumn<int>("attachments");

    QTest::newRow("out of range") << QJsonValue(1) << 1;
    QTest::newRow("far out of range") << QJsonValue(1000000) << 2;
    QTest::newRow("negative") << QJsonValue(-1) << 1;
    QTest::newRow("non-integer") << QJsonValue(0.5) << 1;
    QTest::newRow("string") << QJsonValue(u"0"_s) << 1;
    QTest::newRow("null") << QJsonValue(QJsonValue::Null) << 1;
    QTest::newRow("huge double") << QJsonValue(1e300) << 1;
}

void tst_SocketIoPacket::invalidPlaceholder()
{
    QFETCH(QJsonValue, num);
    QFETCH(int, attachments);

    const QByteArray count = QByteArray::number(attachments) + '-';
    const QJsonObject arg {{u"k"_s, placeholder(num)}};
    const QByteArrayList wires {'5' + count + json(QJsonArray {u"x"_s, arg}),
                                '6' + count + "1"_ba + json(QJsonArray {arg})};
    for (const QByteArray &wire : wires) {
        SocketIoDecoder decoder;
        QCOMPARE(decoder.decodeText(wire), Status::NeedAttachments);
        for (int i = 0; i + 1 < attachments; ++i)
            QCOMPARE(decoder.decodeBinary("x"), Status::NeedAttachments);
        QCOMPARE(decoder.decodeBinary("x"), Status::Failed);
        QCOMPARE(decoder.error(), Error::InvalidPlaceholder);
        QVERIFY(!decoder.isReassembling());
        // Whatever came before is dropped: a stray binary frame is now unexpected.
        QCOMPARE(decoder.decodeBinary("x"), Status::Failed);
        QCOMPARE(decoder.error(), Error::UnexpectedBinary);
    }
}

void tst_SocketIoPacket::roundTrip_data()
{
    QTest::addColumn<SocketIoPacket>("packet");
    QTest::addColumn<Arguments>("arguments");

    const QByteArray bin1("\x00\x10\x20\xff", 4);
    const QByteArray bin2 = u"🎉 bytes"_s.toUtf8();
    const Arguments plain {u"text"_s,
                           42LL,
                           -7LL,
                           2.25,
                           true,
                           null(),
                           QVariantMap {{u"nested"_s, QVariantList {1LL, u"two"_s, 3.5}}},
                           QVariantList()};
    const Arguments binary {bin1, QVariantMap {{u"file"_s, bin2}, {u"size"_s, 9LL}},
                            QVariantList {QVariantList {QVariantMap {{u"deep"_s, bin1}}}},
                            u"after"_s};

    QTest::newRow("event") << SocketIoPacket::event(u"/"_s, u"e"_s, plain) << plain;
    QTest::newRow("event nsp ack") << SocketIoPacket::event(u"/chat"_s, u"e"_s, plain, 12) << plain;
    QTest::newRow("event no args")
            << SocketIoPacket::event(u"/chat"_s, u"e"_s, {}, 0) << Arguments();
    QTest::newRow("event unicode")
            << SocketIoPacket::event(u"/ünï"_s, u"名前😀"_s, {u"值🎉"_s, u"Ω"_s}, 3)
            << Arguments {u"值🎉"_s, u"Ω"_s};
    QTest::newRow("event max ack id")
            << SocketIoPacket::event(u"/"_s, u"e"_s, {1LL}, 999999999999999LL) << Arguments {1LL};
    QTest::newRow("binary event") << SocketIoPacket::event(u"/"_s, u"b"_s, binary) << binary;
    QTest::newRow("binary event nsp ack")
            << SocketIoPacket::event(u"/admin"_s, u"b"_s, binary, 77) << binary;
    QTest::newRow("ack") << SocketIoPacket::ack(u"/"_s, 5, plain) << plain;
    QTest::newRow("ack empty") << SocketIoPacket::ack(u"/chat"_s, 0, {}) << Arguments();
    QTest::newRow("binary ack") << SocketIoPacket::ack(u"/chat"_s, 8, binary) << binary;
    QTest::newRow("connect") << SocketIoPacket::connect(u"/chat"_s) << Arguments();
    QTest::newRow("connect auth") << SocketIoPacket::connect(u"/"_s,
                                                             QJsonObject {{u"token"_s, u"🔑"_s}})
                                  << Arguments();
    QTest::newRow("disconnect") << SocketIoPacket::disconnect(u"/chat"_s) << Arguments();
    QTest::newRow("connect_error")
            << SocketIoPacket::connectError(u"/"_s, u"nope"_s) << Arguments();
}

void tst_SocketIoPacket::roundTrip()
{
    QFETCH(SocketIoPacket, packet);
    QFETCH(Arguments, arguments);

    const SocketIoPacket::Encoded e = packet.encode();
    QCOMPARE(e.attachments, packet.attachments());
    SocketIoDecoder decoder;
    Status s = decoder.decodeText(e.text);
    for (const QByteArray &frame : e.attachments) {
        QCOMPARE(s, Status::NeedAttachments);
        s = decoder.decodeBinary(frame);
    }
    QCOMPARE(s, Status::Packet);
    const SocketIoPacket back = decoder.takePacket();
    QCOMPARE(back.type(), packet.type());
    QCOMPARE(back.nsp(), packet.nsp());
    QCOMPARE(back.ackId(), packet.ackId());
    QCOMPARE(back.payload(), packet.payload());
    QCOMPARE(back.attachments(), packet.attachments());
    QCOMPARE(back.eventName(), packet.eventName());
    QCOMPARE(describe(back.arguments()), describe(packet.arguments()));
    if (packet.type() != Type::Connect && packet.type() != Type::Disconnect
        && packet.type() != Type::ConnectError) {
        QCOMPARE(describe(back.arguments()), describe(arguments));
    }
    QCOMPARE(back.encode().text, e.text);
}

void tst_SocketIoPacket::unexpectedBinary()
{
    SocketIoDecoder decoder;
    QCOMPARE(decoder.decodeBinary("\x01"), Status::Failed);
    QCOMPARE(decoder.error(), Error::UnexpectedBinary);
    QVERIFY(!decoder.errorString().isEmpty());

    // After a complete binary packet, one frame too many is unexpected too.
    QCOMPARE(decoder.decodeText(R"(51-["a",{"_placeholder":true,"num":0}])"),
             Status::NeedAttachments);
    QCOMPARE(decoder.decodeBinary("\x01"), Status::Packet);
    QCOMPARE(decoder.decodeBinary("\x02"), Status::Failed);
    QCOMPARE(decoder.error(), Error::UnexpectedBinary);

    // And after a text packet.
    QCOMPARE(decoder.decodeText(R"(2["a"])"), Status::Packet);
    QCOMPARE(decoder.error(), Error::None);
    QCOMPARE(decoder.decodeBinary("\x03"), Status::Failed);
    QCOMPARE(decoder.error(), Error::UnexpectedBinary);
}

void tst_SocketIoPacket::unexpectedText()
{
    SocketIoDecoder decoder;
    QCOMPARE(decoder.decodeText(
                     R"(52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])"),
             Status::NeedAttachments);
    QCOMPARE(decoder.decodeBinary("\x01"), Status::NeedAttachments);
    QCOMPARE(decoder.decodeText(R"(2["b"])"), Status::Failed);
    QCOMPARE(decoder.error(), Error::UnexpectedText);
    QVERIFY(!decoder.isReassembling());
    // The half-assembled packet is gone: its last frame is now unexpected.
    QCOMPARE(decoder.decodeBinary("\x02"), Status::Failed);
    QCOMPARE(decoder.error(), Error::UnexpectedBinary);
}

void tst_SocketIoPacket::decoderRecoversAfterError()
{
    SocketIoDecoder decoder;
    QCOMPARE(decoder.decodeText("2[]"), Status::Failed);
    QCOMPARE(decoder.error(), Error::MissingEventName);
    QCOMPARE(decoder.decodeText(R"(2/chat,4["ok",1])"), Status::Packet);
    QCOMPARE(decoder.error(), Error::None);
    const SocketIoPacket p = decoder.takePacket();
    QCOMPARE(p.nsp(), u"/chat"_s);
    QCOMPARE(p.ackId(), 4LL);
    QCOMPARE(p.eventName(), u"ok"_s);

    QCOMPARE(decoder.decodeText(R"(51-["a",{"_placeholder":true,"num":0}])"),
             Status::NeedAttachments);
    decoder.reset();
    QVERIFY(!decoder.isReassembling());
    QCOMPARE(decoder.error(), Error::None);
    QCOMPARE(decoder.decodeText(R"(2["b"])"), Status::Packet);
    QCOMPARE(decoder.takePacket().eventName(), u"b"_s);
}

void tst_SocketIoPacket::hugeAttachmentCount_data()
{
    QTest::addColumn<QByteArray>("text");

    QTest::newRow("12 digits") << R"(599999999999-["a",{"_placeholder":true,"num":0}])"_ba;
    QTest::newRow("binary ack") << R"(6599999999999-1[{"_placeholder":true,"num":0}])"_ba;
    QTest::newRow("beyond qint64") << R"(599999999999999999999999999999999999999-["a"])"_ba;
    // A megabyte of digits: must stop reading as soon as the count is too big.
    QTest::newRow("a megabyte of digits")
            << QByteArray('5' + QByteArray(1 << 20, '9') + "-[\"a\"]");
    QTest::newRow("no dash either") << QByteArray('5' + QByteArray(1 << 20, '9'));
}

void tst_SocketIoPacket::hugeAttachmentCount()
{
    QFETCH(QByteArray, text);

    QElapsedTimer timer;
    timer.start();
    SocketIoPacket p;
    QCOMPARE(SocketIoDecoder::parse(text, &p), Error::TooManyAttachments);
    SocketIoDecoder decoder;
    QCOMPARE(decoder.decodeText(text), Status::Failed);
    QCOMPARE(decoder.error(), Error::TooManyAttachments);
    QVERIFY(!decoder.isReassembling());
    // Linear in the digits read before giving up at most; a generous bound for slow machines.
    QVERIFY2(timer.elapsed() < 1000, qPrintable(QString::number(timer.elapsed())));
}

void tst_SocketIoPacket::maxAttachments()
{
    SocketIoPacket p;
    QCOMPARE(SocketIoDecoder::parse(R"(564-["a"])", &p), Error::None);
    QCOMPARE(SocketIoDecoder::parse(R"(565-["a"])", &p), Error::TooManyAttachments);
    QCOMPARE(SocketIoDecoder::parse(R"(53-["a"])", &p, 3), Error::None);
    QCOMPARE(SocketIoDecoder::parse(R"(54-["a"])", &p, 3), Error::TooManyAttachments);
    QCOMPARE(SocketIoDecoder::parse(R"(60-1[])", &p, 0), Error::None);
    QCOMPARE(SocketIoDecoder::parse(R"(61-1[])", &p, 0), Error::TooManyAttachments);

    SocketIoDecoder decoder(2);
    QCOMPARE(decoder.maxAttachments(), 2);
    QCOMPARE(decoder.decodeText(R"(53-["a"])"), Status::Failed);
    QCOMPARE(decoder.error(), Error::TooManyAttachments);
    decoder.setMaxAttachments(3);
    QCOMPARE(decoder.maxAttachments(), 3);
    QCOMPARE(decoder.decodeText(R"(53-["a"])"), Status::NeedAttachments);
}

void tst_SocketIoPacket::binaryWithoutAttachments()
{
    // "50-": a binary type with nothing attached is a packet at once...
    SocketIoDecoder decoder;
    QCOMPARE(decoder.decodeText(R"(50-["a",1])"), Status::Packet);
    const SocketIoPacket p = decoder.takePacket();
    QCOMPARE(p.type(), Type::BinaryEvent);
    QCOMPARE(p.eventName(), u"a"_s);
    QCOMPARE(describe(p.arguments()), describe(Arguments {1LL}));
    // ...and it encodes as the plain type, which is what it is.
    QCOMPARE(p.encode().text, R"(2["a",1])"_ba);

    // ...unless a placeholder points at an attachment that will never come.
    QCOMPARE(decoder.decodeText(R"(50-["a",{"_placeholder":true,"num":0}])"), Status::Failed);
    QCOMPARE(decoder.error(), Error::InvalidPlaceholder);
    QCOMPARE(decoder.decodeText(R"(60-3[{"_placeholder":true,"num":0}])"), Status::Failed);
    QCOMPARE(decoder.error(), Error::InvalidPlaceholder);
}

void tst_SocketIoPacket::typeFollowsAttachments()
{
    // setAttachments() on a plain event makes it binary on the wire, and back.
    SocketIoPacket p = SocketIoPacket::event(u"/"_s, u"a"_s, {});
    QCOMPARE(p.type(), Type::Event);
    p.setPayload(QJsonArray {u"a"_s, placeholder(0)});
    p.setAttachments({"z"_ba});
    QCOMPARE(p.encode().text, R"(51-["a",{"_placeholder":true,"num":0}])"_ba);

    SocketIoPacket q = SocketIoPacket::event(u"/"_s, u"a"_s, {QByteArray("z")});
    QCOMPARE(q.type(), Type::BinaryEvent);
    q.setPayload(QJsonArray {u"a"_s});
    q.setAttachments({});
    QCOMPARE(q.encode().text, R"(2["a"])"_ba);

    SocketIoPacket r = SocketIoPacket::ack(u"/"_s, 2, {QByteArray("z")});
    QCOMPARE(r.type(), Type::BinaryAck);
    r.setPayload(QJsonArray {});
    r.setAttachments({});
    QCOMPARE(r.encode().text, "32[]"_ba);
}

void tst_SocketIoPacket::errorStrings()
{
    QVERIFY(SocketIoPacket::errorString(Error::None).isEmpty());
    QSet<QString> seen;
    const int last = int(Error::UnexpectedText);
    for (int i = int(Error::None) + 1; i <= last; ++i) {
        const QString s = SocketIoPacket::errorString(Error(i));
        QVERIFY2(!s.isEmpty(), qPrintable(u"error %1 has no string"_s.arg(i)));
        QVERIFY2(!seen.contains(s), qPrintable(u"error %1 repeats \"%2\""_s.arg(i).arg(s)));
        seen.insert(s);
    }
    QCOMPARE(seen.size(), qsizetype(last));
}

void tst_SocketIoPacket::typeNames()
{
    const QStringList expected {u"CONNECT"_s,       u"DISCONNECT"_s,   u"EVENT"_s,     u"ACK"_s,
                                u"CONNECT_ERROR"_s, u"BINARY_EVENT"_s, u"BINARY_ACK"_s};
    for (int i = 0; i < expected.size(); ++i)
        QCOMPARE(SocketIoPacket::typeName(Type(i)), expected.at(i));
}

// A decoded EVENT or ACK keeps its arguments' JSON text; a packet built from that text sends it
// on as it came (the server's pass-through of "$args"), equal to what converting would give.
void tst_SocketIoPacket::rawArguments_data()
{
    QTest::addColumn<QByteArray>("in");
    QTest::addColumn<QByteArray>("raw"); // null: none kept
    QTest::addColumn<QString>("emitAs"); // an event name to send the arguments on with
    QTest::addColumn<QByteArray>("out"); // the EVENT (or, for an ACK, the ACK) sent on
    QTest::addColumn<bool>("taken"); // parseTaking() keeps the received bytes

    QTest::newRow("event") << QByteArray(R"(2["a",1,{"b":[true,null]}])")
                           << QByteArray(R"([1,{"b":[true,null]}])") << u"x"_s
                           << QByteArray(R"(2["x",1,{"b":[true,null]}])") << true;
    QTest::newRow("event, ack id, no args") << QByteArray(R"(27["a"])") << QByteArray("[]")
                                            << u"x"_s << QByteArray(R"(2["x"])") << false;
    QTest::newRow("escaped name") << QByteArray(R"(2["a\"],[",2])") << QByteArray("[2]")
                                  << u"q\"\\\n"_s << QByteArray(R"(2["q\"\\\n",2])") << false;
    QTest::newRow("numeric name") << QByteArray(R"(2[42,"s"])") << QByteArray(R"(["s"])")
                                  << u"x"_s << QByteArray(R"(2["x","s"])") << false;
    QTest::newRow("spaces") << QByteArray(R"(2[ "a" , 1 ])") << QByteArray("[ 1 ]") << u"x"_s
                            << QByteArray(R"(2["x", 1 ])") << true;
    QTest::newRow("namespace") << QByteArray(R"(2/chat,["a","é"])") << QByteArray(R"(["é"])")
                               << u"x"_s << QByteArray(R"(2["x","é"])") << true;
    QTest::newRow("ack") << QByteArray(R"(35["ok",{"n":1}])") << QByteArray(R"(["ok",{"n":1}])")
                         << QString() << QByteArray(R"(35["ok",{"n":1}])") << true;
    QTest::newRow("binary event") << QByteArray(R"(51-["a",{"_placeholder":true,"num":0}])")
                                  << QByteArray() << QString() << QByteArray() << false;
}

void tst_SocketIoPacket::rawArguments()
{
    QFETCH(QByteArray, in);
    QFETCH(QByteArray, raw);
    QFETCH(QString, emitAs);
    QFETCH(QByteArray, out);
    QFETCH(bool, taken);

    SocketIoPacket p;
    QCOMPARE(SocketIoDecoder::parse(in, &p), Error::None);
    QCOMPARE(p.rawArguments(), raw);
    QCOMPARE(p.rawArguments().isNull(), raw.isNull());
    QByteArray own(in.constData(), in.size());
    const char *const bytes = own.constData();
    SocketIoPacket t;
    QCOMPARE(SocketIoDecoder::parseTaking(&own, &t), Error::None);
    QCOMPARE(t.rawArguments(), raw);
    QCOMPARE(own.isEmpty(), taken);
    if (taken) // the same bytes, not a copy
        QVERIFY(t.rawArguments().constData() > bytes
                && t.rawArguments().constData() < bytes + in.size());
    // Shared bytes are copied, never changed under their other owner.
    QByteArray shared = in;
    SocketIoPacket u;
    QCOMPARE(SocketIoDecoder::parseTaking(&shared, &u), Error::None);
    QCOMPARE(u.rawArguments(), raw);
    QCOMPARE(shared, in);
    if (raw.isNull())
        return;
    const SocketIoPacket sent = p.type() == Type::Ack
            ? SocketIoPacket::ack(u"/"_s, p.ackId(), p.arguments(), p.rawArguments())
            : SocketIoPacket::event(u"/"_s, emitAs, p.arguments(), -1, p.rawArguments());
    QCOMPARE(sent.encode().text, out);
    // The same packet as converting the arguments would make.
    const SocketIoPacket converted = p.type() == Type::Ack
            ? SocketIoPacket::ack(u"/"_s, p.ackId(), p.arguments())
            : SocketIoPacket::event(u"/"_s, emitAs, p.arguments());
    QCOMPARE(sent.payload(), converted.payload());
    QCOMPARE(sent.eventName(), converted.eventName());
    QCOMPARE(describe(sent.arguments()), describe(converted.arguments()));
    SocketIoPacket back;
    QCOMPARE(SocketIoDecoder::parse(sent.encode().text, &back), Error::None);
    QCOMPARE(back.payload(), converted.payload());
}

QTEST_GUILESS_MAIN(tst_SocketIoPacket)

#include "tst_socketiopacket.moc"
