#include "monitorwindow.h"
#include "clientwindow.h"
#include <text.h>

#include "connectionsview.h"
#include "detailspane.h"
#include "emitpanel.h"
#include "eventlogview.h"
#include "framesview.h"
#include "handshakeinspector.h"
#include "handshakewalkthrough.h"
#include "plainemitpanel.h"
#include "ratechart.h"
#include "roomsview.h"
#include "rulespanel.h"
#include "socketpanel.h"

#include <connection.h>
#include <connectionsmodel.h>
#include <eventlogmodel.h>
#include <eventrate.h>
#include <eventserver.h>
#include <framesmodel.h>
#include <handshakelogmodel.h>
#include <namespace.h>
#include <roomsmodel.h>
#include <rules.h>
#include <rulesmodel.h>
#include <secrets.h>
#include <socket.h>
#include <sockscopeversion.h>

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QIcon>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QShortcut>
#include <QStatusBar>
#include <QTabWidget>

#include <optional>

using namespace Qt::StringLiterals;
using Sockscope::Text::count;

namespace Sockscope {

namespace {

// 2: the rooms and socket docks; 3: the layout that fits 1280x720 (an older state is dropped)
constexpr int LayoutVersion = 3;
// Room left for a window manager's frame around a first window, whose size is not known
// before the window is shown.
constexpr QSize FrameAllowance(16, 40);

// A panel taller or wider than its dock scrolls instead of pushing the other docks away.
QScrollArea *scrollable(QWidget *panel)
{
    auto *area = new QScrollArea;
    area->setObjectName(panel->objectName().isEmpty() ? QString()
                                                      : panel->objectName() + u"Scroll"_s);
    area->setWidget(panel);
    area->setWidgetResizable(true);
    area->setFrameShape(QFrame::NoFrame);
    return area;
}

QDockWidget *makeDock(const QString &title, const QString &name, QWidget *content,
                      QMainWindow *window)
{
    auto *dock = new QDockWidget(title, window);
    dock->setObjectName(name);
    dock->setWidget(content);
    return dock;
}

} // namespace

MonitorWindow::MonitorWindow(QWidget *parent) : QMainWindow(parent)
{
    setWindowTitle(tr("Sockscope"));
    setObjectName(u"monitorWindow"_s);
    setWindowIcon(QIcon(u":/sockscope/sockscope.png"_s));

    m_server = new EventServer(this);
    m_connections = new ConnectionsModel(this);
    m_connections->setServer(m_server);
    m_log = new EventLogModel(this);
    m_log->setServer(m_server);
    m_handshakes = new HandshakeLogModel(this);
    m_handshakes->setServer(m_server);
    m_rate = new EventRate(this);
    m_rate->setServer(m_server);
    m_rulesModel = new RulesModel(this);
    m_frames = new FramesModel(this);
    m_frames->setServer(m_server);
    m_roomsModel = new RoomsModel(this);
    m_roomsModel->setServer(m_server);

    m_logView = new EventLogView(m_log, this);
    setCentralWidget(m_logView);
    buildDocks();
    buildMenus();

    m_statusServer = new QLabel(this);
    m_statusServer->setObjectName(u"statusServer"_s);
    m_statusCounts = new QLabel(this);
    m_statusCounts->setObjectName(u"statusCounts"_s);
    m_statusRate = new QLabel(this);
    m_statusRate->setObjectName(u"statusRate"_s);
    statusBar()->addWidget(m_statusServer, 1);
    statusBar()->addPermanentWidget(m_statusCounts);
    statusBar()->addPermanentWidget(m_statusRate);

    connect(m_serverPanel, &ServerControlPanel::startRequested, this,
            [this] { startServer(); });
    connect(m_serverPanel, &ServerControlPanel::stopRequested, this, &MonitorWindow::stopServer);
    connect(m_server, &EventServer::listeningChanged, this, [this](bool listening) {
        m_serverPanel->setListening(listening, serverUrl());
        setWindowTitle(listening ? tr("Sockscope — %1").arg(serverUrl()) : tr("Sockscope"));
        updateStatus();
    });
    connect(m_server, &EventServer::statsChanged, this,
            [this] { m_serverPanel->setStats(m_server->stats()); });
    m_serverPanel->setStats(m_server->stats());
    connect(m_connections, &QAbstractItemModel::rowsInserted, this, &MonitorWindow::updateStatus);
    connect(m_connections, &QAbstractItemModel::rowsRemoved, this, &MonitorWindow::updateStatus);
    connect(m_rate, &EventRate::sampled, this, &MonitorWindow::updateStatus);
    // Volatile drops are counted without statsChanged() (they come with events): the
    // once-a-second sample shows them.
    connect(m_rate, &EventRate::sampled, this,
            [this] { m_serverPanel->setStats(m_server->stats()); });
    connect(m_logView, &EventLogView::currentEntryChanged, this, &MonitorWindow::showEntry);
    connect(m_connectionsView, &ConnectionsView::selectionChanged, this,
            &MonitorWindow::onSocketSelection);
    connect(m_roomsView, &RoomsView::nodeSelected, this, &MonitorWindow::onRoomsNode);
    connect(m_connectionsView, &ConnectionsView::scopeCleared, m_roomsView,
            &RoomsView::clearSelection);
    connect(m_connectionsView, &ConnectionsView::joinRoomRequested, this, [this] {
        m_socketDock->show();
        m_socketDock->raise();
        m_socketPanel->focusRoomName();
    });
    connect(m_log, &EventLogModel::eventNamesChanged, this,
            [this] { m_emit->setEventNames(m_log->eventNames()); });
    // A socket joining a namespace declared elsewhere (rules, code) shows in the pickers.
    connect(m_server, &EventServer::socketConnected, this, [this](Socket *s) {
        m_logView->setNamespaces({ s->namespaceName() });
    });

    restoreLayout();
    // The settings of the last start; the command line overrides them (setServerSettings()).
    m_serverPanel->setSettings(rememberedServerSettings(ServerSettings {}));
    m_serverPanel->setListening(false);
    updateStatus();
}

MonitorWindow::~MonitorWindow()
{
    // The models stop listening before the server goes.
    m_connections->setServer(nullptr);
    m_log->setServer(nullptr);
    m_handshakes->setServer(nullptr);
    m_rate->setServer(nullptr);
    m_frames->setServer(nullptr);
    m_roomsModel->setServer(nullptr);
    m_socketPanel->setServer(nullptr);
    // So do the window's own handlers: the server is deleted with the children, after this
    // body, and its close() emits listeningChanged into a window that is only a QWidget by
    // then (UBSan in scripts/sanitize.sh).
    disconnect(m_server, nullptr, this, nullptr);
}

void MonitorWindow::buildDocks()
{
    setDockOptions(AnimatedDocks | AllowTabbedDocks | AllowNestedDocks);

    m_serverPanel = new ServerControlPanel(this);
    m_serverDock = makeDock(tr("Server"), u"serverDock"_s, scrollable(m_serverPanel), this);

    m_chart = new RateChart(m_rate, this);
    m_rateDock = makeDock(tr("Events per second"), u"rateDock"_s, m_chart, this);

    m_connectionsView = new ConnectionsView(m_connections, this);
    m_socketsDock = makeDock(tr("Sockets"), u"socketsDock"_s, m_connectionsView, this);

    m_roomsView = new RoomsView(m_roomsModel, this);
    m_roomsDock = makeDock(tr("Namespaces and rooms"), u"roomsDock"_s, m_roomsView, this);

    m_socketPanel = new SocketPanel(this);
    m_socketPanel->setServer(m_server);
    m_socketDock = makeDock(tr("Socket"), u"socketDock"_s, scrollable(m_socketPanel), this);

    m_framesView = new FramesView(m_frames, this);
    m_framesDock = makeDock(tr("Frames (plain WebSocket)"), u"framesDock"_s, m_framesView, this);

    m_details = new DetailsPane(this);
    m_detailsDock = makeDock(tr("Details"), u"detailsDock"_s, m_details, this);

    m_emit = new EmitPanel(this);
    m_emit->setServer(m_server);
    // Socket.IO events in one tab, plain WebSocket messages, pings and closes in the other.
    m_plainEmit = new PlainEmitPanel(this);
    m_plainEmit->setServer(m_server);
    auto *emitTabs = new QTabWidget(this);
    emitTabs->setObjectName(u"emitTabs"_s);
    emitTabs->addTab(scrollable(m_emit), tr("Socket.IO"));
    emitTabs->addTab(scrollable(m_plainEmit), tr("Plain WebSocket"));
    m_emitDock = makeDock(tr("Emit"), u"emitDock"_s, emitTabs, this);

    m_inspector = new HandshakeInspector(m_handshakes, this);
    m_handshakeDock = makeDock(tr("Handshake"), u"handshakeDock"_s, scrollable(m_inspector), this);

    m_rulesPanel = new RulesPanel(m_rulesModel, this);
    m_rulesDock = makeDock(tr("Rules"), u"rulesDock"_s, scrollable(m_rulesPanel), this);
    connect(m_rulesPanel, &RulesPanel::applyRequested, this, &MonitorWindow::applyRules);
    connect(m_inspector, &HandshakeInspector::walkthroughRequested, this,
            [this](int row) { openWalkthrough(row); });
    // A rules file loaded or saved in the panel is the server's rules file from now on, and
    // the one the next run starts with.
    connect(m_rulesPanel, &RulesPanel::fileChanged, this, [this](const QString &path) {
        ServerSettings s = m_serverPanel->settings();
        if (s.rulesFile != path) {
            s.rulesFile = path;
            m_serverPanel->setSettings(s);
        }
        rememberRulesFile(path);
    });

    m_docks = {m_serverDock, m_rateDock,    m_socketsDock, m_roomsDock,     m_socketDock,
               m_framesDock, m_detailsDock, m_emitDock,    m_handshakeDock, m_rulesDock};
    // The left column takes the full height; the bottom row runs from it to the right edge.
    setCorner(Qt::TopLeftCorner, Qt::LeftDockWidgetArea);
    setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
    setCorner(Qt::TopRightCorner, Qt::RightDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::BottomDockWidgetArea);
    placeFirstWindow();
    setWorkspace(Workspace::Monitor);
}

void MonitorWindow::placeFirstWindow()
{
    const QScreen *s = screen();
    const QRect available = s ? s->availableGeometry() : QRect(0, 0, 1280, 720);
    const QSize size = QSize(1440, 900).boundedTo(available.size() - FrameAllowance);
    resize(size);
    move(available.x() + (available.width() - size.width() - FrameAllowance.width()) / 2,
         available.y() + (available.height() - size.height() - FrameAllowance.height()) / 2);
}

QList<QDockWidget *> MonitorWindow::workspaceDocks(Workspace workspace) const
{
    switch (workspace) {
    case Workspace::Monitor:
        break;
    case Workspace::HandshakeDemo:
        return {m_serverDock, m_socketsDock, m_handshakeDock};
    case Workspace::Debugging:
        return {m_socketsDock, m_socketDock, m_framesDock, m_detailsDock, m_emitDock};
    }
    return m_docks;
}

void MonitorWindow::setWorkspace(Workspace workspace)
{
    for (QDockWidget *d : std::as_const(m_docks)) {
        d->setFloating(false);
        removeDockWidget(d);
    }
    const int w = width();
    const int h = height();
    // The handshake demo's inspector takes the right side from top to bottom.
    setCorner(Qt::BottomRightCorner,
              workspace == Workspace::HandshakeDemo ? Qt::RightDockWidgetArea
                                                    : Qt::BottomDockWidgetArea);
    // Every dock gets a place, shown or not, so that showing it later puts it there.
    addDockWidget(Qt::LeftDockWidgetArea, m_serverDock);
    addDockWidget(Qt::LeftDockWidgetArea, m_rateDock, Qt::Vertical);
    addDockWidget(Qt::BottomDockWidgetArea, m_roomsDock);
    splitDockWidget(m_roomsDock, m_socketsDock, Qt::Horizontal);
    addDockWidget(Qt::RightDockWidgetArea, m_detailsDock);
    switch (workspace) {
    case Workspace::Monitor:
    case Workspace::HandshakeDemo:
        splitDockWidget(m_socketsDock, m_socketDock, Qt::Horizontal);
        tabifyDockWidget(m_socketsDock, m_framesDock);
        tabifyDockWidget(m_detailsDock, m_emitDock);
        tabifyDockWidget(m_emitDock, m_handshakeDock);
        tabifyDockWidget(m_handshakeDock, m_rulesDock);
        break;
    case Workspace::Debugging:
        splitDockWidget(m_socketsDock, m_framesDock, Qt::Horizontal);
        splitDockWidget(m_framesDock, m_socketDock, Qt::Horizontal);
        splitDockWidget(m_detailsDock, m_emitDock, Qt::Vertical);
        tabifyDockWidget(m_emitDock, m_rulesDock);
        tabifyDockWidget(m_rulesDock, m_handshakeDock);
        break;
    }
    const QList<QDockWidget *> shown = workspaceDocks(workspace);
    for (QDockWidget *d : std::as_const(m_docks))
        d->setVisible(shown.contains(d));
    m_socketsDock->raise();

    switch (workspace) {
    case Workspace::Monitor: {
        m_detailsDock->raise();
        // The server panel's fields whole, where the screen allows.
        const int left = qMin(qMax(w / 5, m_serverPanel->minimumSizeHint().width() + 24), 360);
        resizeDocks({m_serverDock, m_detailsDock}, {left, qBound(280, w * 24 / 100, 560)},
                    Qt::Horizontal);
        resizeDocks({m_serverDock, m_rateDock}, {h - 130, 130}, Qt::Vertical);
        resizeDocks({m_socketsDock}, {qBound(170, h * 30 / 100, 360)}, Qt::Vertical);
        const int row = w - left;
        resizeDocks({m_roomsDock, m_socketsDock, m_socketDock},
                    {qMax(row * 18 / 100, 170), row * 56 / 100, row * 26 / 100}, Qt::Horizontal);
        break;
    }
    case Workspace::HandshakeDemo:
        m_handshakeDock->raise();
        resizeDocks({m_serverDock, m_handshakeDock}, {qBound(220, w / 6, 300), w * 50 / 100},
                    Qt::Horizontal);
        resizeDocks({m_socketsDock}, {qBound(150, h * 22 / 100, 300)}, Qt::Vertical);
        break;
    case Workspace::Debugging: {
        m_emitDock->raise();
        resizeDocks({m_detailsDock}, {w * 30 / 100}, Qt::Horizontal);
        resizeDocks({m_detailsDock, m_emitDock}, {h / 2, h / 2}, Qt::Vertical);
        resizeDocks({m_socketsDock}, {h * 38 / 100}, Qt::Vertical);
        resizeDocks({m_socketsDock, m_framesDock, m_socketDock},
                    {w * 45 / 100, w * 30 / 100, w * 25 / 100}, Qt::Horizontal);
        break;
    }
    }
}

void MonitorWindow::resetLayout()
{
    placeFirstWindow();
    setWorkspace(Workspace::Monitor);
}

QKeySequence MonitorWindow::dockShortcut(int index)
{
    if (index < 0)
        return {};
    if (index < 9)
        return QKeySequence(Qt::ALT | Qt::Key(Qt::Key_1 + index));
    if (index == 9)
        return QKeySequence(Qt::ALT | Qt::Key_0);
    if (index < 19)
        return QKeySequence(Qt::ALT | Qt::SHIFT | Qt::Key(Qt::Key_1 + index - 10));
    return {};
}

void MonitorWindow::toggleDock(QDockWidget *dock)
{
    if (!dock->toggleViewAction()->isChecked()) { // closed
        dock->show();
        dock->raise();
    } else if (!dock->isFloating() && dock->visibleRegion().isEmpty()) {
        // Behind another dock's tab (Qt keeps it "visible", moved out of the window).
        dock->raise();
    } else {
        dock->close();
    }
}

void MonitorWindow::buildMenus()
{
    auto named = [](QAction *action, const QString &name, const QKeySequence &key,
                    const QString &tip) {
        action->setObjectName(name);
        if (!key.isEmpty())
            action->setShortcut(key);
        action->setStatusTip(tip);
        action->setToolTip(tip);
        return action;
    };
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *exportLog = named(file->addAction(tr("&Export log…")), u"actionExportLog"_s,
                               QKeySequence(Qt::CTRL | Qt::Key_E),
                               tr("Write the rows the log shows as JSON lines"));
    connect(exportLog, &QAction::triggered, m_logView, &EventLogView::exportInteractive);
    QAction *openClient = named(file->addAction(tr("Open &client…")), u"openClient"_s,
                                QKeySequence::New,
                                tr("A client window connected to this server"));
    connect(openClient, &QAction::triggered, this, [this] { openClientWindow(); });
    file->addSeparator();
    QAction *quit = named(file->addAction(tr("&Quit")), u"actionQuit"_s, QKeySequence::Quit,
                          tr("Stop the server and close the window"));
    connect(quit, &QAction::triggered, this, &QWidget::close);

    QMenu *server = menuBar()->addMenu(tr("&Server"));
    QAction *start = named(server->addAction(tr("&Start")), u"actionStart"_s,
                           QKeySequence(Qt::Key_F5), tr("Start the server with the settings shown"));
    connect(start, &QAction::triggered, this, [this] { startServer(); });
    QAction *stop = named(server->addAction(tr("S&top")), u"actionStop"_s,
                          QKeySequence(Qt::SHIFT | Qt::Key_F5),
                          tr("Stop the server (every client is disconnected)"));
    connect(stop, &QAction::triggered, this, &MonitorWindow::stopServer);
    connect(m_server, &EventServer::listeningChanged, this, [start, stop](bool listening) {
        start->setEnabled(!listening);
        stop->setEnabled(listening);
    });
    stop->setEnabled(false);

    QMenu *log = menuBar()->addMenu(tr("&Log"));
    QAction *pause = named(log->addAction(tr("&Pause")), u"actionPause"_s,
                           QKeySequence(Qt::CTRL | Qt::Key_P),
                           tr("Stop logging events (the server keeps running)"));
    pause->setCheckable(true);
    connect(pause, &QAction::toggled, m_log, &EventLogModel::setPaused);
    connect(m_log, &EventLogModel::pausedChanged, pause, &QAction::setChecked);
    QAction *clear = named(log->addAction(tr("&Clear")), u"actionClear"_s,
                           QKeySequence(Qt::CTRL | Qt::Key_L), tr("Remove every log entry"));
    connect(clear, &QAction::triggered, m_log, &EventLogModel::clear);
    QAction *follow = named(log->addAction(tr("&Follow")), u"actionFollow"_s,
                            QKeySequence(Qt::CTRL | Qt::Key_End),
                            tr("Keep the newest entry in view"));
    follow->setCheckable(true);
    follow->setChecked(m_logView->isFollowing());
    connect(follow, &QAction::toggled, m_logView, &EventLogView::setFollowing);
    QAction *find = named(log->addAction(tr("F&ilter…")), u"actionFilter"_s, QKeySequence::Find,
                          tr("Type text or a regular expression to find in the arguments"));
    connect(find, &QAction::triggered, this, [this] {
        if (auto *box = m_logView->findChild<QLineEdit *>(u"logTextFilter"_s)) {
            box->setFocus(Qt::ShortcutFocusReason);
            box->selectAll();
        }
    });

    // Ctrl+Return sends from anywhere in the emit panel (Return alone is a new line in the
    // arguments).
    auto *sendKey = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return), m_emit);
    sendKey->setContext(Qt::WidgetWithChildrenShortcut);
    connect(sendKey, &QShortcut::activated, m_emit, [this] { m_emit->send(); });

    QMenu *view = menuBar()->addMenu(tr("&View"));
    for (qsizetype i = 0; i < m_docks.size(); ++i) {
        QDockWidget *d = m_docks.at(i);
        // Not the dock's own toggle action: that one hides a dock that is behind a tab.
        QAction *toggle = named(
                view->addAction(d->windowTitle()), u"actionDock_"_s + d->objectName(),
                dockShortcut(int(i)),
                tr("Show the %1 dock, bring it to the front, or hide it").arg(d->windowTitle()));
        toggle->setCheckable(true);
        toggle->setChecked(d->toggleViewAction()->isChecked());
        connect(d->toggleViewAction(), &QAction::toggled, toggle, &QAction::setChecked);
        connect(toggle, &QAction::triggered, this, [this, d, toggle] {
            toggleDock(d);
            toggle->setChecked(d->toggleViewAction()->isChecked());
        });
    }
    view->addSeparator();
    QAction *walk = named(view->addAction(tr("Handshake &walk-through…")), u"actionWalkthrough"_s,
                          QKeySequence(Qt::Key_F11),
                          tr("The handshake shown in the inspector, step by step in large type"));
    connect(walk, &QAction::triggered, this,
            [this] { openWalkthrough(m_inspector->currentRow()); });
    QMenu *workspaces = view->addMenu(tr("&Workspace"));
    workspaces->setObjectName(u"menuWorkspace"_s);
    const struct
    {
        Workspace workspace;
        QString text;
        QString name;
        QString tip;
    } spaces[] = {
            {Workspace::Monitor, tr("&Monitor"), u"actionWorkspaceMonitor"_s,
             tr("Every dock: the event log in the middle, the sockets along the bottom")},
            {Workspace::HandshakeDemo, tr("&Handshake demo"), u"actionWorkspaceHandshake"_s,
             tr("The handshake inspector given the room, with the server and the sockets")},
            {Workspace::Debugging, tr("&Debugging"), u"actionWorkspaceDebugging"_s,
             tr("Sockets, plain WebSocket frames, the socket, details and emit")},
    };
    int key = 0;
    for (const auto &space : spaces) {
        QAction *a
                = named(workspaces->addAction(space.text), space.name,
                        QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key(Qt::Key_1 + key++)), space.tip);
        const Workspace w = space.workspace;
        connect(a, &QAction::triggered, this, [this, w] { setWorkspace(w); });
    }
    QAction *reset = named(view->addAction(tr("&Reset layout")), u"actionResetLayout"_s,
                           QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_0),
                           tr("Every dock back where it started, and the window its first size"));
    connect(reset, &QAction::triggered, this, &MonitorWindow::resetLayout);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *about = named(help->addAction(tr("&About Sockscope")), u"actionAbout"_s,
                           {}, tr("Version and what Sockscope is for"));
    connect(about, &QAction::triggered, this, &MonitorWindow::showAbout);
    connect(help->addAction(tr("About &Qt")), &QAction::triggered, qApp, &QApplication::aboutQt);
}

