// The headless server's JSON-lines format: one formatter (JsonLinesFormat) for the headless
// logger and the monitor's export, checked line by line against each other over real traffic.
#include <connection.h>
#include <eventlogmodel.h>
#include <jsonlinesformat.h>
#include <jsonlineslogger.h>
#include <loopback.h>
#include <plainconnection.h>
#include <socket.h>

#include <QBuffer>
#include <QDateTime>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>

#include <limits>

using namespace Qt::StringLiterals;
using namespace Sockscope;
namespace Format = JsonLinesFormat;

class tst_JsonLines : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void linesAreWhatQJsonDocumentWrites();
    void eventAndAckLinesOverCorpus_data();
    void eventAndAckLinesOverCorpus();
    void droppedLine();
    void sharedEventLinesAreEventLines();
    void fieldsByKind();
    void wireTextWrittenAsItCame();
    void timeText_data();
    void timeText();
    void exportMatchesHeadless();
};

namespace {

QByteArray blob(qsizetype size)
{
    QByteArray b;
    for (qsizetype i = 0; i < size; ++i)
        b.append(char(i % 251));
    return b;
}

// Strings that need every kind of escape, and characters of one to four UTF-8 bytes.
QString tricky()
{
    return u"q\"b\\s/\b\f\n\r\t"_s + QChar(1) + QChar(0x1f) + QChar(0x7f) + u" é € 😀 你好"_s;
}

QJsonObject object(const QByteArray &line)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
    if (error.error != QJsonParseError::NoError)
        qWarning() << error.errorString() << line;
    return doc.object();
}

} // namespace

void tst_JsonLines::linesAreWhatQJsonDocumentWrites()
{
    // Built field by field, a line is what QJsonDocument writes for the same object: the
    // headless output keeps its bytes, keys in the same (sorted) order.
    const Format::SocketFields socket { u"/chat"_s, tricky(), u"conn"_s };
    const Arguments args { tricky(), 1.5, qint64(1) << 53, -3, blob(2000), blob(10),
                           QVariantMap { { u"k"_s, QVariantList { true, QVariant() } } } };
    const qint64 t = 1700000000123;
    const QList<QByteArray> lines {
        Format::eventLine(t, socket, Format::Direction::In, tricky(), EventArguments(args), 7),
        Format::eventLine(t, { u"/"_s, u"s"_s, {} }, Format::Direction::Out, u"e"_s,
                          EventArguments(Arguments {}), -1),
        Format::eventLine(t, socket, Format::Direction::Out, u"e"_s, EventArguments(args), -1,
                          u"ln2"_s),
        Format::ackLine(t, socket, Format::Direction::In, 3, EventArguments(args), 4),
        Format::ackLine(t, socket, Format::Direction::Out, 3, EventArguments(args), 4),
        Format::ackTimeoutLine(t, socket, Format::Direction::In, 9, 500),
        Format::plainMessageLine(t, u"c"_s, Format::Direction::In, tricky().toUtf8(), false),
        Format::plainMessageLine(t, u"c"_s, Format::Direction::Out, blob(1025), true),
        Format::plainMessageLine(t, u"c"_s, Format::Direction::Out, blob(3), true),
        Format::plainCloseLine(t, u"c"_s, 4001, tricky()),
    };
    for (const QByteArray &line : lines) {
        QVERIFY2(line.endsWith('\n'), line.constData());
        QCOMPARE(line.count('\n'), 1);
        const QJsonObject o = object(line);
        QVERIFY2(!o.isEmpty(), line.constData());
        QCOMPARE(line.chopped(1), QJsonDocument(o).toJson(QJsonDocument::Compact));
    }
}

