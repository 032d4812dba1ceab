// Loopback tests of ClientManager: several namespace sockets over one Engine.IO connection,
// against our EventServer.
#include <clientmanager.h>
#include <connection.h>
#include <eventclient.h>
#include <eventserver.h>
#include <namespace.h>
#include <socket.h>

#include "loopback.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Sockscope;

namespace {

// Every namespace answers "echo" with its name and the arguments, and "/vip" refuses.
void setUpServer(EventServer *server)
{
    auto echo = [](Socket *s) {
        s->on(u"echo"_s, [s](const Arguments &args, const Ack &ack) {
            Arguments reply { s->namespaceName() };
            reply.append(args);
            ack.reply(reply);
        });
    };
    QObject::connect(server, &EventServer::socketConnected, server, echo);
    server->of(u"/chat"_s);
    server->of(u"/vip"_s)->addConnectHook(
            [](Socket *) { return ConnectDecision::refuse(u"members only"_s); });
}

QList<Socket *> serverSockets(const EventServer &server)
{
    QList<Socket *> all;
    for (Namespace *ns : server.namespaces())
        all.append(ns->sockets());
    return all;
}

Socket *serverSocket(const EventServer &server, const QString &nsp)
{
    const QList<Socket *> all = serverSockets(server);
    for (Socket *s : all) {
        if (s->namespaceName() == nsp)
            return s;
    }
    return nullptr;
}

} // namespace

class tst_ClientManager : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void twoNamespacesOneConnection_data();
    void twoNamespacesOneConnection();
    void joinLaterOverOpenConnection();
    void refusedBesideAccepted();
    void closeOneKeepsTheOther();
    void reconnectRejoinsEveryNamespace_data();
    void reconnectRejoinsEveryNamespace();
    void recoveryPerNamespace();
    void serverDisconnectsOneNamespace();
    void socketIsMadeOnce();
};

void tst_ClientManager::twoNamespacesOneConnection_data()
{
    QTest::addColumn<ClientOptions::Transport>("transport");
    QTest::addColumn<ClientOptions::Parser>("parser");
    QTest::newRow("websocket") << ClientOptions::Transport::WebSocket << ClientOptions::Parser::Json;
    QTest::newRow("polling") << ClientOptions::Transport::Polling << ClientOptions::Parser::Json;
    QTest::newRow("auto") << ClientOptions::Transport::Auto << ClientOptions::Parser::Json;
    QTest::newRow("websocket msgpack")
            << ClientOptions::Transport::WebSocket << ClientOptions::Parser::Msgpack;
    QTest::newRow("polling msgpack")
            << ClientOptions::Transport::Polling << ClientOptions::Parser::Msgpack;
}

