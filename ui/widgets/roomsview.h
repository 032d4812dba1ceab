// Sockscope: the namespaces-and-rooms tree, with counts.
#pragma once

#include <QWidget>

QT_BEGIN_NAMESPACE
class QSortFilterProxyModel;
class QTreeView;
QT_END_NAMESPACE

namespace Sockscope {

class RoomsModel;

/*
    Shows a RoomsModel sorted by name, expanded. Selecting a node says which namespace (and
    room) it is; the window narrows the sockets view to it and aims the emit panel at it.
*/
class RoomsView : public QWidget
{
    Q_OBJECT
public:
    explicit RoomsView(RoomsModel *model, QWidget *parent = nullptr);

    QTreeView *view() const { return m_view; }
    RoomsModel *model() const { return m_model; }

    // Selects the node of a namespace, or of a room in it; false if it is not shown.
    bool selectNode(const QString &nsp, const QString &room = {});
    void clearSelection();

Q_SIGNALS:
    // Both empty when nothing is selected; room empty for a namespace node.
    void nodeSelected(const QString &nsp, const QString &room);

private:
    RoomsModel *m_model = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QTreeView *m_view = nullptr;
};

} // namespace Sockscope