void MonitorWindow::showAbout()
{
    QMessageBox box(this);
    box.setWindowTitle(tr("About Sockscope"));
    box.setIconPixmap(QIcon(u":/sockscope/sockscope.png"_s).pixmap(96, 96));
    box.setText(
            tr("<h3>Sockscope %1</h3>"
               "<p>A Socket.IO (Engine.IO v4, Socket.IO v5) server and monitor for Qt.</p>"
               "<p>Watch every connection, event, ack and handshake; send events to chosen "
               "sockets; see how <code>Sec-WebSocket-Accept</code> is computed.</p>"
               "<p>Built with Qt %2.</p>")
                    .arg(QString::fromLatin1(SOCKSCOPE_VERSION_STR), QString::fromLatin1(qVersion())));
    box.exec();
}

void MonitorWindow::setServerSettings(const ServerSettings &settings)
{
    m_serverPanel->setSettings(settings);
}

ServerSettings MonitorWindow::serverSettings() const
{
    return m_serverPanel->settings();
}

bool MonitorWindow::startServer()
{
    auto fail = [this](const QString &message) {
        m_serverPanel->setError(message);
        statusBar()->showMessage(message, 10000);
        updateStatus();
        return false;
    };
    const ServerSettings s = m_serverPanel->settings();
    const QHostAddress address(s.bind);
    if (address.isNull())
        return fail(tr("Bind address: \"%1\" is not an IP address").arg(s.bind));
    const QString invalid = s.options.validate();
    if (!invalid.isEmpty())
        return fail(invalid);
    // A rules file named in the panel is (re)loaded into the rules panel, which is what
    // gets installed.
    QString error;
    if (!s.rulesFile.isEmpty() && s.rulesFile != m_rulesModel->filePath()
        && !m_rulesModel->load(s.rulesFile, &error))
        return fail(error);
    RuleSet rules;
    if (!m_rulesModel->ruleSet(&rules, &error))
        return fail(error);

    if (m_server->isListening())
        m_server->close();
    for (const auto &c : std::as_const(m_rules))
        disconnect(c);
    m_rules.clear();
    ServerOptions options = s.options;
    if (options.handshakePackets == 0) // what the walk-through shows after a handshake
        options.handshakePackets = 8;
    m_server->setOptions(options);
    if (!m_server->listen(address, quint16(s.port)))
        return fail(m_server->errorString());
    m_rules = rules.install(m_server);
    refreshNamespaces();
    rememberServerSettings(s);
    m_serverPanel->setError({});
    m_serverPanel->setListening(true, serverUrl());
    statusBar()->clearMessage();
    updateStatus();
    return true;
}

