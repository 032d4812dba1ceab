#include "eventlogfilter.h"

#include "columns.h"

namespace Sockscope {

EventLogFilter::EventLogFilter(QObject *parent) : QSortFilterProxyModel(parent)
{
    setDynamicSortFilter(true);
}

void EventLogFilter::setSocketFilter(const QString &socketId)
{
    if (socketId == m_socket)
        return;
    m_socket = socketId;
    invalidateFilter();
}

void EventLogFilter::setNamespaceFilter(const QString &nsp)
{
    if (nsp == m_namespace)
        return;
    m_namespace = nsp;
    invalidateFilter();
}

void EventLogFilter::setEventFilter(const QString &event)
{
    if (event == m_event)
        return;
    m_event = event;
    invalidateFilter();
}

void EventLogFilter::setDirectionFilter(DirectionFilter direction)
{
    if (direction == m_direction)
        return;
    m_direction = direction;
    invalidateFilter();
}

bool EventLogFilter::applyText(const QString &text, bool regex)
{
    m_text = text;
    m_textIsRegex = regex;
    m_textError.clear();
    m_regex = {};
    if (regex && !text.isEmpty()) {
        m_regex = QRegularExpression(text, QRegularExpression::CaseInsensitiveOption);
        if (!m_regex.isValid()) {
            m_textError = m_regex.errorString();
            m_regex = {};
            return false;
        }
        m_regex.optimize();
    }
    return true;
}

bool EventLogFilter::setTextFilter(const QString &text, bool regex)
{
    if (text == m_text && regex == m_textIsRegex)
        return m_textError.isEmpty();
    const bool ok = applyText(text, regex);
    invalidateFilter();
    return ok;
}

bool EventLogFilter::setFilters(const QString &socketId, const QString &nsp,
                                const QString &event, DirectionFilter direction,
                                const QString &text, bool regex)
{
    const bool changed = socketId != m_socket || nsp != m_namespace || event != m_event
            || direction != m_direction || text != m_text || regex != m_textIsRegex;
    m_socket = socketId;
    m_namespace = nsp;
    m_event = event;
    m_direction = direction;
    bool ok = m_textError.isEmpty();
    if (text != m_text || regex != m_textIsRegex)
        ok = applyText(text, regex);
    if (changed)
        invalidateFilter();
    return ok;
}

bool EventLogFilter::isActive() const
{
    return !m_socket.isEmpty() || !m_namespace.isEmpty() || !m_event.isEmpty()
            || m_direction != DirectionFilter::Both || !m_text.isEmpty();
}

bool EventLogFilter::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    if (m_direction != DirectionFilter::Both) {
        const int dir = index.data(DirectionRole).toInt(); // 0 in, 1 out
        if ((m_direction == DirectionFilter::In) != (dir == 0))
            return false;
    }
    if (!m_namespace.isEmpty() && index.data(NamespaceRole).toString() != m_namespace)
        return false;
    if (!m_socket.isEmpty() && !index.data(SocketIdRole).toString().contains(m_socket))
        return false;
    if (!m_event.isEmpty()
        && !index.data(EventNameRole).toString().contains(m_event, Qt::CaseInsensitive))
        return false;
    if (!m_text.isEmpty() && m_textError.isEmpty()) {
        const QString payload = index.data(PayloadTextRole).toString();
        if (m_textIsRegex ? !m_regex.match(payload).hasMatch()
                          : !payload.contains(m_text, Qt::CaseInsensitive))
            return false;
    }
    return true;
}

} // namespace Sockscope
