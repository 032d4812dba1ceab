// Sockscope: the namespaces of a server and the rooms in them, with counts.
#pragma once

#include "columns.h"

#include <eventserver.h>

#include <QAbstractItemModel>
#include <QList>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <memory>

namespace Sockscope {

class EventServer;
class Namespace;
class Socket;

/*
    A two-level tree: one node per namespace of the server (its connected sockets counted),
    and under it one node per room that has members (the members counted). A socket's own
    room (named by its id) is left out: every socket has one.

    Connects, disconnects and room changes mark their namespace dirty; a short timer recounts
    the dirty namespaces and applies the difference (rows inserted and removed where rooms
    appear and go, one dataChanged per changed count), so a burst of joins is one update.
    NamespaceRole and RoomRole give a node's namespace and room (empty for a namespace node);
    SortRole gives the name, or the raw count in the count column.
*/
class RoomsModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    explicit RoomsModel(QObject *parent = nullptr);
    ~RoomsModel() override;

    // Follows this server (namespaces and rooms already there are added). nullptr detaches.
    void setServer(EventServer *server);
    EventServer *server() const { return m_server; }

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // The node of a namespace, or of a room in it; invalid if not shown.
    QModelIndex indexOf(const QString &nsp, const QString &room = {}) const;
    // Sockets in a namespace, or members of one of its rooms; -1 if not shown.
    int countOf(const QString &nsp, const QString &room = {}) const;

    // Milliseconds between a change and the recount (default 100).
    void setBatchInterval(int ms) { m_timer.setInterval(ms); }
    // Applies pending changes now (tests, and before reading counts).
    void flush();
    // Recounts every namespace now, and picks up namespaces declared since (they have no
    // signal of their own).
    void refresh();

private:
    struct RoomNode
    {
        QString name;
        int members = 0;
    };
    struct NamespaceNode
    {
        QString name;
        int sockets = 0;
        QList<RoomNode> rooms; // sorted by name
    };

    void watch(Socket *socket);
    void markDirty(const QString &nsp);
    void recount(int nsRow, Namespace *ns);
    int namespaceRow(const QString &nsp) const;
    int namespaceRow(const NamespaceNode *node) const;

    QPointer<EventServer> m_server;
    QList<QMetaObject::Connection> m_serverConnections;
    std::vector<std::unique_ptr<NamespaceNode>> m_namespaces; // sorted by name
    QSet<QString> m_dirty;
    QTimer m_timer;
};

} // namespace Sockscope
