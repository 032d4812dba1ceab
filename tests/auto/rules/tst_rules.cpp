// Unit tests for auto-reply rules: parsing the shipped rules files, errors that name their
// place, and expanding argument templates; volatile emits against a real server on 127.0.0.1.
#include "rules.h"

#include "describe.h"
#include "loopback.h"
#include "stalledpeer.h"

#include <connection.h>
#include <eventclient.h>
#include <eventserver.h>
#include <socket.h>

#include <QDateTime>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Qt::StringLiterals;
using Sockscope::Arguments;
using Sockscope::RuleSet;
using Kind = Sockscope::RuleSet::Action::Kind;

namespace {

using TestShared::describe;
using TestShared::null;

QString rulesPath(const char *name)
{
    return QStringLiteral(SOCKSCOPE_SOURCE_DIR "/resources/rules/") + QString::fromLatin1(name);
}

// The template under "t" in a JSON object; Undefined when there is none.
QJsonValue templateOf(const QByteArray &json)
{
    QJsonParseError err;
    const QJsonDocument d = QJsonDocument::fromJson(json, &err);
    Q_ASSERT(err.error == QJsonParseError::NoError);
    return d.object().value(u"t"_s);
}

} // namespace

class tst_Rules : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void protocolContract();
    void tutorial();
    void loadMissingFile();
    void parseValid();
    void parseInvalid_data();
    void parseInvalid();
    void jsonSyntaxError_data();
    void jsonSyntaxError();
    void expand_data();
    void expand();
    void expandNow();
    void volatileEmitsDroppedForAClientNotReading();
};

void tst_Rules::protocolContract()
{
    const QString path = rulesPath("protocol-contract.json");
    QFile f(path);
    QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(path));

    RuleSet rules;
    QString error;
    QVERIFY2(RuleSet::parse(f.readAll(), &rules, &error, u"contract"_s), qPrintable(error));
    QCOMPARE(rules.sourceName, u"contract"_s);
    QCOMPARE(rules.namespaces, (QStringList {u"/"_s, u"/custom"_s}));
    QCOMPARE(rules.rules.size(), 4);

    const RuleSet::Rule &connect = rules.rules.at(0);
    QCOMPARE(connect.on, u"$connect"_s);
    QVERIFY(connect.namespaces.isEmpty()); // every namespace
    QVERIFY(!connect.hasMatch);
    QCOMPARE(connect.actions.size(), 1);
    QCOMPARE(connect.actions.at(0).kind, Kind::Emit);
    QCOMPARE(connect.actions.at(0).name, u"auth"_s);
    QCOMPARE(connect.actions.at(0).to, u"sender"_s);
    QCOMPARE(connect.actions.at(0).args, QJsonValue(QJsonArray {u"$auth"_s}));

    const RuleSet::Rule &message = rules.rules.at(1);
    QCOMPARE(message.on, u"message"_s);
    QCOMPARE(message.namespaces, QStringList {u"/"_s});
    QCOMPARE(message.actions.size(), 1);
    QCOMPARE(message.actions.at(0).kind, Kind::Emit);
    QCOMPARE(message.actions.at(0).name, u"message-back"_s);
    QCOMPARE(message.actions.at(0).args, QJsonValue(u"$args"_s));

    const RuleSet::Rule &withAck = rules.rules.at(2);
    QCOMPARE(withAck.on, u"message-with-ack"_s);
    QCOMPARE(withAck.namespaces, QStringList {u"/"_s});
    QCOMPARE(withAck.actions.size(), 1);
    QCOMPARE(withAck.actions.at(0).kind, Kind::Ack);
    QCOMPARE(withAck.actions.at(0).args, QJsonValue(u"$args"_s));

    const RuleSet::Rule &broadcast = rules.rules.at(3);
    QCOMPARE(broadcast.on, u"broadcast"_s);
    QVERIFY(broadcast.namespaces.isEmpty());
    QCOMPARE(broadcast.actions.size(), 1);
    QCOMPARE(broadcast.actions.at(0).kind, Kind::Emit);
    QCOMPARE(broadcast.actions.at(0).name, u"broadcast"_s);
    QCOMPARE(broadcast.actions.at(0).to, u"namespace"_s);

    // load() reads the same file and names it by its path.
    RuleSet loaded;
    QVERIFY2(RuleSet::load(path, &loaded, &error), qPrintable(error));
    QCOMPARE(loaded.sourceName, path);
    QCOMPARE(loaded.namespaces, rules.namespaces);
    QCOMPARE(loaded.rules.size(), rules.rules.size());
}