void tst_JsonLines::eventAndAckLinesOverCorpus_data()
{
    QTest::addColumn<QString>("event");
    QTest::addColumn<QString>("socket");
    QTest::addColumn<QString>("connection");
    QTest::addColumn<Arguments>("args");
    QTest::addColumn<qint64>("ackId");
    // The arguments as a client might type them (spacing, escapes QJsonDocument would not
    // write), or empty: the line keeps that text as it is, and parses to the same object.
    QTest::addColumn<QByteArray>("typed");

    const QString controls = []() -> QString {
        QString s;
        for (char16_t c = 0; c < 0x20; ++c)
            s.append(QChar(c));
        return s + QChar(0x7f);
    }();
    // A lone high surrogate, a lone low one, a pair, and a high one at the end.
    const QString surrogates = QString(QChar(0xd800)) + u"a"_s + QChar(0xdfff) + u"😀"_s
            + QChar(0xdbff);
    const QString unicode = u"é € 你好 😀 \u2028\u2029 \ufeff \uffff Ω"_s;
    const QString escapes = u"q\"\\/\b\f\n\r\t"_s;

    QTest::newRow("empty args") << u"e"_s << u"s"_s << u"c"_s << Arguments {} << qint64(-1)
                                << QByteArray("[ ]");
    QTest::newRow("ack id 0, no connection")
            << u"e"_s << u"s"_s << QString() << Arguments { 1 } << qint64(0) << QByteArray();
    QTest::newRow("large ack id") << u"e"_s << u"s"_s << u"c"_s << Arguments { 1 }
                                  << (qint64(1) << 53) + 1 << QByteArray();
    QTest::newRow("largest ack id") << u"e"_s << u"s"_s << u"c"_s << Arguments {}
                                    << std::numeric_limits<qint64>::max() << QByteArray();
    QTest::newRow("escapes") << escapes << u"s\"1"_s << u"c\\"_s << Arguments { escapes }
                             << qint64(7) << QByteArray(R"(["q\"\\\/\b\f\n\r\t"])");
    QTest::newRow("control characters")
            << controls << u"s"_s << u"c"_s << Arguments { controls } << qint64(1)
            << QByteArray(R"([ "\u0000\u001F\u007f" ])");
    QTest::newRow("unicode") << unicode << unicode << unicode << Arguments { unicode, unicode }
                             << qint64(2) << QByteArray(R"(["\u00e9 \u20ac \ud83d\ude00"])");
    QTest::newRow("lone surrogates") << surrogates << u"s"_s << u"c"_s
                                     << Arguments { surrogates } << qint64(3) << QByteArray();
    QTest::newRow("numbers")
            << u"n"_s << u"s"_s << u"c"_s
            << Arguments { 0, -1, qint64(1) << 53, -(qint64(1) << 53), 1.5, 0.1, -2.5e-300,
                           1e300, std::numeric_limits<qint64>::min() }
            << qint64(4) << QByteArray("[0, -1.0, 1E2, 2.50e+0, -0]");
    QTest::newRow("null and booleans")
            << u"b"_s << u"s"_s << u"c"_s
            << Arguments { QVariant::fromValue(nullptr), true, false } << qint64(-1)
            << QByteArray("[null,\ttrue ,false]");
    QTest::newRow("binary") << u"bin"_s << u"s"_s << u"c"_s
                            << Arguments { QByteArray(), blob(1), blob(1024), blob(1025),
                                           blob(5000) }
                            << qint64(5) << QByteArray();
    QTest::newRow("nested")
            << u"deep"_s << u"s"_s << u"c"_s
            << Arguments { QVariantMap { { u"z"_s, 1 },
                                         { u"a"_s, QVariantList { blob(3), u"x"_s } },
                                         { u"é"_s, QVariantMap { { u"\n"_s, QVariantList {} } } },
                                         { u""_s, QVariantMap {} } },
                           QVariantList { QVariantList { QVariantList { QVariantList { 1 } } } } }
            << qint64(6)
            << QByteArray(R"([{"z":1,"a":[1,"x"],"\u00e9":{"\n":[]},"":{}},[[[[1]]]]])");
}

