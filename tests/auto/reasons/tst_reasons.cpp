// The reason and transport enums give the Node.js server's exact texts, and read them back.
#include "reasons.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace Sockscope;

class tst_Reasons : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void disconnectReason_data();
    void disconnectReason();
    void everyReasonHasADistinctText();
    void transportCloseCause_data();
    void transportCloseCause();
    void transportType_data();
    void transportType();
    void unknownText();
};

void tst_Reasons::disconnectReason_data()
{
    QTest::addColumn<DisconnectReason>("reason");
    QTest::addColumn<QString>("text");
    QTest::newRow("client ns") << DisconnectReason::ClientNamespaceDisconnect << u"client namespace disconnect"_s;
    QTest::newRow("server ns") << DisconnectReason::ServerNamespaceDisconnect << u"server namespace disconnect"_s;
    QTest::newRow("shutdown") << DisconnectReason::ServerShuttingDown << u"server shutting down"_s;
    QTest::newRow("ping") << DisconnectReason::PingTimeout << u"ping timeout"_s;
    QTest::newRow("close") << DisconnectReason::TransportClose << u"transport close"_s;
    QTest::newRow("error") << DisconnectReason::TransportError << u"transport error"_s;
    QTest::newRow("parse") << DisconnectReason::ParseError << u"parse error"_s;
    QTest::newRow("forced") << DisconnectReason::ForcedClose << u"forced close"_s;
    QTest::newRow("forced server") << DisconnectReason::ForcedServerClose << u"forced server close"_s;
    QTest::newRow("connect timeout") << DisconnectReason::ConnectTimeout << u"connect timeout"_s;
    QTest::newRow("io server") << DisconnectReason::IoServerDisconnect << u"io server disconnect"_s;
    QTest::newRow("io client") << DisconnectReason::IoClientDisconnect << u"io client disconnect"_s;
    QTest::newRow("slow consumer") << DisconnectReason::SlowConsumer << u"slow consumer"_s;
}

void tst_Reasons::disconnectReason()
{
    QFETCH(DisconnectReason, reason);
    QFETCH(QString, text);
    QCOMPARE(toString(reason), text);
    DisconnectReason back = reason == DisconnectReason::PingTimeout ? DisconnectReason::ParseError
                                                                    : DisconnectReason::PingTimeout;
    QVERIFY(fromString(text, &back));
    QCOMPARE(int(back), int(reason));
}

void tst_Reasons::everyReasonHasADistinctText()
{
    QSet<QString> seen;
    for (int i = 0; i <= int(DisconnectReason::Last); ++i) {
        const QString text = toString(DisconnectReason(i));
        QVERIFY2(!text.isEmpty(), qPrintable(QString::number(i)));
        QVERIFY2(!seen.contains(text), qPrintable(text));
        seen.insert(text);
    }
    QCOMPARE(seen.size(), int(DisconnectReason::Last) + 1);
}

void tst_Reasons::transportCloseCause_data()
{
    QTest::addColumn<TransportCloseCause>("cause");
    QTest::addColumn<DisconnectReason>("reason");
    QTest::addColumn<QString>("text");
    QTest::newRow("closed") << TransportCloseCause::Closed << DisconnectReason::TransportClose << u"transport close"_s;
    QTest::newRow("error") << TransportCloseCause::Error << DisconnectReason::TransportError << u"transport error"_s;
    QTest::newRow("parse") << TransportCloseCause::ParseError << DisconnectReason::ParseError << u"parse error"_s;
}

void tst_Reasons::transportCloseCause()
{
    QFETCH(TransportCloseCause, cause);
    QFETCH(DisconnectReason, reason);
    QFETCH(QString, text);
    QCOMPARE(int(toDisconnectReason(cause)), int(reason));
    QCOMPARE(toString(cause), text);
}

void tst_Reasons::transportType_data()
{
    QTest::addColumn<TransportType>("type");
    QTest::addColumn<QString>("text");
    QTest::newRow("polling") << TransportType::Polling << u"polling"_s;
    QTest::newRow("websocket") << TransportType::WebSocket << u"websocket"_s;
}

void tst_Reasons::transportType()
{
    QFETCH(TransportType, type);
    QFETCH(QString, text);
    QCOMPARE(toString(type), text);
    TransportType back = type == TransportType::Polling ? TransportType::WebSocket : TransportType::Polling;
    QVERIFY(fromString(text, &back));
    QCOMPARE(int(back), int(type));
}

void tst_Reasons::unknownText()
{
    DisconnectReason reason = DisconnectReason::PingTimeout;
    QVERIFY(!fromString(u"Ping Timeout", &reason));
    QVERIFY(!fromString(u"", &reason));
    QCOMPARE(int(reason), int(DisconnectReason::PingTimeout)); // unchanged
    TransportType type = TransportType::Polling;
    QVERIFY(!fromString(u"websocket (plain)", &type));
    QCOMPARE(int(type), int(TransportType::Polling));
}

QTEST_GUILESS_MAIN(tst_Reasons)
#include "tst_reasons.moc"
