// Sockscope: the request heads a server has read, newest last.
#pragma once

#include "columns.h"

#include <handshakerecord.h>

#include <QAbstractTableModel>
#include <QList>
#include <QPointer>

namespace Sockscope {

class EventServer;

/*
    One row per handshake record (accepted or refused, WebSocket or polling), capped at
    capacity() by dropping the oldest. HandshakeRole gives the record itself.
*/
class HandshakeLogModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    explicit HandshakeLogModel(QObject *parent = nullptr);

    void setServer(EventServer *server);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    const HandshakeRecord &record(int row) const { return m_records.at(row); }
    // The newest record of this connection (its upgrade if it had one), -1 if none.
    int rowOfConnection(const QString &connectionId) const;
    int capacity() const { return m_capacity; }
    void setCapacity(int capacity);

    void append(const HandshakeRecord &record);
    void clear();

    // A plain-text account of a record: request, headers, the accept computation, response.
    static QString describe(const HandshakeRecord &record);
    // One line naming a record, e.g. "10:00:01 GET /socket.io/?EIO=4… → 101".
    static QString summary(const HandshakeRecord &record);

private:
    QMetaObject::Connection m_connection;
    QList<HandshakeRecord> m_records;
    int m_capacity = 1000;
};

} // namespace Sockscope