void tst_JsonLines::eventAndAckLinesOverCorpus()
{
    // Event and ack lines are written field by field, with no QJsonDocument in between. Here
    // they meet what QJsonDocument writes for an object with the same fields, built on its
    // own: the same JSON, and byte for byte. Arguments known as their wire text are kept as
    // they came: byte for byte when the text is what QJsonDocument writes, the same JSON
    // (and the text itself in the line) when a client typed it some other way.
    QFETCH(QString, event);
    QFETCH(QString, socket);
    QFETCH(QString, connection);
    QFETCH(Arguments, args);
    QFETCH(qint64, ackId);
    QFETCH(QByteArray, typed);

    const qint64 t = 1764756000007;
    const QString time = QDateTime::fromMSecsSinceEpoch(t, Qt::UTC).toString(Qt::ISODateWithMs);
    const Format::SocketFields fields { u"/nsp é"_s, socket, connection };
    const QJsonArray displayArgs = Json::toDisplayJson(args, Format::MaxBinaryBytes);
    const QByteArray compactArgs = QJsonDocument(displayArgs).toJson(QJsonDocument::Compact);

    struct Variant
    {
        const char *name;
        EventArguments args;
        QJsonArray expected;
        bool sameBytes;
    };
    QList<Variant> variants {
        { "values", EventArguments(args), displayArgs, true },
        { "wire text", EventArguments::fromJson(compactArgs), displayArgs, true },
    };
    if (!typed.isEmpty()) {
        const QJsonDocument doc = QJsonDocument::fromJson(typed);
        QVERIFY2(doc.isArray(), typed.constData());
        variants.append({ "typed", EventArguments::fromJson(typed), doc.array(), false });
    }

    int checked = 0;
    for (const Variant &v : std::as_const(variants)) {
        for (const auto direction : { Format::Direction::In, Format::Direction::Out }) {
            QJsonObject common;
            common.insert(u"args"_s, v.expected);
            if (!connection.isEmpty())
                common.insert(u"connection"_s, connection);
            common.insert(u"direction"_s, direction == Format::Direction::In ? u"in"_s : u"out"_s);
            common.insert(u"namespace"_s, fields.nsp);
            common.insert(u"socket"_s, socket);
            common.insert(u"time"_s, time);

            QJsonObject eventObject = common;
            if (ackId >= 0)
                eventObject.insert(u"ackId"_s, ackId);
            eventObject.insert(u"event"_s, event);
            eventObject.insert(u"type"_s, u"event"_s);
            QJsonObject ackObject = common;
            ackObject.insert(u"ackId"_s, qMax(ackId, qint64(0)));
            if (direction == Format::Direction::In)
                ackObject.insert(u"roundTripMs"_s, 12);
            ackObject.insert(u"type"_s, u"ack"_s);

            const std::pair<QByteArray, QJsonObject> pairs[] = {
                { Format::eventLine(t, fields, direction, event, v.args, ackId), eventObject },
                { Format::ackLine(t, fields, direction, qMax(ackId, qint64(0)), v.args, 12),
                  ackObject },
            };
            for (const auto &[line, expected] : pairs) {
                const QByteArray what = QByteArray(v.name) + ": " + line;
                QVERIFY2(line.endsWith('\n') && line.count('\n') == 1, what.constData());
                QCOMPARE(object(line), expected);
                if (v.sameBytes)
                    QCOMPARE(line.chopped(1), QJsonDocument(expected).toJson(QJsonDocument::Compact));
                else
                    QVERIFY2(line.contains(QByteArray("\"args\":" + typed + ',')),
                             what.constData());
                ++checked;
            }
        }
    }
    QCOMPARE(checked, variants.size() * 4);
}

void tst_JsonLines::droppedLine()
{
    // The line that stands for lines the output could not take (AsyncLineWriter).
    for (const quint64 count : { quint64(1), quint64(123456789), quint64(1) << 53 }) {
        const qint64 t = 1764756000123;
        const QByteArray line = Format::droppedLine(t, count);
        QJsonObject expected;
        expected.insert(u"type"_s, u"log_dropped"_s);
        expected.insert(u"time"_s, u"2025-12-03T10:00:00.123Z"_s);
        expected.insert(u"count"_s, qint64(count));
        QCOMPARE(line, QJsonDocument(expected).toJson(QJsonDocument::Compact) + '\n');
    }
}

