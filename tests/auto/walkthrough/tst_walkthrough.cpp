// The handshake walk-through: each step's text against RFC 6455's example key
// (dGhlIHNhbXBsZSBub25jZQ== → s3pPLMBiTxaQ9kYGzzhZRbK+xOo=), against a real session over
// WebSocket and one over polling that upgrades (the packets that followed, decoded by the
// library, auth redacted), and the presentation window: keys, play, PNG and PDF export, and
// the monitor's button that opens it.
#include <connection.h>
#include <eventclient.h>
#include <eventserver.h>
#include <handshakeinspector.h>
#include <handshakelogmodel.h>
#include <handshakewalkthrough.h>
#include <httprequest.h>
#include <monitorwindow.h>
#include <secrets.h>
#include <servercontrolpanel.h>
#include <walkthrough.h>

#include "loopback.h"
#include "screenshotmain.h"
#include "testsettings.h"

#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QImage>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Sockscope;
using Kind = WalkthroughStep::Kind;

namespace {

const QByteArray RfcKey = "dGhlIHNhbXBsZSBub25jZQ==";
const QString RfcAccept = u"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="_s;

HandshakeRecord rfcRecord(const QByteArray &sentAccept)
{
    const QByteArray raw = "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                           "Host: server.example.com\r\n"
                           "Upgrade: websocket\r\n"
                           "Connection: Upgrade\r\n"
                           "Sec-WebSocket-Key: "
            + RfcKey
            + "\r\n"
              "Sec-WebSocket-Version: 13\r\n\r\n";
    HttpRequest request;
    const auto status = HttpRequest::parse(raw, &request, int(raw.size()) + 1);
    Q_ASSERT(status == HttpRequest::Status::Complete);
    HandshakeRecord r = HandshakeRecord::fromRequest(request, raw);
    r.rawResponse = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    "Connection: Upgrade\r\nSec-WebSocket-Accept: "
            + sentAccept + "\r\n\r\n";
    r.statusCode = 101;
    r.transport = u"websocket"_s;
    return r;
}

QString highlightedLine(const WalkthroughStep &s, int which = 0)
{
    return s.highlighted.size() > which ? s.lines.value(s.highlighted.at(which)) : QString();
}

const WalkthroughStep *find(const QList<WalkthroughStep> &steps, Kind kind, int from = 0)
{
    for (qsizetype i = from; i < steps.size(); ++i) {
        if (steps.at(i).kind == kind)
            return &steps.at(i);
    }
    return nullptr;
}

qsizetype indexOfTitle(const QList<WalkthroughStep> &steps, const QString &part)
{
    for (qsizetype i = 0; i < steps.size(); ++i) {
        if (steps.at(i).title.contains(part))
            return i;
    }
    return -1;
}

} // namespace

class tst_Walkthrough : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void rfcExampleStepByStep();
    void wrongAcceptIsFlagged();
    void realWebSocketSession();
    void realPollingSessionWithUpgrade();
    void noPacketsKeptByDefault();
    void keysPlayAndExport();
    void followsTheTheme();
    void openedFromTheMonitor();

protected: // for WalkthroughScreenshots
    QTemporaryDir m_settingsDir;
};

void tst_Walkthrough::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    TestShared::keepSettingsIn(m_settingsDir, u"tst_walkthrough"_s);
}

