// EventServer on loopback: events both ways with every JSON type and binary, raw handlers,
// reserved names and acks.
// Our EventClient against a real server on 127.0.0.1.
#include <connection.h>
#include <eventclient.h>
#include <eventserver.h>
#include <namespace.h>
#include <socket.h>

#include "loopback.h"

#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Sockscope;
using Loopback::fastOptions;

class tst_EventServerEvents : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void eventsWithEveryJsonType();
    void binaryAtDepthBothWays();
    void rawHandlerConvertsOnlyWhenAsked();
    void replyJsonChecked();
    void acksBothWays();
    void ackTimeouts();
    void lateAckIgnored();
    void reservedEventNamesNotSent();
};

// ---------------------------------------------------------------------------------------------

void tst_EventServerEvents::eventsWithEveryJsonType()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    Socket *s = server.socket(client->id());
    QVERIFY(s);

    QVariantMap object;
    object.insert(u"a"_s, 1);
    object.insert(u"nested"_s, QVariantMap { { u"deep"_s, QVariantList { true, u"x"_s } } });
    object.insert(u"empty"_s, QVariantMap());
    const Arguments args = {
        QVariant::fromValue(nullptr),
        true,
        false,
        0,
        42,
        -7,
        qint64(9007199254740991LL), // 2^53 - 1, the largest exact JSON integer
        3.5,
        -0.125,
        u""_s,
        u"plain"_s,
        u"ünïcødé ✓ \"quoted\" \\ back\nslash 😀"_s,
        QVariantList(),
        QVariantList { 1, u"two"_s, QVariantList { 3 }, QVariant::fromValue(nullptr) },
        object,
    };

    // Client to server: a handler, onAny and the signals all see the same arguments.
    Arguments viaHandler, viaAny;
    s->on(u"types"_s, [&](const Arguments &a) { viaHandler = a; });
    s->onAny([&](const QString &event, const Arguments &a, const Ack &ack) {
        QVERIFY(!ack.isRequested());
        if (event == u"types")
            viaAny = a;
    });
    QSignalSpy serverGot(&server, &EventServer::eventReceived);
    QSignalSpy socketGot(s, &Socket::eventReceived);
    client->send(u"types"_s, args);
    QTRY_COMPARE(socketGot.size(), 1);
    QCOMPARE(Loopback::display(viaHandler), Loopback::display(args));
    QCOMPARE(Loopback::display(viaAny), Loopback::display(args));
    QCOMPARE(Loopback::display(socketGot.at(0).at(1).value<Arguments>()), Loopback::display(args));
    QCOMPARE(serverGot.size(), 1);
    QCOMPARE(serverGot.at(0).at(1).toString(), u"types"_s);
    QCOMPARE(serverGot.at(0).at(3).toLongLong(), -1);
    // Types as the Arguments contract says.
    QCOMPARE(viaHandler.at(0).typeId(), QMetaType::Nullptr);
    QCOMPARE(viaHandler.at(1).typeId(), QMetaType::Bool);
    QCOMPARE(viaHandler.at(4).typeId(), QMetaType::LongLong);
    QCOMPARE(viaHandler.at(4).toLongLong(), 42);
    QCOMPARE(viaHandler.at(6).toLongLong(), 9007199254740991LL);
    QCOMPARE(viaHandler.at(7).typeId(), QMetaType::Double);
    QCOMPARE(viaHandler.at(11).toString(), args.at(11).toString());
    QCOMPARE(viaHandler.at(13).typeId(), QMetaType::QVariantList);
    QCOMPARE(viaHandler.at(14).typeId(), QMetaType::QVariantMap);
    QCOMPARE(s->eventsReceived(), quint64(1));

    // Server to client, the same values back.
    Arguments clientGot;
    client->on(u"types-back"_s, [&](const Arguments &a) { clientGot = a; });
    QVERIFY(s->send(u"types-back"_s, args));
    QTRY_VERIFY(!clientGot.isEmpty());
    QCOMPARE(Loopback::display(clientGot), Loopback::display(args));
    QCOMPARE(clientGot.at(0).typeId(), QMetaType::Nullptr);
    QCOMPARE(clientGot.at(11).toString(), args.at(11).toString());
    QCOMPARE(s->eventsSent(), quint64(1));

    // No arguments at all, and a numeric event name.
    QSignalSpy clientSignal(client.get(), &EventClient::eventReceived);
    QVERIFY(s->send(u"empty"_s));
    QTRY_COMPARE(clientSignal.size(), 1);
    QCOMPARE(clientSignal.at(0).at(0).toString(), u"empty"_s);
    QVERIFY(clientSignal.at(0).at(1).value<Arguments>().isEmpty());
}