bool MonitorWindow::applyRules()
{
    RuleSet rules;
    QString error;
    if (!m_rulesModel->ruleSet(&rules, &error)) {
        statusBar()->showMessage(error, 10000);
        return false;
    }
    for (const auto &c : std::as_const(m_rules))
        disconnect(c);
    m_rules.clear();
    if (m_server->isListening()) {
        m_rules = rules.install(m_server);
        refreshNamespaces();
        statusBar()->showMessage(tr("Rules applied: %1 of %2 on")
                                         .arg(rules.rules.size())
                                         .arg(m_rulesModel->rowCount()),
                                 5000);
    }
    return true;
}

void MonitorWindow::stopServer()
{
    for (const auto &c : std::as_const(m_rules))
        disconnect(c);
    m_rules.clear();
    m_server->close();
    m_serverPanel->setListening(false);
    updateStatus();
}

QString MonitorWindow::serverUrl() const
{
    if (!m_server->isListening())
        return {};
    QHostAddress a = m_server->serverAddress();
    if (a == QHostAddress::AnyIPv4 || a == QHostAddress::Any)
        a = QHostAddress::LocalHost;
    else if (a == QHostAddress::AnyIPv6)
        a = QHostAddress::LocalHostIPv6;
    QString host = a.toString();
    if (a.protocol() == QAbstractSocket::IPv6Protocol)
        host = u'[' + host + u']';
    const QString scheme = m_server->options().tls.isNull() ? u"http"_s : u"https"_s;
    return u"%1://%2:%3"_s.arg(scheme, host).arg(m_server->serverPort());
}