void tst_Walkthrough::rfcExampleStepByStep()
{
    const QList<WalkthroughStep> steps = walkthroughSteps(rfcRecord(RfcAccept.toLatin1()));
    QCOMPARE(steps.size(), 5);
    QCOMPARE(steps.at(0).kind, Kind::Request);
    QCOMPARE(steps.at(0).lines.first(), u"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1"_s);
    QCOMPARE(steps.at(0).highlighted.size(), 1);
    QCOMPARE(highlightedLine(steps.at(0)), u"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="_s);

    QCOMPARE(steps.at(1).kind, Kind::KeyWithGuid);
    QCOMPARE(
            steps.at(1).lines,
            QStringList({u"dGhlIHNhbXBsZSBub25jZQ=="_s, u"+ 258EAFA5-E914-47DA-95CA-C5AB0DC85B11"_s,
                         u"= dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11"_s}));
    QCOMPARE(highlightedLine(steps.at(1)),
             u"= dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11"_s);

    QCOMPARE(steps.at(2).kind, Kind::Sha1);
    QCOMPARE(highlightedLine(steps.at(2), 0), u"= b3 7a 4f 2c c0 62 4f 16 90 f6"_s);
    QCOMPARE(highlightedLine(steps.at(2), 1), u"  46 06 cf 38 59 45 b2 be c4 ea"_s);
    QVERIFY(steps.at(2).note.contains(u"20 bytes"_s));

    QCOMPARE(steps.at(3).kind, Kind::Base64);
    QCOMPARE(steps.at(3).lines.first(),
             u"b3 7a 4f 2c c0 62 4f 16 90 f6 46 06 cf 38 59 45 b2 be c4 ea"_s);
    QCOMPARE(highlightedLine(steps.at(3)), u"base64 → s3pPLMBiTxaQ9kYGzzhZRbK+xOo="_s);

    QCOMPARE(steps.at(4).kind, Kind::Response);
    QCOMPARE(steps.at(4).lines.first(), u"HTTP/1.1 101 Switching Protocols"_s);
    QCOMPARE(highlightedLine(steps.at(4)), u"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="_s);
    QVERIFY(steps.at(4).ok);
    QVERIFY2(steps.at(4).note.startsWith(u"✓"_s), qPrintable(steps.at(4).note));
    // The plain text of a step holds its title, lines and note.
    QVERIFY(steps.at(3).text().contains(u"base64 → s3pPLMBiTxaQ9kYGzzhZRbK+xOo="_s));
}

void tst_Walkthrough::wrongAcceptIsFlagged()
{
    const QList<WalkthroughStep> steps
            = walkthroughSteps(rfcRecord("AAAAAAAAAAAAAAAAAAAAAAAAAAA="));
    const WalkthroughStep *answer = find(steps, Kind::Response);
    QVERIFY(answer);
    QVERIFY(!answer->ok);
    QVERIFY2(answer->note.contains(u"AAAAAAAAAAAAAAAAAAAAAAAAAAA="_s), qPrintable(answer->note));
    // The computation itself still says what it should have been.
    QCOMPARE(highlightedLine(*find(steps, Kind::Base64)), u"base64 → "_s + RfcAccept);
}

void tst_Walkthrough::realWebSocketSession()
{
    EventServer server;
    ServerOptions o = Loopback::fastOptions();
    o.handshakePackets = 8;
    server.setOptions(o);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    ClientOptions options;
    options.auth = QJsonObject {{u"token"_s, u"s3cret-token"_s}};
    auto client = Loopback::connectClient(server, u"/"_s, options);
    QVERIFY(client->isConnected());
    QCOMPARE(server.connections().size(), 1);
    Connection *connection = server.connections().first();
    HandshakeRecord record = connection->handshake();
    // The open packet, the client's CONNECT and our answer: three packets kept.
    QTRY_COMPARE((record = connection->handshake()).firstPackets.size(), 3);

    const QList<WalkthroughStep> revealed = walkthroughSteps(record);
    QCOMPARE(revealed.size(), 5 + 3);
    QCOMPARE(highlightedLine(revealed.at(0)),
             u"Sec-WebSocket-Key: "_s + QString::fromLatin1(record.secWebSocketKey));
    const QString accept
            = QString::fromLatin1(HandshakeRecord::acceptForKey(record.secWebSocketKey));
    QCOMPARE(highlightedLine(revealed.at(3)), u"base64 → "_s + accept);
    QCOMPARE(highlightedLine(revealed.at(4)), u"Sec-WebSocket-Accept: "_s + accept);
    QVERIFY(revealed.at(4).ok);

    // What followed, decoded by the library.
    const WalkthroughStep &open = revealed.at(5);
    QVERIFY2(open.title.endsWith(u"Server → client: Engine.IO open"_s), qPrintable(open.title));
    QVERIFY2(highlightedLine(open).startsWith(u"→ 0{"_s), qPrintable(highlightedLine(open)));
    QVERIFY(open.lines.contains(u"sid: \"%1\""_s.arg(connection->id())));
    QVERIFY(open.lines.contains(u"pingInterval: 5000"_s));
    const WalkthroughStep &connect = revealed.at(6);
    QVERIFY2(connect.title.endsWith(u"Client → server: Socket.IO CONNECT"_s),
             qPrintable(connect.title));
    QVERIFY(connect.lines.contains(u"Engine.IO message → Socket.IO CONNECT · namespace /"_s));
    QVERIFY(connect.text().contains(u"s3cret-token"_s));
    const WalkthroughStep &answer = revealed.at(7);
    QVERIFY2(answer.title.contains(u"Server → client: Socket.IO CONNECT"_s),
             qPrintable(answer.title));
    QVERIFY2(answer.text().contains(u"answer: {\"sid\":\"%1\"}"_s.arg(client->id())),
             qPrintable(answer.text()));

    // Redacted, as the monitor shows it until "Reveal secrets": the key stays, the value goes.
    const QList<WalkthroughStep> redacted = walkthroughSteps(Secrets::redact(record));
    QVERIFY(!redacted.at(6).text().contains(u"s3cret-token"_s));
    QVERIFY2(redacted.at(6).text().contains(u"auth: {\"token\":\"[redacted]\"}"_s),
             qPrintable(redacted.at(6).text()));

    // The bound: an event or two later, still at most handshakePackets.
    for (int i = 0; i < 10; ++i)
        client->send(u"tick"_s, {i});
    QTRY_COMPARE(connection->handshake().firstPackets.size(), 8);
    QTest::qWait(50);
    QCOMPARE(connection->handshake().firstPackets.size(), 8);
    const WalkthroughStep tick = walkthroughSteps(connection->handshake()).at(8);
    QVERIFY2(tick.text().contains(u"event: tick"_s), qPrintable(tick.text()));
    QVERIFY(tick.text().contains(u"arguments: [0]"_s));
}