void tst_EventServerEvents::binaryAtDepthBothWays()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    Socket *s = server.socket(client->id());
    QVERIFY(s);

    QByteArray big(200 * 1024, Qt::Uninitialized);
    for (int i = 0; i < big.size(); ++i)
        big[i] = char(i * 31 + 7);
    const QByteArray allBytes = [] {
        QByteArray b;
        for (int i = 0; i < 256; ++i)
            b.append(char(i));
        return b;
    }();
    const Arguments args = {
        allBytes,
        u"text between"_s,
        QVariantMap { { u"file"_s, QVariantMap { { u"data"_s, big }, { u"name"_s, u"x.bin"_s } } },
                      { u"list"_s, QVariantList { 1, QVariantList { QByteArray("deep") } } } },
        QByteArray(), // empty binary
        QVariantList { QByteArray("\0\x01\x02", 3), QByteArray("\xff") },
    };
    auto check = [&](const Arguments &got) {
        QCOMPARE(got.size(), args.size());
        QCOMPARE(got.at(0).typeId(), QMetaType::QByteArray);
        QCOMPARE(got.at(0).toByteArray(), allBytes);
        QCOMPARE(got.at(1).toString(), u"text between"_s);
        const QVariantMap map = got.at(2).toMap();
        QCOMPARE(map.value(u"file"_s).toMap().value(u"data"_s).typeId(), QMetaType::QByteArray);
        QCOMPARE(map.value(u"file"_s).toMap().value(u"data"_s).toByteArray(), big);
        QCOMPARE(map.value(u"file"_s).toMap().value(u"name"_s).toString(), u"x.bin"_s);
        QCOMPARE(map.value(u"list"_s).toList().at(1).toList().at(0).toByteArray(),
                 QByteArray("deep"));
        QCOMPARE(got.at(3).typeId(), QMetaType::QByteArray);
        QVERIFY(got.at(3).toByteArray().isEmpty());
        QCOMPARE(got.at(4).toList().at(0).toByteArray(), QByteArray("\0\x01\x02", 3));
        QCOMPARE(got.at(4).toList().at(1).toByteArray(), QByteArray("\xff"));
    };

    Arguments serverGot;
    s->on(u"bin"_s, [&](const Arguments &a) { serverGot = a; });
    client->send(u"bin"_s, args);
    QTRY_VERIFY_WITH_TIMEOUT(!serverGot.isEmpty(), 10000);
    check(serverGot);
    if (QTest::currentTestFailed())
        return;

    Arguments clientGot;
    client->on(u"bin-back"_s, [&](const Arguments &a) { clientGot = a; });
    s->send(u"bin-back"_s, args);
    QTRY_VERIFY_WITH_TIMEOUT(!clientGot.isEmpty(), 10000);
    check(clientGot);
    if (QTest::currentTestFailed())
        return;

    // Two binary events back to back are reassembled apart.
    QList<QByteArray> order;
    s->on(u"one"_s, [&](const Arguments &a) { order.append(a.value(0).toByteArray()); });
    client->send(u"one"_s, { QByteArray("first") });
    client->send(u"one"_s, { QByteArray("second") });
    QTRY_COMPARE(order.size(), 2);
    QCOMPARE(order, (QList<QByteArray> { "first", "second" }));
}