void MonitorWindow::refreshNamespaces()
{
    QStringList names;
    const auto namespaces = m_server->namespaces();
    for (Namespace *ns : namespaces)
        names.append(ns->name());
    names.sort();
    m_logView->setNamespaces(names);
    m_emit->refreshNamespaces();
    m_roomsModel->refresh();
}

QString MonitorWindow::statusText() const
{
    return m_statusServer->text() + u" · "_s + m_statusCounts->text() + u" · "_s
            + m_statusRate->text();
}

void MonitorWindow::updateStatus()
{
    m_statusServer->setText(m_server->isListening() ? tr("Listening on %1").arg(serverUrl())
                                                    : tr("Stopped"));
    m_statusCounts->setText(count(m_connections->rowCount(), tr("socket"), tr("sockets")) + u" · "_s
                            + count(int(m_server->connections().size()), tr("connection"),
                                    tr("connections")));
    const double rate = m_rate->current();
    m_statusRate->setText(tr("%1 events/s").arg(rate, 0, 'f', rate < 10 ? 1 : 0));
}

void MonitorWindow::showEntry(int sourceRow)
{
    if (sourceRow < 0 || sourceRow >= m_log->rowCount()) {
        m_details->clear();
        return;
    }
    const EventLogEntry &e = m_log->entry(sourceRow);
    QString what;
    switch (e.kind) {
    case EventLogEntry::Kind::Event:
        what = e.offset.isEmpty() ? tr("event \"%1\"").arg(e.event)
                                  : tr("event \"%1\" · offset %2").arg(e.event, e.offset);
        break;
    case EventLogEntry::Kind::AckReply:
        what = tr("ack #%1 reply to \"%2\"").arg(e.ackId).arg(e.event);
        break;
    case EventLogEntry::Kind::AckTimeout:
        what = tr("ack #%1 timeout of \"%2\"").arg(e.ackId).arg(e.event);
        break;
    case EventLogEntry::Kind::PlainMessage:
        what = tr("plain message %1").arg(e.event);
        break;
    case EventLogEntry::Kind::PlainClose:
        what = tr("plain connection %1").arg(e.event);
        break;
    case EventLogEntry::Kind::Disconnect:
        what = e.event;
        break;
    }
    const QString title = tr("%1 · %2 · %3 · socket %4")
                                  .arg(e.direction == EventLogEntry::Direction::In ? tr("in")
                                                                                    : tr("out"),
                                       what, e.nsp, e.socketId);
    m_details->showArguments(title, EventLogModel::argsOf(e));
}

