#include "roomsmodel.h"

#include <eventserver.h>
#include <namespace.h>
#include <socket.h>

#include <QHash>
#include <QStringList>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Sockscope {

RoomsModel::RoomsModel(QObject *parent) : QAbstractItemModel(parent)
{
    m_timer.setSingleShot(true);
    m_timer.setInterval(100);
    connect(&m_timer, &QTimer::timeout, this, &RoomsModel::flush);
}

RoomsModel::~RoomsModel() = default;

void RoomsModel::setServer(EventServer *server)
{
    if (server == m_server)
        return;
    for (const auto &c : std::as_const(m_serverConnections))
        disconnect(c);
    m_serverConnections.clear();
    if (m_server) {
        const auto namespaces = m_server->namespaces();
        for (Namespace *ns : namespaces) {
            const auto sockets = ns->sockets();
            for (Socket *s : sockets)
                disconnect(s, nullptr, this, nullptr);
        }
    }
    beginResetModel();
    m_namespaces.clear();
    m_dirty.clear();
    m_timer.stop();
    endResetModel();
    m_server = server;
    if (!server)
        return;
    m_serverConnections = {
        connect(server, &EventServer::socketConnected, this,
                [this](Socket *s) {
                    watch(s);
                    markDirty(s->namespaceName());
                }),
        connect(server, &EventServer::socketDisconnected, this,
                [this](Socket *s, const QString &) {
                    disconnect(s, nullptr, this, nullptr);
                    markDirty(s->namespaceName());
                }),
    };
    const auto namespaces = server->namespaces();
    for (Namespace *ns : namespaces) {
        const auto sockets = ns->sockets();
        for (Socket *s : sockets)
            watch(s);
    }
    refresh();
}

void RoomsModel::watch(Socket *socket)
{
    connect(socket, &Socket::roomsChanged, this,
            [this, nsp = socket->namespaceName()] { markDirty(nsp); });
}

void RoomsModel::markDirty(const QString &nsp)
{
    m_dirty.insert(nsp);
    if (!m_timer.isActive())
        m_timer.start();
}

void RoomsModel::refresh()
{
    if (!m_server)
        return;
    const auto namespaces = m_server->namespaces();
    for (Namespace *ns : namespaces)
        m_dirty.insert(ns->name());
    flush();
}

void RoomsModel::flush()
{
    m_timer.stop();
    const QSet<QString> dirty = std::exchange(m_dirty, {});
    if (!m_server)
        return;
    for (const QString &name : dirty) {
        Namespace *ns = m_server->findNamespace(name);
        int row = namespaceRow(name);
        if (!ns) {
            if (row >= 0) { // not expected: namespaces stay once declared
                beginRemoveRows({}, row, row);
                m_namespaces.erase(m_namespaces.begin() + row);
                endRemoveRows();
            }
            continue;
        }
        if (row < 0) {
            const auto at = std::lower_bound(m_namespaces.begin(), m_namespaces.end(), name,
                                             [](const auto &node, const QString &n) {
                                                 return node->name < n;
                                             });
            row = int(at - m_namespaces.begin());
            auto node = std::make_unique<NamespaceNode>();
            node->name = name;
            beginInsertRows({}, row, row);
            m_namespaces.insert(at, std::move(node));
            endInsertRows();
        }
        recount(row, ns);
    }
}

// Counts the namespace's sockets and room members, then turns the old room list into the new
// one: rows for rooms that went are removed, rows for new rooms inserted, changed counts
// reported.
void RoomsModel::recount(int nsRow, Namespace *ns)
{
    NamespaceNode &node = *m_namespaces[size_t(nsRow)];
    int sockets = 0;
    QHash<QString, int> members;
    const auto list = ns->sockets();
    for (Socket *s : list) {
        if (!s->isConnected())
            continue;
        ++sockets;
        const auto rooms = s->rooms();
        for (const QString &r : rooms) {
            if (r != s->id())
                ++members[r];
        }
    }
    QStringList names = members.keys();
    std::sort(names.begin(), names.end());

    const QModelIndex parent = index(nsRow, 0);
    int i = 0; // position in node.rooms
    int j = 0; // position in names
    while (i < node.rooms.size() || j < names.size()) {
        if (j >= names.size() || (i < node.rooms.size() && node.rooms.at(i).name < names.at(j))) {
            // A room that is gone: remove it, with any gone rooms right after it.
            int last = i;
            while (last + 1 < node.rooms.size()
                   && (j >= names.size() || node.rooms.at(last + 1).name < names.at(j)))
                ++last;
            beginRemoveRows(parent, i, last);
            node.rooms.remove(i, last - i + 1);
            endRemoveRows();
        } else if (i >= node.rooms.size() || names.at(j) < node.rooms.at(i).name) {
            // New rooms: insert the run of them that goes here.
            int end = j + 1;
            while (end < names.size()
                   && (i >= node.rooms.size() || names.at(end) < node.rooms.at(i).name))
                ++end;
            beginInsertRows(parent, i, i + (end - j) - 1);
            for (int k = j; k < end; ++k)
                node.rooms.insert(i + (k - j), RoomNode { names.at(k), members.value(names.at(k)) });
            endInsertRows();
            i += end - j;
            j = end;
        } else {
            const int count = members.value(names.at(j));
            if (node.rooms.at(i).members != count) {
                node.rooms[i].members = count;
                Q_EMIT dataChanged(index(i, 0, parent), index(i, int(RoomsColumn::Count) - 1, parent));
            }
            ++i;
            ++j;
        }
    }
    if (node.sockets != sockets) {
        node.sockets = sockets;
        Q_EMIT dataChanged(index(nsRow, 0), index(nsRow, int(RoomsColumn::Count) - 1));
    }
}