void tst_Rules::tutorial()
{
    RuleSet rules;
    QString error;
    QVERIFY2(RuleSet::load(rulesPath("tutorial.json"), &rules, &error), qPrintable(error));
    QCOMPARE(rules.namespaces, QStringList {u"/"_s});
    QCOMPARE(rules.rules.size(), 1);
    const RuleSet::Rule &rule = rules.rules.at(0);
    QCOMPARE(rule.on, u"$connect"_s);
    QCOMPARE(rule.actions.size(), 1);
    QCOMPARE(rule.actions.at(0).kind, Kind::Emit);
    QCOMPARE(rule.actions.at(0).name, u"time"_s);
    QCOMPARE(rule.actions.at(0).to, u"sender"_s);

    // What it would send: the time now, as an integer.
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    const Arguments out = RuleSet::expand(rule.actions.at(0).args, {}, QString(), nullptr);
    const qint64 after = QDateTime::currentMSecsSinceEpoch();
    QCOMPARE(out.size(), 1);
    QCOMPARE(out.at(0).typeId(), QMetaType::LongLong);
    QVERIFY(out.at(0).toLongLong() >= before);
    QVERIFY(out.at(0).toLongLong() <= after);
}

void tst_Rules::loadMissingFile()
{
    RuleSet rules;
    QString error;
    const QString path = rulesPath("does-not-exist.json");
    QVERIFY(!RuleSet::load(path, &rules, &error));
    QVERIFY2(error.contains(path), qPrintable(error));
}

void tst_Rules::parseValid()
{
    const QByteArray json = R"({
        "description": "everything once",
        "namespaces": ["/", "/chat", "/admin"],
        "rules": [
            { "on": "*", "namespace": "*", "do": [ { "emit": "seen", "args": ["$event"] } ] },
            { "on": "hi", "namespace": ["/chat", "/admin"], "match": "^..x",
              "description": "a rule may say what it is for",
              "do": [ { "join": "room-$arg0" }, { "emit": "hey", "to": "room:lobby" },
                      { "emit": "all", "to": "others", "args": [] }, { "leave": "lobby" },
                      { "ack": ["ok", "$args"] }, { "disconnect": true } ] },
            { "on": "tick", "do": [ { "emit": "tick", "to": "namespace", "volatile": true },
                                    { "emit": "tock", "volatile": false } ] },
            { "on": "$connect", "namespace": "/admin",
              "do": [ { "refuse": "not an admin", "unless": { "role": "admin" },
                        "description": "an action may say what it is for" } ] },
            { "on": "$disconnect", "do": [ { "emit": "left", "to": "namespace", "args": ["$socket"] } ] }
        ]
    })"_ba;
    RuleSet rules;
    QString error;
    QVERIFY2(RuleSet::parse(json, &rules, &error), qPrintable(error));
    QCOMPARE(rules.namespaces, (QStringList {u"/"_s, u"/chat"_s, u"/admin"_s}));
    QCOMPARE(rules.rules.size(), 5);

    QCOMPARE(rules.rules.at(0).on, u"*"_s);
    QVERIFY(rules.rules.at(0).namespaces.isEmpty());

    const RuleSet::Rule &hi = rules.rules.at(1);
    QCOMPARE(hi.namespaces, (QStringList {u"/chat"_s, u"/admin"_s}));
    QVERIFY(hi.hasMatch);
    QVERIFY(hi.match.isValid());
    QVERIFY(hi.match.match(uR"(["x",1])"_s).hasMatch());
    QVERIFY(!hi.match.match(uR"(["y"])"_s).hasMatch());
    QCOMPARE(hi.actions.size(), 6);
    QCOMPARE(hi.actions.at(0).kind, Kind::Join);
    QCOMPARE(hi.actions.at(0).name, u"room-$arg0"_s);
    QCOMPARE(hi.actions.at(1).kind, Kind::Emit);
    QCOMPARE(hi.actions.at(1).to, u"room:lobby"_s);
    QVERIFY(hi.actions.at(1).args.isUndefined());
    QCOMPARE(hi.actions.at(2).to, u"others"_s);
    QCOMPARE(hi.actions.at(2).args, QJsonValue(QJsonArray()));
    QCOMPARE(hi.actions.at(3).kind, Kind::Leave);
    QCOMPARE(hi.actions.at(3).name, u"lobby"_s);
    QCOMPARE(hi.actions.at(4).kind, Kind::Ack);
    QCOMPARE(hi.actions.at(4).args, QJsonValue(QJsonArray {u"ok"_s, u"$args"_s}));
    QCOMPARE(hi.actions.at(5).kind, Kind::Disconnect);
    QVERIFY(!hi.actions.at(1).isVolatile); // not volatile unless asked

    const RuleSet::Rule &tick = rules.rules.at(2);
    QCOMPARE(tick.actions.size(), 2);
    QCOMPARE(tick.actions.at(0).kind, Kind::Emit);
    QCOMPARE(tick.actions.at(0).to, u"namespace"_s);
    QVERIFY(tick.actions.at(0).isVolatile);
    QVERIFY(!tick.actions.at(1).isVolatile);

    const RuleSet::Rule &refuse = rules.rules.at(3);
    QCOMPARE(refuse.namespaces, QStringList {u"/admin"_s});
    QCOMPARE(refuse.actions.at(0).kind, Kind::Refuse);
    QCOMPARE(refuse.actions.at(0).name, u"not an admin"_s);
    QCOMPARE(refuse.actions.at(0).unless, (QJsonObject {{u"role"_s, u"admin"_s}}));

    QCOMPARE(rules.rules.at(4).on, u"$disconnect"_s);
    QCOMPARE(rules.rules.at(4).actions.at(0).to, u"namespace"_s);

    // No namespaces declared: a rule may name any namespace. Empty files are fine too.
    QVERIFY2(RuleSet::parse(R"({"rules":[{"on":"a","namespace":"/x","do":[{"disconnect":true}]}]})",
                            &rules, &error),
             qPrintable(error));
    QCOMPARE(rules.rules.at(0).namespaces, QStringList {u"/x"_s});
    QVERIFY2(RuleSet::parse("{}", &rules, &error), qPrintable(error));
    QVERIFY(rules.rules.isEmpty());
    QVERIFY(rules.namespaces.isEmpty());
}

