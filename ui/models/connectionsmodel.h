// Sockscope: the live table of sockets on a server.
#pragma once

#include "columns.h"

#include <eventserver.h>

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QPointer>
#include <QSet>
#include <QStringList>
#include <QTimer>

namespace Sockscope {

class Connection;
class EventServer;
class PlainConnection;
class Socket;

/*
    One row per connected socket (a connection carrying two namespaces shows twice). Rows hold
    a snapshot of raw values taken from the library's objects; data() formats them, SortRole
    gives them raw. Library signals mark a row dirty; a short timer refreshes dirty rows, and a
    slower one refreshes the byte counters and the bytes queued (which change without a
    signal). A row whose snapshot changed gets one dataChanged spanning its columns.
*/
class ConnectionsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    struct Row
    {
        QPointer<Socket> socket;
        QPointer<PlainConnection> plain; // a plain WebSocket client (socket is null, no nsp)
        QString socketId;
        QString connectionId;
        QString nsp;
        QString transport;
        bool upgraded = false;
        // "json" or "msgpack" (empty for a plain WebSocket client); under --parser auto,
        // "json" until the connection's first Socket.IO message.
        QString parser;
        QHostAddress remoteAddress;
        quint16 remotePort = 0;
        QDateTime connectedAt;
        bool recovered = false; // Socket::isRecovered(): fixed when the socket connects
        QStringList rooms; // sorted, the socket's own-id room left out
        quint64 eventsIn = 0;
        quint64 eventsOut = 0;
        quint64 bytesIn = 0;
        quint64 bytesOut = 0;
        qint64 queued = 0; // the connection's bufferedBytes()
        qint64 pingRoundTrip = -1;
    };

    explicit ConnectionsModel(QObject *parent = nullptr);

    // Follows this server (sockets already connected are added). nullptr detaches.
    void setServer(EventServer *server);
    EventServer *server() const { return m_server; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    int rowOf(const QString &socketId) const { return m_rowById.value(socketId, -1); }
    const Row &row(int row) const { return m_rows.at(row); }
    QString socketIdAt(int row) const { return m_rows.value(row).socketId; }
    bool isPlainAt(int row) const { return m_rows.value(row).transport == PlainTransport; }
    static inline const QString PlainTransport = QStringLiteral("websocket (plain)");
    int connectionCount() const; // distinct connections among the rows

    // Milliseconds between refreshes of the byte counters (default 1000).
    void setRefreshInterval(int ms) { m_slowTimer.setInterval(ms); }

    // Re-reads every row now (tests and "refresh" actions).
    void refreshAll();

private:
    void addSocket(Socket *socket);
    void removeSocket(Socket *socket);
    void addPlain(PlainConnection *connection);
    void removeRow(const QString &id);
    void markDirty(const QString &socketId);
    // Something passed somewhere: every row is looked at in the next refresh. Cheaper than
    // finding the row, and a busy server moves most rows anyway.
    void markAllDirty()
    {
        m_allDirty = true;
        if (!m_dirtyTimer.isActive())
            m_dirtyTimer.start();
    }
    void markConnectionDirty(Connection *connection);
    void flushDirty();
    // Events are not signalled to the model (it would run once per event): the server's event
    // counters are polled, and a change refreshes every row.
    void pollEvents();
    quint64 serverEventTotal() const;
    bool snapshot(Row &row) const; // returns true if a value changed

    QPointer<EventServer> m_server;
    QList<QMetaObject::Connection> m_serverConnections;
    QList<Row> m_rows;
    QHash<QString, int> m_rowById;
    QSet<QString> m_dirty;
    bool m_allDirty = false;
    QSet<Connection *> m_watchedConnections;
    QTimer m_dirtyTimer; // coalesces signal-driven refreshes
    QTimer m_slowTimer; // byte counters and "connected since"
    QTimer m_eventPoll; // four times a second
    quint64 m_eventTotal = 0; // the server's event counters at the last poll
};

} // namespace Sockscope
