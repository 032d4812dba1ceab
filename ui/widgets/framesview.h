// Sockscope: the frame-by-frame list of plain WebSocket traffic.
#pragma once

#include <QTimer>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTreeView;
QT_END_NAMESPACE

namespace Sockscope {

class FramesModel;

/*
    Shows a FramesModel: direction, time, opcode, FIN, payload length and a preview (close
    frames: code and reason). The connection filter matches connection ids (debounced);
    Pause, Clear and Follow as on the event log.
*/
class FramesView : public QWidget
{
    Q_OBJECT
public:
    explicit FramesView(FramesModel *model, QWidget *parent = nullptr);

    QTreeView *view() const { return m_view; }
    QSortFilterProxyModel *proxy() const { return m_proxy; }
    FramesModel *model() const { return m_model; }

    void setConnectionFilter(const QString &connectionId); // applied after the debounce
    void applyFilterNow();
    void setPaused(bool paused);

private:
    void updateCount();

    FramesModel *m_model = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QTreeView *m_view = nullptr;
    QLineEdit *m_filter = nullptr;
    QPushButton *m_pause = nullptr;
    QPushButton *m_clear = nullptr;
    QCheckBox *m_follow = nullptr;
    QLabel *m_count = nullptr;
    QTimer m_debounce;
    QTimer m_followTimer;
};

} // namespace Sockscope