void tst_Rules::parseInvalid_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("where"); // the place the message must name
    QTest::addColumn<QString>("what"); // and a word of the reason; empty: any

    QTest::newRow("array at top") << "[]"_ba << u"top level"_s << u"object"_s;
    // Qt 6 reads only objects and arrays at the top: a string is a JSON syntax error there.
    QTest::newRow("string at top") << R"("rules")"_ba << u"line 1, column 1"_s << u"JSON"_s;
    QTest::newRow("unknown top key") << R"({"rulez":[]})"_ba << u"top level"_s << u"rulez"_s;
    QTest::newRow("namespaces not array")
            << R"({"namespaces":"/"})"_ba << u"namespaces:"_s << QString();
    QTest::newRow("namespace without slash")
            << R"({"namespaces":["/","chat"]})"_ba << u"namespaces[1]"_s << u"'/'"_s;
    QTest::newRow("namespace not string")
            << R"({"namespaces":[5]})"_ba << u"namespaces[0]"_s << QString();
    QTest::newRow("rules not array") << R"({"rules":{}})"_ba << u"rules:"_s << u"array"_s;
    QTest::newRow("rule not object") << R"({"rules":[1]})"_ba << u"rules[0]:"_s << u"object"_s;
    QTest::newRow("unknown rule key")
            << R"({"rules":[{"on":"a","do":[{"disconnect":true}],"then":1}]})"_ba << u"rules[0]:"_s
            << u"then"_s;
    QTest::newRow("missing on") << R"({"rules":[{"do":[{"disconnect":true}]}]})"_ba
                                << u"rules[0].on"_s << QString();
    QTest::newRow("empty on") << R"({"rules":[{"on":"","do":[{"disconnect":true}]}]})"_ba
                              << u"rules[0].on"_s << QString();
    QTest::newRow("on not string") << R"({"rules":[{"on":1,"do":[{"disconnect":true}]}]})"_ba
                                   << u"rules[0].on"_s << QString();
    QTest::newRow("unknown hook") << R"({"rules":[{"on":"$boot","do":[{"disconnect":true}]}]})"_ba
                                  << u"rules[0].on"_s << u"$boot"_s;
    QTest::newRow("namespace number")
            << R"({"rules":[{"on":"a","namespace":5,"do":[{"disconnect":true}]}]})"_ba
            << u"rules[0].namespace"_s << QString();
    QTest::newRow("namespace without slash in rule")
            << R"({"rules":[{"on":"a","namespace":"chat","do":[{"disconnect":true}]}]})"_ba
            << u"rules[0].namespace"_s << u"chat"_s;
    QTest::newRow("namespace list bad entry")
            << R"({"rules":[{"on":"a","namespace":["/","x"],"do":[{"disconnect":true}]}]})"_ba
            << u"rules[0].namespace"_s << u"\"x\""_s;
    QTest::newRow("namespace not declared")
            << R"({"namespaces":["/"],"rules":[{"on":"a","namespace":"/x","do":[{"disconnect":true}]}]})"_ba
            << u"rules[0].namespace"_s << u"/x"_s;
    QTest::newRow("bad regex")
            << R"({"rules":[{"on":"a","match":"(","do":[{"disconnect":true}]}]})"_ba
            << u"rules[0].match"_s << u"regular expression"_s;
    QTest::newRow("match not string")
            << R"({"rules":[{"on":"a","match":5,"do":[{"disconnect":true}]}]})"_ba
            << u"rules[0].match"_s << u"string"_s;
    QTest::newRow("missing do") << R"({"rules":[{"on":"a"}]})"_ba << u"rules[0].do"_s << QString();
    QTest::newRow("empty do") << R"({"rules":[{"on":"a","do":[]}]})"_ba << u"rules[0].do"_s
                              << QString();
    QTest::newRow("do object") << R"({"rules":[{"on":"a","do":{"disconnect":true}}]})"_ba
                               << u"rules[0].do"_s << QString();
    QTest::newRow("action not object")
            << R"({"rules":[{"on":"a","do":["emit"]}]})"_ba << u"rules[0].do[0]"_s << u"object"_s;
    QTest::newRow("unknown action") << R"({"rules":[{"on":"a","do":[{"shout":"x"}]}]})"_ba
                                    << u"rules[0].do[0]"_s << u"unknown action"_s;
    QTest::newRow("emit empty") << R"({"rules":[{"on":"a","do":[{"emit":""}]}]})"_ba
                                << u"rules[0].do[0].emit"_s << QString();
    QTest::newRow("emit not string") << R"({"rules":[{"on":"a","do":[{"emit":["x"]}]}]})"_ba
                                     << u"rules[0].do[0].emit"_s << QString();
    QTest::newRow("args other string")
            << R"({"rules":[{"on":"a","do":[{"emit":"b","args":"$arg0"}]}]})"_ba
            << u"rules[0].do[0].args"_s << u"$args"_s;
    QTest::newRow("args object")
            << R"({"rules":[{"on":"a","do":[{"emit":"b","args":{"x":1}}]}]})"_ba
            << u"rules[0].do[0].args"_s << QString();
    QTest::newRow("args number") << R"({"rules":[{"on":"a","do":[{"emit":"b","args":1}]}]})"_ba
                                 << u"rules[0].do[0].args"_s << QString();
    QTest::newRow("to unknown")
            << R"({"rules":[{"on":"a","do":[{"emit":"b","to":"everyone"}]}]})"_ba
            << u"rules[0].do[0].to"_s << u"everyone"_s;
    QTest::newRow("to empty room")
            << R"({"rules":[{"on":"a","do":[{"emit":"b","to":"room:"}]}]})"_ba
            << u"rules[0].do[0].to"_s << QString();
    QTest::newRow("to not string")
            << R"({"rules":[{"on":"a","do":[{"emit":"b","to":["namespace"]}]}]})"_ba
            << u"rules[0].do[0].to"_s << QString();
    QTest::newRow("ack not template") << R"({"rules":[{"on":"a","do":[{"ack":"ok"}]}]})"_ba
                                      << u"rules[0].do[0].ack"_s << QString();
    QTest::newRow("ack on connect") << R"({"rules":[{"on":"$connect","do":[{"ack":"$args"}]}]})"_ba
                                    << u"rules[0].do[0]"_s << u"$connect"_s;
    QTest::newRow("ack on disconnect") << R"({"rules":[{"on":"$disconnect","do":[{"ack":[]}]}]})"_ba
                                       << u"rules[0].do[0]"_s << u"$disconnect"_s;
    QTest::newRow("join empty") << R"({"rules":[{"on":"a","do":[{"join":""}]}]})"_ba
                                << u"rules[0].do[0]"_s << u"room"_s;
    QTest::newRow("leave number") << R"({"rules":[{"on":"a","do":[{"leave":3}]}]})"_ba
                                  << u"rules[0].do[0]"_s << u"room"_s;
    QTest::newRow("refuse on event") << R"({"rules":[{"on":"a","do":[{"refuse":"no"}]}]})"_ba
                                     << u"rules[0].do[0]"_s << u"$connect"_s;
    QTest::newRow("refuse without message")
            << R"({"rules":[{"on":"$connect","do":[{"refuse":""}]}]})"_ba
            << u"rules[0].do[0].refuse"_s << QString();
    QTest::newRow("emit with a typo")
            << R"({"rules":[{"on":"a","do":[{"emit":"b","arg":"$args"}]}]})"_ba
            << u"rules[0].do[0]"_s << u"unknown key \"arg\" (expected emit, args, to, volatile)"_s;
    QTest::newRow("two actions in one object")
            << R"({"rules":[{"on":"a","do":[{"emit":"b","join":"r"}]}]})"_ba
            << u"rules[0].do[0]"_s << u"found emit, join"_s;
    QTest::newRow("ack with to")
            << R"({"rules":[{"on":"a","do":[{"ack":"$args","to":"namespace"}]}]})"_ba
            << u"rules[0].do[0]"_s << u"ack takes no other key"_s;
    QTest::newRow("join with args")
            << R"({"rules":[{"on":"a","do":[{"join":"r","args":[]}]}]})"_ba
            << u"rules[0].do[0]"_s << u"\"args\""_s;
    QTest::newRow("refuse with a typo")
            << R"({"rules":[{"on":"$connect","do":[{"refuse":"no","unles":{"t":1}}]}]})"_ba
            << u"rules[0].do[0]"_s << u"expected refuse, unless"_s;
    QTest::newRow("disconnect false")
            << R"({"rules":[{"on":"a","do":[{"disconnect":false}]}]})"_ba
            << u"rules[0].do[0].disconnect"_s << u"must be true"_s;
    QTest::newRow("disconnect string")
            << R"({"rules":[{"on":"a","do":[{"disconnect":"yes"}]}]})"_ba
            << u"rules[0].do[0].disconnect"_s << u"must be true"_s;
    QTest::newRow("unless not object")
            << R"({"rules":[{"on":"$connect","do":[{"refuse":"no","unless":"abc"}]}]})"_ba
            << u"rules[0].do[0].unless"_s << u"object"_s;
    QTest::newRow("unless array")
            << R"({"rules":[{"on":"$connect","do":[{"refuse":"no","unless":[{"t":1}]}]}]})"_ba
            << u"rules[0].do[0].unless"_s << u"object"_s;
    QTest::newRow("volatile not a boolean")
            << R"({"rules":[{"on":"a","do":[{"emit":"b","volatile":"yes"}]}]})"_ba
            << u"rules[0].do[0].volatile"_s << u"must be true or false"_s;
    QTest::newRow("volatile number, second rule")
            << R"({"rules":[{"on":"a","do":[{"emit":"b"}]},
                            {"on":"c","do":[{"emit":"d","to":"others","volatile":1}]}]})"_ba
            << u"rules[1].do[0].volatile"_s << u"true or false"_s;
    QTest::newRow("volatile on an ack")
            << R"({"rules":[{"on":"a","do":[{"ack":"$args","volatile":true}]}]})"_ba
            << u"rules[0].do[0]"_s << u"ack takes no other key"_s;
    QTest::newRow("second rule, third action")
            << R"({"rules":[{"on":"a","do":[{"disconnect":true}]},
                            {"on":"b","do":[{"emit":"x"},{"join":"r"},{"emit":"y","args":"bad"}]}]})"_ba
            << u"rules[1].do[2].args"_s << QString();
}