// A raw catch-all handler sees the arguments' JSON text as it came; they are converted only
// when it asks, and an ack of that text reaches the client unchanged.
void tst_EventServerEvents::rawHandlerConvertsOnlyWhenAsked()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    Socket *s = server.socket(client->id());
    QVERIFY(s);

    QList<QByteArray> json;
    QList<bool> convertedBefore;
    Arguments values;
    s->onAnyRaw([&](const QString &event, const ReceivedArguments &args, const Ack &ack) {
        json.append(args.json());
        convertedBefore.append(args.isConverted());
        if (event == u"convert")
            values = args.values();
        if (ack.isRequested())
            ack.replyJson(args.json());
    });
    const Arguments sent { 1, u"two \"quoted\" é"_s, QVariantMap { { u"k"_s, QVariantList { true } } } };
    AckResult result;
    client->send(u"echo"_s, sent, [&](const AckResult &r) { result = r; }, 5000);
    QTRY_VERIFY(result.ackId >= 0);
    QVERIFY(!result.timedOut);
    QCOMPARE(Loopback::display(result.args), Loopback::display(sent));
    QCOMPARE(json.size(), 1);
    QCOMPARE(convertedBefore.at(0), false); // no signal, no other handler: nothing converted
    QCOMPARE(QJsonDocument::fromJson(json.at(0)).array(), Json::deconstruct(sent, nullptr));

    client->send(u"convert"_s, sent);
    QTRY_COMPARE(json.size(), 2);
    QCOMPARE(Loopback::display(values), Loopback::display(sent));

    // The raw signals carry the text as it went over the wire and convert nothing either.
    {
        QSignalSpy rawIn(&server, &EventServer::eventReceivedRaw);
        QSignalSpy rawAck(&server, &EventServer::ackSentRaw);
        result = AckResult();
        client->send(u"echo"_s, sent, [&](const AckResult &r) { result = r; }, 5000);
        QTRY_VERIFY(result.ackId >= 0);
        QCOMPARE(json.size(), 3);
        QCOMPARE(convertedBefore.at(2), false);
        QCOMPARE(rawIn.size(), 1);
        const auto in = rawIn.at(0).at(2).value<EventArguments>();
        QVERIFY(!in.hasValues());
        QCOMPARE(in.json(), json.at(2));
        QCOMPARE(Loopback::display(in.values()), Loopback::display(sent));
        QCOMPARE(rawIn.at(0).at(3).toLongLong(), result.ackId);
        QCOMPARE(rawAck.size(), 1);
        const auto out = rawAck.at(0).at(2).value<EventArguments>();
        QCOMPARE(out.json(), json.at(2)); // answered back unconverted
        QCOMPARE(Loopback::display(out.values()), Loopback::display(sent));
    }
    json.clear();
    convertedBefore.clear();

    // With the server's signal connected, the values are converted for it before the handlers.
    QSignalSpy serverGot(&server, &EventServer::eventReceived);
    QSignalSpy acked(&server, &EventServer::ackSent);
    result = AckResult();
    client->send(u"echo"_s, sent, [&](const AckResult &r) { result = r; }, 5000);
    QTRY_VERIFY(result.ackId >= 0);
    QCOMPARE(convertedBefore.at(0), true);
    QCOMPARE(Loopback::display(serverGot.at(0).at(2).value<Arguments>()), Loopback::display(sent));
    QCOMPARE(acked.size(), 1); // the ack's signal carries the values of the JSON sent back
    QCOMPARE(Loopback::display(acked.at(0).at(2).value<Arguments>()), Loopback::display(sent));
}