void tst_JsonLines::sharedEventLinesAreEventLines()
{
    // A broadcast's lines: the first made in full, the next ones copied with their connection
    // and socket replaced; every line must be eventLine()'s, also when something differs from
    // the line before (time, event, namespace, arguments, ack id, offset, no connection).
    const QByteArray argsText = R"([1,"two",{"3":[true,null]}])";
    const EventArguments args = EventArguments::fromJson(argsText);
    const EventArguments sameTextOtherCopy =
            EventArguments::fromJson(QByteArray(argsText.constData(), argsText.size()));
    struct Line
    {
        qint64 t;
        Format::SocketFields fields;
        QString event;
        EventArguments args;
        qint64 ackId;
        QString offset;
    };
    const qint64 t = 1764756000123;
    const QList<Line> lines = {
        { t, { u"/"_s, u"s1"_s, u"c1"_s }, u"news"_s, args, -1, {} },
        { t, { u"/"_s, u"s2"_s, u"c2"_s }, u"news"_s, args, -1, {} },
        { t, { u"/"_s, tricky(), tricky() }, u"news"_s, args, -1, {} },
        { t, { u"/"_s, u"s4"_s, {} }, u"news"_s, args, -1, {} },
        { t, { u"/"_s, u"s5"_s, {} }, u"news"_s, args, -1, {} },
        { t, { u"/"_s, u"s6"_s, u"c6"_s }, u"news"_s, args, -1, {} },
        { t + 1, { u"/"_s, u"s7"_s, u"c7"_s }, u"news"_s, args, -1, {} },
        { t + 1, { u"/chat"_s, u"s8"_s, u"c8"_s }, u"news"_s, args, -1, {} },
        { t + 1, { u"/chat"_s, u"s9"_s, u"c9"_s }, tricky(), args, -1, {} },
        { t + 1, { u"/chat"_s, u"s10"_s, u"c10"_s }, tricky(), sameTextOtherCopy, -1, {} },
        { t + 1, { u"/chat"_s, u"s11"_s, u"c11"_s }, tricky(), sameTextOtherCopy, 4, {} },
        { t + 1, { u"/chat"_s, u"s12"_s, u"c12"_s }, tricky(), sameTextOtherCopy, 4, u"o-1"_s },
        { t + 1, { u"/chat"_s, u"s13"_s, u"c13"_s }, tricky(), sameTextOtherCopy, 4, u"o-1"_s },
        { t + 1, { u"/chat"_s, u"s14"_s, u"c14"_s }, u"x"_s, EventArguments(QVariantList { 1 }),
          -1, {} },
        { t + 1, { u"/chat"_s, u"s15"_s, u"c15"_s }, u"x"_s, EventArguments(QVariantList { 1 }),
          -1, {} },
    };
    Format::SharedEventLines shared;
    QByteArray all;
    QByteArray expectedAll;
    for (const Line &l : lines) {
        const QByteArray expected =
                Format::eventLine(l.t, l.fields, Format::Direction::Out, l.event, l.args, l.ackId,
                                  l.offset);
        QByteArray one = "prefix";
        shared.append(one, l.t, l.fields, Format::Direction::Out, l.event, l.args, l.ackId,
                      l.offset);
        QCOMPARE(one, "prefix" + expected);
        shared.append(all, l.t, l.fields, Format::Direction::Out, l.event, l.args, l.ackId,
                      l.offset);
        expectedAll += expected;
    }
    QCOMPARE(all, expectedAll);
}

