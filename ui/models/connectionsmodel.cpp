#include "connectionsmodel.h"

#include <connection.h>
#include <eventserver.h>
#include <namespace.h>
#include <plainconnection.h>
#include <socket.h>

#include <QLocale>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Sockscope {

namespace {

QString formatBytes(quint64 n)
{
    if (n < 1024)
        return u"%1 B"_s.arg(n);
    return QLocale::system().formattedDataSize(qint64(n), 1, QLocale::DataSizeTraditionalFormat);
}

} // namespace

ConnectionsModel::ConnectionsModel(QObject *parent) : QAbstractTableModel(parent)
{
    m_dirtyTimer.setSingleShot(true);
    m_dirtyTimer.setInterval(250); // counters refresh four times a second at most
    connect(&m_dirtyTimer, &QTimer::timeout, this, &ConnectionsModel::flushDirty);
    m_slowTimer.setInterval(1000);
    connect(&m_slowTimer, &QTimer::timeout, this, &ConnectionsModel::refreshAll);
    m_eventPoll.setInterval(250); // counters refresh four times a second at most
    connect(&m_eventPoll, &QTimer::timeout, this, &ConnectionsModel::pollEvents);
}

quint64 ConnectionsModel::serverEventTotal() const
{
    return m_server ? m_server->stats().eventsReceived + m_server->stats().eventsSent : 0;
}

void ConnectionsModel::pollEvents()
{
    const quint64 total = serverEventTotal();
    if (total == m_eventTotal)
        return;
    m_eventTotal = total;
    markAllDirty();
    flushDirty();
}

void ConnectionsModel::setServer(EventServer *server)
{
    if (server == m_server)
        return;
    for (const auto &c : std::as_const(m_serverConnections))
        disconnect(c);
    m_serverConnections.clear();
    for (Connection *c : std::as_const(m_watchedConnections))
        disconnect(c, nullptr, this, nullptr);
    m_watchedConnections.clear();
    beginResetModel();
    for (const Row &r : std::as_const(m_rows)) {
        if (r.socket)
            disconnect(r.socket, nullptr, this, nullptr);
    }
    m_rows.clear();
    m_rowById.clear();
    m_dirty.clear();
    m_allDirty = false;
    endResetModel();
    m_server = server;
    if (!server) {
        m_slowTimer.stop();
        m_eventPoll.stop();
        return;
    }
    m_eventTotal = serverEventTotal();
    m_serverConnections = {
        connect(server, &EventServer::socketConnected, this, &ConnectionsModel::addSocket),
        connect(server, &EventServer::socketDisconnected, this,
                [this](Socket *s, const QString &) { removeSocket(s); }),
        connect(server, &EventServer::connectionUpgraded, this,
                &ConnectionsModel::markConnectionDirty),
        connect(server, &EventServer::plainConnectionOpened, this, &ConnectionsModel::addPlain),
        connect(server, &EventServer::plainConnectionClosed, this,
                [this](PlainConnection *c) { removeRow(c->id()); }),
        connect(server, &EventServer::plainMessageReceived, this, &ConnectionsModel::markAllDirty),
        connect(server, &EventServer::plainMessageSent, this, &ConnectionsModel::markAllDirty),
    };
    const auto namespaces = server->namespaces();
    for (Namespace *ns : namespaces) {
        const auto sockets = ns->sockets();
        for (Socket *s : sockets)
            addSocket(s);
    }
    const auto plains = server->plainConnections();
    for (PlainConnection *c : plains)
        addPlain(c);
    m_slowTimer.start();
    m_eventPoll.start();
}

int ConnectionsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ConnectionsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(ConnectionsColumn::Count);
}

int ConnectionsModel::connectionCount() const
{
    QSet<QString> ids;
    for (const Row &r : m_rows)
        ids.insert(r.connectionId);
    return int(ids.size());
}

