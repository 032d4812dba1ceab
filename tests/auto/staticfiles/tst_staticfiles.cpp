// The files the server serves (the browser client, the demo page): read from Qt's resource
// system, the demo page naming the server's Engine.IO path, and served over loopback with
// cache headers that follow the content.
#include <eventserver.h>
#include <staticfiles_p.h>

#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace Sockscope;

namespace {

struct Fetched
{
    int status = 0;
    QByteArray body;
    QByteArray etag;
    QByteArray contentType;
};

} // namespace

class tst_StaticFiles : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void clientScriptIsTheResource();
    void demoPageNamesThePath_data();
    void demoPageNamesThePath();
    void servesDemoPageAtCustomPath();
    void etagFollowsThePath();

private:
    std::unique_ptr<EventServer> startServer(const QString &path);
    Fetched fetch(quint16 port, const QString &target, const QByteArray &ifNoneMatch = {});

    QNetworkAccessManager m_network;
};

std::unique_ptr<EventServer> tst_StaticFiles::startServer(const QString &path)
{
    ServerOptions options;
    options.path = path;
    options.serveDemoPage = true;
    auto server = std::make_unique<EventServer>(options);
    if (!server->listen(QHostAddress::LocalHost, 0))
        return {};
    return server;
}

Fetched tst_StaticFiles::fetch(quint16 port, const QString &target, const QByteArray &ifNoneMatch)
{
    m_network.setProxy(QNetworkProxy::NoProxy);
    QNetworkRequest request(QUrl(u"http://127.0.0.1:%1%2"_s.arg(port).arg(target)));
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                         QNetworkRequest::AlwaysNetwork);
    if (!ifNoneMatch.isEmpty())
        request.setRawHeader("If-None-Match", ifNoneMatch);
    std::unique_ptr<QNetworkReply> reply(m_network.get(request));
    Fetched f;
    [&] { QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000); }();
    if (!reply->isFinished())
        return f;
    f.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    f.body = reply->readAll();
    f.etag = reply->rawHeader("ETag");
    f.contentType = reply->rawHeader("Content-Type");
    return f;
}

void tst_StaticFiles::clientScriptIsTheResource()
{
    const QByteArray script = staticFileContent(StaticFile::ClientScript, u"/rt/"_s);
    QVERIFY(script.size() > 10000);
    QVERIFY(script.contains("Socket.IO v5 over Engine.IO v4"));
    // The client script is served as it is, whatever the path.
    QCOMPARE(staticFileContent(StaticFile::ClientScript, u"/socket.io/"_s), script);
    QVERIFY(!script.contains(enginePathPlaceholder));
}

void tst_StaticFiles::demoPageNamesThePath_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("written");
    QTest::newRow("default") << u"/socket.io/"_s << QByteArray("/socket.io/");
    QTest::newRow("custom") << u"/rt/"_s << QByteArray("/rt/");
    QTest::newRow("nested") << u"/api/v2/rt/"_s << QByteArray("/api/v2/rt/");
    QTest::newRow("space") << u"/a b/"_s << QByteArray("/a%20b/");
    QTest::newRow("markup") << u"/\"><script>alert(1)</script>/"_s
                            << QByteArray("/%22%3E%3Cscript%3Ealert%281%29%3C/script%3E/");
}

void tst_StaticFiles::demoPageNamesThePath()
{
    QFETCH(QString, path);
    QFETCH(QByteArray, written);
    const QByteArray page = staticFileContent(StaticFile::DemoPage, path);
    QVERIFY(page.startsWith("<!doctype html>"));
    QVERIFY(!page.contains(enginePathPlaceholder));
    const QByteArray script = "<script src=\"" + written + "socket.io.js\"></script>";
    const QByteArray meta = "<meta name=\"sockscope-engine-path\" content=\"" + written + "\">";
    QVERIFY2(page.contains(script), page.left(600));
    QVERIFY(page.contains(meta));
    QCOMPARE(page.count("<script"), 3); // the client script, the plain tab, the Socket.IO tab
    if (path != u"/socket.io/")
        QVERIFY(!page.contains("/socket.io/socket.io.js"));
}

void tst_StaticFiles::servesDemoPageAtCustomPath()
{
    const auto server = startServer(u"/rt/"_s);
    QVERIFY(server);
    const quint16 port = server->serverPort();

    const Fetched page = fetch(port, u"/"_s);
    QCOMPARE(page.status, 200);
    QVERIFY(page.contentType.startsWith("text/html"));
    QVERIFY2(page.body.contains("<script src=\"/rt/socket.io.js\"></script>"), page.body.left(600));
    QVERIFY(page.body.contains("content=\"/rt/\""));
    QVERIFY(!page.body.contains("/socket.io/socket.io.js"));
    QCOMPARE(fetch(port, u"/index.html"_s).body, page.body);

    // The script the page names is there, and is the client.
    const Fetched script = fetch(port, u"/rt/socket.io.js"_s);
    QCOMPARE(script.status, 200);
    QVERIFY(script.contentType.startsWith("application/javascript"));
    QCOMPARE(script.body, staticFileContent(StaticFile::ClientScript, u"/rt/"_s));
    QCOMPARE(fetch(port, u"/socket.io/socket.io.js"_s).status, 404);

    // And the page's Engine.IO path answers a handshake.
    const Fetched open = fetch(port, u"/rt/?EIO=4&transport=polling"_s);
    QCOMPARE(open.status, 200);
    QVERIFY2(open.body.startsWith("0{") && open.body.contains("\"sid\":"), open.body);
}

void tst_StaticFiles::etagFollowsThePath()
{
    const auto standard = startServer(u"/socket.io/"_s);
    const auto custom = startServer(u"/rt/"_s);
    QVERIFY(standard && custom);

    const Fetched a = fetch(standard->serverPort(), u"/"_s);
    const Fetched b = fetch(custom->serverPort(), u"/"_s);
    QCOMPARE(a.status, 200);
    QCOMPARE(b.status, 200);
    QVERIFY(!a.etag.isEmpty());
    QVERIFY(!b.etag.isEmpty());
    QVERIFY(a.body != b.body);
    QVERIFY2(a.etag != b.etag, a.etag); // other content, other ETag

    // A cached copy is still good for the same server, not for the other one.
    QCOMPARE(fetch(custom->serverPort(), u"/"_s, b.etag).status, 304);
    const Fetched stale = fetch(custom->serverPort(), u"/"_s, a.etag);
    QCOMPARE(stale.status, 200);
    QCOMPARE(stale.body, b.body);

    // The client script is the same file on both: the same ETag.
    const Fetched sa = fetch(standard->serverPort(), u"/socket.io/socket.io.js"_s);
    const Fetched sb = fetch(custom->serverPort(), u"/rt/socket.io.js"_s);
    QCOMPARE(sa.status, 200);
    QCOMPARE(sb.status, 200);
    QCOMPARE(sa.etag, sb.etag);
}

QTEST_GUILESS_MAIN(tst_StaticFiles)
#include "tst_staticfiles.moc"
