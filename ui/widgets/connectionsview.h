// Sockscope: the sockets table with a filter box.
#pragma once

#include <QTimer>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QLabel;
class QLineEdit;
class QMenu;
class QPushButton;
class QSortFilterProxyModel;
class QTreeView;
QT_END_NAMESPACE

namespace Sockscope {

class ConnectionsModel;
class ScopeFilterProxy;

/*
    Shows a ConnectionsModel sorted by any column (raw values) and filtered by the text typed
    in the filter box (debounced) over every column.
*/
class ConnectionsView : public QWidget
{
    Q_OBJECT
public:
    explicit ConnectionsView(ConnectionsModel *model, QWidget *parent = nullptr);

    QTreeView *view() const { return m_view; }
    QSortFilterProxyModel *proxy() const;
    ConnectionsModel *model() const { return m_model; }

    QStringList selectedSocketIds() const;
    QString currentConnectionId() const;
    void setFilterText(const QString &text); // applied after the debounce
    void selectSocket(const QString &socketId);
    // Shows only the sockets of a namespace, or the members of one of its rooms (besides the
    // filter text); empty nsp shows all again.
    void setScope(const QString &nsp, const QString &room = {});
    QString scopeNamespace() const;
    QString scopeRoom() const;
    // The context menu for the selected sockets: Disconnect, Join a room…, and Leave for each
    // room one of them is in. The caller owns it.
    QMenu *createContextMenu(QWidget *parent);

Q_SIGNALS:
    void selectionChanged(const QStringList &socketIds);
    void scopeCleared(); // "Show all" was clicked
    void joinRoomRequested(); // "Join a room…" in the context menu

private:
    void updateCount();
    void disconnectSelected();

    ConnectionsModel *m_model = nullptr;
    ScopeFilterProxy *m_proxy = nullptr;
    QTreeView *m_view = nullptr;
    QLineEdit *m_filter = nullptr;
    QLabel *m_count = nullptr;
    QWidget *m_scopeBar = nullptr;
    QLabel *m_scopeLabel = nullptr;
    QPushButton *m_disconnect = nullptr;
    QTimer m_debounce;
};

} // namespace Sockscope