void ConnectionsModel::addSocket(Socket *socket)
{
    if (!socket || m_rowById.contains(socket->id()))
        return;
    Row row;
    row.socket = socket;
    row.socketId = socket->id();
    row.nsp = socket->namespaceName();
    row.connectedAt = socket->connectedAt().isValid() ? socket->connectedAt()
                                                      : QDateTime::currentDateTimeUtc();
    row.recovered = socket->isRecovered();
    snapshot(row);
    const int at = int(m_rows.size());
    beginInsertRows({}, at, at);
    m_rows.append(row);
    m_rowById.insert(row.socketId, at);
    endInsertRows();

    connect(socket, &Socket::roomsChanged, this, [this, id = row.socketId] { markDirty(id); });
    if (Connection *c = socket->connection(); c && !m_watchedConnections.contains(c)) {
        m_watchedConnections.insert(c);
        connect(c, &Connection::pingRoundTripMeasured, this,
                [this, c] { markConnectionDirty(c); });
        connect(c, &Connection::upgraded, this, [this, c] { markConnectionDirty(c); });
        connect(c, &QObject::destroyed, this, [this, c] { m_watchedConnections.remove(c); });
    }
    if (!m_slowTimer.isActive() && m_server)
        m_slowTimer.start();
}

void ConnectionsModel::addPlain(PlainConnection *connection)
{
    if (!connection || !connection->isOpen() || m_rowById.contains(connection->id()))
        return;
    Row row;
    row.plain = connection;
    row.socketId = connection->id();
    row.connectionId = connection->id();
    row.transport = PlainTransport;
    row.remoteAddress = connection->remoteAddress();
    row.remotePort = connection->remotePort();
    row.connectedAt = connection->openedAt().isValid() ? connection->openedAt()
                                                       : QDateTime::currentDateTimeUtc();
    snapshot(row);
    const int at = int(m_rows.size());
    beginInsertRows({}, at, at);
    m_rows.append(row);
    m_rowById.insert(row.socketId, at);
    endInsertRows();
    if (!m_slowTimer.isActive() && m_server)
        m_slowTimer.start();
}

void ConnectionsModel::removeSocket(Socket *socket)
{
    if (m_rowById.contains(socket->id()))
        disconnect(socket, nullptr, this, nullptr);
    removeRow(socket->id());
}

void ConnectionsModel::removeRow(const QString &id)
{
    const int at = m_rowById.value(id, -1);
    if (at < 0)
        return;
    beginRemoveRows({}, at, at);
    m_rows.removeAt(at);
    m_rowById.remove(id);
    for (int i = at; i < m_rows.size(); ++i)
        m_rowById[m_rows.at(i).socketId] = i;
    endRemoveRows();
    m_dirty.remove(id);
}

void ConnectionsModel::markDirty(const QString &socketId)
{
    // Busy sockets are marked again and again before the refresh: one lookup then.
    if (m_dirty.contains(socketId) || !m_rowById.contains(socketId))
        return;
    m_dirty.insert(socketId);
    if (!m_dirtyTimer.isActive())
        m_dirtyTimer.start();
}

void ConnectionsModel::markConnectionDirty(Connection *connection)
{
    if (!connection)
        return;
    const auto sockets = connection->sockets();
    for (Socket *s : sockets)
        markDirty(s->id());
}

void ConnectionsModel::flushDirty()
{
    if (std::exchange(m_allDirty, false)) {
        refreshAll();
        return;
    }
    const QSet<QString> dirty = std::exchange(m_dirty, {});
    // One dataChanged over the span of changed rows: a busy server changes most rows at once,
    // and each signal costs the proxy and the view a pass of their own.
    int first = -1, last = -1;
    for (const QString &id : dirty) {
        const int at = m_rowById.value(id, -1);
        if (at >= 0 && snapshot(m_rows[at])) {
            first = first < 0 ? at : qMin(first, at);
            last = qMax(last, at);
        }
    }
    if (first >= 0)
        Q_EMIT dataChanged(index(first, 0), index(last, int(ConnectionsColumn::Count) - 1));
}

void ConnectionsModel::refreshAll()
{
    m_dirty.clear();
    m_allDirty = false;
    int first = -1, last = -1;
    for (int i = 0; i < m_rows.size(); ++i) {
        if (snapshot(m_rows[i])) {
            first = first < 0 ? i : first;
            last = i;
        }
    }
    if (first >= 0)
        Q_EMIT dataChanged(index(first, 0), index(last, int(ConnectionsColumn::Count) - 1));
}

