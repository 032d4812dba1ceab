#include "framesview.h"

#include <columns.h>
#include <framesmodel.h>

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTreeView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace Sockscope {

FramesView::FramesView(FramesModel *model, QWidget *parent) : QWidget(parent), m_model(model)
{
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(model);
    m_proxy->setFilterKeyColumn(int(FramesColumn::Connection));
    m_proxy->setFilterCaseSensitivity(Qt::CaseSensitive);

    m_view = new QTreeView(this);
    m_view->setObjectName(u"framesView"_s);
    m_view->setModel(m_proxy);
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->header()->resizeSection(int(FramesColumn::Time), 100);
    m_view->header()->resizeSection(int(FramesColumn::Direction), 40);
    m_view->header()->resizeSection(int(FramesColumn::Connection), 170);
    m_view->header()->resizeSection(int(FramesColumn::Opcode), 95);
    m_view->header()->resizeSection(int(FramesColumn::Fin), 40);
    m_view->header()->resizeSection(int(FramesColumn::Length), 70);

    m_filter = new QLineEdit(this);
    m_filter->setObjectName(u"framesFilter"_s);
    m_filter->setPlaceholderText(tr("Connection id…"));
    m_filter->setClearButtonEnabled(true);
    m_pause = new QPushButton(tr("Pause"), this);
    m_pause->setObjectName(u"framesPause"_s);
    m_pause->setCheckable(true);
    m_pause->setToolTip(tr("Stop adding frames to the list (the connections go on)"));
    m_clear = new QPushButton(tr("Clear"), this);
    m_clear->setObjectName(u"framesClear"_s);
    m_clear->setToolTip(tr("Remove every frame from the list"));
    m_follow = new QCheckBox(tr("Follow"), this);
    m_follow->setObjectName(u"framesFollow"_s);
    m_follow->setChecked(true);
    m_follow->setToolTip(tr("Keep the newest frame in view"));
    m_count = new QLabel(this);
    m_count->setObjectName(u"framesCount"_s);

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_filter, 1);
    bar->addWidget(m_pause);
    bar->addWidget(m_clear);
    bar->addWidget(m_follow);
    bar->addWidget(m_count);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_view, 1);

    m_debounce.setSingleShot(true);
    m_debounce.setInterval(300);
    connect(&m_debounce, &QTimer::timeout, this, &FramesView::applyFilterNow);
    connect(m_filter, &QLineEdit::textChanged, this, [this] { m_debounce.start(); });
    connect(m_pause, &QPushButton::toggled, this, [this](bool on) {
        m_model->setPaused(on);
        m_pause->setText(on ? tr("Resume") : tr("Pause"));
        updateCount();
    });
    connect(m_clear, &QPushButton::clicked, m_model, &FramesModel::clear);
    // Follow the tail on a timer, not per insert.
    m_followTimer.setInterval(200);
    connect(&m_followTimer, &QTimer::timeout, this, [this] {
        if (m_follow->isChecked() && m_proxy->rowCount() > 0)
            m_view->scrollToBottom();
    });
    m_followTimer.start();
    connect(m_model, &FramesModel::flushed, this, &FramesView::updateCount);
    connect(m_model, &QAbstractItemModel::modelReset, this, &FramesView::updateCount);
    updateCount();
}

void FramesView::setConnectionFilter(const QString &connectionId)
{
    m_filter->setText(connectionId);
}

void FramesView::applyFilterNow()
{
    m_debounce.stop();
    m_proxy->setFilterFixedString(m_filter->text().trimmed());
    updateCount();
}

void FramesView::setPaused(bool paused)
{
    m_pause->setChecked(paused);
}

void FramesView::updateCount()
{
    QString text = tr("%n frame(s)", nullptr, m_proxy->rowCount());
    if (m_model->isPaused())
        text += tr(", paused (%1 skipped)").arg(m_model->droppedWhilePaused());
    m_count->setText(text);
}

} // namespace Sockscope