// Ack::replyJson() sends text as it is. Text that did not arrive in an event is checked first:
// broken JSON or UTF-8 would make the peer drop the connection.
void tst_EventServerEvents::replyJsonChecked()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    Socket *s = server.socket(client->id());
    QVERIFY(s);
    const QList<QByteArray> replies = {
        "[\"\xff\"]", // invalid UTF-8
        "[1,", // not JSON
        R"({"a":1})", // not an array
        "[1,\"\xc3\xa9\"]", // fine: [1,"é"]
    };
    int next = 0;
    s->onAnyRaw([&](const QString &, const ReceivedArguments &, const Ack &ack) {
        ack.replyJson(replies.at(next++));
    });
    QSignalSpy errors(&server, &EventServer::errorOccurred);
    QMap<int, AckResult> results; // by request
    for (int i = 0; i < replies.size(); ++i)
        client->send(u"q"_s, { i }, [&results, i](const AckResult &r) { results.insert(i, r); }, 1500);
    QTRY_COMPARE(results.size(), replies.size());
    for (int i = 0; i < 3; ++i) {
        QVERIFY2(results.value(i).timedOut, qPrintable(QString::number(i)));
        QVERIFY(errors.at(i).at(1).toString().contains(u"not the JSON text of an array"_s));
    }
    QCOMPARE(errors.size(), 3);
    QVERIFY(!results.value(3).timedOut);
    QCOMPARE(Loopback::display(results.value(3).args), Loopback::display({ 1, u"é"_s }));
    QVERIFY(client->isConnected());
}

void tst_EventServerEvents::acksBothWays()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    Socket *s = server.socket(client->id());
    QVERIFY(s);
    QSignalSpy serverAckSent(&server, &EventServer::ackSent);
    QSignalSpy serverAckReceived(&server, &EventServer::ackReceived);
    QSignalSpy clientAckSent(client.get(), &EventClient::ackSent);
    QSignalSpy clientAckReceived(client.get(), &EventClient::ackReceived);

    // Client asks, server answers (with binary in the reply).
    s->on(u"sum"_s, [](const Arguments &a, const Ack &ack) {
        QVERIFY(ack.isRequested());
        ack.reply({ a.value(0).toLongLong() + a.value(1).toLongLong(), QByteArray("bin") });
        ack.reply({ u"ignored second reply"_s });
    });
    AckResult clientResult;
    const qint64 clientAckId =
            client->send(u"sum"_s, { 2, 3 }, [&](const AckResult &r) { clientResult = r; }, 5000);
    QVERIFY(clientAckId >= 0);
    QTRY_COMPARE(clientResult.ackId, clientAckId);
    QVERIFY(!clientResult.timedOut);
    QVERIFY(!clientResult.cancelled);
    QCOMPARE(clientResult.args.value(0).toLongLong(), 5);
    QCOMPARE(clientResult.args.value(1).toByteArray(), QByteArray("bin"));
    QCOMPARE(clientResult.socketId, client->id());
    QVERIFY(clientResult.elapsedMs >= 0);
    QCOMPARE(serverAckSent.size(), 1);
    QCOMPARE(serverAckSent.at(0).at(0).value<Socket *>(), s);
    QCOMPARE(serverAckSent.at(0).at(1).toLongLong(), clientAckId);
    QCOMPARE(serverAckSent.at(0).at(2).value<Arguments>().value(0).toLongLong(), 5);
    QCOMPARE(clientAckReceived.size(), 1);
    QCOMPARE(clientAckReceived.at(0).at(0).toLongLong(), clientAckId);
    QCOMPARE(clientAckReceived.at(0).at(1).value<Arguments>().value(0).toLongLong(), 5);
    QVERIFY(clientAckReceived.at(0).at(2).toLongLong() >= 0);

    // Server asks, client answers.
    client->on(u"question"_s, [](const Arguments &a, const Ack &ack) {
        QVERIFY(ack.isRequested());
        ack({ QString(u"answer to "_s + a.value(0).toString()), 42 });
    });
    AckResult serverResult;
    int serverCallbacks = 0;
    const qint64 serverAckId = s->send(
            u"question"_s, { u"life"_s },
            [&](const AckResult &r) {
                serverResult = r;
                ++serverCallbacks;
            },
            5000);
    QVERIFY(serverAckId >= 0);
    QTRY_COMPARE(serverCallbacks, 1);
    QCOMPARE(serverResult.ackId, serverAckId);
    QVERIFY(!serverResult.timedOut);
    QCOMPARE(serverResult.socketId, s->id());
    QCOMPARE(Loopback::display(serverResult.args),
             Loopback::display({ u"answer to life"_s, 42 }));
    QCOMPARE(s->pendingAcks(), 0);
    QCOMPARE(clientAckSent.size(), 1);
    QCOMPARE(clientAckSent.at(0).at(0).toLongLong(), serverAckId);
    QCOMPARE(clientAckSent.at(0).at(1).value<Arguments>().value(1).toLongLong(), 42);
    QCOMPARE(serverAckReceived.size(), 1);
    QCOMPARE(serverAckReceived.at(0).at(0).value<Socket *>(), s);
    QCOMPARE(serverAckReceived.at(0).at(1).toLongLong(), serverAckId);
    QCOMPARE(Loopback::display(serverAckReceived.at(0).at(2).value<Arguments>()),
             Loopback::display({ u"answer to life"_s, 42 }));

    // Several acks in flight, answered out of order, each reaches its own callback.
    QList<Ack> held;
    s->on(u"hold"_s, [&](const Arguments &, const Ack &ack) { held.append(ack); });
    QMap<qint64, qint64> answers; // ack id -> reply
    QList<qint64> ids;
    for (int i = 0; i < 3; ++i) {
        ids.append(client->send(u"hold"_s, { i }, [&](const AckResult &r) {
            answers.insert(r.ackId, r.args.value(0).toLongLong());
        }));
    }
    QTRY_COMPARE(held.size(), 3);
    held.at(2).reply({ 102 });
    held.at(0).reply({ 100 });
    held.at(1).reply({ 101 });
    QTRY_COMPARE(answers.size(), 3);
    QCOMPARE(answers.value(ids.at(0)), 100);
    QCOMPARE(answers.value(ids.at(1)), 101);
    QCOMPARE(answers.value(ids.at(2)), 102);
}