bool ConnectionsModel::snapshot(Row &row) const
{
    if (PlainConnection *p = row.plain) {
        const bool changed = p->messagesReceived() != row.eventsIn
                || p->messagesSent() != row.eventsOut || p->bytesReceived() != row.bytesIn
                || p->bytesSent() != row.bytesOut || p->bufferedBytes() != row.queued;
        row.eventsIn = p->messagesReceived();
        row.eventsOut = p->messagesSent();
        row.bytesIn = p->bytesReceived();
        row.bytesOut = p->bytesSent();
        row.queued = p->bufferedBytes();
        return changed;
    }
    Socket *s = row.socket;
    if (!s)
        return false;
    Row next = row;
    if (Connection *c = s->connection()) {
        next.connectionId = c->id();
        next.transport = c->transportName();
        next.upgraded = c->upgradedAt().isValid();
        next.parser = c->parserName();
        next.remoteAddress = c->remoteAddress();
        next.remotePort = c->remotePort();
        next.bytesIn = c->bytesReceived();
        next.bytesOut = c->bytesSent();
        next.queued = c->bufferedBytes();
        next.pingRoundTrip = c->lastPingRoundTrip();
    }
    QStringList rooms;
    const auto set = s->rooms();
    for (const QString &r : set) {
        if (r != row.socketId)
            rooms.append(r);
    }
    rooms.sort();
    next.rooms = rooms;
    next.eventsIn = s->eventsReceived();
    next.eventsOut = s->eventsSent();
    const bool changed = next.connectionId != row.connectionId || next.transport != row.transport
            || next.upgraded != row.upgraded || next.parser != row.parser
            || next.remoteAddress != row.remoteAddress
            || next.remotePort != row.remotePort || next.bytesIn != row.bytesIn
            || next.bytesOut != row.bytesOut || next.queued != row.queued
            || next.pingRoundTrip != row.pingRoundTrip
            || next.rooms != row.rooms || next.eventsIn != row.eventsIn
            || next.eventsOut != row.eventsOut;
    if (changed)
        row = next;
    return changed;
}