void MonitorWindow::onRoomsNode(const QString &nsp, const QString &room)
{
    m_connectionsView->setScope(nsp, room);
    if (nsp.isEmpty())
        return;
    // Aim the emit panel at the node: its namespace, or the room in it.
    m_emit->setTarget(room.isEmpty() ? EmitPanel::Target::Namespace : EmitPanel::Target::Rooms);
    m_emit->setNamespace(nsp);
    m_emit->setRooms(room);
    if (!room.isEmpty())
        m_socketPanel->setRoomName(room);
}

void MonitorWindow::onSocketSelection(const QStringList &ids)
{
    m_emit->setSelectedSockets(ids);
    m_socketPanel->setSelectedSockets(ids);
    m_plainEmit->setSelectedConnections(ids);
    if (ids.size() == 1) {
        const int row = m_connections->rowOf(ids.first());
        if (row >= 0)
            m_inspector->showConnection(m_connections->row(row).connectionId);
    }
}

void MonitorWindow::saveLayout() const
{
    QSettings settings;
    settings.setValue(u"monitor/geometry"_s, saveGeometry());
    settings.setValue(u"monitor/state"_s, saveState(LayoutVersion));
}

void MonitorWindow::restoreLayout()
{
    QSettings settings;
    const QByteArray geometry = settings.value(u"monitor/geometry"_s).toByteArray();
    // restoreGeometry() keeps a window saved on a larger screen inside this one.
    if (geometry.isEmpty() || !restoreGeometry(geometry))
        placeFirstWindow();
    const QByteArray state = settings.value(u"monitor/state"_s).toByteArray();
    if (!state.isEmpty())
        restoreState(state, LayoutVersion);
}