void tst_Walkthrough::realPollingSessionWithUpgrade()
{
    EventServer server;
    ServerOptions o = Loopback::fastOptions();
    o.handshakePackets = 8;
    server.setOptions(o);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QList<HandshakeRecord> logged;
    connect(&server, &EventServer::handshakeReceived, this,
            [&logged](const HandshakeRecord &r) { logged.append(r); });
    QSignalSpy upgraded(&server, &EventServer::connectionUpgraded);
    ClientOptions options;
    options.transport = ClientOptions::Transport::Auto;
    auto client = Loopback::connectClient(server, u"/"_s, options);
    QVERIFY(client->isConnected());
    QTRY_COMPARE(upgraded.size(), 1);
    Connection *connection = server.connections().first();
    HandshakeRecord polling;
    // open, CONNECT, its answer, 2probe, 3probe, 5
    QTRY_VERIFY((polling = connection->handshake()).firstPackets.size() >= 6);
    QCOMPARE(polling.transport, u"polling"_s);
    QVERIFY(!polling.isUpgrade);
    const HandshakeRecord *upgrade = nullptr;
    for (const HandshakeRecord &r : std::as_const(logged)) {
        if (r.isUpgrade && r.connectionId == connection->id())
            upgrade = &r;
    }
    QVERIFY(upgrade);

    const QList<WalkthroughStep> steps = walkthroughSteps(polling, upgrade);
    QStringList titles;
    for (const WalkthroughStep &s : steps)
        titles.append(s.title);
    const QString all = titles.join(u"\n"_s);
    QVERIFY2(steps.at(0).lines.first().startsWith(u"GET /socket.io/?EIO=4&transport=polling"_s),
             qPrintable(steps.at(0).lines.first()));
    const qsizetype openAt = indexOfTitle(steps, u"Engine.IO open"_s);
    const qsizetype connectAt = indexOfTitle(steps, u"Socket.IO CONNECT"_s);
    const qsizetype upgradeRequestAt = indexOfTitle(steps, u"The upgrade request"_s);
    const qsizetype probeAt = indexOfTitle(steps, u"Client → server: Engine.IO ping probe"_s);
    const qsizetype pongAt = indexOfTitle(steps, u"Server → client: Engine.IO pong probe"_s);
    const qsizetype moveAt = indexOfTitle(steps, u"Client → server: Engine.IO upgrade"_s);
    // In the order things happened: the client starts its upgrade as soon as the open packet
    // came, and its CONNECT goes over polling meanwhile.
    QVERIFY2(openAt > 1 && connectAt > openAt, qPrintable(all));
    QVERIFY2(upgradeRequestAt > openAt, qPrintable(all));
    for (qsizetype i = 1; i < steps.size(); ++i) // numbered in order
        QVERIFY2(steps.at(i).title.startsWith(u"%1. "_s.arg(i + 1)), qPrintable(all));
    QVERIFY2(probeAt > upgradeRequestAt + 4, qPrintable(all)); // after key, SHA-1, base64, 101
    QVERIFY2(pongAt > probeAt && moveAt > pongAt, qPrintable(all));
    // The upgrade's own key and accept.
    const WalkthroughStep *b64 = find(steps, Kind::Base64, int(upgradeRequestAt));
    QVERIFY(b64);
    QCOMPARE(
            highlightedLine(*b64),
            u"base64 → "_s
                    + QString::fromLatin1(HandshakeRecord::acceptForKey(upgrade->secWebSocketKey)));
    const WalkthroughStep *answer = find(steps, Kind::Response, int(upgradeRequestAt));
    QVERIFY(answer && answer->ok);
    QCOMPARE(highlightedLine(steps.at(probeAt)), u"← 2probe"_s);
    QCOMPARE(highlightedLine(steps.at(pongAt)), u"→ 3probe"_s);
    QCOMPARE(highlightedLine(steps.at(moveAt)), u"← 5"_s);
}