void tst_Rules::parseInvalid()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, where);
    QFETCH(QString, what);

    RuleSet rules;
    rules.sourceName = u"untouched"_s;
    QString error;
    QVERIFY(!RuleSet::parse(json, &rules, &error, u"my-rules.json"_s));
    QVERIFY2(error.startsWith(u"my-rules.json: "_s), qPrintable(error));
    QVERIFY2(error.contains(where), qPrintable(error));
    if (!what.isEmpty())
        QVERIFY2(error.contains(what, Qt::CaseInsensitive), qPrintable(error));
    QVERIFY2(!error.contains(u"no error"_s, Qt::CaseInsensitive), qPrintable(error));
    QCOMPARE(rules.sourceName, u"untouched"_s); // not filled on failure

    // The error is optional.
    QVERIFY(!RuleSet::parse(json, &rules, nullptr));
}

void tst_Rules::jsonSyntaxError_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("position");

    QTest::newRow("empty") << QByteArray() << u"line 1, column 1"_s;
    QTest::newRow("first line") << R"({"rules": ]})"_ba << u"line 1, column 11"_s;
    QTest::newRow("third line") << "{\n  \"rules\": [\n    {\"on\": \"x\" \"do\": []}\n  ]\n}"_ba
                                << u"line 3, column 16"_s;
    QTest::newRow("unterminated at the end")
            << "{\n  \"namespaces\": [\"/\"],\n  \"rules\": [\n"_ba << u"line 4"_s;
    QTest::newRow("windows line ends")
            << "{\r\n\"rules\": [\r\n,]\r\n}"_ba << u"line 3, column 1"_s;
}

