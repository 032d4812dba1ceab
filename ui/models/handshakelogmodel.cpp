#include "handshakelogmodel.h"

#include <eventserver.h>
#include <socket.h>

using namespace Qt::StringLiterals;

namespace Sockscope {

HandshakeLogModel::HandshakeLogModel(QObject *parent) : QAbstractTableModel(parent) { }

void HandshakeLogModel::setServer(EventServer *server)
{
    disconnect(m_connection);
    if (server)
        m_connection = connect(server, &EventServer::handshakeReceived, this,
                               &HandshakeLogModel::append);
}

int HandshakeLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_records.size());
}

int HandshakeLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(HandshakeColumn::Count);
}

int HandshakeLogModel::rowOfConnection(const QString &connectionId) const
{
    for (int i = int(m_records.size()) - 1; i >= 0; --i) {
        if (m_records.at(i).connectionId == connectionId)
            return i;
    }
    return -1;
}

void HandshakeLogModel::setCapacity(int capacity)
{
    m_capacity = qMax(1, capacity);
    if (m_records.size() > m_capacity) {
        beginRemoveRows({}, 0, int(m_records.size()) - m_capacity - 1);
        m_records.remove(0, m_records.size() - m_capacity);
        endRemoveRows();
    }
}

void HandshakeLogModel::append(const HandshakeRecord &record)
{
    if (m_records.size() >= m_capacity) {
        beginRemoveRows({}, 0, 0);
        m_records.removeFirst();
        endRemoveRows();
    }
    const int at = int(m_records.size());
    beginInsertRows({}, at, at);
    m_records.append(record);
    endInsertRows();
}

void HandshakeLogModel::clear()
{
    beginResetModel();
    m_records.clear();
    endResetModel();
}

QVariant HandshakeLogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const HandshakeRecord &r = m_records.at(index.row());
    const auto column = HandshakeColumn(index.column());
    if (role == HandshakeRole)
        return QVariant::fromValue(r);
    if (role == Qt::ToolTipRole)
        return r.error.isEmpty() ? QVariant() : QVariant(r.error);
    if (role != Qt::DisplayRole && role != SortRole)
        return {};
    const bool sort = role == SortRole;
    switch (column) {
    case HandshakeColumn::Time:
        return sort ? QVariant(r.time.toMSecsSinceEpoch())
                    : QVariant(r.time.toLocalTime().toString(u"HH:mm:ss.zzz"_s));
    case HandshakeColumn::Remote:
        return u"%1:%2"_s.arg(r.remoteAddress.toString()).arg(r.remotePort);
    case HandshakeColumn::Request:
        return QString::fromLatin1(r.method + ' ' + r.target);
    case HandshakeColumn::Status:
        return sort ? QVariant(r.statusCode) : QVariant(QString::number(r.statusCode));
    case HandshakeColumn::Transport:
        return r.transport;
    case HandshakeColumn::Connection:
        return r.connectionId;
    case HandshakeColumn::Count:
        break;
    }
    return {};
}

QVariant HandshakeLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (HandshakeColumn(section)) {
    case HandshakeColumn::Time: return tr("Time");
    case HandshakeColumn::Remote: return tr("Remote");
    case HandshakeColumn::Request: return tr("Request");
    case HandshakeColumn::Status: return tr("Status");
    case HandshakeColumn::Transport: return tr("Transport");
    case HandshakeColumn::Connection: return tr("Connection");
    case HandshakeColumn::Count: break;
    }
    return {};
}

QString HandshakeLogModel::summary(const HandshakeRecord &r)
{
    QString target = QString::fromLatin1(r.target);
    if (target.size() > 60)
        target = target.left(60) + u'…';
    QString s = u"%1  %2 %3 → %4"_s.arg(r.time.toLocalTime().toString(u"HH:mm:ss"_s),
                                        QString::fromLatin1(r.method), target,
                                        QString::number(r.statusCode));
    if (!r.connectionId.isEmpty())
        s += u"  ("_s + r.connectionId + u')';
    return s;
}

QString HandshakeLogModel::describe(const HandshakeRecord &r)
{
    QString s;
    s += u"Handshake from %1:%2 at %3\n"_s.arg(r.remoteAddress.toString())
                 .arg(r.remotePort)
                 .arg(r.time.toUTC().toString(Qt::ISODateWithMs));
    if (!r.connectionId.isEmpty())
        s += u"Connection: %1 (%2)\n"_s.arg(r.connectionId, r.transport);
    if (!r.error.isEmpty())
        s += u"Refused: %1\n"_s.arg(r.error);
    s += u"\n--- Request ---\n"_s + QString::fromLatin1(r.rawRequest);
    if (!r.rawRequest.endsWith('\n'))
        s += u'\n';
    s += u"\n--- Headers ---\n"_s;
    for (const auto &h : r.headers)
        s += QString::fromLatin1(h.first) + u": "_s + QString::fromLatin1(h.second) + u'\n';
    if (!r.secWebSocketKey.isEmpty()) {
        s += u"\n--- Sec-WebSocket-Accept ---\n"_s;
        s += u"Sec-WebSocket-Key:     %1\n"_s.arg(QString::fromLatin1(r.secWebSocketKey));
        s += u"Key + GUID:            %1\n"_s.arg(QString::fromLatin1(r.keyWithGuid));
        s += u"SHA-1 (hex):           %1\n"_s.arg(QString::fromLatin1(r.sha1.toHex(' ')));
        s += u"Base64 = Accept:       %1\n"_s.arg(QString::fromLatin1(r.secWebSocketAccept));
    }
    s += u"\n--- Response ---\n"_s + QString::fromLatin1(r.rawResponse);
    return s;
}

} // namespace Sockscope