QVariant ConnectionsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &r = m_rows.at(index.row());
    const auto column = ConnectionsColumn(index.column());
    switch (role) {
    case SocketIdRole:
        return r.socketId;
    case NamespaceRole:
        return r.nsp;
    case Qt::ToolTipRole:
        if (column == ConnectionsColumn::ConnectedSince)
            return r.connectedAt.toLocalTime().toString(Qt::ISODateWithMs);
        if (column == ConnectionsColumn::Rooms)
            return r.rooms.join(u'\n');
        return {};
    case Qt::TextAlignmentRole:
        switch (column) {
        case ConnectionsColumn::EventsIn:
        case ConnectionsColumn::EventsOut:
        case ConnectionsColumn::BytesIn:
        case ConnectionsColumn::BytesOut:
        case ConnectionsColumn::Queued:
        case ConnectionsColumn::PingRoundTrip:
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return {};
        }
    case SortRole:
        switch (column) {
        case ConnectionsColumn::Socket: return r.socketId;
        case ConnectionsColumn::Connection: return r.connectionId;
        case ConnectionsColumn::Namespace: return r.nsp;
        case ConnectionsColumn::Transport: return r.transport;
        case ConnectionsColumn::Parser: return r.parser;
        case ConnectionsColumn::RemoteAddress:
            return QString(r.remoteAddress.toString() + u':'
                           + QString::number(r.remotePort).rightJustified(5, u'0'));
        case ConnectionsColumn::ConnectedSince: return r.connectedAt.toMSecsSinceEpoch();
        case ConnectionsColumn::Recovered: return r.recovered;
        case ConnectionsColumn::Rooms: return r.rooms.join(u", "_s);
        case ConnectionsColumn::EventsIn: return r.eventsIn;
        case ConnectionsColumn::EventsOut: return r.eventsOut;
        case ConnectionsColumn::BytesIn: return r.bytesIn;
        case ConnectionsColumn::BytesOut: return r.bytesOut;
        case ConnectionsColumn::Queued: return r.queued;
        case ConnectionsColumn::PingRoundTrip: return r.pingRoundTrip;
        case ConnectionsColumn::Count: break;
        }
        return {};
    case Qt::DisplayRole:
        switch (column) {
        case ConnectionsColumn::Socket: return r.socketId;
        case ConnectionsColumn::Connection: return r.connectionId;
        case ConnectionsColumn::Namespace: return r.plain ? u"—"_s : r.nsp;
        case ConnectionsColumn::Transport:
            return r.upgraded ? r.transport + u" (upgraded)"_s : r.transport;
        case ConnectionsColumn::Parser: return r.plain ? u"—"_s : r.parser;
        case ConnectionsColumn::RemoteAddress: {
            QString host = r.remoteAddress.toString();
            if (r.remoteAddress.protocol() == QAbstractSocket::IPv6Protocol)
                host = u'[' + host + u']';
            return u"%1:%2"_s.arg(host).arg(r.remotePort);
        }
        case ConnectionsColumn::ConnectedSince:
            return r.connectedAt.toLocalTime().toString(u"HH:mm:ss"_s);
        case ConnectionsColumn::Recovered: return r.recovered ? tr("yes") : QString();
        case ConnectionsColumn::Rooms: return r.rooms.join(u", "_s);
        case ConnectionsColumn::EventsIn: return QString::number(r.eventsIn);
        case ConnectionsColumn::EventsOut: return QString::number(r.eventsOut);
        case ConnectionsColumn::BytesIn: return formatBytes(r.bytesIn);
        case ConnectionsColumn::BytesOut: return formatBytes(r.bytesOut);
        case ConnectionsColumn::Queued: return formatBytes(quint64(qMax<qint64>(r.queued, 0)));
        case ConnectionsColumn::PingRoundTrip:
            return r.pingRoundTrip < 0 ? u"–"_s : u"%1 ms"_s.arg(r.pingRoundTrip);
        case ConnectionsColumn::Count: break;
        }
        return {};
    default:
        return {};
    }
}

QVariant ConnectionsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole
        && ConnectionsColumn(section) == ConnectionsColumn::Queued)
        return tr("Bytes waiting to be written to the client (the kernel has not taken them "
                  "yet); over the server's write budget the connection is closed as a slow "
                  "consumer");
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole
        && ConnectionsColumn(section) == ConnectionsColumn::Parser)
        return tr("The connection's Socket.IO wire format (json or msgpack); under --parser "
                  "auto, json until its first Socket.IO message");
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole
        && ConnectionsColumn(section) == ConnectionsColumn::Recovered)
        return tr("\"yes\" for a socket that took back its session after a short disconnection "
                  "(connection state recovery, --recovery): same id, rooms and data, and the "
                  "events it missed were replayed");
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (ConnectionsColumn(section)) {
    case ConnectionsColumn::Socket: return tr("Socket");
    case ConnectionsColumn::Connection: return tr("Connection");
    case ConnectionsColumn::Namespace: return tr("Namespace");
    case ConnectionsColumn::Transport: return tr("Transport");
    case ConnectionsColumn::Parser: return tr("Parser");
    case ConnectionsColumn::RemoteAddress: return tr("Remote address");
    case ConnectionsColumn::ConnectedSince: return tr("Connected since");
    case ConnectionsColumn::Recovered: return tr("Recovered");
    case ConnectionsColumn::Rooms: return tr("Rooms");
    case ConnectionsColumn::EventsIn: return tr("Events in");
    case ConnectionsColumn::EventsOut: return tr("Events out");
    case ConnectionsColumn::BytesIn: return tr("Bytes in");
    case ConnectionsColumn::BytesOut: return tr("Bytes out");
    case ConnectionsColumn::Queued: return tr("Queued");
    case ConnectionsColumn::PingRoundTrip: return tr("Ping RTT");
    case ConnectionsColumn::Count: break;
    }
    return {};
}

} // namespace Sockscope