void tst_ClientManager::twoNamespacesOneConnection()
{
    QFETCH(ClientOptions::Transport, transport);
    QFETCH(ClientOptions::Parser, parser);
    EventServer server(Loopback::fastOptions());
    setUpServer(&server);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy connectionsOpened(&server, &EventServer::connectionOpened);

    ClientManager manager;
    manager.setUrl(Loopback::serverUrl(server, u"/"_s));
    ClientOptions co;
    co.transport = transport;
    co.parser = parser;
    manager.setOptions(co);
    EventClient *root = manager.socket(u"/"_s);
    EventClient *chat = manager.socket(u"/chat"_s);
    QCOMPARE(root->namespaceName(), u"/"_s);
    QCOMPARE(chat->namespaceName(), u"/chat"_s);
    QCOMPARE(root->manager(), &manager);
    QCOMPARE(manager.sockets(), (QList<EventClient *> { root, chat }));
    QList<QPair<QString, Arguments>> rootEvents, chatEvents;
    root->on(u"news"_s, [&](const Arguments &args) { rootEvents.append({ u"news"_s, args }); });
    chat->on(u"news"_s, [&](const Arguments &args) { chatEvents.append({ u"news"_s, args }); });
    root->open();
    chat->open();
    QTRY_VERIFY2(root->isConnected() && chat->isConnected(),
                 qPrintable(root->errorString() + chat->errorString()));
    QVERIFY(manager.isOpen());

    // One Engine.IO connection on the server, carrying both sockets.
    QCOMPARE(connectionsOpened.size(), 1);
    QCOMPARE(server.connections().size(), 1);
    Socket *sRoot = serverSocket(server, u"/"_s);
    Socket *sChat = serverSocket(server, u"/chat"_s);
    QVERIFY(sRoot && sChat);
    QCOMPARE(sRoot->connection(), sChat->connection());
    QCOMPARE(sRoot->connection()->id(), manager.connectionId());
    QCOMPARE(root->connectionId(), chat->connectionId());
    QCOMPARE(root->id(), sRoot->id());
    QCOMPARE(chat->id(), sChat->id());
    QVERIFY(root->id() != chat->id());

    // Acks on each: the server's reply names the namespace it came through.
    QList<Arguments> rootAcks, chatAcks;
    root->send(u"echo"_s, { 1, QByteArray("\x00\x01", 2) },
               [&](const AckResult &r) { rootAcks.append(r.args); });
    chat->send(u"echo"_s, { 2 }, [&](const AckResult &r) { chatAcks.append(r.args); });
    QTRY_COMPARE(rootAcks.size(), 1);
    QTRY_COMPARE(chatAcks.size(), 1);
    QCOMPARE(Loopback::display(rootAcks.at(0)),
             Loopback::display({ u"/"_s, 1, QByteArray("\x00\x01", 2) }));
    QCOMPARE(Loopback::display(chatAcks.at(0)), Loopback::display({ u"/chat"_s, 2 }));

    // Events from the server reach the socket of their namespace only.
    sChat->send(u"news"_s, { u"for chat"_s });
    sRoot->send(u"news"_s, { u"for root"_s });
    QTRY_COMPARE(rootEvents.size(), 1);
    QTRY_COMPARE(chatEvents.size(), 1);
    QCOMPARE(rootEvents.at(0).second, (Arguments { u"for root"_s }));
    QCOMPARE(chatEvents.at(0).second, (Arguments { u"for chat"_s }));
    QVERIFY(!QTest::qWaitFor([&] { return rootEvents.size() + chatEvents.size() > 2; }, 100));
}

void tst_ClientManager::joinLaterOverOpenConnection()
{
    EventServer server(Loopback::fastOptions());
    setUpServer(&server);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    ClientManager manager;
    manager.setUrl(Loopback::serverUrl(server));
    EventClient *root = manager.socket(u"/"_s);
    root->open();
    QTRY_VERIFY(root->isConnected());
    const QString connection = manager.connectionId();
    QVERIFY(!connection.isEmpty());

    EventClient *chat = manager.socket(u"/chat"_s);
    QSignalSpy chatConnected(chat, &EventClient::connected);
    chat->send(u"echo"_s, { u"queued"_s }); // buffered until the namespace is joined
    chat->open();
    QTRY_COMPARE(chatConnected.size(), 1);
    QCOMPARE(manager.connectionId(), connection);
    QCOMPARE(server.connections().size(), 1);
    QCOMPARE(server.of(u"/chat"_s)->socketCount(), 1);
    QCOMPARE(server.of(u"/chat"_s)->sockets().at(0)->connection()->id(), connection);
    QTRY_COMPARE(server.of(u"/chat"_s)->sockets().at(0)->eventsReceived(), quint64(1));
}