void tst_Walkthrough::noPacketsKeptByDefault()
{
    EventServer server;
    server.setOptions(Loopback::fastOptions());
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    auto client = Loopback::connectClient(server);
    QVERIFY(client->isConnected());
    client->send(u"x"_s);
    QTest::qWait(50);
    QVERIFY(server.connections().first()->handshake().firstPackets.isEmpty());
    ServerOptions bad;
    bad.handshakePackets = -1;
    QVERIFY(!bad.validate().isEmpty());
}

void tst_Walkthrough::keysPlayAndExport()
{
    HandshakeWalkthrough view;
    view.resize(1280, 720);
    view.setSteps(walkthroughSteps(rfcRecord(RfcAccept.toLatin1())));
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.activateWindow();
    view.setFocus();
    QCOMPARE(view.current(), 0);
    QTest::keyClick(&view, Qt::Key_Right);
    QCOMPARE(view.current(), 1);
    QTest::keyClick(&view, Qt::Key_Space);
    QCOMPARE(view.current(), 2);
    QTest::keyClick(&view, Qt::Key_Left);
    QCOMPARE(view.current(), 1);
    QTest::keyClick(&view, Qt::Key_End);
    QCOMPARE(view.current(), 4);
    QTest::keyClick(&view, Qt::Key_Right); // no step beyond the last
    QCOMPARE(view.current(), 4);
    QTest::keyClick(&view, Qt::Key_Home);
    QCOMPARE(view.current(), 0);
    // P plays to the end and stops there.
    view.setInterval(20);
    QTest::keyClick(&view, Qt::Key_P);
    QVERIFY(view.isPlaying());
    QTRY_COMPARE(view.current(), 4);
    QTRY_VERIFY(!view.isPlaying());
    QVERIFY(!view.toolTip().isEmpty());

    // A PNG per step, 1280×720, the highlighted line drawn in the highlight colour.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QString error;
    QVERIFY2(view.exportPngs(dir.path(), QSize(1280, 720), &error), qPrintable(error));
    for (int i = 1; i <= 5; ++i) {
        const QImage image(dir.filePath(u"step-%1.png"_s.arg(i, 2, 10, QLatin1Char('0'))));
        QCOMPARE(image.size(), QSize(1280, 720));
        const QRgb highlight = view.palette().color(QPalette::Highlight).rgb();
        int marked = 0;
        for (int y = 0; y < image.height(); y += 4) {
            for (int x = 0; x < image.width(); x += 16)
                marked += image.pixel(x, y) == highlight;
        }
        QVERIFY2(marked > 50, qPrintable(u"step %1: %2"_s.arg(i).arg(marked)));
    }
    QVERIFY(!QFile::exists(dir.filePath(u"step-06.png"_s)));
    // One PDF, a page per step.
    const QString pdf = dir.filePath(u"walk.pdf"_s);
    QVERIFY2(view.exportPdf(pdf, &error), qPrintable(error));
    QFile file(pdf);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    QVERIFY(bytes.startsWith("%PDF"));
    QCOMPARE(bytes.count("/Type /Page\n") + bytes.count("/Type /Page "), 5);

    // Escape closes it.
    QTest::keyClick(&view, Qt::Key_Escape);
    QVERIFY(!view.isVisible());
}

