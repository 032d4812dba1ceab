#include "connectionsview.h"
#include <text.h>

#include <columns.h>
#include <connectionsmodel.h>
#include <plainconnection.h>
#include <socket.h>

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTreeView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;
using Sockscope::Text::count;

namespace Sockscope {

// The filter text over every column, and the scope: a namespace, or a room of it.
class ScopeFilterProxy : public QSortFilterProxyModel
{
public:
    ScopeFilterProxy(ConnectionsModel *model, QObject *parent)
        : QSortFilterProxyModel(parent), m_model(model)
    {
    }

    void setScope(const QString &nsp, const QString &room)
    {
        if (nsp == m_nsp && room == m_room)
            return;
        m_nsp = nsp;
        m_room = room;
        invalidateRowsFilter();
    }
    QString nsp() const { return m_nsp; }
    QString room() const { return m_room; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override
    {
        if (!m_nsp.isEmpty()) {
            const ConnectionsModel::Row &r = m_model->row(sourceRow);
            if (r.plain || r.nsp != m_nsp)
                return false;
            if (!m_room.isEmpty() && !r.rooms.contains(m_room))
                return false;
        }
        return QSortFilterProxyModel::filterAcceptsRow(sourceRow, sourceParent);
    }

private:
    ConnectionsModel *m_model;
    QString m_nsp;
    QString m_room;
};

ConnectionsView::ConnectionsView(ConnectionsModel *model, QWidget *parent)
    : QWidget(parent), m_model(model)
{
    m_proxy = new ScopeFilterProxy(model, this);
    m_proxy->setSourceModel(model);
    m_proxy->setSortRole(SortRole);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setDynamicSortFilter(true);

    m_filter = new QLineEdit(this);
    m_filter->setObjectName(u"socketFilter"_s);
    m_filter->setPlaceholderText(tr("Filter sockets (id, namespace, room, address…)"));
    m_filter->setClearButtonEnabled(true);
    m_debounce.setSingleShot(true);
    m_debounce.setInterval(300);
    connect(m_filter, &QLineEdit::textChanged, &m_debounce, qOverload<>(&QTimer::start));
    connect(&m_debounce, &QTimer::timeout, this, [this] {
        m_proxy->setFilterFixedString(m_filter->text());
        updateCount();
    });
    m_count = new QLabel(this);
    m_scopeBar = new QWidget(this);
    m_scopeLabel = new QLabel(m_scopeBar);
    m_scopeLabel->setObjectName(u"socketScope"_s);
    auto *showAll = new QPushButton(tr("Show all"), m_scopeBar);
    showAll->setObjectName(u"socketScopeClear"_s);
    showAll->setToolTip(tr("Show the sockets of every namespace and room again"));
    connect(showAll, &QPushButton::clicked, this, [this] {
        setScope({});
        Q_EMIT scopeCleared();
    });
    auto *scopeLayout = new QHBoxLayout(m_scopeBar);
    scopeLayout->setContentsMargins(0, 0, 0, 0);
    scopeLayout->addWidget(m_scopeLabel, 1);
    scopeLayout->addWidget(showAll);
    m_scopeBar->hide();
    m_disconnect = new QPushButton(tr("Disconnect"), this);
    m_disconnect->setObjectName(u"socketDisconnect"_s);
    m_disconnect->setToolTip(tr("Disconnect the selected sockets from their namespace"));
    m_disconnect->setEnabled(false);
    connect(m_disconnect, &QPushButton::clicked, this, &ConnectionsView::disconnectSelected);

    m_view = new QTreeView(this);
    m_view->setObjectName(u"socketsView"_s);
    m_view->setModel(m_proxy);
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(int(ConnectionsColumn::ConnectedSince), Qt::AscendingOrder);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setAlternatingRowColors(true);
    m_view->header()->setStretchLastSection(false);
    m_view->header()->resizeSection(int(ConnectionsColumn::Socket), 190);
    m_view->header()->resizeSection(int(ConnectionsColumn::Connection), 190);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        const QStringList ids = selectedSocketIds();
        m_disconnect->setEnabled(!ids.isEmpty());
        Q_EMIT selectionChanged(ids);
    });
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_view, &QWidget::customContextMenuRequested, this, [this](const QPoint &at) {
        if (selectedSocketIds().isEmpty())
            return;
        QMenu *menu = createContextMenu(this);
        menu->setAttribute(Qt::WA_DeleteOnClose);
        menu->popup(m_view->viewport()->mapToGlobal(at));
    });
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, &ConnectionsView::updateCount);
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &ConnectionsView::updateCount);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &ConnectionsView::updateCount);

    auto *top = new QHBoxLayout;
    top->addWidget(m_filter, 1);
    top->addWidget(m_count);
    top->addWidget(m_disconnect);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(top);
    layout->addWidget(m_scopeBar);
    layout->addWidget(m_view, 1);
    updateCount();
}