void tst_ClientManager::refusedBesideAccepted()
{
    EventServer server(Loopback::fastOptions());
    setUpServer(&server);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    ClientManager manager;
    manager.setUrl(Loopback::serverUrl(server));
    ClientOptions co;
    co.reconnection = true; // a refusal is final all the same
    co.reconnectionDelay = 20;
    manager.setOptions(co);
    EventClient *root = manager.socket(u"/"_s);
    EventClient *vip = manager.socket(u"/vip"_s);
    QSignalSpy vipErrors(vip, &EventClient::connectErrorOccurred);
    QSignalSpy rootErrors(root, &EventClient::connectErrorOccurred);
    QSignalSpy rootDisconnected(root, &EventClient::disconnected);
    QSignalSpy closed(&manager, &ClientManager::closed);
    QSignalSpy reconnecting(&manager, &ClientManager::reconnecting);
    root->open();
    vip->open();
    QTRY_COMPARE(vipErrors.size(), 1);
    QTRY_VERIFY(root->isConnected());
    QCOMPARE(vipErrors.at(0).at(0).toString(), u"members only"_s);
    QCOMPARE(vip->errorString(), u"members only"_s);
    QCOMPARE(vip->state(), EventClient::State::Disconnected);

    // The refusal closed nothing else: "/" keeps the connection and still talks.
    QVERIFY(!QTest::qWaitFor([&] { return !closed.isEmpty() || !reconnecting.isEmpty(); }, 200));
    QCOMPARE(rootErrors.size(), 0);
    QCOMPARE(rootDisconnected.size(), 0);
    QVERIFY(manager.isOpen());
    QList<Arguments> acks;
    root->send(u"echo"_s, { 3 }, [&](const AckResult &r) { acks.append(r.args); });
    QTRY_COMPARE(acks.size(), 1);
    QCOMPARE(acks.at(0), (Arguments { u"/"_s, 3 }));
    QCOMPARE(server.connections().size(), 1);
    QCOMPARE(server.of(u"/"_s)->socketCount(), 1);
    QCOMPARE(server.of(u"/vip"_s)->socketCount(), 0);
}

void tst_ClientManager::closeOneKeepsTheOther()
{
    EventServer server(Loopback::fastOptions());
    setUpServer(&server);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    QSignalSpy serverDisconnected(&server, &EventServer::socketDisconnected);
    QSignalSpy connectionClosed(&server, &EventServer::connectionClosed);
    ClientManager manager;
    manager.setUrl(Loopback::serverUrl(server));
    EventClient *root = manager.socket(u"/"_s);
    EventClient *chat = manager.socket(u"/chat"_s);
    root->open();
    chat->open();
    QTRY_VERIFY(root->isConnected() && chat->isConnected());

    QSignalSpy chatDisconnected(chat, &EventClient::disconnected);
    chat->close();
    QCOMPARE(chatDisconnected.size(), 1);
    QCOMPARE(chatDisconnected.at(0).at(0).toString(), u"io client disconnect"_s);
    QTRY_COMPARE(serverDisconnected.size(), 1);
    QCOMPARE(serverDisconnected.at(0).at(1).toString(), u"client namespace disconnect"_s);
    QVERIFY(root->isConnected());
    QVERIFY(manager.isOpen());
    QCOMPARE(server.connections().size(), 1);
    QVERIFY(!chat->send(u"echo"_s)); // closed by the program: refuses
    QList<Arguments> acks;
    root->send(u"echo"_s, { 4 }, [&](const AckResult &r) { acks.append(r.args); });
    QTRY_COMPARE(acks.size(), 1);

    // The last socket closes the connection.
    root->close();
    QCOMPARE(manager.state(), ClientManager::State::Closed);
    QTRY_COMPARE(serverDisconnected.size(), 2);
    QTRY_COMPARE(connectionClosed.size(), 1);
    QTRY_COMPARE(server.connections().size(), 0);
}

void tst_ClientManager::reconnectRejoinsEveryNamespace_data()
{
    QTest::addColumn<ClientOptions::Transport>("transport");
    QTest::newRow("websocket") << ClientOptions::Transport::WebSocket;
    QTest::newRow("polling") << ClientOptions::Transport::Polling;
    QTest::newRow("auto") << ClientOptions::Transport::Auto;
}