void tst_EventServerEvents::ackTimeouts()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    Socket *s = server.socket(client->id());
    QVERIFY(s);
    QSignalSpy serverTimedOut(&server, &EventServer::ackTimedOut);
    QSignalSpy clientTimedOut(client.get(), &EventClient::ackTimedOut);

    // The server asks; the client never answers.
    QSignalSpy clientGot(client.get(), &EventClient::eventReceived);
    AckResult serverResult;
    QElapsedTimer clock;
    clock.start();
    const qint64 id = s->send(u"ignored"_s, {}, [&](const AckResult &r) { serverResult = r; }, 150);
    QTRY_VERIFY(serverResult.timedOut);
    QVERIFY(clock.elapsed() >= 140);
    QCOMPARE(clientGot.size(), 1);
    QVERIFY(clientGot.at(0).at(2).value<Ack>().isRequested());
    QCOMPARE(serverResult.ackId, id);
    QCOMPARE(serverResult.socketId, s->id());
    QVERIFY(!serverResult.cancelled);
    QVERIFY(serverResult.args.isEmpty());
    QVERIFY(serverResult.elapsedMs >= 140);
    QCOMPARE(serverTimedOut.size(), 1);
    QCOMPARE(serverTimedOut.at(0).at(0).value<Socket *>(), s);
    QCOMPARE(serverTimedOut.at(0).at(1).toLongLong(), id);
    QVERIFY(serverTimedOut.at(0).at(2).toLongLong() >= 140);
    QCOMPARE(s->pendingAcks(), 0);

    // The client asks; the server has no handler and never answers.
    AckResult clientResult;
    const qint64 cid =
            client->send(u"nobody-listens"_s, {}, [&](const AckResult &r) { clientResult = r; }, 150);
    QTRY_VERIFY(clientResult.timedOut);
    QCOMPARE(clientResult.ackId, cid);
    QVERIFY(clientResult.elapsedMs >= 140);
    QCOMPARE(clientTimedOut.size(), 1);
    QCOMPARE(clientTimedOut.at(0).at(0).toLongLong(), cid);

    // An ack without timeout waits; it is cancelled when the socket goes.
    AckResult pending;
    s->send(u"forever"_s, {}, [&](const AckResult &r) { pending = r; }, 0);
    QCOMPARE(s->pendingAcks(), 1);
    client->close();
    QTRY_VERIFY(pending.cancelled);
    QVERIFY(!pending.timedOut);
    QCOMPARE(serverTimedOut.size(), 1);
}

