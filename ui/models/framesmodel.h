// Sockscope: the live list of plain WebSocket frames, in and out.
#pragma once

#include "columns.h"

#include <eventserver.h>
#include <plainconnection.h>

#include <QAbstractTableModel>
#include <QList>
#include <QPointer>
#include <QTimer>

namespace Sockscope {

class EventServer;

struct FrameLogEntry
{
    qint64 serial = 0;
    QString connectionId;
    WebSocketFrame frame;
};

/*
    Every frame of every plain WebSocket client, as it arrived or left (EventServer::plainFrame).
    Like the event log: frames go to a pending list and a timer (150 ms) moves them into the
    model with one beginInsertRows per batch; beyond capacity() the oldest rows go with one
    beginRemoveRows. While paused, frames are counted (droppedWhilePaused()) but not kept.
*/
class FramesModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    explicit FramesModel(QObject *parent = nullptr);

    void setServer(EventServer *server);
    EventServer *server() const { return m_server; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    const FrameLogEntry &entry(int row) const { return m_entries.at(row); }

    // Adds a frame as if the server had reported it.
    void append(const QString &connectionId, const WebSocketFrame &frame);
    void flush();
    void clear();

    qsizetype capacity() const { return m_capacity; }
    void setCapacity(qsizetype capacity);
    void setFlushInterval(int ms) { m_flushTimer.setInterval(ms); }
    bool isPaused() const { return m_paused; }
    void setPaused(bool paused);
    quint64 droppedWhilePaused() const { return m_droppedWhilePaused; }

    static QString preview(const WebSocketFrame &frame);

Q_SIGNALS:
    void flushed(int inserted, int removed);

private:
    QPointer<EventServer> m_server;
    QMetaObject::Connection m_frameConnection;
    QList<FrameLogEntry> m_entries;
    QList<FrameLogEntry> m_pending;
    qint64 m_nextSerial = 1;
    qsizetype m_capacity = 100000;
    bool m_paused = false;
    quint64 m_droppedWhilePaused = 0;
    QTimer m_flushTimer;
};

} // namespace Sockscope