void tst_Rules::jsonSyntaxError()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, position);

    RuleSet rules;
    QString error;
    QVERIFY(!RuleSet::parse(json, &rules, &error, u"f.json"_s));
    QVERIFY2(error.startsWith(u"f.json: "_s), qPrintable(error));
    QVERIFY2(error.contains(position), qPrintable(error));
    QVERIFY2(error.contains(u"JSON"_s), qPrintable(error));
}

void tst_Rules::expand_data()
{
    QTest::addColumn<QByteArray>("tmpl"); // {"t": template}
    QTest::addColumn<Arguments>("args");
    QTest::addColumn<QString>("event");
    QTest::addColumn<Arguments>("expected");

    const QByteArray bin("\x00\xff", 2);
    const Arguments three {u"a"_s, qint64(2), QVariantMap {{u"k"_s, true}}};

    QTest::newRow("no template") << "{}"_ba << three << u"e"_s << Arguments();
    QTest::newRow("$args") << R"({"t":"$args"})"_ba << three << u"e"_s << three;
    QTest::newRow("$args with binary") << R"({"t":"$args"})"_ba << Arguments {bin, u"x"_s} << u"e"_s
                                       << Arguments {bin, u"x"_s};
    QTest::newRow("empty array") << R"({"t":[]})"_ba << three << u"e"_s << Arguments();
    QTest::newRow("[$args] splices") << R"({"t":["$args"]})"_ba << three << u"e"_s << three;
    QTest::newRow("$args spliced between")
            << R"({"t":["before","$args","after"]})"_ba << three << u"e"_s
            << Arguments {u"before"_s, u"a"_s, qint64(2), QVariantMap {{u"k"_s, true}}, u"after"_s};
    QTest::newRow("$args twice") << R"({"t":["$args","$args"]})"_ba
                                 << Arguments {qint64(1), qint64(2)} << u"e"_s
                                 << Arguments {qint64(1), qint64(2), qint64(1), qint64(2)};
    QTest::newRow("$args of nothing") << R"({"t":["x","$args","y"]})"_ba << Arguments() << u"e"_s
                                      << Arguments {u"x"_s, u"y"_s};
    QTest::newRow("$args spliced in a nested array")
            << R"({"t":["n",["$args",0]]})"_ba << Arguments {qint64(1), qint64(2)} << u"e"_s
            << Arguments {u"n"_s, QVariantList {qint64(1), qint64(2), qint64(0)}};
    QTest::newRow("$args in an object is the list")
            << R"({"t":[{"all":"$args"}]})"_ba << Arguments {qint64(1), qint64(2)} << u"e"_s
            << Arguments {QVariantMap {{u"all"_s, QVariantList {qint64(1), qint64(2)}}}};
    QTest::newRow("$arg0 $arg1 $arg2")
            << R"({"t":["$arg2","$arg0","$arg1"]})"_ba << three << u"e"_s
            << Arguments {QVariantMap {{u"k"_s, true}}, u"a"_s, qint64(2)};
    QTest::newRow("$arg0 binary") << R"({"t":[{"file":"$arg0"}]})"_ba << Arguments {bin} << u"e"_s
                                  << Arguments {QVariantMap {{u"file"_s, bin}}};
    QTest::newRow("$arg out of range is null")
            << R"({"t":["$arg3","$arg99"]})"_ba << three << u"e"_s << Arguments {null(), null()};
    QTest::newRow("$arg without a number is literal")
            << R"({"t":["$arg","$argx"]})"_ba << three << u"e"_s
            << Arguments {u"$arg"_s, u"$argx"_s};
    QTest::newRow("$event") << R"({"t":["$event",{"name":"$event"}]})"_ba << three
                            << u"chat message"_s
                            << Arguments {u"chat message"_s,
                                          QVariantMap {{u"name"_s, u"chat message"_s}}};
    QTest::newRow("$event unicode")
            << R"({"t":["$event"]})"_ba << Arguments() << u"挨拶😀"_s << Arguments {u"挨拶😀"_s};
    QTest::newRow("$$ escapes") << R"({"t":["$$args","$$now","$$$event","$$"]})"_ba << three
                                << u"e"_s
                                << Arguments {u"$args"_s, u"$now"_s, u"$$event"_s, u"$"_s};
    QTest::newRow("$$ escape in a nested object")
            << R"({"t":[{"a":["$$arg0"]}]})"_ba << three << u"e"_s
            << Arguments {QVariantMap {{u"a"_s, QVariantList {u"$arg0"_s}}}};
    QTest::newRow("unknown $ word is literal") << R"({"t":["$nope","a$args"]})"_ba << three
                                               << u"e"_s << Arguments {u"$nope"_s, u"a$args"_s};
    QTest::newRow("$auth without socket is {}")
            << R"({"t":["$auth"]})"_ba << three << u"e"_s << Arguments {QVariantMap()};
    QTest::newRow("$socket and $namespace without socket")
            << R"({"t":["$socket","$namespace"]})"_ba << three << u"e"_s
            << Arguments {QString(), QString()};
    QTest::newRow("plain values keep their types")
            << R"({"t":[1,-2,2.5,true,false,null,"s",[],{},{"n":{"m":[1.25]}}]})"_ba << three
            << u"e"_s
            << Arguments {qint64(1),
                          qint64(-2),
                          2.5,
                          true,
                          false,
                          null(),
                          u"s"_s,
                          QVariantList(),
                          QVariantMap(),
                          QVariantMap {{u"n"_s, QVariantMap {{u"m"_s, QVariantList {1.25}}}}}};
}