void tst_EventServerEvents::lateAckIgnored()
{
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    Socket *s = server.socket(client->id());
    QVERIFY(s);
    QSignalSpy serverAckReceived(&server, &EventServer::ackReceived);

    Ack held;
    client->on(u"slow"_s, [&](const Arguments &, const Ack &ack) { held = ack; });
    int calls = 0;
    AckResult result;
    s->send(
            u"slow"_s, {},
            [&](const AckResult &r) {
                ++calls;
                result = r;
            },
            100);
    QTRY_VERIFY(result.timedOut);
    QVERIFY(held.isRequested());
    held.reply({ u"too late"_s });
    QVERIFY(held.isSent());

    // The late reply reaches the server but changes nothing; the connection stays healthy.
    QSignalSpy received(&server, &EventServer::eventReceived);
    client->send(u"after"_s);
    QTRY_COMPARE(received.size(), 1);
    QCOMPARE(calls, 1);
    QCOMPARE(serverAckReceived.size(), 0);
    QVERIFY(client->isConnected());
}

void tst_EventServerEvents::reservedEventNamesNotSent()
{
    // The Socket.IO decoders refuse these names: sending one would make the peer drop us.
    EventServer server(fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    Socket *s = server.socket(client->id());
    QVERIFY(s);
    QSignalSpy clientGone(client.get(), &EventClient::disconnected);
    QSignalSpy serverGone(&server, &EventServer::socketDisconnected);
    QSignalSpy sent(&server, &EventServer::eventSent);
    QSignalSpy clientSent(client.get(), &EventClient::eventSent);

    const QStringList reserved = { u"connect"_s, u"connect_error"_s, u"disconnect"_s,
                                   u"disconnecting"_s, u"newListener"_s, u"removeListener"_s };
    for (const QString &name : reserved) {
        QVERIFY2(!s->send(name, { 1 }), qPrintable(name));
        QCOMPARE(s->send(name, {}, [](const AckResult &) { }), qint64(-1));
        QCOMPARE(server.findNamespace(u"/"_s)->send(name), 0);
        QVERIFY2(!client->send(name, { 1 }), qPrintable(name));
        QCOMPARE(client->send(name, {}, [](const AckResult &) { }), qint64(-1));
    }
    QCOMPARE(sent.size(), 0);
    QCOMPARE(clientSent.size(), 0);

    // Both ends are still talking.
    QSignalSpy got(client.get(), &EventClient::eventReceived);
    QSignalSpy serverGot(&server, &EventServer::eventReceived);
    QVERIFY(s->send(u"fine"_s));
    QVERIFY(client->send(u"fine-too"_s));
    QTRY_COMPARE(got.size(), 1);
    QTRY_COMPARE(serverGot.size(), 1);
    QCOMPARE(clientGone.size(), 0);
    QCOMPARE(serverGone.size(), 0);
}

QTEST_GUILESS_MAIN(tst_EventServerEvents)
#include "tst_eventserver_events.moc"