void tst_JsonLines::fieldsByKind()
{
    const Format::SocketFields socket { u"/"_s, u"sock"_s, u"conn"_s };
    const Arguments args { blob(1500) };
    const qint64 t = 1700000000000;

    QJsonObject o = object(Format::eventLine(t, socket, Format::Direction::In, u"aaa"_s,
                                             EventArguments(args), 3));
    QCOMPARE(o.value(u"type"_s).toString(), u"event"_s);
    QCOMPARE(o.value(u"time"_s).toString(), u"2023-11-14T22:13:20.000Z"_s);
    QCOMPARE(o.value(u"connection"_s).toString(), u"conn"_s);
    QCOMPARE(o.value(u"ackId"_s).toInteger(), 3);
    // Binary over 1 KiB: its size, the base64 of its first KiB, truncated.
    const QJsonObject binary = o.value(u"args"_s).toArray().at(0).toObject();
    QCOMPARE(binary.value(u"_binary"_s).toBool(), true);
    QCOMPARE(binary.value(u"size"_s).toInteger(), 1500);
    QCOMPARE(binary.value(u"base64"_s).toString().toLatin1(), blob(1024).toBase64());
    QCOMPARE(binary.value(u"truncated"_s).toBool(), true);

    // No connection known: no field (not an empty one); no ack asked: no ackId.
    o = object(Format::eventLine(t, { u"/"_s, u"sock"_s, {} }, Format::Direction::Out, u"a"_s,
                                 EventArguments(Arguments {}), -1));
    QVERIFY(!o.contains(u"connection"_s));
    QVERIFY(!o.contains(u"ackId"_s));
    QCOMPARE(o.value(u"direction"_s).toString(), u"out"_s);
    QVERIFY(!o.contains(u"offset"_s));
    // A connection state recovery offset: a field of its own, not one more argument.
    o = object(Format::eventLine(t, socket, Format::Direction::Out, u"a"_s,
                                 EventArguments(Arguments { 1 }), -1, u"k3"_s));
    QCOMPARE(o.value(u"offset"_s).toString(), u"k3"_s);
    QCOMPARE(o.value(u"args"_s).toArray(), QJsonArray({ 1 }));

    // A reply's round trip is the server's own request's: only for replies that came in.
    o = object(Format::ackLine(t, socket, Format::Direction::In, 5, EventArguments(args), 12));
    QCOMPARE(o.value(u"type"_s).toString(), u"ack"_s);
    QCOMPARE(o.value(u"roundTripMs"_s).toInteger(), 12);
    QVERIFY(!o.contains(u"event"_s));
    o = object(Format::ackLine(t, socket, Format::Direction::Out, 5, EventArguments(args), 12));
    QVERIFY(!o.contains(u"roundTripMs"_s));

    o = object(Format::ackTimeoutLine(t, socket, Format::Direction::In, 9, 500));
    QCOMPARE(o.value(u"timedOut"_s).toBool(), true);
    QCOMPARE(o.value(u"waitedMs"_s).toInteger(), 500);
    QVERIFY(!o.contains(u"args"_s));

    o = object(Format::plainMessageLine(t, u"c"_s, Format::Direction::In, blob(1500), true));
    QCOMPARE(o.value(u"opcode"_s).toString(), u"binary"_s);
    QCOMPARE(o.value(u"size"_s).toInteger(), 1500);
    QCOMPARE(o.value(u"base64"_s).toString().toLatin1(), blob(1024).toBase64());
    QCOMPARE(o.value(u"truncated"_s).toBool(), true);
    QVERIFY(!o.contains(u"text"_s));
    o = object(Format::plainMessageLine(t, u"c"_s, Format::Direction::In, "hé", false));
    QCOMPARE(o.value(u"text"_s).toString(), u"hé"_s);
    QCOMPARE(o.value(u"size"_s).toInteger(), 3);
    QVERIFY(!o.contains(u"truncated"_s));

    // Secrets: auth values and the secret headers, unless revealed.
    const QJsonObject auth { { u"token"_s, u"abc"_s } };
    o = object(Format::connectLine(t, socket, auth, u"127.0.0.1:5"_s, false));
    QCOMPARE(o.value(u"auth"_s).toObject().value(u"token"_s).toString(), u"[redacted]"_s);
    QVERIFY(!o.contains(u"recovered"_s));
    o = object(Format::connectLine(t, socket, auth, u"127.0.0.1:5"_s, true));
    QCOMPARE(o.value(u"auth"_s).toObject().value(u"token"_s).toString(), u"abc"_s);
    o = object(Format::connectLine(t, socket, auth, u"127.0.0.1:5"_s, false, true));
    QCOMPARE(o.value(u"recovered"_s).toBool(), true);
    HandshakeRecord record;
    record.method = "GET";
    record.target = "/socket.io/?EIO=4";
    record.headers = { { "Cookie", "a=1" }, { "Host", "h" } };
    o = object(Format::handshakeLine(t, record, false));
    QCOMPARE(o.value(u"headers"_s).toObject().value(u"Cookie"_s).toString(), u"[redacted]"_s);
    QCOMPARE(o.value(u"headers"_s).toObject().value(u"Host"_s).toString(), u"h"_s);
    o = object(Format::handshakeLine(t, record, true));
    QCOMPARE(o.value(u"headers"_s).toObject().value(u"Cookie"_s).toString(), u"a=1"_s);
}

