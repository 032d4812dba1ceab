// Sockscope: the monitor window.
#pragma once

#include "servercontrolpanel.h"

#include <QMainWindow>
#include <QPointer>

QT_BEGIN_NAMESPACE
class QAction;
class QDockWidget;
class QLabel;
QT_END_NAMESPACE

namespace Sockscope {

class ClientWindow;
class ConnectionsModel;
class ConnectionsView;
class DetailsPane;
class EmitPanel;
class EventLogModel;
class EventLogView;
class EventRate;
class EventServer;
class FramesModel;
class FramesView;
class HandshakeInspector;
class HandshakeLogModel;
class HandshakeWalkthrough;
class PlainEmitPanel;
class RateChart;
class RoomsModel;
class RoomsView;
class RulesModel;
class RulesPanel;
class SocketPanel;

/*
    A server and everything a person needs to watch it: the event log in the middle, docks
    for the server settings, the namespaces and rooms, the sockets, the selected socket, the
    selected event's details, the emit panel, the handshake inspector and the event rate. The
    layout and the server settings of the last start are kept in QSettings.

    The docks are arranged in workspaces (View > Workspace): Monitor (every dock: the server on
    the left, the sockets along the bottom, Details / Emit / Handshake / Rules as tabs on the
    right), Handshake demo and Debugging. Panels taller than their room scroll, so the
    window's minimum fits a 1280x720 screen; the first window takes at most the screen's
    available geometry, later ones the size the user left.

    The window is one more listener of the server's signals; it never reads wire bytes.
*/
class MonitorWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MonitorWindow(QWidget *parent = nullptr);
    ~MonitorWindow() override;

    void setServerSettings(const ServerSettings &settings);
    ServerSettings serverSettings() const;
    // Starts the server with the panel's settings. A mistake or a busy port is shown in the
    // server panel and the status bar; returns false then.
    bool startServer();
    void stopServer();
    // Installs the rules panel's enabled rules on the server in place of the previous ones.
    bool applyRules();
    QString serverUrl() const;
    // The client window (File > Open client…), its first tab prefilled with the server's URL.
    ClientWindow *openClientWindow();
    // The handshake of this row of the handshake log, step by step, in a window of its own
    // (View > Handshake walk-through, or the inspector's button): the record as the server
    // keeps it now (with the packets that followed), and for a polling session its upgrade.
    HandshakeWalkthrough *openWalkthrough(int handshakeRow);
    HandshakeWalkthrough *walkthrough() const; // the one open, if any

    EventServer *server() const { return m_server; }
    ConnectionsModel *connectionsModel() const { return m_connections; }
    EventLogModel *eventLog() const { return m_log; }
    HandshakeLogModel *handshakeLog() const { return m_handshakes; }
    EventRate *eventRate() const { return m_rate; }
    RulesModel *rulesModel() const { return m_rulesModel; }
    FramesModel *framesModel() const { return m_frames; }
    RoomsModel *roomsModel() const { return m_roomsModel; }

    ServerControlPanel *serverPanel() const { return m_serverPanel; }
    ConnectionsView *connectionsView() const { return m_connectionsView; }
    EventLogView *eventLogView() const { return m_logView; }
    DetailsPane *detailsPane() const { return m_details; }
    EmitPanel *emitPanel() const { return m_emit; }
    HandshakeInspector *handshakeInspector() const { return m_inspector; }
    RulesPanel *rulesPanel() const { return m_rulesPanel; }
    FramesView *framesView() const { return m_framesView; }
    PlainEmitPanel *plainEmitPanel() const { return m_plainEmit; }
    RoomsView *roomsView() const { return m_roomsView; }
    SocketPanel *socketPanel() const { return m_socketPanel; }

    QString statusText() const;

    enum class Workspace {
        Monitor, // every dock; the event log in the middle
        HandshakeDemo, // the handshake inspector given the room, the server and the sockets
        Debugging, // sockets, frames, the socket, details and emit (rules behind it)
    };
    Q_ENUM(Workspace)
    // Rearranges the docks for one use: the workspace's docks shown, the others hidden (each
    // keeps its place, and View or its Alt key brings it back there).
    void setWorkspace(Workspace workspace);
    // The docks a workspace shows, in the order of their View entries.
    QList<QDockWidget *> workspaceDocks(Workspace workspace) const;
    // Every dock, in the order of the View menu and of their Alt keys: Alt+1 … Alt+9, Alt+0,
    // then Alt+Shift+1 … for an eleventh and later.
    QList<QDockWidget *> docks() const { return m_docks; }
    static QKeySequence dockShortcut(int index);
    // The Monitor workspace, and the window at its first-run size and place.
    void resetLayout();

    void saveLayout() const;
    void restoreLayout();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildDocks();
    void buildMenus();
    // The size and place of a first window: at most the screen's available geometry.
    void placeFirstWindow();
    // Shows a hidden dock, brings one behind a tab to the front, or hides one on screen.
    void toggleDock(QDockWidget *dock);
    void updateStatus();
    void showEntry(int sourceRow);
    void onSocketSelection(const QStringList &ids);
    void refreshNamespaces();
    void showAbout();
    void onRoomsNode(const QString &nsp, const QString &room);

    EventServer *m_server = nullptr;
    QPointer<ClientWindow> m_clientWindow;
    QPointer<HandshakeWalkthrough> m_walkthrough;
    ConnectionsModel *m_connections = nullptr;
    EventLogModel *m_log = nullptr;
    HandshakeLogModel *m_handshakes = nullptr;
    EventRate *m_rate = nullptr;
    RulesModel *m_rulesModel = nullptr;
    FramesModel *m_frames = nullptr;
    RoomsModel *m_roomsModel = nullptr;
    QList<QMetaObject::Connection> m_rules;

    ServerControlPanel *m_serverPanel = nullptr;
    ConnectionsView *m_connectionsView = nullptr;
    EventLogView *m_logView = nullptr;
    DetailsPane *m_details = nullptr;
    EmitPanel *m_emit = nullptr;
    HandshakeInspector *m_inspector = nullptr;
    RateChart *m_chart = nullptr;
    RulesPanel *m_rulesPanel = nullptr;
    FramesView *m_framesView = nullptr;
    PlainEmitPanel *m_plainEmit = nullptr;
    RoomsView *m_roomsView = nullptr;
    SocketPanel *m_socketPanel = nullptr;
    QLabel *m_statusServer = nullptr;
    QLabel *m_statusCounts = nullptr;
    QLabel *m_statusRate = nullptr;
    QDockWidget *m_serverDock = nullptr;
    QDockWidget *m_rateDock = nullptr;
    QDockWidget *m_socketsDock = nullptr;
    QDockWidget *m_roomsDock = nullptr;
    QDockWidget *m_socketDock = nullptr;
    QDockWidget *m_framesDock = nullptr;
    QDockWidget *m_detailsDock = nullptr;
    QDockWidget *m_emitDock = nullptr;
    QDockWidget *m_handshakeDock = nullptr;
    QDockWidget *m_rulesDock = nullptr;
    QList<QDockWidget *> m_docks; // in the order of the View menu
};

} // namespace Sockscope