int RoomsModel::namespaceRow(const QString &nsp) const
{
    for (size_t i = 0; i < m_namespaces.size(); ++i) {
        if (m_namespaces[i]->name == nsp)
            return int(i);
    }
    return -1;
}

int RoomsModel::namespaceRow(const NamespaceNode *node) const
{
    for (size_t i = 0; i < m_namespaces.size(); ++i) {
        if (m_namespaces[i].get() == node)
            return int(i);
    }
    return -1;
}

QModelIndex RoomsModel::index(int row, int column, const QModelIndex &parent) const
{
    if (row < 0 || column < 0 || column >= int(RoomsColumn::Count))
        return {};
    if (!parent.isValid()) {
        if (row >= int(m_namespaces.size()))
            return {};
        return createIndex(row, column, nullptr);
    }
    if (parent.internalPointer() || parent.row() >= int(m_namespaces.size()))
        return {}; // rooms have no children
    NamespaceNode *node = m_namespaces[size_t(parent.row())].get();
    if (row >= node->rooms.size())
        return {};
    return createIndex(row, column, node);
}

QModelIndex RoomsModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || !child.internalPointer())
        return {};
    const int row = namespaceRow(static_cast<const NamespaceNode *>(child.internalPointer()));
    return row < 0 ? QModelIndex() : createIndex(row, 0, nullptr);
}

int RoomsModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_namespaces.size());
    if (parent.column() != 0 || parent.internalPointer()
        || parent.row() >= int(m_namespaces.size()))
        return 0;
    return int(m_namespaces[size_t(parent.row())]->rooms.size());
}

int RoomsModel::columnCount(const QModelIndex &) const
{
    return int(RoomsColumn::Count);
}

QVariant RoomsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const auto column = RoomsColumn(index.column());
    const auto *nsNode = static_cast<const NamespaceNode *>(index.internalPointer());
    const bool isRoom = nsNode != nullptr;
    if (!isRoom)
        nsNode = m_namespaces[size_t(index.row())].get();
    const QString name = isRoom ? nsNode->rooms.at(index.row()).name : nsNode->name;
    const int count = isRoom ? nsNode->rooms.at(index.row()).members : nsNode->sockets;
    switch (role) {
    case Qt::DisplayRole:
        return column == RoomsColumn::Name ? QVariant(name) : QVariant(QString::number(count));
    case SortRole:
        return column == RoomsColumn::Name ? QVariant(name) : QVariant(count);
    case NamespaceRole:
        return nsNode->name;
    case RoomRole:
        return isRoom ? name : QString();
    case Qt::ToolTipRole:
        return isRoom ? tr("Room \"%1\" in %2 · members: %3").arg(name, nsNode->name).arg(count)
                      : tr("Namespace %1 · sockets connected: %2").arg(name).arg(count);
    case Qt::TextAlignmentRole:
        if (column == RoomsColumn::Sockets)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    default:
        return {};
    }
}

QVariant RoomsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractItemModel::headerData(section, orientation, role);
    switch (RoomsColumn(section)) {
    case RoomsColumn::Name: return tr("Namespace / room");
    case RoomsColumn::Sockets: return tr("Sockets");
    case RoomsColumn::Count: break;
    }
    return {};
}

QModelIndex RoomsModel::indexOf(const QString &nsp, const QString &room) const
{
    const int row = namespaceRow(nsp);
    if (row < 0)
        return {};
    const QModelIndex ns = index(row, 0);
    if (room.isEmpty())
        return ns;
    const auto &rooms = m_namespaces[size_t(row)]->rooms;
    for (int i = 0; i < rooms.size(); ++i) {
        if (rooms.at(i).name == room)
            return index(i, 0, ns);
    }
    return {};
}

int RoomsModel::countOf(const QString &nsp, const QString &room) const
{
    const QModelIndex i = indexOf(nsp, room);
    return i.isValid() ? i.siblingAtColumn(int(RoomsColumn::Sockets)).data(SortRole).toInt() : -1;
}

} // namespace Sockscope