void tst_JsonLines::wireTextWrittenAsItCame()
{
    // Arguments known as their wire text are not converted: the text goes in as it is, with
    // line breaks between tokens made spaces so that the line stays one line.
    const QByteArray text = "[1.50, \"\\u00e9\\n\",\r\n {\"a\" :\n[true,null]}]";
    const QByteArray line = Format::eventLine(0, { u"/"_s, u"s"_s, {} }, Format::Direction::In,
                                              u"e"_s, EventArguments::fromJson(text), -1);
    QCOMPARE(line.count('\n'), 1);
    QVERIFY(!line.contains('\r'));
    QVERIFY2(line.startsWith(R"({"args":[1.50, "\u00e9\n",   {"a" : [true,null]}],)"),
             line.constData());
    const QJsonArray args = object(line).value(u"args"_s).toArray();
    QCOMPARE(args.at(1).toString(), u"é\n"_s);
}

void tst_JsonLines::timeText_data()
{
    QTest::addColumn<qint64>("ms");
    for (qint64 ms : { qint64(0), qint64(7), qint64(999), qint64(1000), qint64(1700000000123),
                       qint64(1700000000999), qint64(1700000001000), qint64(1700000000050) })
        QTest::addRow("%lld", ms) << ms;
}

void tst_JsonLines::timeText()
{
    QFETCH(qint64, ms);
    QCOMPARE(Format::timeText(ms),
             QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs));
}