void tst_ClientManager::reconnectRejoinsEveryNamespace()
{
    QFETCH(ClientOptions::Transport, transport);
    EventServer server(Loopback::fastOptions());
    setUpServer(&server);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    ClientManager manager;
    manager.setUrl(Loopback::serverUrl(server));
    ClientOptions co;
    co.reconnection = true;
    co.reconnectionDelay = 50;
    co.randomizationFactor = 0;
    co.transport = transport;
    manager.setOptions(co);
    EventClient *root = manager.socket(u"/"_s);
    EventClient *chat = manager.socket(u"/chat"_s);
    root->open();
    chat->open();
    QTRY_VERIFY(root->isConnected() && chat->isConnected());
    if (transport == ClientOptions::Transport::Auto)
        QTRY_COMPARE(manager.handshake().transport, u"websocket"_s);
    const QString first = manager.connectionId();
    const QString firstChatId = chat->id();
    QSignalSpy rootDisconnected(root, &EventClient::disconnected);
    QSignalSpy chatDisconnected(chat, &EventClient::disconnected);
    QSignalSpy rootConnected(root, &EventClient::connected);
    QSignalSpy chatConnected(chat, &EventClient::connected);
    QSignalSpy chatReconnecting(chat, &EventClient::reconnecting);
    QSignalSpy managerReconnecting(&manager, &ClientManager::reconnecting);
    QSignalSpy opened(&manager, &ClientManager::opened);

    server.connection(first)->close();
    QTRY_COMPARE(rootDisconnected.size(), 1);
    QCOMPARE(chatDisconnected.size(), 1);
    QCOMPARE(rootDisconnected.at(0).at(0).toString(), u"transport close"_s);
    QCOMPARE(chatDisconnected.at(0).at(0).toString(), u"transport close"_s);
    QCOMPARE(managerReconnecting.size(), 1);
    QCOMPARE(chatReconnecting.size(), 1);
    QCOMPARE(chat->state(), EventClient::State::Reconnecting);
    QVERIFY(chat->send(u"echo"_s, { u"while away"_s })); // buffered across the reconnection

    QTRY_VERIFY(rootConnected.size() == 1 && chatConnected.size() == 1);
    QCOMPARE(opened.size(), 1); // one new connection for both
    QVERIFY(manager.connectionId() != first);
    QCOMPARE(server.connections().size(), 1);
    Socket *sRoot = serverSocket(server, u"/"_s);
    Socket *sChat = serverSocket(server, u"/chat"_s);
    QVERIFY(sRoot && sChat);
    QCOMPARE(sRoot->connection()->id(), manager.connectionId());
    QCOMPARE(sChat->connection()->id(), manager.connectionId());
    QVERIFY(chat->id() != firstChatId); // recovery off: fresh sockets
    QCOMPARE(manager.reconnectAttempt(), 0);
    QTRY_COMPARE(sChat->eventsReceived(), quint64(1));
}

void tst_ClientManager::recoveryPerNamespace()
{
    ServerOptions o = Loopback::fastOptions();
    o.maxDisconnectionDuration = 5000;
    EventServer server(o);
    setUpServer(&server);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    ClientManager manager;
    manager.setUrl(Loopback::serverUrl(server));
    ClientOptions co;
    co.reconnection = true;
    co.reconnectionDelay = 200;
    co.randomizationFactor = 0;
    manager.setOptions(co);
    EventClient *root = manager.socket(u"/"_s);
    EventClient *chat = manager.socket(u"/chat"_s);
    QList<Arguments> rootNews, chatNews;
    root->on(u"news"_s, [&](const Arguments &args) { rootNews.append(args); });
    chat->on(u"news"_s, [&](const Arguments &args) { chatNews.append(args); });
    root->open();
    chat->open();
    QTRY_VERIFY(root->isConnected() && chat->isConnected());
    QVERIFY(!root->recoveryId().isEmpty());
    QVERIFY(!chat->recoveryId().isEmpty());
    QVERIFY(root->recoveryId() != chat->recoveryId());
    const QString rootId = root->id(), chatId = chat->id(), first = manager.connectionId();
    server.of(u"/"_s)->send(u"news"_s, { 0 });
    server.of(u"/chat"_s)->send(u"news"_s, { 10 });
    QTRY_VERIFY(rootNews.size() == 1 && chatNews.size() == 1);

    QSignalSpy rootConnected(root, &EventClient::connected);
    QSignalSpy chatConnected(chat, &EventClient::connected);
    QSignalSpy chatDisconnected(chat, &EventClient::disconnected);
    server.connection(first)->close();
    QTRY_COMPARE(chatDisconnected.size(), 1);
    server.of(u"/"_s)->send(u"news"_s, { 1 }); // missed while away
    server.of(u"/chat"_s)->send(u"news"_s, { 11 });
    server.of(u"/chat"_s)->send(u"news"_s, { 12 });

    QTRY_VERIFY(rootConnected.size() == 1 && chatConnected.size() == 1);
    QVERIFY(rootConnected.at(0).at(0).toBool());
    QVERIFY(chatConnected.at(0).at(0).toBool());
    QVERIFY(root->isRecovered() && chat->isRecovered());
    QCOMPARE(root->id(), rootId);
    QCOMPARE(chat->id(), chatId);
    QVERIFY(manager.connectionId() != first);
    QCOMPARE(rootNews, (QList<Arguments> { { 0 }, { 1 } }));
    QCOMPARE(chatNews, (QList<Arguments> { { 10 }, { 11 }, { 12 } }));
}

