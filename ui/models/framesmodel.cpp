#include "framesmodel.h"

#include <eventserver.h>

using namespace Qt::StringLiterals;

namespace Sockscope {

namespace {
constexpr int PreviewBytes = 120;
}

FramesModel::FramesModel(QObject *parent) : QAbstractTableModel(parent)
{
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(150);
    connect(&m_flushTimer, &QTimer::timeout, this, &FramesModel::flush);
}

void FramesModel::setServer(EventServer *server)
{
    if (server == m_server)
        return;
    disconnect(m_frameConnection);
    m_server = server;
    if (!server)
        return;
    m_frameConnection = connect(server, &EventServer::plainFrame, this,
                                [this](PlainConnection *c, const WebSocketFrame &frame) {
                                    append(c->id(), frame);
                                });
}

int FramesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int FramesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(FramesColumn::Count);
}

void FramesModel::append(const QString &connectionId, const WebSocketFrame &frame)
{
    if (m_paused) {
        ++m_droppedWhilePaused;
        return;
    }
    FrameLogEntry e;
    e.serial = m_nextSerial++;
    e.connectionId = connectionId;
    e.frame = frame;
    if (!e.frame.time.isValid())
        e.frame.time = QDateTime::currentDateTimeUtc();
    m_pending.append(std::move(e));
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void FramesModel::flush()
{
    m_flushTimer.stop();
    if (m_pending.isEmpty())
        return;
    QList<FrameLogEntry> batch = std::exchange(m_pending, {});
    if (batch.size() > m_capacity)
        batch.remove(0, batch.size() - m_capacity);
    int removed = 0;
    const qsizetype overflow = m_entries.size() + batch.size() - m_capacity;
    if (overflow > 0) {
        removed = int(qMin(overflow, m_entries.size()));
        beginRemoveRows({}, 0, removed - 1);
        m_entries.remove(0, removed);
        endRemoveRows();
    }
    const int first = int(m_entries.size());
    beginInsertRows({}, first, first + int(batch.size()) - 1);
    m_entries.append(std::move(batch));
    endInsertRows();
    Q_EMIT flushed(int(m_entries.size()) - first, removed);
}

void FramesModel::clear()
{
    m_pending.clear();
    m_flushTimer.stop();
    beginResetModel();
    m_entries.clear();
    endResetModel();
}

void FramesModel::setCapacity(qsizetype capacity)
{
    m_capacity = qMax<qsizetype>(1, capacity);
    if (m_entries.size() > m_capacity) {
        const int removed = int(m_entries.size() - m_capacity);
        beginRemoveRows({}, 0, removed - 1);
        m_entries.remove(0, removed);
        endRemoveRows();
        Q_EMIT flushed(0, removed);
    }
}

void FramesModel::setPaused(bool paused)
{
    m_paused = paused;
}

QString FramesModel::preview(const WebSocketFrame &frame)
{
    using Op = WebSocketFrame::Opcode;
    if (frame.opcode == Op::Close) {
        if (frame.closeCode == 0)
            return tr("(no code)");
        return frame.closeReason.isEmpty()
                ? QString::number(frame.closeCode)
                : u"%1 \"%2\""_s.arg(frame.closeCode).arg(frame.closeReason);
    }
    const QByteArray head = frame.payload.left(PreviewBytes);
    if (frame.opcode == Op::Binary || frame.opcode == Op::Ping || frame.opcode == Op::Pong) {
        QString hex = QString::fromLatin1(head.toHex(' '));
        if (frame.length > head.size())
            hex += u" …"_s;
        return hex;
    }
    // Text and continuation frames: UTF-8 as far as it goes (a fragment may split a character).
    QString text = QString::fromUtf8(head);
    text.replace(u'\n', u'⏎');
    if (frame.length > head.size())
        text += u'…';
    return text;
}

QVariant FramesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const FrameLogEntry &e = m_entries.at(index.row());
    const WebSocketFrame &f = e.frame;
    const auto column = FramesColumn(index.column());
    switch (role) {
    case SocketIdRole:
        return e.connectionId;
    case DirectionRole:
        return f.incoming ? 0 : 1; // as EventLogEntry::Direction: In, Out
    case KindRole:
        return int(f.opcode);
    case SerialRole:
        return e.serial;
    case PayloadTextRole:
        return preview(f);
    case Qt::TextAlignmentRole:
        if (column == FramesColumn::Length)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        if (column == FramesColumn::Time)
            return f.time.toLocalTime().toString(Qt::ISODateWithMs);
        return {};
    case SortRole:
        switch (column) {
        case FramesColumn::Time: return f.time.toMSecsSinceEpoch();
        case FramesColumn::Direction: return f.incoming ? 0 : 1;
        case FramesColumn::Connection: return e.connectionId;
        case FramesColumn::Opcode: return int(f.opcode);
        case FramesColumn::Fin: return f.fin;
        case FramesColumn::Length: return f.length;
        case FramesColumn::Payload: return preview(f);
        case FramesColumn::Count: break;
        }
        return {};
    case Qt::DisplayRole:
        switch (column) {
        case FramesColumn::Time: return f.time.toLocalTime().toString(u"HH:mm:ss.zzz"_s);
        case FramesColumn::Direction: return f.incoming ? tr("in") : tr("out");
        case FramesColumn::Connection: return e.connectionId;
        case FramesColumn::Opcode: return WebSocketFrame::opcodeName(f.opcode);
        case FramesColumn::Fin: return f.fin ? tr("FIN") : QString();
        case FramesColumn::Length: return QString::number(f.length);
        case FramesColumn::Payload: return preview(f);
        case FramesColumn::Count: break;
        }
        return {};
    default:
        return {};
    }
}

QVariant FramesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (FramesColumn(section)) {
    case FramesColumn::Time: return tr("Time");
    case FramesColumn::Direction: return tr("Dir");
    case FramesColumn::Connection: return tr("Connection");
    case FramesColumn::Opcode: return tr("Opcode");
    case FramesColumn::Fin: return tr("FIN");
    case FramesColumn::Length: return tr("Length");
    case FramesColumn::Payload: return tr("Payload");
    case FramesColumn::Count: break;
    }
    return {};
}

} // namespace Sockscope