void tst_JsonLines::exportMatchesHeadless()
{
    EventServer server;
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QBuffer headless;
    QVERIFY(headless.open(QIODevice::ReadWrite));
    JsonLinesLogger logger(&server, &headless);
    EventLogModel log;
    log.setServer(&server);

    const QByteArray big = blob(1500);
    QList<Socket *> sockets;
    connect(&server, &EventServer::socketConnected, this, [&](Socket *s) {
        sockets.append(s);
        s->on(u"echo"_s, [](const Arguments &args, const Ack &ack) { ack.reply(args); });
    });
    QSignalSpy plainOpened(&server, &EventServer::plainConnectionOpened);
    QSignalSpy plainReceived(&server, &EventServer::plainMessageReceived);
    QSignalSpy plainClosed(&server, &EventServer::plainConnectionClosed);
    QSignalSpy timedOut(&server, &EventServer::ackTimedOut);

    // An EventClient: an event with a binary argument over 1 KiB and an ack, answered.
    EventClient client;
    client.setUrl(Loopback::serverUrl(server));
    client.on(u"ask"_s, [](const Arguments &args, const Ack &ack) {
        ack.reply(Arguments { u"answer"_s } + args);
    });
    QSignalSpy connected(&client, &EventClient::connected);
    client.open();
    QTRY_COMPARE(connected.size(), 1);
    QTRY_COMPARE(sockets.size(), 1);
    QList<AckResult> results;
    client.send(u"echo"_s, { 1, u"two"_s, big },
                [&](const AckResult &r) { results.append(r); }, 5000);
    QTRY_COMPARE(results.size(), 1);

    // A raw peer: arguments as typed text (spaces, a line break, 1.50), with an ack.
    Loopback::RawPeer raw;
    raw.open(server.serverPort());
    QVERIFY(!raw.waitOpen().isEmpty());
    raw.send(u"40"_s);
    QVERIFY(!raw.waitText(u"40"_s, true).isNull());
    QTRY_COMPARE(sockets.size(), 2);
    raw.send(u"421[\"echo\", 1.50,\n {\"k\" : \"v\"}]"_s);
    QVERIFY(!raw.waitText(u"431["_s, true).isNull());

    // Two broadcasts to both sockets: a line per recipient, each with its broadcast's
    // arguments (the logger converts a broadcast's arguments once, for its first recipient).
    QCOMPARE(server.of(u"/"_s)->send(u"news"_s, { 1, u"first"_s }), 2);
    QCOMPARE(server.of(u"/"_s)->send(u"news"_s, { 2, QVariantMap { { u"second"_s, true } } }), 2);
    QVERIFY(!raw.waitText(u"42[\"news\",2,"_s, true).isNull());

    // The server asks the client (answered, with a binary over 1 KiB) and asks again with a
    // short timeout for an event nobody answers.
    QList<AckResult> serverResults;
    sockets.first()->send(u"ask"_s, { big }, [&](const AckResult &r) { serverResults.append(r); },
                          5000);
    QTRY_COMPARE(serverResults.size(), 1);
    sockets.first()->send(u"ignored"_s, {}, [&](const AckResult &r) { serverResults.append(r); },
                          50);
    QTRY_COMPARE(timedOut.size(), 1);

    // A plain WebSocket client: text and binary both ways, then the server closes it.
    QWebSocket ws;
    QSignalSpy wsReceived(&ws, &QWebSocket::binaryMessageReceived);
    ws.open(QUrl(u"ws://127.0.0.1:%1/ws"_s.arg(server.serverPort())));
    QTRY_COMPARE(plainOpened.size(), 1);
    auto *plain = plainOpened.first().first().value<PlainConnection *>();
    QVERIFY(plain);
    const QString plainId = plain->id();
    QTRY_COMPARE(ws.state(), QAbstractSocket::ConnectedState);
    ws.sendTextMessage(u"héllo"_s);
    ws.sendBinaryMessage(big);
    QTRY_COMPARE(plainReceived.size(), 2);
    QVERIFY(plain->sendText(u"back"_s));
    QVERIFY(plain->sendBinary(big));
    QTRY_COMPARE(wsReceived.size(), 1);
    plain->close(4001, u"bye"_s);
    QTRY_COMPARE(plainClosed.size(), 1);

    // The headless lines of the kinds the log keeps, and the export of the whole log.
    const QSet<QString> logged { u"event"_s, u"ack"_s, u"plain_message"_s, u"plain_close"_s };
    QList<QByteArray> expected;
    for (const QByteArray &line : headless.data().split('\n')) {
        if (!line.isEmpty() && logged.contains(object(line).value(u"type"_s).toString()))
            expected.append(line);
    }
    log.flush();
    QBuffer exported;
    QVERIFY(exported.open(QIODevice::WriteOnly));
    QVERIFY(log.exportJsonLines(&exported));
    QList<QByteArray> actual = exported.data().split('\n');
    QVERIFY(actual.last().isEmpty());
    actual.removeLast();

    // The time is the one thing that may differ: the logger stamps a line when it writes it,
    // the log an entry when it records it, a millisecond apart at times. It is the same
    // format in both, and the rest of each line is byte for byte the same.
    static const QRegularExpression time(
            u",\"time\":\"(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z)\""_s);
    auto withoutTime = [](QList<QByteArray> lines) {
        for (QByteArray &line : lines) {
            const QString text = QString::fromUtf8(line);
            const QRegularExpressionMatch m = time.match(text);
            if (!m.hasMatch() || !QDateTime::fromString(m.captured(1), Qt::ISODateWithMs).isValid())
                return QList<QByteArray> { "no valid time in: " + line };
            line = QString(text).remove(m.capturedStart(), m.capturedLength()).toUtf8();
        }
        return lines;
    };
    QCOMPARE(withoutTime(actual), withoutTime(expected));

    // What the traffic was: eight events (two broadcasts to two sockets among them), four
    // acks (one a timeout), four plain messages and a close; binary over 1 KiB capped in each
    // place it went; the raw text kept.
    QMap<QString, int> kinds;
    for (const QByteArray &line : std::as_const(actual))
        ++kinds[object(line).value(u"type"_s).toString()];
    QCOMPARE(kinds.value(u"event"_s), 8);
    QCOMPARE(kinds.value(u"ack"_s), 4);
    QCOMPARE(kinds.value(u"plain_message"_s), 4);
    QCOMPARE(kinds.value(u"plain_close"_s), 1);
    const QByteArray all = exported.data();
    QCOMPARE(all.count("\"truncated\":true"), 6); // echo in, its reply out, ask out, its reply
                                                   // in, the plain binary in and out
    QVERIFY2(all.contains(R"(1.50,  {"k" : "v"}])"), all.constData());
    const QByteArray socketConnection =
            "\"connection\":\"" + sockets.first()->connection()->id().toUtf8() + '"';
    QVERIFY(all.contains(socketConnection));
    const QByteArray plainClose =
            "\"code\":4001,\"connection\":\"" + plainId.toUtf8() + "\",\"reason\":\"bye\"";
    QVERIFY2(all.contains(plainClose), all.constData());
}

QTEST_GUILESS_MAIN(tst_JsonLines)
#include "tst_jsonlines.moc"
