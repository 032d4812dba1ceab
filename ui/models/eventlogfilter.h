// Sockscope: which rows of the event log to show.
#pragma once

#include <QRegularExpression>
#include <QSortFilterProxyModel>

namespace Sockscope {

/*
    Filters an EventLogModel (or any model with its roles) by socket id, namespace, event name,
    direction, and text or a regular expression over the arguments' JSON. Every criterion is
    optional; an entry must match all that are set. Order is kept (no sorting).
*/
class EventLogFilter : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    enum class DirectionFilter { Both, In, Out };
    Q_ENUM(DirectionFilter)

    explicit EventLogFilter(QObject *parent = nullptr);

    QString socketFilter() const { return m_socket; }
    void setSocketFilter(const QString &socketId); // substring, case-sensitive
    QString namespaceFilter() const { return m_namespace; }
    void setNamespaceFilter(const QString &nsp); // exact; empty: every namespace
    QString eventFilter() const { return m_event; }
    void setEventFilter(const QString &event); // substring, case-insensitive
    DirectionFilter directionFilter() const { return m_direction; }
    void setDirectionFilter(DirectionFilter direction);
    QString textFilter() const { return m_text; }
    bool isTextRegularExpression() const { return m_textIsRegex; }
    // Text to find in the arguments (case-insensitive); with regex, a regular expression.
    // Returns false (and filters nothing out by text) if the expression is invalid.
    bool setTextFilter(const QString &text, bool regex = false);
    QString textFilterError() const { return m_textError; }

    // Sets every criterion at once with one re-filter.
    bool setFilters(const QString &socketId, const QString &nsp, const QString &event,
                    DirectionFilter direction, const QString &text, bool regex);

    bool isActive() const;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    bool applyText(const QString &text, bool regex);

    QString m_socket;
    QString m_namespace;
    QString m_event;
    DirectionFilter m_direction = DirectionFilter::Both;
    QString m_text;
    bool m_textIsRegex = false;
    QRegularExpression m_regex;
    QString m_textError;
};

} // namespace Sockscope
