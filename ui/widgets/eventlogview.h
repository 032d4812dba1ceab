// Sockscope: the event log with its filters, Pause, Clear, Follow and Export.
#pragma once

#include <QTimer>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QToolButton;
class QTreeView;
QT_END_NAMESPACE

namespace Sockscope {

class EventLogFilter;
class EventLogModel;

class EventLogView : public QWidget
{
    Q_OBJECT
public:
    explicit EventLogView(EventLogModel *model, QWidget *parent = nullptr);

    QTreeView *view() const { return m_view; }
    EventLogFilter *filter() const { return m_filter; }
    EventLogModel *model() const { return m_model; }

    // The filter boxes; changes apply after a 300 ms pause in typing.
    void setSocketFilter(const QString &socketId);
    void setNamespaceFilter(const QString &nsp);
    void setEventFilter(const QString &event);
    void setDirectionFilter(int direction); // EventLogFilter::DirectionFilter
    void setTextFilter(const QString &text, bool regex);
    void applyFiltersNow();
    void setNamespaces(const QStringList &namespaces);

    bool isFollowing() const;
    void setFollowing(bool follow);

    // Writes the rows the filter shows as JSON lines.
    bool exportTo(const QString &path, QString *errorString = nullptr) const;
    // Selects the entry with this serial (showing it even if the filter hides it: no).
    bool selectSerial(qint64 serial);
    int currentSourceRow() const;
    // Asks for a file name and exports to it.
    void exportInteractive();

Q_SIGNALS:
    void currentEntryChanged(int sourceRow); // -1 when none

private:
    void scheduleFilter();
    void updateCount();
    void followTail();

    EventLogModel *m_model = nullptr;
    EventLogFilter *m_filter = nullptr;
    QTreeView *m_view = nullptr;
    QLineEdit *m_socket = nullptr;
    QComboBox *m_namespace = nullptr;
    QLineEdit *m_event = nullptr;
    QComboBox *m_direction = nullptr;
    QLineEdit *m_text = nullptr;
    QCheckBox *m_regex = nullptr;
    QToolButton *m_pause = nullptr;
    QToolButton *m_clear = nullptr;
    QToolButton *m_follow = nullptr;
    QToolButton *m_export = nullptr;
    QLabel *m_count = nullptr;
    QLabel *m_filterError = nullptr;
    QTimer m_debounce;
    QTimer m_followTimer;
    int m_lastFollowedRows = -1;
};

} // namespace Sockscope