QStringList ConnectionsView::selectedSocketIds() const
{
    QStringList ids;
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    for (const QModelIndex &i : rows)
        ids.append(i.data(SocketIdRole).toString());
    return ids;
}

QString ConnectionsView::currentConnectionId() const
{
    const QModelIndex i = m_view->currentIndex();
    if (!i.isValid())
        return {};
    return i.siblingAtColumn(int(ConnectionsColumn::Connection)).data(SortRole).toString();
}

void ConnectionsView::setFilterText(const QString &text)
{
    m_filter->setText(text);
}

void ConnectionsView::selectSocket(const QString &socketId)
{
    const int row = m_model->rowOf(socketId);
    if (row < 0)
        return;
    const QModelIndex i = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!i.isValid())
        return;
    m_view->selectionModel()->setCurrentIndex(
            i, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

void ConnectionsView::setScope(const QString &nsp, const QString &room)
{
    m_proxy->setScope(nsp, nsp.isEmpty() ? QString() : room);
    if (nsp.isEmpty())
        m_scopeLabel->clear();
    else if (room.isEmpty())
        m_scopeLabel->setText(tr("Showing the sockets of namespace %1").arg(nsp));
    else
        m_scopeLabel->setText(tr("Showing the members of room \"%1\" in %2").arg(room, nsp));
    m_scopeBar->setVisible(!nsp.isEmpty());
    updateCount();
}

QSortFilterProxyModel *ConnectionsView::proxy() const
{
    return m_proxy;
}

QString ConnectionsView::scopeNamespace() const
{
    return m_proxy->nsp();
}

QString ConnectionsView::scopeRoom() const
{
    return m_proxy->room();
}

QMenu *ConnectionsView::createContextMenu(QWidget *parent)
{
    auto *menu = new QMenu(parent);
    menu->setObjectName(u"socketsMenu"_s);
    QList<Socket *> sockets;
    const QStringList ids = selectedSocketIds();
    for (const QString &id : ids) {
        const int row = m_model->rowOf(id);
        if (row >= 0 && m_model->row(row).socket)
            sockets.append(m_model->row(row).socket);
    }
    QAction *disconnect = menu->addAction(tr("&Disconnect"), this,
                                          &ConnectionsView::disconnectSelected);
    disconnect->setEnabled(!ids.isEmpty());
    menu->addSeparator();
    QAction *join = menu->addAction(tr("&Join a room…"), this,
                                    &ConnectionsView::joinRoomRequested);
    join->setEnabled(!sockets.isEmpty());
    QStringList rooms;
    for (Socket *s : std::as_const(sockets)) {
        const int row = m_model->rowOf(s->id());
        for (const QString &r : m_model->row(row).rooms) {
            if (!rooms.contains(r))
                rooms.append(r);
        }
    }
    rooms.sort();
    for (const QString &room : std::as_const(rooms)) {
        QAction *leave = menu->addAction(tr("Leave \"%1\"").arg(room));
        leave->setObjectName(u"leave:"_s + room);
        connect(leave, &QAction::triggered, this, [this, room] {
            const QStringList ids = selectedSocketIds();
            for (const QString &id : ids) {
                const int row = m_model->rowOf(id);
                if (row >= 0) {
                    if (Socket *s = m_model->row(row).socket)
                        s->leave(room);
                }
            }
        });
    }
    return menu;
}

void ConnectionsView::updateCount()
{
    const int shown = m_proxy->rowCount();
    const int all = m_model->rowCount();
    m_count->setText(shown == all ? count(all, tr("socket"), tr("sockets"))
                                  : tr("%1 of %2").arg(shown).arg(all));
}

void ConnectionsView::disconnectSelected()
{
    const QStringList ids = selectedSocketIds();
    for (const QString &id : ids) {
        const int row = m_model->rowOf(id);
        if (row >= 0) {
            if (Socket *s = m_model->row(row).socket)
                s->close();
            else if (PlainConnection *c = m_model->row(row).plain)
                c->close(1000, tr("Closed from the monitor"));
        }
    }
}

} // namespace Sockscope