// The server disconnects /chat alone: that socket gets "io server disconnect" and stays down
// (even with reconnection on); "/" keeps the connection.
void tst_ClientManager::serverDisconnectsOneNamespace()
{
    EventServer server(Loopback::fastOptions());
    setUpServer(&server);
    QVERIFY(server.listen(Loopback::LocalHost, 0));
    ClientManager manager;
    manager.setUrl(Loopback::serverUrl(server));
    ClientOptions co;
    co.reconnection = true;
    co.reconnectionDelay = 20;
    manager.setOptions(co);
    EventClient *root = manager.socket(u"/"_s);
    EventClient *chat = manager.socket(u"/chat"_s);
    root->open();
    chat->open();
    QTRY_VERIFY(root->isConnected() && chat->isConnected());
    const QString connection = manager.connectionId();
    QSignalSpy chatDisconnected(chat, &EventClient::disconnected);
    QSignalSpy rootDisconnected(root, &EventClient::disconnected);
    QSignalSpy reconnecting(&manager, &ClientManager::reconnecting);
    serverSocket(server, u"/chat"_s)->close();
    QTRY_COMPARE(chatDisconnected.size(), 1);
    QCOMPARE(chatDisconnected.at(0).at(0).toString(), u"io server disconnect"_s);
    QVERIFY(!QTest::qWaitFor([&] { return !reconnecting.isEmpty() || chat->isConnected(); }, 200));
    QCOMPARE(chat->state(), EventClient::State::Disconnected);
    QCOMPARE(rootDisconnected.size(), 0);
    QVERIFY(root->isConnected());
    QCOMPARE(manager.connectionId(), connection);
    QList<Arguments> acks;
    root->send(u"echo"_s, { 5 }, [&](const AckResult &r) { acks.append(r.args); });
    QTRY_COMPARE(acks.size(), 1);

    // It can join again over the same connection.
    chat->open();
    QTRY_VERIFY(chat->isConnected());
    QCOMPARE(manager.connectionId(), connection);
    QCOMPARE(server.connections().size(), 1);
}

void tst_ClientManager::socketIsMadeOnce()
{
    ClientManager manager;
    EventClient *a = manager.socket(u"/chat"_s);
    QCOMPARE(manager.socket(u"/chat"_s), a);
    QCOMPARE(manager.socket(QString()), manager.socket(u"/"_s));
    QCOMPARE(manager.sockets().size(), 2);
    delete a; // a socket the program deletes leaves its manager
    QCOMPARE(manager.sockets().size(), 1);
    QCOMPARE(manager.state(), ClientManager::State::Closed);
}

QTEST_GUILESS_MAIN(tst_ClientManager)
#include "tst_clientmanager.moc"
