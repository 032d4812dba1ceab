#include "roomsview.h"

#include <columns.h>
#include <roomsmodel.h>

#include <QHeaderView>
#include <QItemSelectionModel>
#include <QSortFilterProxyModel>
#include <QTreeView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace Sockscope {

RoomsView::RoomsView(RoomsModel *model, QWidget *parent) : QWidget(parent), m_model(model)
{
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(model);
    m_proxy->setSortRole(SortRole);
    m_proxy->setDynamicSortFilter(true);

    m_view = new QTreeView(this);
    m_view->setObjectName(u"roomsView"_s);
    m_view->setModel(m_proxy);
    m_view->setUniformRowHeights(true);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(int(RoomsColumn::Name), Qt::AscendingOrder);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setToolTip(tr("Namespaces with their connected sockets, and the rooms in each with "
                          "their members (a socket's own room is not listed). Select one to "
                          "show only its sockets and to aim the emit panel at it."));
    m_view->header()->setStretchLastSection(false);
    m_view->header()->setSectionResizeMode(int(RoomsColumn::Name), QHeaderView::Stretch);
    m_view->header()->setSectionResizeMode(int(RoomsColumn::Sockets), QHeaderView::Fixed);
    m_view->header()->resizeSection(int(RoomsColumn::Sockets), 70);
    m_view->expandAll();
    // New namespaces show their rooms.
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &parent, int first, int last) {
                if (parent.isValid())
                    return;
                for (int r = first; r <= last; ++r)
                    m_view->expand(m_proxy->index(r, 0));
            });
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        const QModelIndexList rows = m_view->selectionModel()->selectedRows();
        if (rows.isEmpty()) {
            Q_EMIT nodeSelected({}, {});
            return;
        }
        Q_EMIT nodeSelected(rows.first().data(NamespaceRole).toString(),
                            rows.first().data(RoomRole).toString());
    });

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_view);
}

bool RoomsView::selectNode(const QString &nsp, const QString &room)
{
    const QModelIndex i = m_proxy->mapFromSource(m_model->indexOf(nsp, room));
    if (!i.isValid())
        return false;
    m_view->selectionModel()->setCurrentIndex(
            i, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    return true;
}

void RoomsView::clearSelection()
{
    m_view->selectionModel()->clearSelection();
}

} // namespace Sockscope