void MonitorWindow::closeEvent(QCloseEvent *event)
{
    saveLayout();
    QMainWindow::closeEvent(event);
}

HandshakeWalkthrough *MonitorWindow::openWalkthrough(int handshakeRow)
{
    if (!m_walkthrough) {
        m_walkthrough = new HandshakeWalkthrough(this); // a window of its own
        m_walkthrough->setWindowFlag(Qt::Window);
        m_walkthrough->setAttribute(Qt::WA_DeleteOnClose);
    }
    QList<WalkthroughStep> steps;
    if (handshakeRow >= 0 && handshakeRow < m_handshakes->rowCount()) {
        HandshakeRecord record = m_handshakes->record(handshakeRow);
        std::optional<HandshakeRecord> upgrade;
        // The record as the connection keeps it now: with the packets that followed.
        if (Connection *c = m_server->connection(record.connectionId)) {
            HandshakeRecord first = c->handshake();
            if (!first.isUpgrade && record.isUpgrade)
                upgrade = record; // the WebSocket upgrade of a polling session
            else if (!first.isUpgrade) {
                const int last = m_handshakes->rowOfConnection(record.connectionId);
                if (last >= 0 && m_handshakes->record(last).isUpgrade)
                    upgrade = m_handshakes->record(last);
            }
            record = first;
        }
        if (!m_inspector->secretsRevealed()) {
            record = Secrets::redact(record);
            if (upgrade)
                upgrade = Secrets::redact(*upgrade);
        }
        steps = walkthroughSteps(record, upgrade ? &*upgrade : nullptr);
    }
    m_walkthrough->setSteps(steps);
    // The window's size and place: a presentation fills it.
    m_walkthrough->setGeometry(geometry());
    m_walkthrough->show();
    m_walkthrough->raise();
    m_walkthrough->activateWindow();
    return m_walkthrough;
}

HandshakeWalkthrough *MonitorWindow::walkthrough() const { return m_walkthrough; }

ClientWindow *MonitorWindow::openClientWindow()
{
    if (!m_clientWindow) {
        m_clientWindow = new ClientWindow(this); // a window of its own, deleted when closed
        m_clientWindow->setWindowFlag(Qt::Window);
        m_clientWindow->setAttribute(Qt::WA_DeleteOnClose);
        m_clientWindow->setDefaultUrl(m_server && m_server->isListening()
                                              ? serverUrl()
                                              : m_serverPanel->url());
        m_clientWindow->addClient();
    }
    m_clientWindow->show();
    m_clientWindow->raise();
    m_clientWindow->activateWindow();
    return m_clientWindow;
}

} // namespace Sockscope