void tst_Rules::expand()
{
    QFETCH(QByteArray, tmpl);
    QFETCH(Arguments, args);
    QFETCH(QString, event);
    QFETCH(Arguments, expected);

    const Arguments out = RuleSet::expand(templateOf(tmpl), args, event, nullptr);
    QCOMPARE(describe(out), describe(expected));
}

void tst_Rules::expandNow()
{
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    const Arguments out = RuleSet::expand(templateOf(R"({"t":["$now",{"at":"$now"}]})"), {u"x"_s},
                                          u"e"_s, nullptr);
    const qint64 after = QDateTime::currentMSecsSinceEpoch();
    QCOMPARE(out.size(), 2);
    QCOMPARE(out.at(0).typeId(), QMetaType::LongLong);
    const qint64 now = out.at(0).toLongLong();
    QVERIFY2(now >= before && now <= after,
             qPrintable(u"%1 not in [%2, %3]"_s.arg(now).arg(before).arg(after)));
    const QVariant nested = out.at(1).toMap().value(u"at"_s);
    QCOMPARE(nested.typeId(), QMetaType::LongLong);
    QVERIFY(nested.toLongLong() >= before && nested.toLongLong() <= after);
}

// A volatile emit goes through Socket::sendVolatile / Broadcast::setVolatile: it reaches a
// client that reads, and is dropped (and counted) for one whose connection has more unsent
// bytes than ServerOptions::volatileBufferedBytes; the same emit without the key is queued.
void tst_Rules::volatileEmitsDroppedForAClientNotReading()
{
    using namespace Sockscope;
    RuleSet rules;
    QString error;
    QVERIFY2(RuleSet::parse(R"({"rules":[
        {"on":"tick","do":[{"emit":"tick","to":"others","args":"$args","volatile":true},{"ack":[]}]},
        {"on":"tick-all","do":[{"emit":"tick","to":"namespace","args":"$args","volatile":true},{"ack":[]}]},
        {"on":"tick-room","do":[{"emit":"tick","to":"room:stalled","args":"$args","volatile":true},{"ack":[]}]},
        {"on":"tick-me","do":[{"emit":"tick","args":"$args","volatile":true},{"ack":[]}]},
        {"on":"tock","do":[{"emit":"tock","to":"others","args":"$args"},{"ack":[]}]}
    ]})", &rules, &error), qPrintable(error));
    ServerOptions options;
    options.maxBufferedBytes = 0; // the client that does not read stays connected
    EventServer server(options);
    rules.install(&server);
    QVERIFY(server.listen(Loopback::LocalHost, 0));

    auto sender = Loopback::connectClient(server);
    QVERIFY(sender->isConnected());
    QStringList ticks;
    sender->on(u"tick"_s,
               [&ticks](const Arguments &args) { ticks.append(args.value(0).toString()); });
    // Sends event and waits for the rule's ack: its emits are done by then.
    auto roundTrip = [&sender](const QString &event, const QString &arg) {
        bool answered = false;
        sender->send(event, { arg }, [&answered](const AckResult &) { answered = true; });
        return QTest::qWaitFor([&answered] { return answered; }, 5000);
    };

    Loopback::StalledPeer stalled;
    const QString sid = stalled.open(server.serverPort());
    QVERIFY(!sid.isEmpty());
    Connection *connection = server.connection(sid);
    QVERIFY(connection);
    QTRY_COMPARE(connection->sockets().size(), 1);
    Socket *stalledSocket = connection->sockets().first();
    stalledSocket->join(u"stalled"_s);

    // Nothing waits for it yet: volatile events are written like any other.
    const quint64 sentBefore = connection->bytesSent();
    QVERIFY(roundTrip(u"tick"_s, u"written"_s));
    QVERIFY(connection->bytesSent() > sentBefore);
    QCOMPARE(connection->volatileDropped(), 0u);
    QCOMPARE(server.stats().volatileDropped, 0u);

    // Fill its queue past the volatile threshold (the kernel takes a few KiB, then nothing).
    const QString chunk(16 * 1024, u'x');
    QVERIFY(Loopback::fillQueue([&] { return connection->bufferedBytes(); },
                                [&] { stalledSocket->send(u"fill"_s, { chunk }); },
                                ServerOptions::volatileBufferedBytes));
    const qint64 queued = connection->bufferedBytes();

    // To others, to the namespace, to a room: dropped for it, each counted; the sender,
    // reading, gets the namespace's.
    QVERIFY(roundTrip(u"tick"_s, u"others"_s));
    QCOMPARE(connection->volatileDropped(), 1u);
    QVERIFY(roundTrip(u"tick-all"_s, u"namespace"_s));
    QCOMPARE(connection->volatileDropped(), 2u);
    QVERIFY(roundTrip(u"tick-room"_s, u"room"_s));
    QCOMPARE(connection->volatileDropped(), 3u);
    QCOMPARE(server.stats().volatileDropped, 3u);
    QVERIFY(connection->bufferedBytes() <= queued);
    // To the sender itself through sendVolatile: it reads, so it gets it.
    QVERIFY(roundTrip(u"tick-me"_s, u"me"_s));
    QTRY_COMPARE(ticks, (QStringList { u"namespace"_s, u"me"_s }));
    QCOMPARE(server.stats().volatileDropped, 3u);

    // The same emit without "volatile" is queued for it, not dropped.
    QVERIFY(roundTrip(u"tock"_s, QString(1024, u'y')));
    QVERIFY2(connection->bufferedBytes() > queued,
             qPrintable(u"%1 then %2"_s.arg(queued).arg(connection->bufferedBytes())));
    QCOMPARE(connection->volatileDropped(), 3u);
    QVERIFY(stalledSocket->isConnected());
}

QTEST_GUILESS_MAIN(tst_Rules)

#include "tst_rules.moc"