void tst_Walkthrough::followsTheTheme()
{
    // Drawn in the palette's colours: on a dark theme, light text on a dark window, and the
    // check mark in the theme's "good" colour.
    QPalette dark = QApplication::palette();
    dark.setColor(QPalette::Window, QColor(0x2a, 0x2a, 0x2a));
    dark.setColor(QPalette::Base, QColor(0x2a, 0x2a, 0x2a));
    dark.setColor(QPalette::WindowText, QColor(0xee, 0xee, 0xee));
    HandshakeWalkthrough view;
    view.setPalette(dark);
    view.setSteps(walkthroughSteps(rfcRecord(RfcAccept.toLatin1())));
    QTemporaryDir dir;
    QVERIFY(view.exportPngs(dir.path(), QSize(640, 360)));
    const QImage response(dir.filePath(u"step-05.png"_s));
    QCOMPARE(response.pixelColor(2, 2), QColor(0x2a, 0x2a, 0x2a));
    bool good = false;
    bool text = false;
    for (int y = 0; y < response.height(); ++y) {
        for (int x = 0; x < response.width(); ++x) {
            good |= response.pixelColor(x, y) == QColor(0x66, 0xd1, 0x7a); // Colors::Role::Good
            text |= response.pixelColor(x, y) == QColor(0xee, 0xee, 0xee);
        }
    }
    QVERIFY(good);
    QVERIFY(text);
}

void tst_Walkthrough::openedFromTheMonitor()
{
    MonitorWindow window;
    ServerSettings s;
    s.bind = u"127.0.0.1"_s;
    s.port = 0;
    window.setServerSettings(s);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.startServer());
    QCOMPARE(window.server()->options().handshakePackets, 8);
    ClientOptions options;
    options.auth = QJsonObject {{u"token"_s, u"s3cret-token"_s}};
    auto client = Loopback::connectClient(*window.server(), u"/"_s, options);
    QVERIFY(client->isConnected());
    QTRY_COMPARE(window.handshakeInspector()->currentRow(), 0);
    QTRY_COMPARE(window.server()->connections().first()->handshake().firstPackets.size(), 3);

    auto *button = window.findChild<QPushButton *>(u"handshakeWalkthroughButton"_s);
    QVERIFY(button);
    QVERIFY(!button->toolTip().isEmpty());
    button->click();
    HandshakeWalkthrough *walk = window.walkthrough();
    QVERIFY(walk);
    QTRY_VERIFY(walk->isVisible());
    QCOMPARE(walk->count(), 8); // 5 steps to the 101, then open, CONNECT, its answer
    QVERIFY(walk->steps().at(6).title.contains(u"CONNECT"_s));
    // Redacted until the inspector's "Reveal secrets".
    QVERIFY(!walk->steps().at(6).text().contains(u"s3cret-token"_s));
    window.handshakeInspector()->setSecretsRevealed(true);
    window.findChild<QAction *>(u"actionWalkthrough"_s)->trigger();
    QCOMPARE(window.walkthrough(), walk); // the same window, its steps again
    QVERIFY(walk->steps().at(6).text().contains(u"s3cret-token"_s));
    walk->close();
}

// Not a test of the suite: the README's pictures of the walk-through, made only when
// "screenshots" is named on the command line (see screenshotmain.h).
class WalkthroughScreenshots : public tst_Walkthrough
{
    Q_OBJECT
private Q_SLOTS:
    void screenshots();
};

// A real session's walk-through at 1280×720, the steps worth showing, in
// SOCKSCOPE_SCREENSHOT_DIR as walkthrough-<step>.png.
void WalkthroughScreenshots::screenshots()
{
    const QString outDir = qEnvironmentVariable("SOCKSCOPE_SCREENSHOT_DIR");
    if (outDir.isEmpty())
        QFAIL("set SOCKSCOPE_SCREENSHOT_DIR to the directory the screenshots go to");
    EventServer server;
    ServerOptions o = Loopback::fastOptions();
    o.handshakePackets = 8;
    server.setOptions(o);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    ClientOptions options;
    options.auth = QJsonObject {{u"user"_s, u"ann"_s}};
    auto client = Loopback::connectClient(server, u"/"_s, options);
    QVERIFY(client->isConnected());
    Connection *connection = server.connections().first();
    QTRY_COMPARE(connection->handshake().firstPackets.size(), 3);
    HandshakeWalkthrough view;
    view.setSteps(walkthroughSteps(Secrets::redact(connection->handshake())));
    QTemporaryDir all;
    QVERIFY(view.exportPngs(all.path()));
    QVERIFY(QDir().mkpath(outDir));
    for (int step : {1, 3, 5, 7}) {
        const QString name = u"step-%1.png"_s.arg(step, 2, 10, QLatin1Char('0'));
        const QString to = QDir(outDir).filePath(u"walkthrough-%1.png"_s.arg(step));
        QFile::remove(to);
        QVERIFY(QFile::copy(QDir(all.path()).filePath(name), to));
    }
}

SOCKSCOPE_TEST_MAIN_WITH_SCREENSHOTS(tst_Walkthrough, WalkthroughScreenshots)
#include "tst_walkthrough.moc"
